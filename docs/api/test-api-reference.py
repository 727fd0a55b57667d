#!/usr/bin/python3
"""The generated API reference cannot drift from the D-Bus API.

    test-api-reference.py REFERENCE.md

Checks, against every introspection/*.xml of the source tree (a glob, so a
new interface file that the build forgot is caught too):

  - each interface, method, property and signal has its section in the
    reference, each argument is listed with its type and direction, each
    property with its type;
  - each method's polkit action in the reference is the one kerfd's bouncer
    really checks (src/daemon/kerfd-bouncer.c), every bouncer entry is a
    method of the XML, and every action exists in the polkit policy;
  - no DocBook markup leaked through.

Then it checks itself: the same checks on a copy of the reference with one
property section removed must fail.
TAP output.
"""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

SRCDIR = os.environ.get('KERF_SOURCE_DIR',
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def load_api():
    api = []    # (iface, kind, name, [(argname, type, direction)] or type)
    files = sorted(glob.glob(os.path.join(SRCDIR, 'introspection', '*.xml')))
    if not files:
        raise SystemExit('Bail out! no introspection XML under ' + SRCDIR)
    for path in files:
        root = ET.parse(path).getroot()
        for iface in root.findall('interface'):
            name = iface.get('name')
            api.append((name, 'interface', name, None))
            for m in iface.findall('method'):
                api.append((name, 'method', m.get('name'),
                            [(a.get('name'), a.get('type'), a.get('direction', 'in'))
                             for a in m.findall('arg')]))
            for p in iface.findall('property'):
                api.append((name, 'property', p.get('name'), p.get('type')))
            for s in iface.findall('signal'):
                api.append((name, 'signal', s.get('name'),
                            [(a.get('name'), a.get('type'), 'out') for a in s.findall('arg')]))
    return api


def load_bouncer():
    names = {}
    with open(os.path.join(SRCDIR, 'src', 'daemon', 'kerfd-names.h')) as f:
        for m in re.finditer(r'#define\s+(KERFD_\w+)\s+"([^"]*)"', f.read()):
            names[m.group(1)] = m.group(2)
    with open(os.path.join(SRCDIR, 'src', 'daemon', 'kerfd-bouncer.c')) as f:
        text = f.read()
    rules = {}
    for m in re.finditer(r'\{\s*(KERFD_IFACE_\w+)\s*,\s*"(\w+)"\s*,\s*(KERFD_ACTION_\w+|NULL)\s*\}',
                         text):
        action = None if m.group(3) == 'NULL' else names[m.group(3)]
        rules[(names[m.group(1)], m.group(2))] = action
    return rules


def load_policy_actions():
    root = ET.parse(os.path.join(SRCDIR, 'polkit', 'org.multikernel.kerf.policy')).getroot()
    return {a.get('id') for a in root.findall('action')}


def section(md, heading):
    """Text from `heading` (a whole line) to the next heading of level <= 4."""
    lines = md.split('\n')
    try:
        start = lines.index(heading)
    except ValueError:
        return None
    end = start + 1
    while end < len(lines) and not re.match(r'#{1,4} ', lines[end]):
        end += 1
    return '\n'.join(lines[start:end])


def check(md, api, rules, actions):
    """Returns a list of (description, problem-or-None)."""
    results = []
    short = lambda iface: iface.rsplit('.', 1)[-1]
    methods_seen = set()
    for iface, kind, name, extra in api:
        if kind == 'interface':
            ok = ('\n## %s\n' % name) in md
            results.append(('interface %s has a section' % name,
                            None if ok else 'no "## %s" heading' % name))
            continue
        if kind == 'method':
            heading = '#### %s.%s()' % (short(iface), name)
        elif kind == 'property':
            heading = '#### %s:%s' % (short(iface), name)
        else:
            heading = '#### %s::%s' % (short(iface), name)
        sec = section(md, heading)
        what = '%s %s.%s' % (kind, iface, name)
        if sec is None:
            results.append((what + ' is documented', 'no "%s" heading' % heading))
            continue
        problems = []
        if kind == 'property':
            if ('`%s`, ' % extra) not in sec:
                problems.append('type %s not stated' % extra)
        else:
            for arg, typ, direction in extra:
                row = ('| `%s` | %s | `%s` |' % (arg, direction, typ) if kind == 'method'
                       else '| `%s` | `%s` |' % (arg, typ))
                if row not in sec:
                    problems.append('argument %s (%s %s) missing' % (arg, direction, typ))
        if kind == 'method':
            methods_seen.add((iface, name))
            if (iface, name) not in rules:
                problems.append('not in the bouncer table of kerfd-bouncer.c')
            else:
                want = rules[(iface, name)]
                m = re.search(r'\*polkit action: (?:`([^`]+)`|(none))\.\*', sec)
                got = None if m is None else (m.group(1) or None)
                if m is None:
                    problems.append('no polkit action stated')
                elif got != want:
                    problems.append('reference says polkit action %s, kerfd checks %s'
                                    % (got or 'none', want or 'none'))
                if want is not None and want not in actions:
                    problems.append('action %s is not in the polkit policy' % want)
        results.append((what + ' is documented', '; '.join(problems) or None))
    for (iface, name) in sorted(rules):
        if (iface, name) not in methods_seen:
            results.append(('bouncer entry %s.%s is a documented method' % (iface, name),
                            'not a method of the introspection XML'))
    leaked = re.findall(r'</?(?:literal|code|para|varname)>', md)
    results.append(('no DocBook markup left', 'found %s' % leaked[:3] if leaked else None))
    return results


def main():
    if len(sys.argv) != 2:
        raise SystemExit('usage: test-api-reference.py REFERENCE.md')
    with open(sys.argv[1], encoding='utf-8') as f:
        md = f.read()
    api = load_api()
    rules = load_bouncer()
    actions = load_policy_actions()
    results = check(md, api, rules, actions)

    # self-check: the checker notices a missing property and a wrong action
    prop = next(x for x in api if x[1] == 'property')
    heading = '#### %s:%s' % (prop[0].rsplit('.', 1)[-1], prop[2])
    broken = md.replace(heading + '\n', '#### Removed\n', 1)
    broken = broken.replace('*polkit action: `org.multikernel.kerf.rollback`.*',
                            '*polkit action: none.*', 1)
    bad = ' | '.join(p for _, p in check(broken, api, rules, actions) if p)
    caught = ('no "%s" heading' % heading) in bad and \
        'reference says polkit action none, kerfd checks org.multikernel.kerf.rollback' in bad
    results.append(('self-check: a missing property and a wrong action are caught',
                    None if caught else 'checker missed a mutilation: %s' % bad))

    print('1..%d' % len(results))
    failed = 0
    for i, (what, problem) in enumerate(results, 1):
        if problem is None:
            print('ok %d - %s' % (i, what))
        else:
            failed += 1
            print('not ok %d - %s: %s' % (i, what, problem))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
