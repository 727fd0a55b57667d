#!/usr/bin/python3
"""Fault tests: the emulated kernel fails a write (EBUSY, EIO) or returns a
truncated or corrupt pool tree, and kerfd must answer with a named error,
leave nothing behind (no tx_N, no half-made instance, no state-dir record)
and go on serving: the same call succeeds once the fault is gone.

Faults are armed in the running kerfd through the emulated kernel's test
control file (loadcheck.LoadTestCase.arm); each is one-shot.
"""
import os
import subprocess
import unittest

import kerfdtest
import loadcheck
from kerfdtest import GLib, Gio, POOL, POOL_PATH, INSTANCE, BUS_NAME, ERROR, instance_path
from loadcheck import V, GiB, spec

class FaultsTest(loadcheck.LoadTestCase):

    # ---- writes refused by the kernel ------------------------------------

    def test_create_write_ebusy(self):
        self.initialize()
        self.arm('write-ebusy')
        msg = self.assert_error('Busy', self.create, 'a', spec(count=2))
        self.assertIn('EBUSY', msg)
        self.assert_fault_consumed()
        self.assert_consistent([])
        self.create('a', spec(count=2))
        self.assert_consistent(['a'])

    def test_create_write_eio(self):
        self.initialize()
        self.arm('write-eio')
        msg = self.assert_error('KernelError', self.create, 'a', spec(cpus=[4, 5]))
        self.assertIn('EIO', msg)
        self.assert_fault_consumed()
        self.assert_consistent([])
        self.create('a', spec(cpus=[4, 5]))
        view = self.assert_consistent(['a'])
        self.assertEqual(list(view['a']['Cpus']), [4, 5])

    def test_delete_write_faults(self):
        self.initialize()
        path = self.create('a', spec(cpus=[4]))
        for fault, error in (('write-ebusy', 'Busy'), ('write-eio', 'KernelError')):
            self.arm(fault)
            self.assert_error(error, self.call, path, INSTANCE, 'Delete', '(a{sv})', ({},))
            self.assert_fault_consumed()
            view = self.assert_consistent(['a'])
            self.assertEqual(view['a']['Status'], 'ready')
        self.call(path, INSTANCE, 'Delete', '(a{sv})', ({},))
        self.assert_consistent([])

    def test_update_write_eio(self):
        self.initialize()
        path = self.create('a', spec(cpus=[4]))
        self.arm('write-eio')
        self.assert_error('KernelError', self.call, path, INSTANCE, 'Update', '(a{sv}a{sv})',
                          ({'cpus': V('au', [4, 5])}, {}))
        self.assert_fault_consumed()
        view = self.assert_consistent(['a'])
        self.assertEqual(list(view['a']['Cpus']), [4])
        self.call(path, INSTANCE, 'Update', '(a{sv}a{sv})', ({'cpus': V('au', [4, 5])}, {}))
        view = self.assert_consistent(['a'])
        self.assertEqual(list(view['a']['Cpus']), [4, 5])

    def test_initialize_write_eio(self):
        self.arm('write-eio')
        self.assert_error('KernelError', self.initialize)
        self.assert_fault_consumed()
        self.assertFalse(self.get(POOL_PATH, POOL, 'Initialized'))
        self.assertFalse(os.path.exists(os.path.join(self.state_dir, 'baseline')),
                         'a baseline the kernel refused was recorded')
        self.assert_consistent([])
        self.initialize()
        self.assertTrue(self.get(POOL_PATH, POOL, 'Initialized'))
        self.assert_consistent([])

    def test_reinitialize_write_ebusy(self):
        self.initialize()
        self.create('a', spec(cpus=[4]))
        with open(os.path.join(self.state_dir, 'baseline'), 'rb') as f:
            before = f.read()
        # the same machine, CPU 31 no longer in the pool: one /resources transaction
        smaller = self.read_example('baseline.dts').replace(b'29 30 31>', b'29 30>')
        self.assertNotEqual(smaller, self.read_example('baseline.dts'))
        args = (smaller, 'smaller.dts', {})
        self.arm('write-ebusy')
        self.assert_error('Busy', self.call, POOL_PATH, POOL, 'Initialize', '(aysa{sv})', args)
        self.assert_fault_consumed()
        self.assertIn(31, self.get(POOL_PATH, POOL, 'AvailableCpus'))
        with open(os.path.join(self.state_dir, 'baseline'), 'rb') as f:
            self.assertEqual(f.read(), before, 'the refused baseline was recorded')
        self.assert_consistent(['a'])
        self.call(POOL_PATH, POOL, 'Initialize', '(aysa{sv})', args, '(a(sssuuss)s)')
        self.assertNotIn(31, self.get(POOL_PATH, POOL, 'AvailableCpus'))
        self.assert_consistent(['a'])

    def test_fault_among_concurrent_creates(self):
        """One fault, eight creates queued at once: exactly one fails, the
        queue goes on with the others."""
        self.initialize()
        self.arm('write-ebusy')
        results = {}
        ctx = GLib.MainContext.default()

        def done(conn, res, name):
            try:
                conn.call_finish(res)
                results[name] = 'ok'
            except GLib.GError as e:
                results[name] = Gio.DBusError.get_remote_error(e)

        for i in range(8):
            name = f'c{i}'
            self.conn.call(BUS_NAME, POOL_PATH, POOL, 'CreateInstance',
                           GLib.Variant('(sa{sv}a{sv})', (name, spec(count=2), {})),
                           GLib.VariantType('(o)'), Gio.DBusCallFlags.NONE, 60000, None,
                           done, name)
        while len(results) < 8:
            ctx.iteration(True)
        self.assertEqual(sorted(results.values()), sorted([ERROR + 'Busy'] + ['ok'] * 7), results)
        self.assert_fault_consumed()
        self.assert_consistent([n for n, r in results.items() if r == 'ok'])

    # ---- the state directory refuses a record ----------------------------

    def test_state_record_write_fails(self):
        """The kernel accepted the create but kerfd cannot write the instance
        record: the transaction is rolled back, nothing stays."""
        self.initialize()
        idir = os.path.join(self.state_dir, 'instances')
        os.rmdir(idir)
        with open(idir, 'w') as f:      # a file where the directory was
            f.write('in the way\n')
        try:
            self.assert_error('IoError', self.create, 'a', spec(cpus=[4]))
            self.assertEqual(self.kernel_instances(), {}, 'the instance stayed in the kernel')
            self.assertEqual(self.kernel_transactions(), {}, 'a tx_N stayed')
        finally:
            os.unlink(idir)
            os.mkdir(idir, 0o700)
        self.assert_consistent([])
        self.create('a', spec(cpus=[4]))
        self.assert_consistent(['a'])

    # ---- a bad pool tree --------------------------------------------------

    def _pool_tree_fault_on_create(self, fault):
        self.initialize()
        self.arm(fault)
        try:
            self.create('a', spec(cpus=[4, 5]))
            created = True
        except GLib.GError as e:
            created = False
            remote = Gio.DBusError.get_remote_error(e)
            self.assertTrue(remote is not None and remote.startswith(ERROR), e.message)
        self.assert_fault_consumed()
        # either outcome is acceptable, as long as every party agrees
        self.assert_consistent(['a'] if created else [])
        # and kerfd goes on serving with a view that matches the kernel
        self.create('b', spec(cpus=[6]))
        self.assert_consistent(['a', 'b'] if created else ['b'])

    def test_truncated_pool_tree_after_create(self):
        self._pool_tree_fault_on_create('truncate-pool-tree')

    def test_corrupt_pool_tree_after_create(self):
        self._pool_tree_fault_on_create('corrupt-pool-tree')

    def test_truncated_pool_tree_after_delete(self):
        self.initialize()
        path = self.create('a', spec(cpus=[4]))
        self.arm('truncate-pool-tree')
        try:
            self.call(path, INSTANCE, 'Delete', '(a{sv})', ({},))
            deleted = True
        except GLib.GError:
            deleted = False
        self.assert_fault_consumed()
        self.assert_consistent([] if deleted else ['a'])

    def test_applied_change_is_success_and_view_catches_up(self):
        """The pool tree stays unreadable after the kernel applied a create
        (two reads fail: the rebuild and its retry): the caller is told the
        truth (created), and the next change first rebuilds the view."""
        self.initialize()
        self.arm('truncate-pool-tree', 'corrupt-pool-tree')
        self.create('a', spec(cpus=[4, 5]))
        self.assert_fault_consumed()
        self.assertEqual(sorted(self.kernel_instances()), ['a'])
        self.assertEqual(self.state_records(), ['a'])
        # the next create sees 'a' (no Busy, no stale placement) ...
        self.create('b', spec(count=2))
        view = self.assert_consistent(['a', 'b'])
        self.assertEqual(list(view['a']['Cpus']), [4, 5])
        self.assertFalse(set(view['b']['Cpus']) & {4, 5}, view['b']['Cpus'])
        # ... and a create that would reuse a's CPUs is a conflict, not Busy
        self.assert_error('ResourceConflict', self.create, 'c', spec(cpus=[4]))

    def test_stale_view_refuses_changes_until_tree_reads(self):
        """While the view cannot be rebuilt, changes are refused with a
        KernelError that says why, and nothing reaches the kernel; once the
        tree reads again everything works and agrees."""
        self.initialize()
        path = self.create('a', spec(cpus=[4]))
        # the delete's rebuild, its retry and the next call's refresh fail
        self.arm('truncate-pool-tree', 'truncate-pool-tree', 'corrupt-pool-tree')
        self.call(path, INSTANCE, 'Delete', '(a{sv})', ({},))
        self.assertEqual(self.kernel_instances(), {})
        msg = self.assert_error('KernelError', self.create, 'b', spec(cpus=[4]))
        self.assertIn('pool tree cannot be read', msg)
        self.assert_fault_consumed()
        self.assertEqual(self.kernel_instances(), {}, 'a change acted on the stale view')
        # the tree reads again: the same call works, on the current state
        self.create('b', spec(cpus=[4]))
        self.assert_consistent(['b'])

    def test_bad_pool_tree_at_start_keeps_state(self):
        """kerfd that reads a bad pool tree while recovering refuses to start
        (fails closed) without dropping anything: the next start recovers
        everything."""
        self.initialize()
        self.create('a', spec(cpus=[4]))
        self.create('b', spec(cpus=[5]))
        self.stop_daemon()
        for fault in ('truncate-pool-tree', 'corrupt-pool-tree'):
            log = open(self.log_path, 'a')
            env = dict(os.environ, KERF_FORBID_REAL_SYSCALLS='1', KERF_EMULATED_FAULT=fault)
            proc = subprocess.Popen(
                [kerfdtest.KERFD, '--bus=system', '--backend=emulated',
                 '--state-dir=' + self.state_dir,
                 '--emulated-machine=' + os.path.join(kerfdtest.EXAMPLES, 'baseline.dts')],
                stdout=log, stderr=subprocess.STDOUT, env=env)
            log.close()
            rc = proc.wait(timeout=60)
            self.assertNotEqual(rc, 0, f'kerfd started on a {fault}')
            with open(self.log_path) as f:
                self.assertIn('cannot read the multikernel state', f.read())
            self.assertEqual(self.state_records(), ['a', 'b'], 'records lost')
            self.assertEqual(sorted(self.kernel_instances()), ['a', 'b'])
        self.start_daemon()
        self.assert_consistent(['a', 'b'])

    def test_unknown_fault_name_is_ignored(self):
        self.initialize()
        self.arm('no-such-fault')
        self.create('a', spec(cpus=[4]))
        self.assert_fault_consumed()
        self.assert_consistent(['a'])
        with open(self.log_path) as f:
            self.assertIn("unknown fault 'no-such-fault'", f.read())


if __name__ == '__main__':
    kerfdtest.main()
