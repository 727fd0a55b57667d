"""Shared by the fault and load tests: kerfd with a fault control file, and
a consistency check of kerfd's view against the emulated kernel and the
state directory.

The emulated kernel reads KERF_EMULATED_TEST_FAULT_FILE before each write
and pool-tree read, arms the one-shot faults it lists and removes it
(src/kernel/kerf-kernel-emulated-testfault.c), so a test can make a
running kerfd's next kernel operation fail.
"""
import configparser
import os
import signal
import struct
import subprocess
import tempfile

import kerfdtest
from kerfdtest import GLib, POOL, POOL_PATH, INSTANCE, TRANSACTION, instance_path

try:
    import libfdt
except ImportError:     # the kernel-side CPU check is skipped without it
    libfdt = None

V = GLib.Variant
GiB = 1 << 30


def spec(cpus=None, count=None, mem=GiB):
    s = {'memory-bytes': V('t', mem)}
    if cpus is not None:
        s['cpus'] = V('au', cpus)
    if count is not None:
        s['cpu-count'] = V('u', count)
    return s


class LoadTestCase(kerfdtest.KerfdTestCase):
    """KerfdTestCase whose kerfd has a fault control file."""

    verbose_daemon = True
    malloc_arena_max = None     # MALLOC_ARENA_MAX for kerfd; None: glibc's default

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fault_dir = tempfile.mkdtemp(prefix='kerf-fault-')
        cls.fault_file = os.path.join(cls.fault_dir, 'fault')

    @classmethod
    def tearDownClass(cls):
        try:
            os.rmdir(cls.fault_dir)
        except OSError:
            pass
        super().tearDownClass()

    def start_daemon(self, extra_args=(), env_extra=None):
        # kerfdtest.start_daemon, plus the fault file and an optional quiet log
        log = open(self.log_path, 'a')
        env = dict(os.environ, G_DEBUG='fatal-criticals', KERF_FORBID_REAL_SYSCALLS='1',
                   KERF_EMULATED_TEST_FAULT_FILE=self.fault_file)
        if self.malloc_arena_max is not None:
            env['MALLOC_ARENA_MAX'] = str(self.malloc_arena_max)
        env.update(env_extra or {})
        args = [kerfdtest.KERFD, '--bus=system', '--backend=emulated',
                '--state-dir=' + self.state_dir,
                '--emulated-machine=' + os.path.join(kerfdtest.EXAMPLES, 'baseline.dts')]
        if self.verbose_daemon:
            args.append('--verbose')
        self.daemon = subprocess.Popen([*args, *extra_args], stdout=log,
                                       stderr=subprocess.STDOUT, env=env)
        log.close()
        self.wait_for_name()

    def tearDown(self):
        try:
            super().tearDown()
        finally:
            if os.path.exists(self.fault_file):
                os.unlink(self.fault_file)

    # ---- faults ------------------------------------------------------

    def arm(self, *faults):
        """Arms one-shot faults for kerfd's next kernel operations."""
        tmp = self.fault_file + '.tmp'
        with open(tmp, 'w') as f:
            f.write(','.join(faults))
        os.rename(tmp, self.fault_file)

    def assert_fault_consumed(self):
        self.assertFalse(os.path.exists(self.fault_file),
                         'kerfd never reached the kernel operation the fault was for')

    # ---- what each party holds ---------------------------------------

    @property
    def kernel_dir(self):
        return os.path.join(self.state_dir, 'emulated-kernel')

    def kernel_instances(self):
        """name -> (cpus, memory-base, memory-bytes) from the kernel's instance trees."""
        d = os.path.join(self.kernel_dir, 'instances')
        out = {}
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            cpus, base, size = None, None, None
            if libfdt is not None:
                with open(os.path.join(d, name, 'device_tree'), 'rb') as f:
                    fdt = libfdt.Fdt(f.read())
                res = fdt.path_offset('/resources')
                raw = fdt.getprop(res, 'cpus')
                cpus = sorted(struct.unpack('>%dQ' % (len(raw) // 8), bytes(raw)))
                base = struct.unpack('>Q', bytes(fdt.getprop(res, 'memory-base')))[0]
                size = struct.unpack('>Q', bytes(fdt.getprop(res, 'memory-bytes')))[0]
            out[name] = (cpus, base, size)
        return out

    def kernel_transactions(self):
        d = os.path.join(self.kernel_dir, 'overlays')
        out = {}
        for name in os.listdir(d) if os.path.isdir(d) else []:
            if name.startswith('tx_'):
                with open(os.path.join(d, name, 'status')) as f:
                    out[int(name[3:])] = f.read().strip()
        return out

    def state_records(self):
        d = os.path.join(self.state_dir, 'instances')
        return sorted(n[:-4] for n in os.listdir(d) if n.endswith('.ini')) \
            if os.path.isdir(d) else []

    def state_transactions(self):
        path = os.path.join(self.state_dir, 'transactions.ini')
        cp = configparser.ConfigParser(interpolation=None)
        if os.path.exists(path):
            cp.read(path)
        return sorted(int(s[3:]) for s in cp.sections() if s.startswith('tx_'))

    def daemon_view(self):
        objs = self.managed_objects()
        instances = {v[INSTANCE]['Name']: v[INSTANCE] for p, v in objs.items() if INSTANCE in v}
        txs = {v[TRANSACTION]['Id']: v[TRANSACTION] for p, v in objs.items() if TRANSACTION in v}
        for name in instances:
            self.assertIn(instance_path(name), objs)
        return instances, txs

    # ---- the check ---------------------------------------------------

    def assert_consistent(self, instances=None):
        """kerfd's objects, the emulated kernel and the state directory agree,
        and the pool's free resources are the pool minus the instances.
        `instances`: the instance names that must exist (None: any)."""
        self.assertIsNone(self.daemon.poll(), 'kerfd died')
        view, txs = self.daemon_view()
        kernel = self.kernel_instances()
        names = sorted(view)
        if instances is not None:
            self.assertEqual(names, sorted(instances), 'kerfd instances')
        self.assertEqual(sorted(kernel), names, 'kernel instances vs kerfd objects')
        self.assertEqual(self.state_records(), names, 'state-dir records vs kerfd objects')

        ktx = self.kernel_transactions()
        # every one the kernel holds, whether or not the object manager
        # carries it (the newest --transaction-history only)
        listed = self.call(POOL_PATH, POOL, 'ListTransactions', '(a{sv})', ({},),
                           '(a(ussss))')[0]
        self.assertEqual(sorted(ktx), [t[0] for t in listed], 'kernel tx_N vs ListTransactions')
        self.assertNotIn('failed', ktx.values(), 'a failed tx_N was left behind')
        for tx_id, status, *_ in listed:
            self.assertEqual(status, ktx[tx_id])
        history = self.get(POOL_PATH, POOL, 'TransactionHistory')
        newest = sorted(ktx)[-history:] if history else sorted(ktx)
        self.assertEqual(sorted(txs), newest if ktx else [],
                         'the object manager carries the newest transactions')
        for tx_id, tx in txs.items():
            self.assertEqual(tx['Status'], ktx[tx_id])
        self.assertTrue(set(self.state_transactions()) <= set(ktx),
                        'state-dir records of transactions the kernel does not have')

        pool = self.get_all(POOL_PATH, POOL)
        used = []
        used_mem = 0
        for name, props in view.items():
            used += list(props['Cpus'])
            used_mem += props['MemoryBytes']
            kcpus, kbase, ksize = kernel[name]
            if kcpus is not None:
                self.assertEqual(list(props['Cpus']), kcpus, f'CPUs of {name}')
                self.assertEqual(props['MemoryBase'], kbase, f'memory base of {name}')
                self.assertEqual(props['MemoryBytes'], ksize, f'memory of {name}')
        self.assertEqual(len(used), len(set(used)), 'a CPU is held by two instances')
        if pool['Initialized']:
            self.assertEqual(sorted(pool['FreeCpus']),
                             sorted(set(pool['AvailableCpus']) - set(used)), 'FreeCpus')
            self.assertEqual(pool['MemoryFreeBytes'], pool['MemoryPoolBytes'] - used_mem,
                             'MemoryFreeBytes')
        return view

    def kill_daemon(self):
        self.daemon.send_signal(signal.SIGKILL)
        self.daemon.wait()
        self.daemon = None
