#!/usr/bin/python3
"""Pool.Reset: every pool resource goes back to the host, and Initialize works again."""
import os

import libfdt

import kerfdtest
from kerfdtest import GLib, POOL, POOL_PATH, INSTANCE, TRANSACTION

V = GLib.Variant
GiB = 1 << 30


def kernel_pool(state_dir):
    """What the emulated kernel's pool holds, from its device_tree mirror."""
    with open(os.path.join(state_dir, 'emulated-kernel', 'device_tree'), 'rb') as f:
        fdt = libfdt.Fdt(f.read())
    res = fdt.path_offset('/resources')
    cpus_prop = fdt.getprop(res, 'cpus', quiet=(libfdt.NOTFOUND,))
    cpus = []
    if isinstance(cpus_prop, libfdt.Property):
        raw = bytes(cpus_prop)
        cpus = [int.from_bytes(raw[i:i + 8], 'big') for i in range(0, len(raw), 8)]
    chunks = []
    node = fdt.first_subnode(res, quiet=(libfdt.NOTFOUND,))
    while node >= 0:
        if fdt.get_name(node).startswith('memory@'):
            reg = bytes(fdt.getprop(node, 'reg'))
            chunks.append((int.from_bytes(reg[:8], 'big'), int.from_bytes(reg[8:], 'big')))
        node = fdt.next_subnode(node, quiet=(libfdt.NOTFOUND,))
    pci = []

    def walk(node):
        p = fdt.getprop(node, 'pci-id', quiet=(libfdt.NOTFOUND,))
        if isinstance(p, libfdt.Property):
            pci.append(p.as_str())
        child = fdt.first_subnode(node, quiet=(libfdt.NOTFOUND,))
        while child >= 0:
            walk(child)
            child = fdt.next_subnode(child, quiet=(libfdt.NOTFOUND,))
    walk(0)
    return sorted(cpus), sorted(chunks), sorted(pci)


