#!/usr/bin/python3
"""The example clients of examples/clients/ work against a real kerfd.

kerfd runs on a private system-like bus with the emulated backend and
python-dbusmock's polkitd (tests/dbus/kerfdtest.py).  The clients are run
as a user would run them, as separate processes, pointed at that bus:

  - busctl-walkthrough.sh: every step succeeds, the instance it creates is
    really created (InterfacesAdded) and deleted (InterfacesRemoved), and a
    denied polkit action stops it with NotAuthorized;
  - kerf-client.py: list, create, delete, and watch, which must report the
    changes other processes make while it runs.
"""
import ast
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'dbus'))
import kerfdtest  # noqa: E402
from kerfdtest import (KerfdTestCase, SRCDIR, POOL, POOL_PATH, INSTANCE, ROOT,  # noqa: E402
                       instance_path, main)

if not os.access(kerfdtest.KERFD, os.X_OK):
    print(f'1..0 # SKIP kerfd not built ({kerfdtest.KERFD})')
    sys.exit(77)

CLIENTS = os.path.join(SRCDIR, 'examples', 'clients')
WALKTHROUGH = os.path.join(CLIENTS, 'busctl-walkthrough.sh')
CLIENT = os.path.join(CLIENTS, 'kerf-client.py')
PYTHON = '/usr/bin/python3'


