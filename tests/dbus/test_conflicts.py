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


if __name__ == '__main__':
    kerfdtest.main()
