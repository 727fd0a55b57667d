#!/usr/bin/python3
"""The seed's scenario end to end over D-Bus, every step's properties and signals.

kerf init --input=examples/baseline.dts; create web-server (CPUs 4-7, 2 GiB);
create database (8 CPUs, 16 GiB: refused, the pool has 14 GiB; then 8 GiB);
load web-server with a generated ELF kernel passed as a real descriptor;
exec; status active; kill; unload; delete.
"""
import hashlib
import os
import shutil
import struct

import kerfdtest
from kerfdtest import (GLib, POOL, POOL_PATH, INSTANCE, TRANSACTION, ROOT, instance_path)

V = GLib.Variant
GiB = 1 << 30
OM = 'org.freedesktop.DBus.ObjectManager'
PROPS = 'org.freedesktop.DBus.Properties'


def elf_kernel(payload_size=256 * 1024):
    """A minimal ELF64 x86-64 executable: header, one PT_LOAD, a payload."""
    ehsize, phsize = 64, 56
    entry = 0x1000000 + ehsize + phsize
    payload = bytes((i * 131 + 7) & 0xff for i in range(payload_size))
    total = ehsize + phsize + len(payload)
    ident = b'\x7fELF' + bytes([2, 1, 1, 0]) + bytes(8)
    eh = ident + struct.pack('<HHIQQQIHHHHHH', 2, 0x3e, 1, entry, ehsize, 0, 0,
                             ehsize, phsize, 1, 64, 0, 0)
    ph = struct.pack('<IIQQQQQQ', 1, 5, 0, 0x1000000, 0x1000000, total, total, 0x1000)
    return eh + ph + payload


