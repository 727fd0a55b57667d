#!/usr/bin/python3
"""Bad input on every method: a named error, the daemon keeps serving, nothing changes.

Wrong signatures get the bus-standard org.freedesktop.DBus.Error.InvalidArgs;
everything kerfd itself refuses is org.multikernel.Kerf.Error.*.  After
each refused call a read succeeds and the kernel's state (the emulated
kernel's files) and kerfd's state directory are byte for byte unchanged.
"""
import hashlib
import os
import socket
import struct

import kerfdtest
from kerfdtest import GLib, POOL, POOL_PATH, INSTANCE, TRANSACTION

V = GLib.Variant
GiB = 1 << 30
INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs'

POOL_METHODS = {   # method: (good signature, bad signature + args)
    'Validate': ('(ss)', ('x', 'y')),
    'Initialize': ('(ss)', ('x', 'y')),
    'Reset': ('(b)', (True,)),
    'CreateInstance': ('(sa{sv})', ('x', {})),
    'Report': ('(i)', (1,)),
    'GetDeviceTree': ('(s)', ('effective',)),
}
INSTANCE_METHODS = {
    'Load': ('(sa{sv})', ('x', {})),
    'Unload': ('(s)', ('x',)),
    'Exec': ('(as)', ([],)),
    'Kill': ('(b)', (True,)),
    'Update': ('(a{sv})', ({},)),
    'Delete': ('(i)', (1,)),
}


def hostile_dtb():
    """A DTB header whose blocks point far outside the blob."""
    hdr = struct.pack('>10I', 0xd00dfeed, 0x100, 0x38, 0xfffff000, 0x28, 17, 16, 0, 0x7fffffff,
                      0x40)
    return hdr + bytes(0x100 - len(hdr))