class ResetTest(kerfdtest.KerfdTestCase):

    def reset(self):
        return self.call(POOL_PATH, POOL, 'Reset', '(a{sv})', ({},))

    def pool(self):
        return self.get_all(POOL_PATH, POOL)

    def transactions(self):
        return {p: ifaces[TRANSACTION] for p, ifaces in self.managed_objects().items()
                if TRANSACTION in ifaces}

    def test_reset_refused_while_instances_exist(self):
        self.initialize()
        a = self.create('alpha', {'cpus': V('au', [4]), 'memory-bytes': V('t', GiB)})
        self.create('beta', {'cpus': V('au', [5]), 'memory-bytes': V('t', GiB)})
        before = kernel_pool(self.state_dir)
        txs = self.transactions()
        msg = self.assert_error('InvalidState', self.reset)
        self.assertIn('alpha, beta', msg)
        self.assertEqual(kernel_pool(self.state_dir), before)
        self.assertEqual(self.transactions(), txs)
        self.assertTrue(self.pool()['Initialized'])
        self.call(a, INSTANCE, 'Delete', '(a{sv})', ({},))
        msg = self.assert_error('InvalidState', self.reset)
        self.assertIn('beta', msg)
        self.assertNotIn('alpha', msg)

    def test_reset_empties_the_pool(self):
        self.initialize()
        cpus, chunks, pci = kernel_pool(self.state_dir)
        self.assertEqual(cpus, list(range(4, 32)))
        self.assertEqual(sum(size for _, size in chunks), 14 * GiB)
        self.assertEqual(pci, ['0000:01:00.0', '0000:02:00.0'])
        path = self.create('tmp', {'cpus': V('au', [4]), 'memory-bytes': V('t', GiB)})
        self.call(path, INSTANCE, 'Delete', '(a{sv})', ({},))
        del self.signals[:]

        self.reset()
        self.assertEqual(kernel_pool(self.state_dir), ([], [], []))
        props = self.pool()
        self.assertFalse(props['Initialized'])
        self.assertEqual(props['AvailableCpus'], [])
        self.assertEqual(props['FreeCpus'], [])
        self.assertEqual(props['MemoryPoolBytes'], 0)
        self.assertEqual(props['MemoryFreeBytes'], 0)
        self.assertEqual(props['Devices'], {})
        self.wait_for_signal(
            lambda p, i, n, a: n == 'PropertiesChanged' and p == POOL_PATH
            and a[1].get('Initialized') is False, 'Initialized -> false')
        # the reset is one transaction, recorded as such
        ops = [t['Operation'] for t in self.transactions().values()]
        self.assertEqual(ops.count('reset'), 1)
        # everything that needs a pool says so
        self.assert_error('NotInitialized', self.create, 'x',
                          {'cpu-count': V('u', 1), 'memory-bytes': V('t', GiB)})
        self.assert_error('NotInitialized', self.call, POOL_PATH, POOL, 'GetDeviceTree',
                          '(ssa{sv})', ('effective', 'dts', {}))
        self.assert_error('NotInitialized', self.reset)
        # and a restarted kerfd sees the same from the kernel
        self.restart_daemon()
        self.assertFalse(self.pool()['Initialized'])
        self.assertEqual(self.pool()['AvailableCpus'], [])

    def test_initialize_after_reset(self):
        self.initialize()
        first = self.pool()
        self.reset()
        diags, summary = self.initialize()
        self.assertIn('initialize pool', summary)
        again = self.pool()
        self.assertTrue(again['Initialized'])
        for prop in ('AvailableCpus', 'FreeCpus', 'MemoryPoolBase', 'MemoryPoolBytes',
                     'MemoryFreeBytes', 'Devices', 'NumaNodes', 'TotalCpus'):
            self.assertEqual(again[prop], first[prop], prop)
        cpus, chunks, pci = kernel_pool(self.state_dir)
        self.assertEqual(cpus, list(range(4, 32)))
        # the NUMA split of the first baseline: 6 GiB on node 0, 8 GiB on node 1
        self.assertEqual(chunks, [(0x80000000, 6 * GiB), (0x200000000, 8 * GiB)])
        self.assertEqual(pci, ['0000:01:00.0', '0000:02:00.0'])
        path = self.create('web', {'cpus': V('au', [4, 5]), 'memory-bytes': V('t', 2 * GiB),
                                   'devices': V('as', ['eth0'])})
        self.assertEqual(self.get(path, INSTANCE, 'Devices'), ['eth0'])
        self.restart_daemon()
        self.assertTrue(self.pool()['Initialized'])
        self.assertEqual(self.get(path, INSTANCE, 'Cpus'), [4, 5])

    def test_initialize_after_reset_with_another_baseline(self):
        self.initialize()
        self.reset()
        src = self.read_example('baseline.dts').replace(
            b'available = <4 5 6 7 8 9 10 11 12 13 14 15',
            b'available = <8 9 10 11 12 13 14 15').replace(
            b'host-reserved = <0 1 2 3>', b'host-reserved = <0 1 2 3 4 5 6 7>')
        self.call(POOL_PATH, POOL, 'Initialize', '(aysa{sv})', (src, 'smaller.dts', {}),
                  '(a(sssuuss)s)')
        self.assertEqual(self.pool()['AvailableCpus'], list(range(8, 32)))
        self.assertEqual(kernel_pool(self.state_dir)[0], list(range(8, 32)))

    def test_dry_run_after_reset_changes_nothing(self):
        self.initialize()
        self.reset()
        self.initialize(options={'dry-run': V('b', True)})
        self.assertFalse(self.pool()['Initialized'])
        self.assertEqual(kernel_pool(self.state_dir), ([], [], []))

    def test_rollback_of_reset_restores_the_pool(self):
        self.initialize()
        first = self.pool()
        self.reset()
        tx = [p for p, t in self.transactions().items() if t['Operation'] == 'reset'][0]
        self.call(tx, TRANSACTION, 'Rollback', '(a{sv})', ({},))
        again = self.pool()
        self.assertTrue(again['Initialized'])
        for prop in ('AvailableCpus', 'MemoryPoolBase', 'MemoryPoolBytes', 'Devices'):
            self.assertEqual(again[prop], first[prop], prop)

    def test_reset_of_uninitialized_pool(self):
        self.assert_error('NotInitialized', self.reset)

    def test_reset_rejects_options(self):
        self.initialize()
        self.assert_error('InvalidArgument', self.call, POOL_PATH, POOL, 'Reset', '(a{sv})',
                          ({'force': V('b', True)},))
        self.assertTrue(self.pool()['Initialized'])


if __name__ == '__main__':
    kerfdtest.main()
