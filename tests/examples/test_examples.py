#!/usr/bin/python3
"""Every example file through the built `kerf validate`, against goldens.

For each of examples/*.dts (the seed's baselines and conflict_example) and
examples/states/*.dts|*.dtb (the rule examples), from the source root:

  kerf validate --no-host-checks FILE          -> golden/<path>.txt
                                                  (exit status, stdout, stderr)
  kerf --json validate --no-host-checks FILE   -> golden/<path>.json (stdout);
                                                  same exit status, no stderr

and the claims the files make about themselves:

  - a state example's header says "Demonstrates: ..." and names exactly the
    rules its findings carry (with those of its host goldens, written by
    test-host-examples.c);
  - an example whose header says INVALID exits 3, VALID exits 0;
  - conflict_example.dts fails with exactly the errors it was written to
    show, once each.

KERF_UPDATE_GOLDEN=1 rewrites the goldens instead (review every diff: they
are the specification of what each rule says).  Prints TAP.
"""
import glob
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get('KERF_SOURCE_DIR', os.path.dirname(os.path.dirname(HERE)))
KERF = os.environ.get('KERF_CLI', os.path.join(SRCDIR, 'build', 'src', 'cli', 'kerf'))
GOLDEN = os.path.join(HERE, 'golden')
UPDATE = os.environ.get('KERF_UPDATE_GOLDEN') == '1'
RULE_ID = re.compile(r'\b(?:[A-Z]{1,2}[0-9]{1,2})\b')


def catalogue():
    with open(os.path.join(SRCDIR, 'docs', 'validation-rules.md')) as f:
        return set(re.findall(r'^\| ([A-Z]+[0-9]+) \| [a-z]+ \| (?:error|warning) \|', f.read(),
                              re.M))


CATALOGUE = catalogue()

# What conflict_example.dts was written to show (its header comment).
CONFLICT_ERRORS = ['I2', 'C3', 'MA4', 'D2', 'C2', 'MA3', 'D4']

n = 0
failed = 0


def ok(cond, name, detail=''):
    global n, failed
    n += 1
    print(f'{"ok" if cond else "not ok"} {n} - {name}')
    if not cond:
        failed += 1
        for line in str(detail).splitlines():
            print(f'# {line}')
    return cond


def examples():
    files = sorted(glob.glob(os.path.join(SRCDIR, 'examples', '*.dts')))
    files += sorted(glob.glob(os.path.join(SRCDIR, 'examples', 'states', '*.dts')))
    files += sorted(glob.glob(os.path.join(SRCDIR, 'examples', 'states', '*.dtb')))
    return [os.path.relpath(f, SRCDIR) for f in files]


def run(*args):
    env = dict(os.environ)
    env.pop('KERF_BUS', None)
    proc = subprocess.run([KERF, *args], capture_output=True, text=True, cwd=SRCDIR,
                          env=env, stdin=subprocess.DEVNULL, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def golden_path(rel, suffix):
    # examples/states/x.dts -> golden/states/x.txt
    parts = rel.split(os.sep)[1:]
    base = os.path.splitext(os.path.join(*parts))[0]
    return os.path.join(GOLDEN, base + suffix)


def compare(path, got, name):
    if UPDATE:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(got)
        return ok(True, f'{name} (golden rewritten)')
    try:
        with open(path) as f:
            want = f.read()
    except FileNotFoundError:
        return ok(False, name, f'{path} is missing (KERF_UPDATE_GOLDEN=1 writes it)')
    if want == got:
        return ok(True, name)
    import difflib
    diff = ''.join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                        'golden', 'kerf'))
    return ok(False, name, diff)


def header(rel):
    if not rel.endswith('.dts'):
        return ''
    with open(os.path.join(SRCDIR, rel)) as f:
        text = f.read()
    m = re.search(r'/\*(.*?)\*/', text, re.S)
    return m.group(1) if m else ''


