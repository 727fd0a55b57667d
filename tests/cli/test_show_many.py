#!/usr/bin/python3
"""`kerf show` against kerfd with many instances: the whole output, golden.

kerf show reads every property from one GetManagedObjects reply instead of
an object manager client's proxies; these goldens were written by the
proxy-based kerf, so they pin the text and JSON byte for byte: the pool with
NUMA nodes and devices, the instance table, `show NAME` and `--id`, JSON.
What depends on the build (kerfd's version, the test kernel's path, size and
digest) is masked before the comparison.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import Tap, kerf, DATA  # noqa: E402

try:
    import dbusmock  # noqa: F401
except ImportError as e:
    print(f'1..0 # SKIP missing module: {e}')
    sys.exit(0)
from bustest import Env, KERNEL, KERFD, BASELINE  # noqa: E402

# our own copy of examples/numa_topology.dts: 4 NUMA nodes, VFs, namespaces
MACHINE = os.path.join(DATA, 'numa-machine.dts')
E = Env(machine=MACHINE)
COUNT = 40


def k(*args, **kw):
    return kerf('--bus=' + E.address, '--no-ask-password', *args, **kw)


def node_of(cpu):
    return 0 if cpu < 16 else cpu // 16


def create_args(i):
    """Instance i: CPU 4+i, assorted memory, NUMA nodes, policies, devices."""
    name = ['web', 'db', 'cache', 'batch-worker', 'x'][i % 5] + '-%02d' % i
    cpu = 4 + i
    args = [name, '--cpus=%d' % cpu, '--memory=%dMB' % (256 * (1 + i % 4))]
    if i % 3 == 0:
        args.append('--numa-nodes=%d' % node_of(cpu))
    if i % 6 == 0:
        args.append('--memory-policy=bind')
    devices = []
    if i % 4 == 1:
        devices.append('eth0_vf%d' % (1 + i // 4))
    if i % 7 == 2:
        devices.append('nvme0_ns%d' % (2 + i // 7))
    if i == 10:
        devices.append('nvme1')
    if devices:
        args.append('--devices=' + ','.join(devices))
    return args


class Mask:
    """Replaces what differs between builds and runs."""

    def __init__(self):
        self.pairs = []

    def add(self, value, placeholder):
        if value:
            self.pairs.append((value, placeholder))

    def __call__(self, text):
        for value, placeholder in self.pairs:
            text = text.replace(value, placeholder)
        text = re.sub(r'vmlinux \([^)]*\)', 'vmlinux (SIZE)', text)
        return re.sub(r'"size": \d+', '"size": 0', text)


MASK = Mask()


def test_fill(t):
    r = k('init', '--input=' + MACHINE)
    t.rc(r, 0, 'init with the NUMA machine')
    failed = [i for i in range(COUNT) if k('create', *create_args(i)).rc != 0]
    t.ok(not failed, f'create {COUNT} instances', [create_args(i) for i in failed])
    for args in (['update', 'db-01', '--cpu-affinity=spread'],
                 ['update', 'cache-02', '--memory-policy=interleave'],
                 ['delete', 'x-04'], ['delete', 'web-20']):
        r = k(*args)
        t.rc(r, 0, ' '.join(args))
    vmlinux = os.path.join(E.work, 'vmlinux')
    shutil.copy(KERNEL, vmlinux)
    r = k('load', 'web-05', '--kernel=' + vmlinux, '--cmdline=console=ttyS0 quiet')
    t.rc(r, 0, 'load a kernel into web-05')
    doc = k('--json', 'show').json()
    MASK.add(doc['pool']['version'], 'VERSION')
    MASK.add(os.path.realpath(E.work), 'WORK')
    kernels = [i['kernel'] for i in doc['instances'] if i['kernel'] is not None]
    t.ok(len(kernels) == 1, 'one instance has a kernel', doc)
    for kernel in kernels:
        MASK.add(kernel['sha256'], 'SHA256')


def test_show(t):
    r = k('show')
    t.rc(r, 0, 'show')
    t.ok(r.out.count('\n') > COUNT, 'show: a line per instance', r)
    t.golden(MASK(r.out), 'many-show.txt', 'show')
    r = k('--json', 'show')
    t.rc(r, 0, 'show --json')
    t.ok(len(r.json()['instances']) == COUNT - 2, 'show --json: every instance', r)
    t.golden(MASK(r.out), 'many-show.json', 'show --json')
    for name in ('web-05', 'db-01', 'cache-02', 'x-39'):
        r = k('show', name)
        t.rc(r, 0, f'show {name}')
        t.golden(MASK(r.out), f'many-show-{name}.txt', f'show {name}')
        r = k('--json', 'show', name)
        t.rc(r, 0, f'show --json {name}')
        t.golden(MASK(r.out), f'many-show-{name}.json', f'show --json {name}')
    by_name = k('--json', 'show', 'web-05')
    by_id = k('--json', 'show', '--id=%d' % by_name.json()['id'])
    t.ok(by_id.rc == 0 and by_id.out == by_name.out, 'show --id=N: the same instance', by_id)
    r = k('show', 'x-04')
    t.rc(r, 1, 'show a deleted instance')
    t.ok(r.out == '' and r.err == "kerf: no instance named 'x-04' (kerf show lists the "
         "instances)\n", 'show a deleted instance: the message', r)
    r = k('show', '--id=2000')
    t.rc(r, 1, 'show an unknown id')
    t.ok(r.err == 'kerf: no instance with id 2000 (kerf show lists the instances)\n',
         'show an unknown id: the message', r)
    r = k('show', 'a', 'b')
    t.rc(r, 2, 'show two names')
    t.ok(r.err.startswith("kerf show: unexpected argument 'b'") or "unexpected argument 'b'"
         in r.err, 'show two names: the message', r)


def test_unreachable(t):
    E.stop_kerfd()
    for args in (['show'], ['show', 'web-05'], ['--json', 'show'], ['show', '--id=3']):
        r = k(*args)
        t.rc(r, 5, 'kerfd not running: ' + ' '.join(args))
        t.ok(r.out == '' and r.err.startswith('kerf: cannot reach kerfd: nobody owns '
                                              'org.multikernel.Kerf on the bus at ')
             and 'systemctl start kerfd' in r.err, 'kerfd not running: the message and hint', r)


ACTIVATION_BUS = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={dir}/bus</listen>
  <servicedir>{dir}/services</servicedir>
  <policy context="default">
    <!-- as dbus-daemon's session.conf -->
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def test_activation(t):
    """show does not ask the bus not to auto-start: D-Bus activation starts
    kerfd; a failed activation is reported as before."""
    work = tempfile.mkdtemp(prefix='kerf-cli-activation-')
    address = f'unix:path={work}/bus'
    os.mkdir(os.path.join(work, 'services'))
    with open(os.path.join(work, 'bus.conf'), 'w') as f:
        f.write(ACTIVATION_BUS.format(dir=work))
    service = os.path.join(work, 'services', 'org.multikernel.Kerf.service')
    bus = subprocess.Popen(['dbus-daemon', '--config-file=' + os.path.join(work, 'bus.conf'),
                            '--nofork', '--print-address=1'], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    bus.stdout.readline()
    try:
        with open(service, 'w') as f:
            f.write('[D-BUS Service]\nName=org.multikernel.Kerf\nExec=/nonexistent/kerfd\n')
        r = kerf('--bus=' + address, 'show')
        t.rc(r, 5, 'show, activation fails')
        t.ok(r.err.startswith(f'kerf: cannot reach kerfd on the bus at {address}: Error calling '
                              'StartServiceByName for org.multikernel.Kerf: Failed to execute '
                              'program org.multikernel.Kerf: ')
             and 'systemctl start kerfd' in r.err, 'show, activation fails: the message', r)
        with open(service, 'w') as f:
            f.write('[D-BUS Service]\nName=org.multikernel.Kerf\n'
                    f'Exec=/usr/bin/env KERF_FORBID_REAL_SYSCALLS=1 {KERFD} --bus={address} '
                    f'--backend=emulated --state-dir={work}/state --emulated-machine={BASELINE}\n')
        r = kerf('--bus=' + address, 'show')
        t.rc(r, 0, 'show starts kerfd by D-Bus activation')
        t.contains(r.out, 'The pool is not initialized (emulated backend).', 'show, activated', r)
    finally:
        pid = subprocess.run(['gdbus', 'call', '--address', address, '--dest',
                              'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus',
                              '--method', 'org.freedesktop.DBus.GetConnectionUnixProcessID',
                              'org.multikernel.Kerf'], capture_output=True, text=True).stdout
        m = re.search(r'\(uint32 (\d+),\)', pid)
        if m:
            os.kill(int(m.group(1)), signal.SIGTERM)
        bus.terminate()
        bus.wait()
        shutil.rmtree(work, ignore_errors=True)


t = Tap()
try:
    status = t.run([test_fill, test_show, test_unreachable, test_activation])
finally:
    E.close()
sys.exit(status)