class ScenarioTest(kerfdtest.KerfdTestCase):

    # ---- signal helpers --------------------------------------------------

    def mark(self):
        self.pump()
        return len(self.signals)

    def since(self, mark):
        self.pump()
        return self.signals[mark:]

    def expect_changed(self, path, iface, key, value):
        """Waits for PropertiesChanged on `path` carrying key = value."""
        def match(p, i, n, a):
            return (p == path and i == PROPS and n == 'PropertiesChanged' and a[0] == iface
                    and key in a[1] and a[1][key] == value)
        self.wait_for_signal(match, f'{path} {iface}.{key} -> {value!r}')

    def expect_added(self, path):
        s = self.wait_for_signal(lambda p, i, n, a: p == ROOT and n == 'InterfacesAdded'
                                 and a[0] == path, f'InterfacesAdded {path}')
        return s[3][1]

    def expect_removed(self, path):
        return self.wait_for_signal(lambda p, i, n, a: p == ROOT and n == 'InterfacesRemoved'
                                    and a[0] == path, f'InterfacesRemoved {path}')[3][1]

    def added_paths(self, mark):
        return [a[0] for p, i, n, a in self.since(mark) if n == 'InterfacesAdded']

    def tx_added(self, mark, operation, target):
        for p, i, n, a in self.since(mark):
            if n == 'InterfacesAdded' and TRANSACTION in a[1]:
                t = a[1][TRANSACTION]
                if t['Operation'] == operation and t['Target'] == target:
                    return a[0]
        self.fail(f'no transaction {operation} {target} in {self.since(mark)}')

    # ---- the scenario -----------------------------------------------------

    def test_seed_scenario(self):
        pool = self.get_all(POOL_PATH, POOL)
        self.assertFalse(pool['Initialized'])

        # kerf init
        m = self.mark()
        diags, summary = self.initialize()
        self.assertFalse([d for d in diags if d[0] == 'error'], diags)
        self.assertIn('28 CPUs', summary)
        self.expect_changed(POOL_PATH, POOL, 'Initialized', True)
        pool = self.get_all(POOL_PATH, POOL)
        self.assertEqual(pool['TotalCpus'], 32)
        self.assertEqual(pool['HostReservedCpus'], [0, 1, 2, 3])
        self.assertEqual(pool['AvailableCpus'], list(range(4, 32)))
        self.assertEqual(pool['FreeCpus'], list(range(4, 32)))
        self.assertEqual(pool['MemoryPoolBase'], 0x80000000)
        self.assertEqual(pool['MemoryPoolBytes'], 14 * GiB)
        self.assertEqual(pool['MemoryFreeBytes'], 14 * GiB)
        self.assertEqual(sorted(pool['Devices']), ['eth0', 'nvme0'])
        self.assertEqual([n[0] for n in pool['NumaNodes']], [0, 1])
        self.assertEqual(self.added_paths(m), [])   # init is not an instance transaction

        # kerf create web-server --cpus=4-7 --memory=2GB
        m = self.mark()
        web = self.create('web-server', {'cpus': V('au', [4, 5, 6, 7]),
                                         'memory-bytes': V('t', 2 * GiB)})
        self.assertEqual(web, instance_path('web-server'))
        added = self.expect_added(web)
        props = added[INSTANCE]
        self.assertEqual(props['Name'], 'web-server')
        self.assertEqual(props['Status'], 'ready')
        self.assertEqual(props['Cpus'], [4, 5, 6, 7])
        self.assertEqual(props['MemoryBytes'], 2 * GiB)
        self.assertEqual(props['Kernel'], ('', 0, '', ''))
        self.assertGreater(props['Id'], 0)
        self.assertEqual(props, self.get_all(web, INSTANCE))
        self.tx_added(m, 'create', '/instances')
        self.expect_changed(POOL_PATH, POOL, 'FreeCpus', list(range(8, 32)))
        self.expect_changed(POOL_PATH, POOL, 'MemoryFreeBytes', 12 * GiB)
        self.assertEqual(props['MemoryBase'], 0x80000000)

        # kerf create database --cpu-count=8 --memory=16GB: the pool has 14 GiB
        m = self.mark()
        objects = self.managed_objects()
        with self.assertRaises(GLib.GError) as cm:
            self.create('database', {'cpu-count': V('u', 8), 'memory-bytes': V('t', 16 * GiB)})
        name = kerfdtest.Gio.DBusError.get_remote_error(cm.exception)
        self.assertIn(name, (kerfdtest.ERROR + 'ResourceConflict',
                             kerfdtest.ERROR + 'ValidationFailed'), cm.exception.message)
        self.assertIn('memory', cm.exception.message.lower())
        self.assertEqual(self.managed_objects(), objects)   # nothing half-created
        self.assertEqual(self.added_paths(m), [])

        # ... and with a size that fits
        m = self.mark()
        db = self.create('database', {'cpu-count': V('u', 8), 'memory-bytes': V('t', 8 * GiB)})
        props = self.expect_added(db)[INSTANCE]
        self.assertEqual(len(props['Cpus']), 8)
        self.assertFalse(set(props['Cpus']) & {0, 1, 2, 3, 4, 5, 6, 7})
        self.assertEqual(props['MemoryBytes'], 8 * GiB)
        self.tx_added(m, 'create', '/instances')
        self.expect_changed(POOL_PATH, POOL, 'MemoryFreeBytes', 4 * GiB)
        web_end = 0x80000000 + 2 * GiB
        self.assertFalse(props['MemoryBase'] < web_end and
                         props['MemoryBase'] + 8 * GiB > 0x80000000, 'memory overlaps web-server')

        # kerf load web-server --kernel=vmlinux --cmdline=...
        image = elf_kernel()
        kpath = os.path.join(self.workdir, 'vmlinux')
        with open(kpath, 'wb') as f:
            f.write(image)
        ipath = os.path.join(self.workdir, 'initrd.img')
        with open(ipath, 'wb') as f:
            f.write(b'070701' + bytes(4090))
        kfd = os.open(kpath, os.O_RDONLY)
        ifd = os.open(ipath, os.O_RDONLY)
        try:
            self.call(web, INSTANCE, 'Load', '(hhsa{sv})',
                      (0, 1, 'console=ttyS0 root=/dev/vda',
                       {'kernel-path': V('s', kpath), 'initrd-path': V('s', ipath)}),
                      None, [kfd, ifd])
        finally:
            os.close(kfd)
            os.close(ifd)
        kernel = (kpath, len(image), hashlib.sha256(image).hexdigest(), '')
        self.expect_changed(web, INSTANCE, 'Status', 'loaded')
        self.expect_changed(web, INSTANCE, 'Kernel', kernel)
        self.assertEqual(self.get(web, INSTANCE, 'Cmdline'), 'console=ttyS0 root=/dev/vda')
        self.assertEqual(self.get(db, INSTANCE, 'Status'), 'ready')

        # kerf exec web-server; kerf status -> active
        self.call(web, INSTANCE, 'Exec', '(a{sv})', ({},))
        self.expect_changed(web, INSTANCE, 'Status', 'active')
        self.assertEqual(self.get(web, INSTANCE, 'Status'), 'active')
        self.assert_error('InvalidState', self.call, web, INSTANCE, 'Delete', '(a{sv})', ({},))
        self.assert_error('InvalidState', self.call, web, INSTANCE, 'Unload', '(a{sv})', ({},))

        # kerf kill web-server: halted, the image stays loaded
        m = self.mark()
        self.call(web, INSTANCE, 'Kill', '(a{sv})', ({},))
        self.expect_changed(web, INSTANCE, 'Status', 'loaded')
        self.assertEqual(self.get(web, INSTANCE, 'Kernel'), kernel)

        # kerf unload web-server
        self.call(web, INSTANCE, 'Unload', '(a{sv})', ({},))
        self.expect_changed(web, INSTANCE, 'Status', 'ready')
        self.expect_changed(web, INSTANCE, 'Kernel', ('', 0, '', ''))
        self.assertEqual(self.get(web, INSTANCE, 'Cmdline'), '')
        self.assertEqual(self.added_paths(m), [])   # no transaction for kernel images

        # kerf delete web-server
        m = self.mark()
        self.call(web, INSTANCE, 'Delete', '(a{sv})', ({},))
        self.assertEqual(self.expect_removed(web), [INSTANCE])
        self.assertNotIn(web, self.managed_objects())
        self.tx_added(m, 'delete', '/instances')
        self.expect_changed(POOL_PATH, POOL, 'MemoryFreeBytes', 6 * GiB)
        free = self.get(POOL_PATH, POOL, 'FreeCpus')
        self.assertTrue({4, 5, 6, 7} <= set(free))
        self.assertEqual(len(free), 28 - 8)

        # the database is untouched, and a restart shows the same
        before = self.managed_objects()
        self.restart_daemon()
        self.assertEqual(self.managed_objects(), before)

    def test_memory_stays_inside_one_kernel_chunk(self):
        """The pool is two chunks (6 GiB on node 0, 8 GiB on node 1): the kernel
        refuses a range across them, so kerfd never proposes one."""
        self.initialize()
        a = self.create('a', {'cpus': V('au', [4]), 'memory-bytes': V('t', 2 * GiB)})
        b = self.create('b', {'cpus': V('au', [5]), 'memory-bytes': V('t', 8 * GiB)})
        self.assertEqual(self.get(b, INSTANCE, 'MemoryBase'), 0x200000000)
        c = self.create('c', {'cpus': V('au', [6]), 'memory-bytes': V('t', 4 * GiB)})
        self.assertEqual(self.get(c, INSTANCE, 'MemoryBase'), 0x80000000 + 2 * GiB)
        self.call(c, INSTANCE, 'Delete', '(a{sv})', ({},))
        self.call(b, INSTANCE, 'Delete', '(a{sv})', ({},))
        msg = self.assert_error('ResourceConflict', self.create, 'd',
                                {'cpus': V('au', [7]), 'memory-bytes': V('t', 2 * GiB),
                                 'memory-base': V('t', 0x200000000 - GiB)})
        self.assertIn('chunk', msg)
        # 10 GiB are free, but no chunk has 10 GiB
        msg = self.assert_error('ResourceConflict', self.create, 'd',
                                {'cpus': V('au', [7]), 'memory-bytes': V('t', 10 * GiB)})
        self.assertIn('one pool memory chunk', msg)
        self.assertEqual(sorted(p for p in self.managed_objects() if '/Instance/' in p), [a])

    def test_chunks_are_the_kernels_not_the_baselines(self):
        """After growing the pool the kernel holds node 1's memory as two chunks
        (8 GiB, then 2 GiB placed behind it); split by NUMA node the new baseline
        would be one 10 GiB chunk.  kerfd places by the kernel's chunks."""
        base = self.read_example('baseline.dts')
        machine = base.replace(b'total-bytes = <0x0 0x400000000>', b'total-bytes = <0x6 0x0>')
        node1 = machine.index(b'node@1')
        machine = machine[:node1] + machine[node1:].replace(
            b'memory-size = <0x2 0x0>', b'memory-size = <0x4 0x0>', 1)
        grown = machine.replace(b'memory-pool-bytes = <0x0 0x380000000>',
                                b'memory-pool-bytes = <0x4 0x0>')
        machine_path = os.path.join(self.workdir, 'machine.dts')
        with open(machine_path, 'wb') as f:
            f.write(grown)
        # a fresh emulated kernel on the bigger machine
        self.stop_daemon()
        shutil.rmtree(self.state_dir, ignore_errors=True)
        self.start_daemon(['--emulated-machine=' + machine_path])

        def init(src, name):
            self.call(POOL_PATH, POOL, 'Initialize', '(aysa{sv})', (src, name, {}),
                      '(a(sssuuss)s)')
        init(machine, 'machine-14g.dts')
        init(grown, 'machine-16g.dts')
        self.assertEqual(self.get(POOL_PATH, POOL, 'MemoryPoolBytes'), 16 * GiB)
        for restart in (False, True):
            if restart:
                self.restart_daemon_on(machine_path)
            msg = self.assert_error('ResourceConflict', self.create, 'big',
                                    {'cpus': V('au', [20]), 'memory-bytes': V('t', 9 * GiB)})
            self.assertIn('one pool memory chunk', msg)
        b = self.create('b', {'cpus': V('au', [20]), 'memory-bytes': V('t', 8 * GiB),
                              'numa-nodes': V('au', [1]), 'memory-policy': V('s', 'bind')})
        self.assertEqual(self.get(b, INSTANCE, 'MemoryBase'), 0x200000000)
        c = self.create('c', {'cpus': V('au', [21]), 'memory-bytes': V('t', 2 * GiB),
                              'numa-nodes': V('au', [1]), 'memory-policy': V('s', 'bind')})
        self.assertEqual(self.get(c, INSTANCE, 'MemoryBase'), 0x400000000)

    def restart_daemon_on(self, machine_path):
        self.stop_daemon()
        self.start_daemon(['--emulated-machine=' + machine_path])


if __name__ == '__main__':
    kerfdtest.main()
