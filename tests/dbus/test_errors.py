#!/usr/bin/python3
"""Named errors: every failure crosses the bus as org.multikernel.Kerf.Error.*."""
import kerfdtest
from kerfdtest import GLib, POOL, POOL_PATH, INSTANCE, instance_path

V = GLib.Variant


class ErrorsTest(kerfdtest.KerfdTestCase):

    def test_not_initialized(self):
        msg = self.assert_error('NotInitialized', self.create, 'a',
                                {'cpu-count': V('u', 1), 'memory-bytes': V('t', 1 << 30)})
        self.assertIn('kerf init', msg)
        self.assert_error('NotInitialized', self.call, POOL_PATH, POOL, 'GetDeviceTree',
                          '(ssa{sv})', ('effective', 'dts', {}))

    def test_invalid_arguments(self):
        self.assert_error('InvalidArgument', self.call, POOL_PATH, POOL, 'GetDeviceTree',
                          '(ssa{sv})', ('effective', 'yaml', {}))
        self.assert_error('InvalidArgument', self.call, POOL_PATH, POOL, 'GetDeviceTree',
                          '(ssa{sv})', ('other', 'dts', {}))
        msg = self.assert_error('InvalidArgument', self.call, POOL_PATH, POOL, 'Validate',
                                '(aysa{sv})', (b'', 'x', {'bogus': V('b', True)}))
        self.assertIn('bogus', msg)
        self.assert_error('InvalidArgument', self.call, POOL_PATH, POOL, 'Initialize',
                          '(aysa{sv})', (b'', 'x', {'dry-run': V('s', 'yes')}))
        self.assert_error('InvalidArgument', self.call, POOL_PATH, POOL, 'Report',
                          '(sa{sv})', ('xml', {}))

    def test_create_errors(self):
        self.initialize()
        self.assert_error('InvalidArgument', self.create, '-bad',
                          {'cpu-count': V('u', 1), 'memory-bytes': V('t', 1 << 30)})
        self.assert_error('InvalidArgument', self.create, 'a', {'cpu-count': V('u', 1)})
        self.assert_error('InvalidArgument', self.create, 'a',
                          {'cpus': V('s', '4-7'), 'memory-bytes': V('t', 1 << 30)})
        self.assert_error('InvalidArgument', self.create, 'a',
                          {'cpu-count': V('u', 1), 'memory-bytes': V('t', 1 << 30),
                           'colour': V('s', 'blue')})
        # a host-reserved CPU breaks a rule: the message names it
        msg = self.assert_error('ValidationFailed', self.create, 'a',
                                {'cpus': V('au', [0, 4]), 'memory-bytes': V('t', 1 << 30)})
        self.assertIn('error', msg)
        # more CPUs than the pool has
        self.assert_error('ResourceConflict', self.create, 'a',
                          {'cpu-count': V('u', 64), 'memory-bytes': V('t', 1 << 30)})
        self.create('a', {'cpus': V('au', [4]), 'memory-bytes': V('t', 1 << 30)})
        self.assert_error('Exists', self.create, 'a',
                          {'cpus': V('au', [5]), 'memory-bytes': V('t', 1 << 30)})
        # a CPU another instance holds: a conflict naming the holder
        msg = self.assert_error('ResourceConflict', self.create, 'b',
                                {'cpus': V('au', [5, 4]), 'memory-bytes': V('t', 1 << 30)})
        self.assertIn("CPU 4 is assigned to instance 'a'", msg)
        # failures leave nothing behind
        names = sorted(p for p in self.managed_objects() if '/Instance/' in p)
        self.assertEqual(names, [instance_path('a')])
        txs = [p for p in self.managed_objects() if '/Transaction/' in p]
        self.assertEqual(len(txs), 1)

    def test_invalid_state(self):
        self.initialize()
        path = self.create('a', {'cpus': V('au', [4]), 'memory-bytes': V('t', 1 << 30)})
        self.assert_error('InvalidState', self.call, path, INSTANCE, 'Exec', '(a{sv})', ({},))
        self.assert_error('InvalidState', self.call, path, INSTANCE, 'Unload', '(a{sv})', ({},))
        self.assert_error('InvalidState', self.call, path, INSTANCE, 'Kill', '(a{sv})', ({},))
        self.assert_error('InvalidState', self.call, POOL_PATH, POOL, 'Reset', '(a{sv})', ({},))

    def test_validation_failed_baseline(self):
        msg = self.assert_error('ValidationFailed', self.call, POOL_PATH, POOL, 'Initialize',
                                '(aysa{sv})', (b'/dts-v1/;\n/ { resources { ', 'bad.dts', {}),
                                )
        self.assertIn('bad.dts:', msg)
        self.assertFalse(self.get(POOL_PATH, POOL, 'Initialized'))

    def test_unknown_method_is_not_authorized(self):
        # a method the bus allows but no interface has
        with self.assertRaises(GLib.GError) as cm:
            self.call(POOL_PATH, POOL, 'Frobnicate', '()', ())
        self.assertIn('UnknownMethod', str(cm.exception))


if __name__ == '__main__':
    kerfdtest.main()
