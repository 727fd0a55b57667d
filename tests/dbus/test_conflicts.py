#!/usr/bin/python3
"""Racing callers and a killed daemon.

50 concurrent CreateInstance calls for overlapping CPUs: the queue runs
them one by one, so exactly those that fit (given the ones before them)
succeed and every other one gets ResourceConflict; the resulting kernel
state is consistent.  Then kerfd is killed with SIGKILL while calls are in
flight and restarted: its objects equal what the kernel holds, and nothing
is half-applied.
"""
import os
import signal

import libfdt

import kerfdtest
from kerfdtest import Gio, GLib, POOL, POOL_PATH, INSTANCE, TRANSACTION, BUS_NAME, ERROR

V = GLib.Variant
MiB = 1 << 20


def u64_cells(prop):
    raw = bytes(prop)
    return [int.from_bytes(raw[i:i + 8], 'big') for i in range(0, len(raw), 8)]


class Kernel:
    """The emulated kernel's view, read from its mirror directory."""

    def __init__(self, state_dir):
        self.root = os.path.join(state_dir, 'emulated-kernel')

    def fdt(self, *parts):
        with open(os.path.join(self.root, *parts), 'rb') as f:
            return libfdt.Fdt(f.read())

    def pool(self):
        fdt = self.fdt('device_tree')
        res = fdt.path_offset('/resources')
        return (u64_cells(fdt.getprop(res, 'cpus')),
                u64_cells(fdt.getprop(res, 'cpus-available')))

    def instances(self):
        out = {}
        d = os.path.join(self.root, 'instances')
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            fdt = self.fdt('instances', name, 'device_tree')
            res = fdt.path_offset('/resources')
            cpus = u64_cells(fdt.getprop(res, 'cpus'))
            base = int.from_bytes(bytes(fdt.getprop(res, 'memory-base')), 'big')
            size = int.from_bytes(bytes(fdt.getprop(res, 'memory-bytes')), 'big')
            with open(os.path.join(d, name, 'status')) as f:
                status = f.read().strip()
            out[name] = (sorted(cpus), base, size, status)
        return out

    def transactions(self):
        d = os.path.join(self.root, 'overlays')
        out = {}
        for n in os.listdir(d) if os.path.isdir(d) else []:
            if n.startswith('tx_'):
                with open(os.path.join(d, n, 'status')) as f:
                    out[int(n[3:])] = f.read().strip()
        return out


