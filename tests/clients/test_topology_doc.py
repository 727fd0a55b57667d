#!/usr/bin/python3
"""The placement tables of docs/CPU_NUMA_TOPOLOGY.md are what kerfd does.

Every table that follows a `<!-- placement-examples machine=FILE ... -->`
marker is read row by row: the `kerf create x …` options become a
CreateInstance spec (as the kerf CLI builds it: sizes in powers of 1024,
node lists sorted), the instance is created on a fresh pool of FILE
(kerfd on the emulated backend, FILE as the emulated machine and the
baseline), and its Cpus and MemoryBase must be the row's; or the call must
fail with the row's error.  Then the instance is deleted for the next row.
"""
import os
import re
import shlex
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'dbus'))
from kerfdtest import (KerfdTestCase, EXAMPLES, SRCDIR, POOL, POOL_PATH, INSTANCE,  # noqa: E402
                       instance_path, main)
from gi.repository import GLib  # noqa: E402

DOC = os.path.join(SRCDIR, 'docs', 'CPU_NUMA_TOPOLOGY.md')
UNITS = {'KB': 1 << 10, 'MB': 1 << 20, 'GB': 1 << 30, 'TB': 1 << 40}


def id_list(text):
    """'4-5,16-17' -> [4, 5, 16, 17], sorted like kerf_cpu_list_parse."""
    out = []
    for part in text.split(','):
        a, _, b = part.strip().partition('-')
        out.extend(range(int(a), int(b or a) + 1))
    return sorted(out)


def spec_of(options):
    spec = {}
    for opt in shlex.split(options):
        key, _, value = opt.lstrip('-').partition('=')
        if key == 'cpu-count':
            spec[key] = GLib.Variant('u', int(value))
        elif key in ('cpus', 'numa-nodes'):
            spec[key] = GLib.Variant('au', id_list(value))
        elif key == 'memory':
            m = re.fullmatch(r'(\d+)([KMGT]B)', value)
            spec['memory-bytes'] = GLib.Variant('t', int(m.group(1)) * UNITS[m.group(2)])
        elif key in ('cpu-affinity', 'memory-policy'):
            spec[key] = GLib.Variant('s', value)
        else:
            raise ValueError('option the test does not know: ' + opt)
    return spec


def tables():
    """{machine: [(options, cpus or error, base or None)]} from the doc."""
    with open(DOC, encoding='utf-8') as f:
        lines = f.read().split('\n')
    found = {}
    i = 0
    while i < len(lines):
        m = re.match(r'<!-- placement-examples machine=(\S+)', lines[i])
        i += 1
        if not m:
            continue
        rows = found.setdefault(m.group(1), [])
        while i < len(lines) and lines[i].startswith('|'):
            cells = [c.strip() for c in lines[i].strip('|').split('|')]
            i += 1
            if not cells[0].startswith('`--'):
                continue    # header and separator
            options = cells[0].strip('`')
            if cells[1].startswith('Error.'):
                rows.append((options, cells[1], None))
            else:
                rows.append((options, id_list(cells[1]), int(cells[2], 16)))
    return found


class TopologyDocTest(KerfdTestCase):
    def check_machine(self, machine):
        rows = tables().get(machine)
        self.assertTrue(rows, f'no placement table for {machine} in {DOC}')
        self.stop_daemon()
        self.start_daemon(('--emulated-machine=' + os.path.join(EXAMPLES, machine),))
        self.initialize(machine)
        for options, want, base in rows:
            with self.subTest(machine=machine, options=options):
                spec = spec_of(options)
                if isinstance(want, str):
                    self.assert_error(want[len('Error.'):], self.create, 'x', spec)
                    continue
                path = self.create('x', spec)
                self.assertEqual(path, instance_path('x'))
                props = self.get_all(path, INSTANCE)
                try:
                    self.assertEqual(list(props['Cpus']), want, 'CPUs')
                    self.assertEqual(props['MemoryBase'], base,
                                     'memory base %#x, doc says %#x' % (props['MemoryBase'], base))
                finally:
                    self.call(path, INSTANCE, 'Delete', '(a{sv})', ({},))
        # the pool is whole again: nothing leaked between rows
        self.assertEqual(self.get(POOL_PATH, POOL, 'FreeCpus'),
                         self.get(POOL_PATH, POOL, 'AvailableCpus'))

    def test_numa_topology_table(self):
        self.check_machine('numa_topology.dts')

    def test_minimal_table(self):
        self.check_machine('minimal.dts')

    def test_parser_reads_the_doc(self):
        # guards the test itself: a reworded marker must not make it vacuous
        found = tables()
        self.assertGreaterEqual(len(found.get('numa_topology.dts', [])), 10)
        self.assertGreaterEqual(len(found.get('minimal.dts', [])), 4)
        self.assertEqual(spec_of('--numa-nodes=3,1')['numa-nodes'].unpack(), [1, 3])


if __name__ == '__main__':
    main()
