#!/usr/bin/python3
"""polkit: every privileged method maps to its action; denial is NotAuthorized."""
import os

import kerfdtest
from kerfdtest import GLib, POOL, POOL_PATH, INSTANCE, TRANSACTION, ALL_ACTIONS, ROOT

V = GLib.Variant


class PolkitTest(kerfdtest.KerfdTestCase):

    def allow_all_but(self, action):
        self.polkit.SetAllowed([a for a in ALL_ACTIONS if a != action])

    def setup_instance(self):
        self.initialize()
        return self.create('pk', {'cpus': V('au', [4]), 'memory-bytes': V('t', 1 << 30)})

    def assert_denied(self, action, func, *args):
        self.allow_all_but(action)
        msg = self.assert_error('NotAuthorized', func, *args)
        self.assertIn(action, msg)
        self.polkit.SetAllowed(ALL_ACTIONS)

    def test_initialize_denied(self):
        src = self.read_example('baseline.dts')
        self.assert_denied('org.multikernel.kerf.initialize', self.call, POOL_PATH, POOL,
                           'Initialize', '(aysa{sv})', (src, 'baseline.dts', {}))
        self.assertFalse(self.get(POOL_PATH, POOL, 'Initialized'))
        self.assert_denied('org.multikernel.kerf.initialize', self.call, POOL_PATH, POOL,
                           'Reset', '(a{sv})', ({},))

    def test_manage_instances_denied(self):
        path = self.setup_instance()
        self.assert_denied('org.multikernel.kerf.manage-instances', self.create, 'other',
                           {'cpus': V('au', [5]), 'memory-bytes': V('t', 1 << 30)})
        self.assert_denied('org.multikernel.kerf.manage-instances', self.call, path, INSTANCE,
                           'Delete', '(a{sv})', ({},))
        self.assert_denied('org.multikernel.kerf.manage-instances', self.call, path, INSTANCE,
                           'Update', '(a{sv}a{sv})', ({'cpus': V('au', [4, 5])}, {}))
        self.assertEqual(self.get(path, INSTANCE, 'Cpus'), [4])

    def test_load_kernel_denied(self):
        path = self.setup_instance()
        fd = os.open('/dev/null', os.O_RDONLY)
        try:
            self.assert_denied('org.multikernel.kerf.load-kernel', self.call, path, INSTANCE,
                               'Load', '(hhsa{sv})', (0, -1, '', {}), None, [fd])
        finally:
            os.close(fd)
        self.assert_denied('org.multikernel.kerf.load-kernel', self.call, path, INSTANCE,
                           'Unload', '(a{sv})', ({},))

    def test_control_instance_denied(self):
        path = self.setup_instance()
        self.assert_denied('org.multikernel.kerf.control-instance', self.call, path, INSTANCE,
                           'Exec', '(a{sv})', ({},))
        self.assert_denied('org.multikernel.kerf.control-instance', self.call, path, INSTANCE,
                           'Kill', '(a{sv})', ({'force': V('b', True)},))

    def test_rollback_denied(self):
        self.setup_instance()
        tx = [p for p in self.managed_objects() if '/Transaction/' in p][0]
        self.assert_denied('org.multikernel.kerf.rollback', self.call, tx, TRANSACTION,
                           'Rollback', '(a{sv})', ({},))
        self.assertIn(tx, self.managed_objects())

    def test_everything_denied_even_for_root(self):
        self.polkit.SetAllowed(kerfdtest.dbus.Array([], signature='s'))
        self.assert_error('NotAuthorized', self.initialize)

    def test_unprivileged_methods_need_no_action(self):
        self.polkit.SetAllowed(kerfdtest.dbus.Array([], signature='s'))
        valid, _ = self.call(POOL_PATH, POOL, 'Validate', '(aysa{sv})',
                             (self.read_example('baseline.dts'), 'b.dts', {}), '(ba(sssuuss))')
        self.assertTrue(valid)
        self.assert_error('NotInitialized', self.call, POOL_PATH, POOL, 'GetDeviceTree',
                          '(ssa{sv})', ('effective', 'dts', {}))
        self.get_all(POOL_PATH, POOL)
        self.managed_objects()

    def test_polkit_unavailable_fails_closed(self):
        # no polkit on the bus: only uid 0 passes, and this test runs as root
        self.polkitd.terminate()
        self.polkitd.wait()
        self.initialize()
        self.assertTrue(self.get(POOL_PATH, POOL, 'Initialized'))
        # restart a mock for tearDown
        self.polkitd, self.polkit = self.spawn_server_template(
            'polkitd', {}, stdout=kerfdtest.subprocess.DEVNULL)


if __name__ == '__main__':
    kerfdtest.main()
