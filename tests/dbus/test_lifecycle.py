#!/usr/bin/python3
"""Instance life cycle, updates, rollback and serialized transactions."""
import os
import tempfile

import kerfdtest
from kerfdtest import Gio, GLib, POOL, POOL_PATH, INSTANCE, TRANSACTION, BUS_NAME
from test_recovery import fake_bzimage

V = GLib.Variant


class LifecycleTest(kerfdtest.KerfdTestCase):

    def load(self, path, image=None):
        with tempfile.NamedTemporaryFile(dir=self.workdir, delete=False) as f:
            f.write(image if image is not None else fake_bzimage())
        fd = os.open(f.name, os.O_RDONLY)
        try:
            self.call(path, INSTANCE, 'Load', '(hhsa{sv})', (0, -1, '', {}), None, [fd])
        finally:
            os.close(fd)

    def status(self, path):
        return self.get(path, INSTANCE, 'Status')

    def test_full_cycle(self):
        self.initialize()
        path = self.create('vm', {'cpus': V('au', [8, 9]), 'memory-bytes': V('t', 1 << 30)})
        self.assertEqual(self.status(path), 'ready')
        self.load(path)
        self.assertEqual(self.status(path), 'loaded')
        self.assert_error('InvalidState', self.call, path, INSTANCE, 'Delete', '(a{sv})', ({},))
        self.call(path, INSTANCE, 'Exec', '(a{sv})', ({},))
        self.assertEqual(self.status(path), 'active')
        self.call(path, INSTANCE, 'Kill', '(a{sv})', ({},))
        self.assertEqual(self.status(path), 'loaded')
        self.call(path, INSTANCE, 'Kill', '(a{sv})', ({'force': V('b', True)},))
        self.assertEqual(self.status(path), 'loaded')
        self.call(path, INSTANCE, 'Unload', '(a{sv})', ({},))
        self.assertEqual(self.status(path), 'ready')
        self.assertEqual(self.get(path, INSTANCE, 'Kernel'), ('', 0, '', ''))
        self.call(path, INSTANCE, 'Delete', '(a{sv})', ({},))
        self.assertNotIn(path, self.managed_objects())

    def test_recorded_hash_is_what_the_kernel_read(self):
        # kerfd hashes a sealed copy of the image and hands the kernel that
        # copy, so its record and the kernel's agree with the caller's bytes
        import hashlib
        self.initialize()
        path = self.create('vm', {'cpus': V('au', [8]), 'memory-bytes': V('t', 1 << 28)})
        image = fake_bzimage()
        self.load(path, image)
        want = hashlib.sha256(image).hexdigest()
        self.assertEqual(self.get(path, INSTANCE, 'Kernel')[1:3], (len(image), want))
        emu_dir = os.path.join(self.state_dir, 'emulated-kernel')
        with open(os.path.join(emu_dir, '.kerf-emulated-state')) as f:
            self.assertIn(f'kernel-sha256={want}', f.read())

    def test_kill_per_status(self):
        """SPEC §4: a plain Kill only from active; force also from loaded; every
        refusal is InvalidState naming the status and what to do."""
        self.initialize()
        path = self.create('vm', {'cpus': V('au', [8]), 'memory-bytes': V('t', 1 << 30)})

        def kill(force=None):
            return self.call(path, INSTANCE, 'Kill', '(a{sv})',
                             ({} if force is None else {'force': V('b', force)},))

        for force in (None, False, True):
            msg = self.assert_error('InvalidState', kill, force)
            self.assertIn("it is ready", msg)
            self.assertIn('load a kernel and exec it', msg)
            self.assertEqual(self.status(path), 'ready')
        self.load(path)
        for force in (None, False):
            msg = self.assert_error('InvalidState', kill, force)
            self.assertIn("it is loaded", msg)
            self.assertIn('force', msg)
            self.assertIn('exec', msg)
            self.assertEqual(self.status(path), 'loaded')
        kill(True)
        self.assertEqual(self.status(path), 'loaded')
        self.call(path, INSTANCE, 'Exec', '(a{sv})', ({},))
        kill(False)
        self.assertEqual(self.status(path), 'loaded')
        self.call(path, INSTANCE, 'Exec', '(a{sv})', ({},))
        kill(True)
        self.assertEqual(self.status(path), 'loaded')
        # the image stayed loaded: it boots again
        self.call(path, INSTANCE, 'Exec', '(a{sv})', ({},))
        self.assertEqual(self.status(path), 'active')

    def test_last_transaction(self):
        """Callers learn the transaction they caused from LastTransaction, set
        before the reply; rollbacks and restarts keep it right."""
        def last(path, iface=INSTANCE):
            return self.get(path, iface, 'LastTransaction')

        def tx(path):
            props = self.get_all(path, TRANSACTION)
            return props['Operation'], props['Instance']

        self.assertEqual(last(POOL_PATH, POOL), '/')
        self.initialize()
        self.assertEqual(last(POOL_PATH, POOL), '/')   # the first baseline is no transaction
        a = self.create('a', {'cpus': V('au', [8]), 'memory-bytes': V('t', 1 << 30)})
        a_create = last(a)
        self.assertEqual(tx(a_create), ('create', 'a'))
        self.assertEqual(last(POOL_PATH, POOL), a_create)
        b = self.create('b', {'cpus': V('au', [9]), 'memory-bytes': V('t', 1 << 30)})
        self.assertEqual(tx(last(b)), ('create', 'b'))
        self.assertEqual(last(POOL_PATH, POOL), last(b))
        self.assertEqual(last(a), a_create)
        self.call(a, INSTANCE, 'Update', '(a{sv}a{sv})', ({'cpus': V('au', [8, 10])}, {}))
        a_update = last(a)
        self.assertEqual(tx(a_update), ('update', 'a'))
        self.assertNotEqual(a_update, a_create)
        # kerfd's records only: no transaction
        self.call(a, INSTANCE, 'Update', '(a{sv}a{sv})',
                  ({'memory-policy': V('s', 'interleave')}, {}))
        self.assertEqual(last(a), a_update)
        self.call(a_update, TRANSACTION, 'Rollback', '(a{sv})', ({},))
        self.assertEqual(last(a), a_create)
        self.assertEqual(self.get(a, INSTANCE, 'Cpus'), [8])
        self.call(b, INSTANCE, 'Delete', '(a{sv})', ({},))
        b_delete = last(POOL_PATH, POOL)
        self.assertEqual(tx(b_delete), ('delete', 'b'))
        self.assertEqual(self.get(a_create, TRANSACTION, 'Target'), '/instances')
        self.restart_daemon()
        self.assertEqual(last(POOL_PATH, POOL), b_delete)
        self.assertEqual(last(a), a_create)
        # InterfacesAdded of a new instance carries it, and its transaction
        # object is announced no later than the instance
        mark = len(self.signals)
        c = self.create('c', {'cpus': V('au', [11]), 'memory-bytes': V('t', 1 << 30)})
        added = self.wait_for_signal(lambda p, i, n, args: n == 'InterfacesAdded' and args[0] == c,
                                     'InterfacesAdded c')
        c_tx = added[3][1][INSTANCE]['LastTransaction']
        self.assertEqual(c_tx, last(c))
        order = [args[0] for p, i, n, args in self.signals[mark:] if n == 'InterfacesAdded']
        self.assertLess(order.index(c_tx), order.index(c))

    def test_load_rejects_non_kernel(self):
        self.initialize()
        path = self.create('vm', {'cpus': V('au', [8]), 'memory-bytes': V('t', 1 << 30)})
        with self.assertRaises(GLib.GError):
            self.load(path, b'not a kernel' * 100)
        self.assertEqual(self.status(path), 'ready')
        self.assertEqual(self.get(path, INSTANCE, 'Kernel'), ('', 0, '', ''))

    def test_load_needs_a_descriptor(self):
        self.initialize()
        path = self.create('vm', {'cpus': V('au', [8]), 'memory-bytes': V('t', 1 << 30)})
        self.assert_error('InvalidArgument', self.call, path, INSTANCE, 'Load', '(hhsa{sv})',
                          (0, -1, '', {}))

    def test_update(self):
        self.initialize()
        path = self.create('vm', {'cpus': V('au', [8, 9]), 'memory-bytes': V('t', 1 << 30)})
        self.call(path, INSTANCE, 'Update', '(a{sv}a{sv})',
                  ({'cpus': V('au', [8, 9, 10]), 'memory-policy': V('s', 'interleave')}, {}))
        self.assertEqual(self.get(path, INSTANCE, 'Cpus'), [8, 9, 10])
        self.assertEqual(self.get(path, INSTANCE, 'MemoryPolicy'), 'interleave')
        self.assertNotIn(10, self.get(POOL_PATH, POOL, 'FreeCpus'))
        self.assert_error('ValidationFailed', self.call, path, INSTANCE, 'Update',
                          '(a{sv}a{sv})', ({'cpus': V('au', [1])}, {}))
        self.assertEqual(self.get(path, INSTANCE, 'Cpus'), [8, 9, 10])

    def test_rollback_create(self):
        self.initialize()
        path = self.create('vm', {'cpus': V('au', [8]), 'memory-bytes': V('t', 1 << 30)})
        tx = [p for p in self.managed_objects() if '/Transaction/' in p]
        self.assertEqual(len(tx), 1)
        self.assertEqual(self.get(tx[0], TRANSACTION, 'Operation'), 'create')
        self.call(tx[0], TRANSACTION, 'Rollback', '(a{sv})', ({},))
        objects = self.managed_objects()
        self.assertNotIn(path, objects)
        self.assertNotIn(tx[0], objects)
        self.assertEqual(self.get(POOL_PATH, POOL, 'FreeCpus'), list(range(4, 32)))

    def test_concurrent_creates_are_serialized(self):
        """Callers racing for CPUs never get the same one, and none is rejected."""
        self.initialize()
        n = 8
        results = {}

        def done(conn, res, name):
            try:
                results[name] = conn.call_finish(res).unpack()[0]
            except GLib.GError as e:
                results[name] = e

        for i in range(n):
            self.conn.call(BUS_NAME, POOL_PATH, POOL, 'CreateInstance',
                           V('(sa{sv}a{sv})', (f'c{i}', {'cpu-count': V('u', 3),
                                                       'memory-bytes': V('t', 1 << 30)}, {})),
                           GLib.VariantType('(o)'), Gio.DBusCallFlags.NONE, 60000, None,
                           done, f'c{i}')
        ctx = GLib.MainContext.default()
        while len(results) < n:
            ctx.iteration(True)
        for name, r in results.items():
            self.assertIsInstance(r, str, f'{name}: {r}')
        seen = set()
        for name, path in results.items():
            cpus = set(self.get(path, INSTANCE, 'Cpus'))
            self.assertEqual(len(cpus), 3)
            self.assertFalse(cpus & seen, f'{name} shares CPUs')
            seen |= cpus
        self.assertEqual(len(seen), 24)


if __name__ == '__main__':
    kerfdtest.main()
