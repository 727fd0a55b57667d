"""The private bus the CLI's daemon tests run kerf against.

A private dbus-daemon with kerf's real bus policy (tests/dbus/system-bus.conf),
python-dbusmock's polkitd template, and kerfd --backend=emulated with a
temporary state directory.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

from clitest import DATA, SRCDIR, BUILDDIR

KERFD = os.environ.get('KERFD', os.path.join(BUILDDIR, 'src', 'daemon', 'kerfd'))
KERNEL = os.environ.get('KERF_TEST_KERNEL', os.path.join(BUILDDIR, 'tests', 'cli', 'kerf-test-kernel'))
BUS_CONF = os.path.join(SRCDIR, 'tests', 'dbus', 'system-bus.conf')
# our own copy: goldens must not change when the examples are edited
BASELINE = os.path.join(DATA, 'baseline.dts')
ALL_ACTIONS = ['org.multikernel.kerf.initialize', 'org.multikernel.kerf.manage-instances',
               'org.multikernel.kerf.load-kernel', 'org.multikernel.kerf.control-instance',
               'org.multikernel.kerf.rollback']


class Env:
    """The private bus, the polkit mock and kerfd."""

    def __init__(self, machine=None):
        self.machine = machine or BASELINE
        self.work = tempfile.mkdtemp(prefix='kerf-cli-bus-')
        self.bus = subprocess.Popen(['dbus-daemon', '--config-file=' + BUS_CONF, '--nofork',
                                     '--print-address=1'], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, text=True)
        self.address = self.bus.stdout.readline().strip()
        self.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address,
                        KERF_FORBID_REAL_SYSCALLS='1')
        self.polkit = subprocess.Popen(['/usr/bin/python3', '-m', 'dbusmock', '--system',
                                        '--template', 'polkitd'], env=self.env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_name('org.freedesktop.PolicyKit1')
        self.allow(ALL_ACTIONS)
        self.kerfd = None
        self.start_kerfd()

    def gdbus(self, *args):
        return subprocess.run(['gdbus', 'call', '--address', self.address, *args],
                              capture_output=True, text=True, env=self.env)

    def has_name(self, name):
        r = self.gdbus('--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus',
                       '--method', 'org.freedesktop.DBus.NameHasOwner', name)
        return r.stdout.strip() == '(true,)'

    def wait_name(self, name):
        deadline = time.monotonic() + 30
        while not self.has_name(name):
            if time.monotonic() > deadline:
                raise RuntimeError(f'{name} did not appear on the bus')
            time.sleep(0.05)

    def allow(self, actions):
        r = self.gdbus('--dest', 'org.freedesktop.PolicyKit1',
                       '--object-path', '/org/freedesktop/PolicyKit1/Authority',
                       '--method', 'org.freedesktop.DBus.Mock.SetAllowed', repr(list(actions)))
        if r.returncode != 0:
            raise RuntimeError(r.stderr)

    def start_kerfd(self, *extra):
        """A fresh kerfd on an empty state directory; `extra` are more options."""
        self.state = os.path.join(self.work, 'state')
        shutil.rmtree(self.state, ignore_errors=True)
        self.log = open(os.path.join(self.work, 'kerfd.log'), 'a')
        self.kerfd = subprocess.Popen(
            [KERFD, '--bus=' + self.address, '--backend=emulated', '--state-dir=' + self.state,
             '--emulated-machine=' + self.machine, *extra],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_name('org.multikernel.Kerf')

    def stop_kerfd(self):
        if self.kerfd is not None:
            self.kerfd.send_signal(signal.SIGTERM)
            self.kerfd.wait(timeout=30)
            self.kerfd = None
            self.log.close()

    def close(self):
        self.stop_kerfd()
        for p in (self.polkit, self.bus):
            p.terminate()
            p.wait()
        shutil.rmtree(self.work, ignore_errors=True)
