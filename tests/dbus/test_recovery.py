#!/usr/bin/python3
"""A restarted kerfd rebuilds everything from the kernel plus its state dir."""
import os
import tempfile

import kerfdtest
from kerfdtest import GLib, POOL, POOL_PATH, INSTANCE, ROOT, instance_path

V = GLib.Variant


def fake_bzimage(version=b'6.9.0-mk (test@kerf) #1 SMP'):
    img = bytearray(0x1000)
    img[0x1fe:0x200] = b'\x55\xaa'
    img[0x202:0x206] = b'HdrS'
    ver_off = 0x800
    img[0x20e:0x210] = (ver_off - 0x200).to_bytes(2, 'little')
    img[ver_off:ver_off + len(version) + 1] = version + b'\0'
    return bytes(img)


class RecoveryTest(kerfdtest.KerfdTestCase):

    def load(self, path, image, cmdline='console=ttyS0'):
        with tempfile.NamedTemporaryFile(dir=self.workdir, delete=False) as f:
            f.write(image)
        fd = os.open(f.name, os.O_RDONLY)
        try:
            self.call(path, INSTANCE, 'Load', '(hhsa{sv})',
                      (0, -1, cmdline, {'kernel-path': V('s', '/boot/vmlinuz-test')}), None, [fd])
        finally:
            os.close(fd)

    def snapshot(self):
        objects = self.managed_objects()
        return {path: ifaces for path, ifaces in objects.items()}

    def test_restart_loses_nothing(self):
        self.initialize()
        web = self.create('web-server', {'cpus': V('au', [4, 5, 6, 7]),
                                         'memory-bytes': V('t', 2 << 30),
                                         'devices': V('as', ['eth0_vf1', 'nvme0_ns2']),
                                         'numa-nodes': V('au', [0]),
                                         'cpu-affinity': V('s', 'compact'),
                                         'memory-policy': V('s', 'local')})
        self.create('db', {'cpu-count': V('u', 2), 'memory-bytes': V('t', 1 << 30)})
        self.load(web, fake_bzimage())
        kernel = self.get(web, INSTANCE, 'Kernel')
        self.assertEqual(kernel[0], '/boot/vmlinuz-test')
        self.assertEqual(kernel[1], 0x1000)
        self.assertEqual(len(kernel[2]), 64)
        self.assertEqual(kernel[3], '6.9.0-mk (test@kerf) #1 SMP')
        self.assertEqual(self.get(web, INSTANCE, 'Status'), 'loaded')

        before = self.snapshot()
        self.restart_daemon()
        after = self.snapshot()
        self.assertEqual(sorted(before), sorted(after))
        for path in before:
            self.assertEqual(before[path], after[path], path)
        props = after[web][INSTANCE]
        self.assertEqual(props['Devices'], ['eth0_vf1', 'nvme0_ns2'])
        self.assertEqual(props['CpuAffinity'], 'compact')
        self.assertEqual(props['MemoryPolicy'], 'local')
        self.assertEqual(props['NumaNodes'], [0])
        self.assertEqual(props['Cmdline'], 'console=ttyS0')
        self.assertEqual(props['Status'], 'loaded')

    def test_orphan_state_is_dropped(self):
        self.initialize()
        ghost = os.path.join(self.state_dir, 'instances', 'ghost.ini')
        with open(ghost, 'w') as f:
            f.write('[instance]\nname=ghost\ndevices=eth0_vf2;\n')
        self.restart_daemon()
        self.assertFalse(os.path.exists(ghost))
        self.assertNotIn(instance_path('ghost'), self.managed_objects())

    def test_state_files_are_private(self):
        self.initialize()
        self.create('a', {'cpus': V('au', [4]), 'memory-bytes': V('t', 1 << 30)})
        st = os.stat(self.state_dir)
        self.assertEqual(st.st_mode & 0o777, 0o700)
        st = os.stat(os.path.join(self.state_dir, 'instances', 'a.ini'))
        self.assertEqual(st.st_mode & 0o777, 0o600)

    def test_uninitialized_restart(self):
        self.restart_daemon()
        self.assertFalse(self.get(POOL_PATH, POOL, 'Initialized'))
        self.assertEqual(sorted(self.managed_objects()), [POOL_PATH])


if __name__ == '__main__':
    kerfdtest.main()