class ClientsTest(KerfdTestCase):

    def run_tool(self, argv, check=True, env=None):
        r = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, **(env or {})))
        if check and r.returncode != 0:
            self.fail('%s failed (%d):\n%s\n%s' % (argv, r.returncode, r.stdout, r.stderr))
        return r

    def client(self, *args, check=True):
        return self.run_tool([PYTHON, CLIENT, '--address', self.bus_address, *args], check=check)

    def instance_paths(self):
        return sorted(p for p in self.managed_objects() if p.startswith(ROOT + '/Instance/'))

    # ---- busctl-walkthrough.sh ---------------------------------------

    def walkthrough(self, check=True):
        for tool in ('busctl', 'gdbus', 'od'):
            if shutil.which(tool) is None:
                self.skipTest(f'{tool} is not installed')
        return self.run_tool(['sh', WALKTHROUGH], check=check,
                             env={'KERF_BUS_ADDRESS': self.bus_address})

    def test_walkthrough_from_scratch(self):
        r = self.walkthrough()
        out = r.stdout
        path = instance_path('walkthrough')
        # each step printed what it ran and what kerfd answered
        self.assertIn('GetManagedObjects', out)
        self.assertIn('"/org/multikernel/Kerf/Pool"', out)           # in the JSON
        self.assertIn('ba(sssuuss) true', out)                         # Validate: valid
        self.assertIn('initialize pool: 28 CPUs', out)                 # Initialize ran
        self.assertIn('o "%s"' % path, out)                            # CreateInstance
        self.assertIn('s "ready"', out)
        self.assertIn("'Name': <'walkthrough'>", out)                  # gdbus GetAll
        # the pool is initialized, the instance is gone again
        self.assertTrue(self.get(POOL_PATH, POOL, 'Initialized'))
        self.assertEqual(self.instance_paths(), [])
        self.assertEqual(self.get(POOL_PATH, POOL, 'FreeCpus'),
                         self.get(POOL_PATH, POOL, 'AvailableCpus'))
        # and it really existed in between: clients were told both times
        self.wait_for_signal(lambda p, i, n, a: n == 'InterfacesAdded' and a[0] == path,
                             'InterfacesAdded for the walkthrough instance')
        self.wait_for_signal(lambda p, i, n, a: n == 'InterfacesRemoved' and a[0] == path,
                             'InterfacesRemoved for the walkthrough instance')

    def test_walkthrough_on_initialized_pool(self):
        self.initialize()
        r = self.walkthrough()
        self.assertIn('(already initialized)', r.stdout)
        self.assertNotIn('initialize pool:', r.stdout)
        self.assertEqual(self.instance_paths(), [])

    def test_walkthrough_stops_when_not_authorized(self):
        self.initialize()
        self.polkit.SetAllowed(kerfdtest.dbus.Array([], signature='s'))
        r = self.walkthrough(check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('## 5. CreateInstance', r.stdout)
        self.assertNotIn('## 6.', r.stdout)
        self.assertIn('Not authorized', r.stderr)
        self.assertEqual(self.instance_paths(), [])

    # ---- kerf-client.py ----------------------------------------------

    def test_client_list_uninitialized(self):
        r = self.client('list')
        self.assertIn('pool: not initialized (backend emulated)', r.stdout)

    def test_client_create_list_delete(self):
        self.initialize()
        r = self.client('create', 'gui-demo', '--cpu-count=3', '--memory=1GiB',
                        '--cpu-affinity=spread')
        path = instance_path('gui-demo')
        self.assertIn('created %s' % path, r.stdout)
        props = self.get_all(path, INSTANCE)
        self.assertEqual(props['CpuAffinity'], 'spread')
        self.assertEqual(len(props['Cpus']), 3)
        self.assertEqual(props['MemoryBytes'], 1 << 30)

        r = self.client('list')
        self.assertIn('pool: backend emulated', r.stdout)
        self.assertIn('cpus: 32 total, host 0-3, pool 4-31', r.stdout)
        self.assertIn('numa node 1:', r.stdout)
        self.assertIn('device eth0: intel,i40e 0000:01:00.0', r.stdout)
        self.assertRegex(r.stdout, r'instance gui-demo \(id \d+\): ready, cpus [0-9,-]+, '
                                   r'memory 1 GiB at 0x')
        self.assertRegex(r.stdout, r'transaction \d+: create applied on /instances')

        r = self.client('delete', 'gui-demo')
        self.assertIn('deleted gui-demo', r.stdout)
        self.assertEqual(self.instance_paths(), [])

    def test_client_errors_become_exit_codes(self):
        r = self.client('create', 'x', '--cpu-count=1', '--memory=1GiB', check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn('NotInitialized: ', r.stderr)
        self.initialize()
        self.polkit.SetAllowed(kerfdtest.dbus.Array([], signature='s'))
        r = self.client('create', 'x', '--cpu-count=1', '--memory=1GiB', check=False)
        self.assertEqual(r.returncode, 4)
        self.assertIn('NotAuthorized: ', r.stderr)
        r = self.client('delete', 'nonesuch', check=False)
        self.assertEqual(r.returncode, 1)

    def test_client_watch_follows_changes(self):
        self.initialize()
        watch = subprocess.Popen([PYTHON, CLIENT, '--address', self.bus_address, 'watch',
                                  '--until-removed=live'],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # it is subscribed once it has printed its first line
            first = watch.stdout.readline()
            self.assertTrue(first.startswith('watching org.multikernel.Kerf ('), first)
            self.client('create', 'live', '--cpu-count=2', '--memory=1GiB')
            self.client('delete', 'live')
            out, err = watch.communicate(timeout=60)
        finally:
            if watch.poll() is None:
                watch.kill()
                watch.wait()
        self.assertEqual(watch.returncode, 0, err)
        path = instance_path('live')
        lines = out.splitlines()
        added = [i for i, l in enumerate(lines) if l.startswith('added %s (' % path)]
        removed = [i for i, l in enumerate(lines) if l == 'removed %s' % path]
        self.assertEqual(len(added), 1, out)
        self.assertIn('org.multikernel.Kerf.Instance', lines[added[0]])
        self.assertEqual(len(removed), 1, out)
        self.assertLess(added[0], removed[0])
        # the pool's free CPUs went down by the instance's two, as PropertiesChanged.
        # (The change back after Delete may come after InterfacesRemoved, when
        # --until-removed has already stopped the watch.)
        free = [l for l in lines if l.startswith('changed %s Pool.FreeCpus = ' % POOL_PATH)]
        self.assertGreaterEqual(len(free), 1, out)
        self.assertEqual(len(ast.literal_eval(free[0].split(' = ', 1)[1])), 28 - 2, out)
        # a transaction object came and went with the instance too
        self.assertTrue(any(l.startswith('added %s/Transaction/' % ROOT) for l in lines), out)


if __name__ == '__main__':
    main()
