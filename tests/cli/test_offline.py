#!/usr/bin/python3
"""kerf's offline commands (compile, validate) and the global command line:
outputs against golden files and dtc, every exit code (0, 1, 2, 3)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import Tap, kerf, DATA, EXAMPLES  # noqa: E402

TMP = tempfile.mkdtemp(prefix='kerf-cli-offline-')
NH = '--no-host-checks'


def test_global(t):
    r = kerf('--help')
    t.rc(r, 0, '--help')
    for cmd in ('init', 'create', 'load', 'exec', 'show', 'kill', 'unload', 'update', 'delete',
                'transactions', 'rollback', 'monitor', 'validate', 'compile'):
        t.contains(r.out, f'\n  {cmd} ', '--help lists ' + cmd, r)
    r = kerf('--version')
    t.rc(r, 0, '--version')
    t.ok(r.out.startswith('kerf '), '--version prints "kerf VERSION"', r)
    r = kerf()
    t.rc(r, 2, 'no command')
    t.contains(r.err, 'Usage: kerf', 'no command prints usage', r)
    r = kerf('frobnicate')
    t.rc(r, 2, 'unknown command')
    t.contains(r.err, "unknown command 'frobnicate'", 'unknown command', r)
    r = kerf('--frob', 'show')
    t.rc(r, 2, 'unknown global option')
    for cmd in ('validate', 'compile', 'init', 'create', 'load', 'show', 'monitor', 'rollback'):
        r = kerf(cmd, '--help')
        t.rc(r, 0, f'{cmd} --help')
        t.contains(r.out, f'kerf {cmd} [OPTION', f'{cmd} --help usage line', r)
        t.contains(r.out, '--json', f'{cmd} --help lists the common options', r)


def test_validate(t):
    r = kerf('validate', NH, os.path.join(DATA, 'baseline.dts'))
    t.rc(r, 0, 'validate valid baseline')
    t.ok(r.out.endswith('baseline.dts: valid (0 warnings)\n'), 'validate valid: summary line', r)
    t.ok(r.err == '', 'validate valid: nothing on stderr', r)

    # the seed's example: oversized cells are read as meant, with a warning
    r = kerf('validate', NH, 'examples/baseline.dts')
    t.rc(r, 0, 'validate examples/baseline.dts')
    t.contains(r.err, 'warning: cell value 0x400000000 does not fit in 32 bits',
               'the seed baseline\'s oversized cell is read with a warning', r)

    # golden on a private copy: the examples may be edited by others
    r = kerf('validate', NH, 'conflict.dts', cwd=DATA)
    t.rc(r, 3, 'validate conflict.dts')
    t.golden(r.err + r.out, 'validate-conflict.txt', 'validate conflict.dts')

    r = kerf('validate', NH, 'examples/conflict_example.dts')
    t.rc(r, 3, 'validate conflict_example')
    errors = [l for l in r.err.splitlines() if ': error: ' in l]
    t.ok(len(errors) >= 5, 'validate reports every error, not just the first', r)
    t.ok(all(l.startswith('examples/conflict_example.dts:') for l in errors),
         'every error is located FILE:LINE:COL', r)
    t.ok(r.err.count('  suggestion: ') >= len(errors), 'every error has a suggestion', r)

    r = kerf('--json', 'validate', NH, 'examples/conflict_example.dts')
    t.rc(r, 3, 'validate --json conflict')
    doc = r.json()
    t.ok(doc['valid'] is False and doc['errors'] >= 5 and doc['file'] == 'examples/conflict_example.dts',
         'validate --json: valid/errors/file', r)
    d = doc['diagnostics'][0]
    t.ok(set(d) == {'severity', 'rule', 'file', 'line', 'column', 'message', 'suggestion'},
         'validate --json: diagnostic keys', d)
    t.ok(sum(1 for d in doc['diagnostics'] if d['severity'] == 'error') == doc['errors'],
         'validate --json: error count matches', r)
    # --json after the command name works too
    r2 = kerf('validate', '--json', NH, 'examples/conflict_example.dts')
    t.ok(r2.rc == 3 and r2.json() == doc, 'validate --json after the command', r2)

    r = kerf('--json', 'validate', NH, os.path.join(DATA, 'baseline.dts'))
    t.rc(r, 0, 'validate --json valid')
    t.golden(r.out.replace(DATA, 'DATA'), 'validate-json-valid.txt', 'validate --json valid')

    for ex in ('minimal', 'edge_computing', 'numa_topology', 'system'):
        r = kerf('validate', NH, f'examples/{ex}.dts')
        t.rc(r, 0, f'validate examples/{ex}.dts')

    r = kerf('validate', NH, os.path.join(DATA, 'syntax-error.dts'))
    t.rc(r, 3, 'validate syntax error')
    t.contains(r.err, 'syntax-error.dts:7:4: error: ', 'syntax error located', r)

    # includes: findings name the included file and its lines
    r = kerf('validate', NH, os.path.join(DATA, 'include-main.dts'))
    t.rc(r, 0, 'validate with /include/')
    r = kerf('validate', NH, os.path.join(DATA, 'bad-include.dts'))
    t.rc(r, 3, 'validate error in an included file')
    t.contains(r.err, 'include-bad.dtsi:6:', 'error located in the included file', r)

    r = kerf('validate', NH, os.path.join(DATA, 'plain.dts'))
    t.rc(r, 0, 'validate plain DTS (not kerf): compiles')

    r = kerf('validate', NH, '/nonexistent/file.dts')
    t.rc(r, 1, 'validate missing file')
    t.contains(r.err, 'kerf: ', 'missing file message', r)
    r = kerf('validate')
    t.rc(r, 2, 'validate without FILE')
    t.contains(r.err, "Try 'kerf validate --help'", 'usage hint', r)
    r = kerf('validate', 'a.dts', 'b.dts')
    t.rc(r, 2, 'validate two files')
    r = kerf('validate', '--bogus', 'a.dts')
    t.rc(r, 2, 'validate unknown option')


def test_compile(t):
    src = os.path.join(DATA, 'baseline.dts')
    out = os.path.join(TMP, 'baseline.dtb')
    r = kerf('compile', NH, src, '-o', out)
    t.rc(r, 0, 'compile -o DTB')
    if shutil.which('dtc'):
        ref = os.path.join(TMP, 'baseline-dtc.dtb')
        # dtc does not know /multikernel-v1/: give it the same tree as /dts-v1/
        with open(src) as f:
            text = f.read().replace('/multikernel-v1/;', '/dts-v1/;')
        plain = os.path.join(TMP, 'baseline-plain.dts')
        with open(plain, 'w') as f:
            f.write(text)
        subprocess.run(['dtc', '-q', '-I', 'dts', '-O', 'dtb', '-o', ref, plain], check=True)
        with open(out, 'rb') as a, open(ref, 'rb') as b:
            t.ok(a.read() == b.read(), 'compile output equals dtc byte for byte')
    r = kerf('compile', NH, '-O', 'dts', out)
    t.rc(r, 0, 'compile DTB -> DTS')
    t.golden(r.out, 'compile-dtb-to-dts.dts', 'DTB decompiled')
    r = kerf('compile', NH, src)
    t.rc(r, 0, 'compile to DTS on stdout')
    t.golden(r.out, 'compile-baseline.dts', 'compile to DTS')
    r = kerf('compile', NH, '--emit=kernel', src)
    t.rc(r, 0, 'compile --emit=kernel')
    t.golden(r.out, 'compile-emit-kernel.dts', 'compile --emit=kernel')
    t.contains(r.out, 'multikernel-v1', 'kernel baseline has the kernel compatible', r)

    r = kerf('compile', NH, 'examples/conflict_example.dts', '-o', os.path.join(TMP, 'x.dtb'))
    t.rc(r, 3, 'compile invalid input')
    t.ok(not os.path.exists(os.path.join(TMP, 'x.dtb')), 'compile writes nothing when invalid')
    r = kerf('compile', os.path.join(DATA, 'syntax-error.dts'))
    t.rc(r, 3, 'compile syntax error')
    r = kerf('compile', '--emit=kernel', os.path.join(DATA, 'plain.dts'))
    t.rc(r, 3, 'compile --emit=kernel of a non-kerf tree')
    r = kerf('compile', NH, os.path.join(DATA, 'plain.dts'))
    t.rc(r, 0, 'compile plain DTS')
    r = kerf('compile', '-O', 'xml', src)
    t.rc(r, 2, 'compile bad -O')
    r = kerf('compile', '--emit=everything', src)
    t.rc(r, 2, 'compile bad --emit')
    r = kerf('compile')
    t.rc(r, 2, 'compile without FILE')
    r = kerf('compile', '/nonexistent.dts')
    t.rc(r, 1, 'compile missing file')


t = Tap()
status = t.run([test_global, test_validate, test_compile])
shutil.rmtree(TMP, ignore_errors=True)
sys.exit(status)
