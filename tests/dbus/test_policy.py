#!/usr/bin/python3
"""The bus policy (data/org.multikernel.Kerf.conf) on a system-like bus."""
import os
import pwd
import shutil
import subprocess

import kerfdtest
from kerfdtest import KERFD, POOL_PATH, BUS_NAME

SETPRIV = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups']


class PolicyTest(kerfdtest.KerfdTestCase):

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest('needs root to switch to nobody')
        if shutil.which('setpriv') is None:
            self.skipTest('setpriv missing')
        super().setUp()

    def as_nobody(self, argv, **kwargs):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus_address)
        return subprocess.run(SETPRIV + argv, env=env, capture_output=True, text=True,
                              timeout=60, **kwargs)

    def test_nobody_cannot_own_the_name(self):
        # nobody must be able to execute the binary: copy it to a 0755 dir
        bindir = os.path.join(self.workdir, 'bin')
        os.mkdir(bindir, 0o755)
        kerfd = os.path.join(bindir, 'kerfd')
        shutil.copy(KERFD, kerfd)
        os.chmod(kerfd, 0o755)
        state = os.path.join(self.workdir, 'nobody-state')
        os.mkdir(state, 0o755)
        os.chown(state, pwd.getpwnam('nobody').pw_uid, -1)
        # the running root kerfd must go first, or "already owned" hides the policy
        self.stop_daemon()
        r = self.as_nobody([kerfd, '--bus=system', '--backend=emulated', '--state-dir=' + state,
                            '--emulated-machine=' + os.path.join(kerfdtest.EXAMPLES, 'baseline.dts')])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('could not acquire the name', r.stderr)
        self.start_daemon()

    def test_nobody_can_read_and_validate(self):
        r = self.as_nobody(['gdbus', 'call', '--system', '-d', BUS_NAME, '-o', POOL_PATH,
                            '-m', 'org.freedesktop.DBus.Properties.Get',
                            kerfdtest.POOL, 'Backend'])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("'emulated'", r.stdout)
        r = self.as_nobody(['gdbus', 'call', '--system', '-d', BUS_NAME, '-o', POOL_PATH,
                            '-m', kerfdtest.POOL + '.Validate', '@ay []', 'empty.dts', '{}'])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('false', r.stdout)
        r = self.as_nobody(['gdbus', 'call', '--system', '-d', BUS_NAME, '-o', kerfdtest.ROOT,
                            '-m', 'org.freedesktop.DBus.ObjectManager.GetManagedObjects'])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_nobody_without_polkit_is_denied(self):
        # fail closed: with no polkit on the bus only root passes
        self.polkitd.terminate()
        self.polkitd.wait()
        try:
            r = self.as_nobody(['gdbus', 'call', '--system', '-d', BUS_NAME, '-o', POOL_PATH,
                                '-m', kerfdtest.POOL + '.Reset', '{}'])
            self.assertNotEqual(r.returncode, 0)
            self.assertIn('org.multikernel.Kerf.Error.NotAuthorized', r.stderr)
            self.assertIn('only root', r.stderr)
        finally:
            self.polkitd, self.polkit = self.spawn_server_template(
                'polkitd', {}, stdout=subprocess.DEVNULL)

    def test_system_bus_is_default_deny(self):
        # proves the private bus enforces a system-like policy at all
        r = self.as_nobody(['gdbus', 'call', '--system', '-d', 'org.freedesktop.DBus',
                            '-o', '/org/freedesktop/DBus', '-m',
                            'org.freedesktop.DBus.UpdateActivationEnvironment', '{}'])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('AccessDenied', r.stderr)


if __name__ == '__main__':
    kerfdtest.main()