class BadInputTest(kerfdtest.KerfdTestCase):

    def setUp(self):
        super().setUp()
        self.initialize()
        self.vm = self.create('vm', {'cpus': V('au', [8]), 'memory-bytes': V('t', GiB)})
        self.tx = [p for p in self.managed_objects() if '/Transaction/' in p][0]
        self.fingerprint = self.state_fingerprint()

    def state_fingerprint(self):
        out = {}
        for root, _, files in os.walk(self.state_dir):
            for f in files:
                path = os.path.join(root, f)
                with open(path, 'rb') as fh:
                    out[os.path.relpath(path, self.state_dir)] = hashlib.sha256(fh.read()).digest()
        return out

    def assert_untouched(self, what):
        # the daemon still answers, and nothing changed anywhere
        self.assertTrue(self.get(POOL_PATH, POOL, 'Initialized'), what)
        self.assertEqual(self.get(self.vm, INSTANCE, 'Status'), 'ready', what)
        self.assertEqual(self.state_fingerprint(), self.fingerprint, what)
        self.assertIsNone(self.daemon.poll(), what)

    def bad(self, error, what, *args, **kwargs):
        msg = self.assert_error(error, self.call, *args, **kwargs)
        self.assertTrue(msg, what)
        self.assert_untouched(what)
        return msg

    # ---- signatures -------------------------------------------------------

    def test_wrong_signatures(self):
        for method, (sig, args) in POOL_METHODS.items():
            self.bad(INVALID_ARGS, method, POOL_PATH, POOL, method, sig, args)
        for method, (sig, args) in INSTANCE_METHODS.items():
            self.bad(INVALID_ARGS, method, self.vm, INSTANCE, method, sig, args)
        self.bad(INVALID_ARGS, 'Rollback', self.tx, TRANSACTION, 'Rollback', '(s)', ('x',))
        self.bad(INVALID_ARGS, 'no args', POOL_PATH, POOL, 'CreateInstance', None, None)

    # ---- options ---------------------------------------------------------

    def test_unknown_option_keys(self):
        junk = {'colour': V('s', 'blue')}
        src = self.read_example('baseline.dts')
        calls = [
            (POOL_PATH, POOL, 'Validate', '(aysa{sv})', (src, 'b', junk)),
            (POOL_PATH, POOL, 'Initialize', '(aysa{sv})', (src, 'b', junk)),
            (POOL_PATH, POOL, 'Reset', '(a{sv})', (junk,)),
            (POOL_PATH, POOL, 'CreateInstance', '(sa{sv}a{sv})',
             ('n', {'cpus': V('au', [9]), 'memory-bytes': V('t', GiB)}, junk)),
            (POOL_PATH, POOL, 'CreateInstance', '(sa{sv}a{sv})',
             ('n', {'cpus': V('au', [9]), 'memory-bytes': V('t', GiB), 'colour': V('s', 'x')},
              {})),
            (POOL_PATH, POOL, 'Report', '(sa{sv})', ('text', junk)),
            (POOL_PATH, POOL, 'GetDeviceTree', '(ssa{sv})', ('effective', 'dts', junk)),
            (self.vm, INSTANCE, 'Unload', '(a{sv})', (junk,)),
            (self.vm, INSTANCE, 'Exec', '(a{sv})', (junk,)),
            (self.vm, INSTANCE, 'Kill', '(a{sv})', (junk,)),
            (self.vm, INSTANCE, 'Update', '(a{sv}a{sv})', ({'cpus': V('au', [8, 9])}, junk)),
            (self.vm, INSTANCE, 'Update', '(a{sv}a{sv})', ({'colour': V('s', 'x')}, {})),
            (self.vm, INSTANCE, 'Delete', '(a{sv})', (junk,)),
            (self.tx, TRANSACTION, 'Rollback', '(a{sv})', (junk,)),
        ]
        for c in calls:
            msg = self.bad('InvalidArgument', c[2], *c)
            self.assertIn('colour', msg, c[2])
        fd = os.open('/dev/null', os.O_RDONLY)
        try:
            msg = self.bad('InvalidArgument', 'Load', self.vm, INSTANCE, 'Load', '(hhsa{sv})',
                           (0, -1, '', {'colour': V('s', 'x')}), None, [fd])
            self.assertIn('colour', msg)
        finally:
            os.close(fd)

    def test_wrong_variant_types(self):
        calls = [
            (POOL_PATH, POOL, 'Initialize', '(aysa{sv})', (b'', 'b', {'dry-run': V('s', 'yes')})),
            (POOL_PATH, POOL, 'CreateInstance', '(sa{sv}a{sv})',
             ('n', {'cpus': V('au', [9]), 'memory-bytes': V('t', GiB)},
              {'dry-run': V('i', 1)})),
            (self.vm, INSTANCE, 'Kill', '(a{sv})', ({'force': V('s', 'true')},)),
            (self.vm, INSTANCE, 'Update', '(a{sv}a{sv})', ({}, {'dry-run': V('u', 1)})),
        ]
        for key, value in [('cpus', V('s', '9')), ('cpu-count', V('s', '2')),
                           ('memory-bytes', V('u', 1024)), ('memory-base', V('s', '0x0')),
                           ('devices', V('s', 'eth0')), ('numa-nodes', V('as', ['0'])),
                           ('cpu-affinity', V('b', True)), ('memory-policy', V('u', 1)),
                           ('id', V('s', '5'))]:
            spec = {'cpus': V('au', [9]), 'memory-bytes': V('t', GiB)}
            spec[key] = value
            calls.append((POOL_PATH, POOL, 'CreateInstance', '(sa{sv}a{sv})', ('n', spec, {})))
            calls.append((self.vm, INSTANCE, 'Update', '(a{sv}a{sv})', ({key: value}, {})))
        for c in calls:
            self.bad('InvalidArgument', f'{c[2]} {c[4]}', *c)
        # known keys, impossible values
        for spec in ({'cpu-count': V('u', 0), 'memory-bytes': V('t', GiB)},
                     {'cpus': V('au', [9]), 'memory-bytes': V('t', 0)},
                     {'cpus': V('au', [9]), 'cpu-count': V('u', 1), 'memory-bytes': V('t', GiB)},
                     {'cpus': V('au', [9]), 'memory-bytes': V('t', GiB), 'id': V('u', 4096)},
                     {'cpus': V('au', [9]), 'memory-bytes': V('t', GiB),
                      'memory-policy': V('s', 'random')}):
            self.bad('InvalidArgument', str(spec), POOL_PATH, POOL, 'CreateInstance',
                     '(sa{sv}a{sv})', ('n', spec, {}))
        fd = os.open('/dev/null', os.O_RDONLY)
        try:
            for key, value in (('debug', V('s', 'y')), ('kernel-path', V('i', 1)),
                               ('initrd-path', V('ay', b'/x'))):
                self.bad('InvalidArgument', key, self.vm, INSTANCE, 'Load', '(hhsa{sv})',
                         (0, -1, '', {key: value}), None, [fd])
        finally:
            os.close(fd)

    # ---- instance names --------------------------------------------------

    def test_bad_instance_names(self):
        spec = {'cpus': V('au', [9]), 'memory-bytes': V('t', GiB)}
        for name in ['', '/', 'a/b', '..', '../etc', '.hidden', '-x', 'a' * 64, 'a' * 4096,
                     'tab\there', 'nl\nhere', 'bell\x07', 'del\x7f', 'sp ace', 'ünï', 'a;rm']:
            msg = self.bad('InvalidArgument', repr(name), POOL_PATH, POOL, 'CreateInstance',
                           '(sa{sv}a{sv})', (name, spec, {}))
            self.assertIn('invalid instance name', msg)
            self.assertLess(len(msg), 400, 'the message is cut short')
            self.assertNotIn('\n', msg.split('(')[0])

    # ---- descriptors -----------------------------------------------------

    def load_fd(self, fd, initrd=None, error='InvalidArgument'):
        fds = [fd] if initrd is None else [fd, initrd]
        return self.bad(error, f'fd {fd}', self.vm, INSTANCE, 'Load', '(hhsa{sv})',
                        (0, -1 if initrd is None else 1, '', {}), None, fds)

    def path_fd(self, name, data=None, size=None, flags=os.O_RDONLY):
        path = os.path.join(self.workdir, name)
        with open(path, 'wb') as f:
            if data is not None:
                f.write(data)
            if size is not None:
                f.truncate(size)
        return os.open(path, flags)

    def test_bad_descriptors(self):
        opened = []
        try:
            d = os.open(self.workdir, os.O_RDONLY | os.O_DIRECTORY)
            opened.append(d)
            self.assertIn('directory', self.load_fd(d))
            good = self.path_fd('vmlinux', b'\x7fELF' + bytes(4092))
            opened.append(good)
            self.assertIn('directory', self.load_fd(good, initrd=d))
            wo = self.path_fd('wo', b'\x7fELF' + bytes(60), flags=os.O_WRONLY)
            opened.append(wo)
            self.assertIn('not open for reading', self.load_fd(wo))
            op = self.path_fd('opath', b'\x7fELF' + bytes(60), flags=os.O_PATH)
            opened.append(op)
            self.load_fd(op)
            r, w = os.pipe()
            opened += [r, w]
            self.assertIn('pipe', self.load_fd(r))
            s1, s2 = socket.socketpair()
            opened += [s1.detach(), s2.detach()]
            self.assertIn('socket', self.load_fd(opened[-2]))
            null = os.open('/dev/zero', os.O_RDONLY)
            opened.append(null)
            self.assertIn('character device', self.load_fd(null))
            empty = self.path_fd('empty', b'')
            opened.append(empty)
            self.assertIn('empty', self.load_fd(empty))
            junk = self.path_fd('junk', os.urandom(8192).replace(b'\x7fELF', b'....'))
            opened.append(junk)
            self.assertIn('not a kernel', self.load_fd(junk))
            sparse = self.path_fd('sparse', b'\x7fELF', size=64 * GiB)
            opened.append(sparse)
            self.assertIn('must be between', self.load_fd(sparse))
            huge_initrd = self.path_fd('initrd', b'\x00', size=1 << 40)
            opened.append(huge_initrd)
            self.assertIn('initrd', self.load_fd(good, initrd=huge_initrd))
            # handles that do not name a passed descriptor
            for kernel, initrd, fds in ((0, -1, []), (1, -1, [good]), (-1, -1, [good]),
                                        (0, 5, [good])):
                self.bad('InvalidArgument', f'handle {kernel}/{initrd}', self.vm, INSTANCE,
                         'Load', '(hhsa{sv})', (kernel, initrd, '', {}), None, fds)
        finally:
            for fd in opened:
                os.close(fd)
        # and a real load works afterwards
        fd = self.path_fd('real', b'\x7fELF' + bytes(4092))
        try:
            self.call(self.vm, INSTANCE, 'Load', '(hhsa{sv})', (0, -1, '', {}), None, [fd])
        finally:
            os.close(fd)
        self.assertEqual(self.get(self.vm, INSTANCE, 'Status'), 'loaded')

    # ---- device tree sources ---------------------------------------------

    def test_bad_sources(self):
        cases = [('garbage', os.urandom(4096)), ('hostile.dtb', hostile_dtb()),
                 ('nul', b'\0' * 100), ('half.dts', b'/dts-v1/;\n/ { resources { cpus {'),
                 ('binary.dts', b'/dts-v1/;\n/ { x = "\xff\xfe"; };\n')]
        for name, data in cases:
            valid, diags = self.call(POOL_PATH, POOL, 'Validate', '(aysa{sv})',
                                     (data, name, {}), '(ba(sssuuss))')
            self.assertFalse(valid, name)
            self.assertTrue([d for d in diags if d[0] == 'error'], name)
            self.assert_untouched(name)
            self.bad('ValidationFailed', name, POOL_PATH, POOL, 'Initialize', '(aysa{sv})',
                     (data, name, {}))
        # 10 MiB: built as one GVariant (element by element would take minutes)
        big = b'/dts-v1/;\n/ { p = <1>; };\n'
        big = big + b' ' * ((10 << 20) - len(big))
        for method in ('Validate', 'Initialize'):
            params = GLib.Variant.new_tuple(
                GLib.Variant.new_from_bytes(GLib.VariantType('ay'), GLib.Bytes(big), True),
                GLib.Variant('s', 'big.dts'), GLib.Variant('a{sv}', {}))
            with self.assertRaises(GLib.GError) as cm:
                self.conn.call_sync(kerfdtest.BUS_NAME, POOL_PATH, POOL, method, params, None,
                                    kerfdtest.Gio.DBusCallFlags.NONE, 60000, None)
            self.assertEqual(kerfdtest.Gio.DBusError.get_remote_error(cm.exception),
                             kerfdtest.ERROR + 'InvalidArgument', cm.exception.message)
            self.assertIn('4 MiB', cm.exception.message)
            self.assert_untouched(method)
        # odd display names are only names
        valid, _ = self.call(POOL_PATH, POOL, 'Validate', '(aysa{sv})',
                             (self.read_example('baseline.dts'), 'x\x01' * 2000, {}),
                             '(ba(sssuuss))')
        self.assertTrue(valid)

    def test_bad_strings(self):
        for which, fmt in (('effective', 'yaml'), ('other', 'dts'), ('', ''), ('x' * 4096, 'dtb')):
            self.bad('InvalidArgument', which, POOL_PATH, POOL, 'GetDeviceTree', '(ssa{sv})',
                     (which, fmt, {}))
        for fmt in ('xml', '', 'text\x01'):
            self.bad('InvalidArgument', fmt, POOL_PATH, POOL, 'Report', '(sa{sv})', (fmt, {}))


if __name__ == '__main__':
    kerfdtest.main()