class ConflictsTest(kerfdtest.KerfdTestCase):

    def fire(self, requests):
        """Sends every (name, spec) at once; returns name -> path or GError."""
        results = {}

        def done(conn, res, name):
            try:
                results[name] = conn.call_finish(res).unpack()[0]
            except GLib.GError as e:
                results[name] = e

        for name, spec in requests:
            self.conn.call(BUS_NAME, POOL_PATH, POOL, 'CreateInstance',
                           V('(sa{sv}a{sv})', (name, spec, {})), GLib.VariantType('(o)'),
                           Gio.DBusCallFlags.NONE, 120000, None, done, name)
        return results

    def wait_all(self, results, n):
        ctx = GLib.MainContext.default()
        while len(results) < n:
            ctx.iteration(True)

    def assert_consistent(self):
        """D-Bus objects == the kernel's instances; pool free CPUs agree."""
        kernel = Kernel(self.state_dir)
        kinst = kernel.instances()
        objects = self.managed_objects()
        dbus_inst = {v[INSTANCE]['Name']: v[INSTANCE] for v in objects.values() if INSTANCE in v}
        self.assertEqual(sorted(dbus_inst), sorted(kinst))
        used = set()
        for name, (cpus, base, size, status) in kinst.items():
            p = dbus_inst[name]
            self.assertEqual((p['Cpus'], p['MemoryBase'], p['MemoryBytes'], p['Status']),
                             (cpus, base, size, status), name)
            self.assertFalse(used & set(cpus), f'{name} shares a CPU')
            used |= set(cpus)
        pool_cpus, free = kernel.pool()
        self.assertEqual(sorted(free), sorted(set(pool_cpus) - used))
        self.assertEqual(self.get(POOL_PATH, POOL, 'FreeCpus'), sorted(free))
        # transactions: every kernel tx is an object, none failed, none extra
        ktx = kernel.transactions()
        self.assertNotIn('failed', ktx.values())
        dtx = {v[TRANSACTION]['Id']: v[TRANSACTION]['Status'] for v in objects.values()
               if TRANSACTION in v}
        self.assertEqual(dtx, ktx)
        # daemon records: exactly one per kernel instance
        recs = sorted(f[:-4] for f in os.listdir(os.path.join(self.state_dir, 'instances'))
                      if f.endswith('.ini'))
        self.assertEqual(recs, sorted(kinst))
        # the effective tree is a valid state file
        tree = bytes(self.call(POOL_PATH, POOL, 'GetDeviceTree', '(ssa{sv})',
                               ('effective', 'dtb', {}), '(ay)')[0])
        valid, diags = self.call(POOL_PATH, POOL, 'Validate', '(aysa{sv})',
                                 (tree, 'effective.dtb', {}), '(ba(sssuuss))')
        self.assertTrue(valid, [d for d in diags if d[0] == 'error'])
        return dbus_inst

    def test_fifty_racing_creates(self):
        self.initialize()
        # request i wants CPUs 4+i%28 and 4+(i+1)%28 (every neighbour overlaps),
        # and requests 28..49 repeat pairs of 0..21
        requests = []
        for i in range(50):
            cpus = sorted({4 + i % 28, 4 + (i + 1) % 28})
            requests.append((f'r{i:02d}', {'cpus': V('au', cpus),
                                           'memory-bytes': V('t', 64 * MiB),
                                           'memory-policy': V('s', 'interleave')}))
        results = self.fire(requests)
        self.wait_all(results, 50)

        wanted = {name: set(spec['cpus'].unpack()) for name, spec in requests}
        ok = {n for n, r in results.items() if isinstance(r, str)}
        failed = {n: r for n, r in results.items() if not isinstance(r, str)}
        for name, err in failed.items():
            self.assertEqual(Gio.DBusError.get_remote_error(err), ERROR + 'ResourceConflict',
                             f'{name}: {err.message}')
            self.assertIn('assigned to instance', err.message)
            # it failed because a winner holds one of its CPUs
            self.assertTrue(any(wanted[name] & wanted[w] for w in ok), name)
        # the winners are disjoint, and nothing that would still fit was refused
        taken = set()
        for name in ok:
            self.assertFalse(taken & wanted[name], name)
            taken |= wanted[name]
        # the smallest maximal set of disjoint pairs on a ring of 28 CPUs
        self.assertGreaterEqual(len(ok), 10)
        self.assertEqual(len(ok) + len(failed), 50)
        inst = self.assert_consistent()
        self.assertEqual(sorted(inst), sorted(ok))
        self.assertEqual(self.get(POOL_PATH, POOL, 'MemoryFreeBytes'),
                         (14 << 30) - len(ok) * 64 * MiB)

    def test_sigkill_while_calls_are_in_flight(self):
        self.initialize()
        requests = [(f'k{i:02d}', {'cpu-count': V('u', 1), 'memory-bytes': V('t', 64 * MiB),
                                   'memory-policy': V('s', 'interleave'),
                                   'devices': V('as', [f'eth0_vf{1 + i % 7}'])
                                   if i < 7 else V('as', [])})
                    for i in range(24)]
        results = self.fire(requests)
        ctx = GLib.MainContext.default()
        while len(results) < 3:          # some have been applied, most are queued
            ctx.iteration(True)
        self.daemon.send_signal(signal.SIGKILL)
        self.daemon.wait()
        self.daemon = None
        self.wait_all(results, 24)       # the rest fail: the daemon is gone
        done = {n for n, r in results.items() if isinstance(r, str)}
        self.assertGreaterEqual(len(done), 3)
        self.assertLess(len(done), 24)

        self.start_daemon()
        inst = self.assert_consistent()
        # everything a caller was told succeeded is there, whole
        self.assertTrue(done <= set(inst), (done, sorted(inst)))
        specs = dict(requests)
        for name, p in inst.items():
            self.assertEqual(p['MemoryPolicy'], 'interleave', name)
            self.assertEqual(p['Devices'], specs[name]['devices'].unpack(), name)
            self.assertEqual(len(p['Cpus']), 1)
        # and the daemon works: a later call succeeds, a restart changes nothing
        self.create('after', {'cpu-count': V('u', 1), 'memory-bytes': V('t', 64 * MiB)})
        before = self.managed_objects()
        self.restart_daemon()
        self.assertEqual(self.managed_objects(), before)


