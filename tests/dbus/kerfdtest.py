"""Shared harness of the kerfd D-Bus tests.

A private dbus-daemon configured like the system bus (system-bus.conf, with
kerf's real bus policy), python-dbusmock's polkitd template, and kerfd built
in this tree started with --bus=system --backend=emulated and a temporary
state directory.  The daemon's log is printed only when a test fails.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

try:
    import dbus
    import dbusmock
    from gi.repository import Gio, GLib
except ImportError as e:
    print(f'1..0 # SKIP missing module: {e}')
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get('KERF_SOURCE_DIR', os.path.dirname(os.path.dirname(HERE)))
BUILDDIR = os.environ.get('KERF_BUILD_DIR', os.path.join(SRCDIR, 'build'))
KERFD = os.environ.get('KERFD', os.path.join(BUILDDIR, 'src', 'daemon', 'kerfd'))
BUS_CONF = os.path.join(HERE, 'system-bus.conf')
EXAMPLES = os.path.join(SRCDIR, 'examples')

BUS_NAME = 'org.multikernel.Kerf'
ROOT = '/org/multikernel/Kerf'
POOL_PATH = ROOT + '/Pool'
POOL = 'org.multikernel.Kerf.Pool'
INSTANCE = 'org.multikernel.Kerf.Instance'
TRANSACTION = 'org.multikernel.Kerf.Transaction'
ERROR = 'org.multikernel.Kerf.Error.'

ALL_ACTIONS = [
    'org.multikernel.kerf.initialize',
    'org.multikernel.kerf.manage-instances',
    'org.multikernel.kerf.load-kernel',
    'org.multikernel.kerf.control-instance',
    'org.multikernel.kerf.rollback',
]


def instance_path(name):
    return ROOT + '/Instance/' + ''.join(
        chr(b) if chr(b).isalnum() and b < 128 else '_%02x' % b for b in name.encode())


class KerfdTestCase(dbusmock.DBusTestCase):
    """One private system bus per class, one kerfd + polkit mock per test."""

    @classmethod
    def setUpClass(cls):
        os.environ['KERF_FORBID_REAL_SYSCALLS'] = '1'
        cls.bus_pid, cls.bus_address = cls.start_dbus(conf=BUS_CONF)
        os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = cls.bus_address
        cls.dbus_con = cls.get_dbus(system_bus=True)

    @classmethod
    def tearDownClass(cls):
        cls.stop_dbus(cls.bus_pid)

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix='kerfd-test-')
        os.chmod(self.workdir, 0o755)
        self.state_dir = os.path.join(self.workdir, 'state')
        self.log_path = os.path.join(self.workdir, 'kerfd.log')
        self.polkitd, self.polkit = self.spawn_server_template(
            'polkitd', {}, stdout=subprocess.DEVNULL)
        self.polkit.SetAllowed(ALL_ACTIONS)
        # our own connection, not the cached singleton
        self.conn = Gio.DBusConnection.new_for_address_sync(
            self.bus_address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        self.signals = []
        self.conn.signal_subscribe(BUS_NAME, None, None, None, None,
                                   Gio.DBusSignalFlags.NONE, self._on_signal)
        self.daemon = None
        self.start_daemon()

    def tearDown(self):
        try:
            if self.daemon is not None:
                self.stop_daemon()
        finally:
            self.polkitd.terminate()
            self.polkitd.wait()
            self.conn.close_sync(None)

    def run(self, result=None):
        result = result if result is not None else self.defaultTestResult()
        bad_before = len(result.failures) + len(result.errors)
        try:
            super().run(result)
        finally:
            if len(result.failures) + len(result.errors) > bad_before:
                try:
                    with open(self.log_path) as f:
                        sys.stderr.write('\n----- kerfd log -----\n' + f.read() +
                                         '----- end of kerfd log -----\n')
                except (OSError, AttributeError):
                    pass
            if getattr(self, 'workdir', None):
                shutil.rmtree(self.workdir, ignore_errors=True)
        return result

    # ---- daemon ------------------------------------------------------

    def start_daemon(self, extra_args=(), extra_env=None):
        log = open(self.log_path, 'a')
        env = dict(os.environ, G_DEBUG='fatal-criticals', KERF_FORBID_REAL_SYSCALLS='1',
                   **(extra_env or {}))
        self.daemon = subprocess.Popen(
            [KERFD, '--bus=system', '--backend=emulated', '--state-dir=' + self.state_dir,
             '--emulated-machine=' + os.path.join(EXAMPLES, 'baseline.dts'),
             '--verbose', *extra_args],
            stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        self.wait_for_name()

    def wait_for_name(self):
        deadline = time.monotonic() + 30
        while True:
            self.assertIsNone(self.daemon.poll(), 'kerfd exited during start-up')
            owner = self.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                        'org.freedesktop.DBus', 'NameHasOwner',
                                        GLib.Variant('(s)', (BUS_NAME,)), None,
                                        Gio.DBusCallFlags.NONE, -1, None)
            if owner.unpack()[0]:
                return
            if time.monotonic() > deadline:
                self.fail('kerfd did not appear on the bus')
            time.sleep(0.05)

    def stop_daemon(self):
        self.daemon.send_signal(signal.SIGTERM)
        rc = self.daemon.wait(timeout=30)
        self.daemon = None
        self.assertEqual(rc, 0, 'kerfd did not exit cleanly on SIGTERM')

    def restart_daemon(self):
        self.stop_daemon()
        self.start_daemon()

    # ---- calls -------------------------------------------------------

    def call(self, path, iface, method, signature, args, reply=None, fds=None):
        params = GLib.Variant(signature, args) if signature is not None else None
        if fds is not None:
            fd_list = Gio.UnixFDList.new()
            for fd in fds:
                fd_list.append(fd)
            res, _ = self.conn.call_with_unix_fd_list_sync(
                BUS_NAME, path, iface, method, params,
                GLib.VariantType(reply) if reply else None,
                Gio.DBusCallFlags.NONE, 60000, fd_list, None)
        else:
            res = self.conn.call_sync(BUS_NAME, path, iface, method, params,
                                      GLib.VariantType(reply) if reply else None,
                                      Gio.DBusCallFlags.NONE, 60000, None)
        return res.unpack() if res is not None else None

    def assert_error(self, name, func, *args, **kwargs):
        with self.assertRaises(GLib.GError) as cm:
            func(*args, **kwargs)
        remote = Gio.DBusError.get_remote_error(cm.exception)
        self.assertEqual(remote, ERROR + name if '.' not in name else name,
                         f'unexpected error: {cm.exception.message}')
        return cm.exception.message

    def get(self, path, iface, prop):
        return self.call(path, 'org.freedesktop.DBus.Properties', 'Get', '(ss)',
                         (iface, prop), '(v)')[0]

    def get_all(self, path, iface):
        return self.call(path, 'org.freedesktop.DBus.Properties', 'GetAll', '(s)', (iface,),
                         '(a{sv})')[0]

    def managed_objects(self):
        return self.call(ROOT, 'org.freedesktop.DBus.ObjectManager', 'GetManagedObjects',
                         None, None, '(a{oa{sa{sv}}})')[0]

    # ---- signals -----------------------------------------------------

    def _on_signal(self, conn, sender, path, iface, name, params):
        self.signals.append((path, iface, name, params.unpack()))

    def pump(self):
        ctx = GLib.MainContext.default()
        while ctx.pending():
            ctx.iteration(False)

    def wait_for_signal(self, predicate, what):
        deadline = time.monotonic() + 30
        ctx = GLib.MainContext.default()
        while True:
            while ctx.pending():
                ctx.iteration(False)
            for s in self.signals:
                if predicate(*s):
                    return s
            if time.monotonic() > deadline:
                self.fail(f'no signal: {what}; got {self.signals}')
            time.sleep(0.02)

    # ---- pool helpers -------------------------------------------------

    def read_example(self, name):
        with open(os.path.join(EXAMPLES, name), 'rb') as f:
            return f.read()

    def initialize(self, example='baseline.dts', options=None):
        src = self.read_example(example)
        return self.call(POOL_PATH, POOL, 'Initialize', '(aysa{sv})',
                         (src, example, options or {}), '(a(sssuuss)s)')

    def create(self, name, spec, options=None):
        return self.call(POOL_PATH, POOL, 'CreateInstance', '(sa{sv}a{sv})',
                         (name, spec, options or {}), '(o)')[0]


def main():
    # TAP-less: unittest's own runner; exit code tells meson.
    unittest.main(testRunner=unittest.TextTestRunner(stream=sys.stdout, verbosity=2))