def demonstrated(head):
    """Rule ids of the "Demonstrates:" paragraph (up to the blank line)."""
    m = re.search(r'Demonstrates:(.*?)(?:\n\s*\*\s*\n|\Z)', head, re.S)
    return set(RULE_ID.findall(m.group(1))) if m else None


def host_rules(rel):
    rules = set()
    for path in glob.glob(os.path.join(GOLDEN, 'host', '*.json')):
        with open(path) as f:
            doc = json.load(f)
        if doc['file'] == rel:
            rules |= {d['rule'] for d in doc['diagnostics']}
    return rules


def main():
    if not os.access(KERF, os.X_OK):
        print(f'1..0 # SKIP no kerf binary at {KERF}')
        return 0
    files = examples()
    ok(len(files) >= 6 + 20, f'{len(files)} example files found')
    for rel in files:
        rc, out, err = run('validate', '--no-host-checks', rel)
        text = (f'$ kerf validate --no-host-checks {rel}\n--- exit {rc}\n'
                f'--- stdout\n{out}--- stderr\n{err}')
        compare(golden_path(rel, '.txt'), text, f'{rel}: text output')
        ok(rc in (0, 3), f'{rel}: exit status is 0 or 3', text)

        jrc, jout, jerr = run('--json', 'validate', '--no-host-checks', rel)
        compare(golden_path(rel, '.json'), jout, f'{rel}: --json output')
        ok(jrc == rc and jerr == '', f'{rel}: --json exits {rc} and prints nothing on stderr',
           f'exit {jrc}\n{jerr}')
        try:
            doc = json.loads(jout)
        except ValueError as e:
            ok(False, f'{rel}: --json output parses', e)
            continue
        ok(doc['valid'] == (rc == 0) and doc['errors'] == sum(
            d['severity'] == 'error' for d in doc['diagnostics']),
           f'{rel}: --json verdict and counts agree with the exit status', jout)
        # validator findings carry a catalogue id; the parser's and the
        # model reader's carry none or "schema"
        unknown = {d['rule'] for d in doc['diagnostics']} - CATALOGUE - {None, 'schema'}
        ok(not unknown, f'{rel}: every rule id is in the catalogue', f'unknown: {unknown}')
        ok(all(d['suggestion'] for d in doc['diagnostics'] if d['severity'] == 'error'),
           f'{rel}: every error has a suggestion', jout)

        head = header(rel)
        if re.search(r'\bINVALID\b', head):
            ok(rc == 3, f'{rel}: says INVALID and exits 3', text)
        elif re.search(r'\bVALID\b', head):
            ok(rc == 0, f'{rel}: says VALID and exits 0', text)

        if rel.startswith(os.path.join('examples', 'states')) and rel.endswith('.dts'):
            claimed = demonstrated(head)
            if not ok(claimed is not None, f'{rel}: header says what it demonstrates'):
                continue
            fired = {d['rule'] for d in doc['diagnostics']} | host_rules(rel)
            ok(claimed == fired, f'{rel}: demonstrates exactly the rules it names',
               f'named but not fired: {sorted(claimed - fired)}\n'
               f'fired but not named: {sorted(fired - claimed)}')

        if rel == os.path.join('examples', 'conflict_example.dts'):
            errors = [d['rule'] for d in doc['diagnostics'] if d['severity'] == 'error']
            ok(sorted(errors) == sorted(CONFLICT_ERRORS),
               'conflict_example.dts fails with exactly the errors it was written to show',
               f'got {errors}, want {CONFLICT_ERRORS}')
            ok(all(d['file'] == rel and d['line'] > 0 for d in doc['diagnostics']),
               'conflict_example.dts: every finding is located in the file', jout)

    # no stale goldens for examples that are gone
    wanted = {golden_path(rel, s) for rel in files for s in ('.txt', '.json')}
    stale = [p for p in glob.glob(os.path.join(GOLDEN, '**', '*.*'), recursive=True)
             if not p.startswith(os.path.join(GOLDEN, 'host') + os.sep) and p not in wanted]
    ok(not stale, 'no golden without its example', '\n'.join(stale))
    print(f'1..{n}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
