#!/usr/bin/python3
"""Objects, properties and their change signals."""
import kerfdtest
from kerfdtest import GLib, POOL, POOL_PATH, INSTANCE, ROOT, instance_path

V = GLib.Variant


class ObjectsTest(kerfdtest.KerfdTestCase):

    def test_pool_object_appears(self):
        objects = self.managed_objects()
        self.assertIn(POOL_PATH, objects)
        props = objects[POOL_PATH][POOL]
        self.assertFalse(props['Initialized'])
        self.assertEqual(props['Backend'], 'emulated')
        self.assertRegex(props['Version'], r'^\d+\.\d+')
        self.assertEqual(props['TotalCpus'], 0)
        self.assertEqual(props['FreeCpus'], [])
        # nothing else exists before init
        self.assertEqual(sorted(objects), [POOL_PATH])

    def test_initialize_sets_properties_and_signals(self):
        diags, summary = self.initialize()
        self.assertIn('initialize', summary)
        # the seed's over-wide cells give warnings, never errors
        self.assertTrue(all(d[0] != 'error' for d in diags), diags)
        props = self.get_all(POOL_PATH, POOL)
        self.assertTrue(props['Initialized'])
        self.assertEqual(props['TotalCpus'], 32)
        self.assertEqual(props['HostReservedCpus'], [0, 1, 2, 3])
        self.assertEqual(props['AvailableCpus'], list(range(4, 32)))
        self.assertEqual(props['FreeCpus'], list(range(4, 32)))
        self.assertEqual(props['MemoryPoolBytes'], 0x380000000)
        self.assertEqual(props['MemoryFreeBytes'], 0x380000000)
        self.assertIn('eth0', props['Devices'])
        self.assertEqual(props['Devices']['eth0']['pci-id'], '0000:01:00.0')
        self.wait_for_signal(
            lambda path, iface, name, args: path == POOL_PATH and name == 'PropertiesChanged'
            and args[0] == POOL and args[1].get('Initialized') is True,
            'PropertiesChanged(Initialized=true)')

    def test_create_instance_object(self):
        self.initialize()
        path = self.create('web-server', {'cpus': V('au', [4, 5, 6, 7]),
                                          'memory-bytes': V('t', 2 << 30),
                                          'devices': V('as', ['eth0_vf1']),
                                          'memory-policy': V('s', 'local')})
        self.assertEqual(path, ROOT + '/Instance/web_2dserver')
        self.assertEqual(path, instance_path('web-server'))
        self.wait_for_signal(
            lambda p, iface, name, args: name == 'InterfacesAdded' and args[0] == path
            and INSTANCE in args[1] and args[1][INSTANCE]['Name'] == 'web-server',
            'InterfacesAdded for the instance')
        props = self.get_all(path, INSTANCE)
        self.assertEqual(props['Name'], 'web-server')
        self.assertEqual(props['Status'], 'ready')
        self.assertEqual(props['Cpus'], [4, 5, 6, 7])
        self.assertEqual(props['MemoryBytes'], 2 << 30)
        self.assertEqual(props['Devices'], ['eth0_vf1'])
        self.assertEqual(props['MemoryPolicy'], 'local')
        self.assertGreater(props['Id'], 0)
        # the pool's free resources follow
        pool = self.get_all(POOL_PATH, POOL)
        self.assertEqual(pool['FreeCpus'], list(range(8, 32)))
        self.assertEqual(pool['MemoryFreeBytes'], 0x380000000 - (2 << 30))
        self.assertEqual(pool['Devices']['eth0']['assigned'], {'eth0_vf1': 'web-server'})
        # one transaction object, described
        txs = [p for p in self.managed_objects() if p.startswith(ROOT + '/Transaction/')]
        self.assertEqual(len(txs), 1)
        tx = self.get_all(txs[0], kerfdtest.TRANSACTION)
        self.assertEqual(tx['Operation'], 'create')
        self.assertEqual(tx['Status'], 'applied')

    def test_create_by_count_and_delete(self):
        self.initialize()
        path = self.create('db.1', {'cpu-count': V('u', 2), 'memory-bytes': V('t', 1 << 30)})
        self.assertEqual(path, ROOT + '/Instance/db_2e1')
        self.assertEqual(len(self.get(path, INSTANCE, 'Cpus')), 2)
        self.call(path, INSTANCE, 'Delete', '(a{sv})', ({},))
        self.wait_for_signal(
            lambda p, iface, name, args: name == 'InterfacesRemoved' and args[0] == path,
            'InterfacesRemoved for the instance')
        self.assertNotIn(path, self.managed_objects())
        self.assertEqual(self.get(POOL_PATH, POOL, 'FreeCpus'), list(range(4, 32)))

    def test_dry_run_changes_nothing(self):
        self.initialize()
        self.create('probe', {'cpu-count': V('u', 2), 'memory-bytes': V('t', 1 << 30)},
                    {'dry-run': V('b', True)})
        self.assertEqual(sorted(p for p in self.managed_objects() if 'Instance' in p), [])

    def test_validate_is_structured(self):
        valid, diags = self.call(POOL_PATH, POOL, 'Validate', '(aysa{sv})',
                                 (self.read_example('baseline.dts'), 'baseline.dts', {}),
                                 '(ba(sssuuss))')
        self.assertTrue(valid, diags)
        valid, diags = self.call(POOL_PATH, POOL, 'Validate', '(aysa{sv})',
                                 (b'/dts-v1/;\n/ { resources { cpus { total = <; }; }; };\n',
                                  'broken.dts', {}), '(ba(sssuuss))')
        self.assertFalse(valid)
        self.assertTrue(diags)
        sev, rule, file, line, col, msg, sugg = diags[0]
        self.assertEqual(sev, 'error')
        self.assertEqual(file, 'broken.dts')
        self.assertEqual(line, 2)
        self.assertGreater(col, 0)
        self.assertTrue(msg)

    def test_get_device_tree(self):
        self.initialize()
        dts = bytes(self.call(POOL_PATH, POOL, 'GetDeviceTree', '(ssa{sv})',
                              ('effective', 'dts', {}), '(ay)')[0])
        self.assertIn(b'resources', dts)
        dtb = bytes(self.call(POOL_PATH, POOL, 'GetDeviceTree', '(ssa{sv})',
                              ('baseline', 'dtb', {}), '(ay)')[0])
        self.assertEqual(dtb[:4], b'\xd0\x0d\xfe\xed')

    def test_report(self):
        self.initialize()
        self.create('web', {'cpus': V('au', [4, 5]), 'memory-bytes': V('t', 1 << 30)})
        text = self.call(POOL_PATH, POOL, 'Report', '(sa{sv})', ('text', {}), '(s)')[0]
        self.assertIn('web', text)
        import json
        doc = json.loads(self.call(POOL_PATH, POOL, 'Report', '(sa{sv})', ('json', {}), '(s)')[0])
        self.assertIn('web', json.dumps(doc))


if __name__ == '__main__':
    kerfdtest.main()
