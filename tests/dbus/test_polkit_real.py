#!/usr/bin/python3
"""The real authority: Debian's polkitd on the private system bus.

The dbusmock polkit of the other tests answers from a list; this test runs
/usr/lib/polkit-1/polkitd itself, with kerf's own action file
(polkit/org.multikernel.kerf.policy) installed where polkitd looks for it.
polkitd reads only the hard-coded /usr/share/polkit-1/actions and the
rules.d directories, so the test re-runs itself in a private mount
namespace (unshare --mount --propagation private) and bind-mounts a
directory holding the host's actions plus ours over /usr/share/polkit-1/
actions, and empty rules directories over both rules.d (no host rule can
grant anything).  The host's directories are never changed.

Checked: an unprivileged caller (setpriv --reuid=nobody) is refused with
org.multikernel.Kerf.Error.NotAuthorized for every privileged method
(the policy says auth_admin_keep for active sessions, no otherwise, and
nobody has no session); the same caller may read and Validate; root is
authorized by polkitd and the change happens.

Skips (exit 77) only when the namespace or the bind mounts are not
permitted, or polkitd is not installed.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get('KERF_SOURCE_DIR', os.path.dirname(os.path.dirname(HERE)))
POLKITD = '/usr/lib/polkit-1/polkitd'
INNER = 'KERF_POLKIT_REAL_INNER'


def skip(why):
    print(f'1..0 # SKIP {why}')
    sys.exit(77)


def outer():
    """Prepare the action directory, then re-run inside a mount namespace."""
    if os.geteuid() != 0:
        skip('needs root (mount namespace, polkitd, kerfd owning its name)')
    if not os.access(POLKITD, os.X_OK):
        skip(f'{POLKITD} is not installed')
    for tool in ('unshare', 'setpriv'):
        if shutil.which(tool) is None:
            skip(f'{tool} is not available')
    pk = tempfile.mkdtemp(prefix='kerf-polkit-')
    try:
        os.chmod(pk, 0o755)
        actions = os.path.join(pk, 'actions')
        os.mkdir(actions)
        for f in glob.glob('/usr/share/polkit-1/actions/*.policy'):
            shutil.copy(f, actions)
        shutil.copy(os.path.join(SRCDIR, 'polkit', 'org.multikernel.kerf.policy'), actions)
        for d in ('rules-etc', 'rules-usr'):
            os.mkdir(os.path.join(pk, d), 0o700)
            shutil.chown(os.path.join(pk, d), user='polkitd')
        probe = subprocess.run(['unshare', '--mount', '--propagation', 'private', 'true'],
                               capture_output=True, text=True)
        if probe.returncode != 0:
            skip('unshare --mount is not permitted here: ' + probe.stderr.strip())
        env = dict(os.environ, **{INNER: pk})
        rc = subprocess.run(['unshare', '--mount', '--propagation', 'private',
                             sys.executable, os.path.abspath(__file__)], env=env).returncode
        sys.exit(rc)
    finally:
        shutil.rmtree(pk, ignore_errors=True)


def bind(src, dst):
    r = subprocess.run(['mount', '--bind', src, dst], capture_output=True, text=True)
    if r.returncode != 0:
        skip(f'mount --bind {src} {dst} is not permitted: {r.stderr.strip()}')


if os.environ.get(INNER) is None:
    outer()

# ---- inside the private mount namespace ---------------------------------

PK = os.environ[INNER]
bind(os.path.join(PK, 'actions'), '/usr/share/polkit-1/actions')
for host, mine in (('/etc/polkit-1/rules.d', 'rules-etc'),
                   ('/usr/share/polkit-1/rules.d', 'rules-usr')):
    if os.path.isdir(host):
        bind(os.path.join(PK, mine), host)

import unittest                                   # noqa: E402
import kerfdtest                                  # noqa: E402
from kerfdtest import Gio, GLib, POOL, POOL_PATH, ERROR  # noqa: E402

V = GLib.Variant

# The bus of the other tests, plus: the real polkitd drops to user polkitd
# before it owns its name.
with open(kerfdtest.BUS_CONF) as f:
    conf = f.read()
conf = conf.replace('<include>../../data/', '<include>' + os.path.join(SRCDIR, 'data') + '/')
conf = conf.replace('</busconfig>', '''  <policy user="polkitd">
    <allow own="org.freedesktop.PolicyKit1"/>
  </policy>
</busconfig>''')
BUS_CONF = os.path.join(PK, 'system-bus.conf')
with open(BUS_CONF, 'w') as f:
    f.write(conf)
os.chmod(BUS_CONF, 0o644)

# Run by nobody: one method call on our bus, printing the D-Bus error name
# (or OK and the reply).
NOBODY_CLIENT = r'''
import sys
from gi.repository import Gio, GLib
addr, path, iface, method, sig, args = sys.argv[1:7]
conn = Gio.DBusConnection.new_for_address_sync(
    addr, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
    Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
params = GLib.Variant(sig, eval(args, {'V': GLib.Variant, 'B': bytes.fromhex}))
try:
    r = conn.call_sync('org.multikernel.Kerf', path, iface, method, params, None,
                       Gio.DBusCallFlags.NONE, 60000, None)
    print('OK', r.print_(False)[:200])
except GLib.Error as e:
    print(Gio.DBusError.get_remote_error(e) or 'local', e.message)
'''


class RealPolkitTest(kerfdtest.KerfdTestCase):

    @classmethod
    def setUpClass(cls):
        os.environ['KERF_FORBID_REAL_SYSCALLS'] = '1'
        cls.bus_pid, cls.bus_address = cls.start_dbus(conf=BUS_CONF)
        os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = cls.bus_address

    def setUp(self):
        self.polkitd_log = tempfile.TemporaryFile()
        self.real_polkitd = subprocess.Popen([POLKITD, '--no-debug'],
                                             stdout=self.polkitd_log, stderr=subprocess.STDOUT)
        self.workdir = tempfile.mkdtemp(prefix='kerfd-test-')
        os.chmod(self.workdir, 0o755)
        self.state_dir = os.path.join(self.workdir, 'state')
        self.log_path = os.path.join(self.workdir, 'kerfd.log')
        self.conn = Gio.DBusConnection.new_for_address_sync(
            self.bus_address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        self.signals = []
        self.wait_for_polkitd()
        self.daemon = None
        self.start_daemon()

    def wait_for_polkitd(self):
        deadline = time.monotonic() + 30
        while True:
            if self.real_polkitd.poll() is not None:
                self.polkitd_log.seek(0)
                self.fail('polkitd exited: ' + self.polkitd_log.read().decode(errors='replace'))
            owner = self.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                        'org.freedesktop.DBus', 'NameHasOwner',
                                        GLib.Variant('(s)', ('org.freedesktop.PolicyKit1',)),
                                        None, Gio.DBusCallFlags.NONE, -1, None)
            if owner.unpack()[0]:
                return
            self.assertLess(time.monotonic(), deadline, 'polkitd did not appear on the bus')
            time.sleep(0.05)

    def tearDown(self):
        try:
            if self.daemon is not None:
                self.stop_daemon()
        finally:
            self.real_polkitd.terminate()
            self.real_polkitd.wait()
            self.polkitd_log.close()
            self.conn.close_sync(None)

    def as_nobody(self, path, iface, method, sig, args):
        r = subprocess.run(['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups',
                            sys.executable, '-c', NOBODY_CLIENT, self.bus_address,
                            path, iface, method, sig, args],
                           capture_output=True, text=True, cwd='/', timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def test_polkitd_knows_our_actions(self):
        r = subprocess.run(['pkaction', '--action-id', 'org.multikernel.kerf.initialize',
                            '--verbose'], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('implicit active:   auth_admin_keep', r.stdout)
        self.assertIn('implicit any:      no', r.stdout)

    def test_nobody_is_refused_root_is_allowed(self):
        src = self.read_example('baseline.dts')
        init_args = f"(B('{src.hex()}'), 'baseline.dts', {{}})"
        out = self.as_nobody(POOL_PATH, POOL, 'Initialize', '(aysa{sv})', init_args)
        self.assertTrue(out.startswith(ERROR + 'NotAuthorized '), out)
        self.assertIn('org.multikernel.kerf.initialize', out)
        self.assertFalse(self.get(POOL_PATH, POOL, 'Initialized'))
        # reading and validating need no privilege
        out = self.as_nobody(POOL_PATH, POOL, 'Validate', '(aysa{sv})', init_args)
        self.assertTrue(out.startswith('OK (true,'), out)

        # root: polkitd says yes
        self.initialize()
        self.assertTrue(self.get(POOL_PATH, POOL, 'Initialized'))

        spec = "('web', {'cpus': V('au', [4]), 'memory-bytes': V('t', 1 << 30)}, {})"
        out = self.as_nobody(POOL_PATH, POOL, 'CreateInstance', '(sa{sv}a{sv})', spec)
        self.assertTrue(out.startswith(ERROR + 'NotAuthorized '), out)
        self.assertIn('org.multikernel.kerf.manage-instances', out)
        self.assertEqual([p for p in self.managed_objects() if '/Instance/' in p], [])
        out = self.as_nobody(POOL_PATH, POOL, 'Reset', '(a{sv})', '({},)')
        self.assertTrue(out.startswith(ERROR + 'NotAuthorized '), out)
        self.assertTrue(self.get(POOL_PATH, POOL, 'Initialized'))

        path = self.create('web', {'cpus': V('au', [4]), 'memory-bytes': V('t', 1 << 30)})
        out = self.as_nobody(path, kerfdtest.INSTANCE, 'Delete', '(a{sv})', '({},)')
        self.assertTrue(out.startswith(ERROR + 'NotAuthorized '), out)
        self.assertIn(path, self.managed_objects())
        out = self.as_nobody(path, kerfdtest.INSTANCE, 'Exec', '(a{sv})', '({},)')
        self.assertTrue(out.startswith(ERROR + 'NotAuthorized '), out)
        self.assertIn('org.multikernel.kerf.control-instance', out)
        self.call(path, kerfdtest.INSTANCE, 'Delete', '(a{sv})', ({},))
        self.assertNotIn(path, self.managed_objects())


if __name__ == '__main__':
    unittest.main(testRunner=unittest.TextTestRunner(stream=sys.stdout, verbosity=2))