class UpdateCrashTest(kerfdtest.KerfdTestCase):
    """Update writes the kernel and kerfd's record (VFs, policies): a SIGKILL
    between the two never leaves new CPUs with old VF / policy data."""

    OLD = {'cpus': V('au', [4]), 'memory-policy': V('s', 'local'),
           'devices': V('as', ['eth0_vf1'])}
    NEW = {'cpus': V('au', [6, 5]), 'memory-policy': V('s', 'interleave'),
           'devices': V('as', ['eth0_vf2']), 'memory-bytes': V('t', 128 * MiB)}

    def props(self, path):
        p = self.get_all(path, INSTANCE)
        return p['Cpus'], p['MemoryBytes'], p['MemoryPolicy'], p['Devices']

    def update_and_crash(self, point):
        self.initialize()
        path = self.create('vm', dict(self.OLD, **{'memory-bytes': V('t', 64 * MiB)}))
        create_tx = self.get(path, INSTANCE, 'LastTransaction')
        self.stop_daemon()
        self.start_daemon(extra_env={'KERFD_TEST_CRASH_AT': point})
        with self.assertRaises(GLib.GError):
            self.call(path, INSTANCE, 'Update', '(a{sv}a{sv})', (self.NEW, {}))
        self.assertEqual(self.daemon.wait(timeout=30), -signal.SIGKILL)
        self.daemon = None
        pending = os.path.join(self.state_dir, 'instances', 'vm.update')
        self.assertTrue(os.path.exists(pending), 'the update was in flight')
        kernel = Kernel(self.state_dir).instances()['vm']
        self.start_daemon()
        self.assertFalse(os.path.exists(pending), 'reconciled at start-up')
        return path, create_tx, kernel

    def test_sigkill_after_the_kernel_took_the_update(self):
        path, create_tx, kernel = self.update_and_crash('update-after-kernel')
        self.assertEqual(kernel[0], [5, 6])
        # the kernel has it: kerfd's record follows, whole
        self.assertEqual(self.props(path), ([5, 6], 128 * MiB, 'interleave', ['eth0_vf2']))
        tx = self.get(path, INSTANCE, 'LastTransaction')
        self.assertNotEqual(tx, create_tx)
        t = self.get_all(tx, TRANSACTION)
        self.assertEqual((t['Operation'], t['Instance']), ('update', 'vm'))
        eth0 = self.get(POOL_PATH, POOL, 'Devices')['eth0']
        self.assertEqual(eth0['assigned'], {'eth0_vf2': 'vm'})
        self.assertNotIn(5, self.get(POOL_PATH, POOL, 'FreeCpus'))
        self.assertIn(4, self.get(POOL_PATH, POOL, 'FreeCpus'))
        before = self.managed_objects()
        self.restart_daemon()
        self.assertEqual(self.managed_objects(), before)
        # and rolling the update back restores the old record's resources
        self.call(tx, TRANSACTION, 'Rollback', '(a{sv})', ({},))
        self.assertEqual(self.get(path, INSTANCE, 'Cpus'), [4])

    def test_sigkill_before_the_kernel_took_the_update(self):
        path, create_tx, kernel = self.update_and_crash('update-before-kernel')
        self.assertEqual(kernel[0], [4])
        self.assertEqual(self.props(path), ([4], 64 * MiB, 'local', ['eth0_vf1']))
        self.assertEqual(self.get(path, INSTANCE, 'LastTransaction'), create_tx)
        self.assertEqual(self.get(POOL_PATH, POOL, 'Devices')['eth0']['assigned'],
                         {'eth0_vf1': 'vm'})
        # the daemon works: the same update now goes through
        self.call(path, INSTANCE, 'Update', '(a{sv}a{sv})', (self.NEW, {}))
        self.assertEqual(self.props(path), ([5, 6], 128 * MiB, 'interleave', ['eth0_vf2']))

    def test_sigkill_while_updates_are_in_flight(self):
        """Instances flip between two whole configurations; killed at a random
        moment and restarted, each one is wholly one or the other."""
        self.initialize()
        configs = [{'cpus': V('au', [4 + 2 * i]), 'memory-policy': V('s', 'local'),
                    'devices': V('as', [f'eth0_vf{1 + i}'])} for i in range(6)]
        flipped = [{'cpus': V('au', [5 + 2 * i]), 'memory-policy': V('s', 'interleave'),
                    'devices': V('as', [f'nvme0_ns{2 + i % 3}'] if i < 3 else [])}
                   for i in range(6)]
        paths = [self.create(f'u{i}', dict(configs[i], **{'memory-bytes': V('t', 64 * MiB)}))
                 for i in range(6)]
        results = {}

        def done(conn, res, key):
            try:
                conn.call_finish(res)
                results[key] = 'ok'
            except GLib.GError as e:
                results[key] = e

        n = 24
        for k in range(n):
            i = k % 6
            spec = flipped[i] if (k // 6) % 2 == 0 else configs[i]
            self.conn.call(BUS_NAME, paths[i], INSTANCE, 'Update',
                           V('(a{sv}a{sv})', (spec, {})), None, Gio.DBusCallFlags.NONE,
                           60000, None, done, k)
        ctx = GLib.MainContext.default()
        while len(results) < 3:
            ctx.iteration(True)
        self.daemon.send_signal(signal.SIGKILL)
        self.daemon.wait()
        self.daemon = None
        while len(results) < n:
            ctx.iteration(True)
        self.start_daemon()
        kernel = Kernel(self.state_dir).instances()
        for i, path in enumerate(paths):
            p = self.get_all(path, INSTANCE)
            got = (p['Cpus'], p['MemoryPolicy'], p['Devices'])
            self.assertEqual(kernel[f'u{i}'][0], p['Cpus'])
            self.assertIn(got, [(c['cpus'].unpack(), c['memory-policy'].unpack(),
                                 c['devices'].unpack()) for c in (configs[i], flipped[i])],
                          f'u{i} is half one configuration, half the other')
        self.assertEqual([f for f in os.listdir(os.path.join(self.state_dir, 'instances'))
                          if f.endswith('.update')], [])


if __name__ == '__main__':
    kerfdtest.main()
