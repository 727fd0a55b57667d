#!/usr/bin/python3
"""The transaction history window: the object manager carries the newest N
transactions, every older one still answers at its path and is listed by
Pool.ListTransactions."""
import kerfdtest
from kerfdtest import GLib, POOL, POOL_PATH, ROOT, INSTANCE, TRANSACTION, instance_path

V = GLib.Variant
TX = ROOT + '/Transaction/'
ACTIONS_BUT_ROLLBACK = [a for a in kerfdtest.ALL_ACTIONS if not a.endswith('.rollback')]


def tx_path(n):
    return f'{TX}{n}'


class HistoryTest(kerfdtest.KerfdTestCase):

    def restart_with_history(self, n):
        self.stop_daemon()
        self.start_daemon(extra_args=[f'--transaction-history={n}'])

    def exported_txs(self):
        return sorted(int(p[len(TX):]) for p in self.managed_objects() if p.startswith(TX))

    def fill(self, names):
        self.initialize()
        for name in names:
            self.create(name, {'cpu-count': V('u', 1), 'memory-bytes': V('t', 1 << 28)})

    def list_transactions(self):
        return self.call(POOL_PATH, POOL, 'ListTransactions', '(a{sv})', ({},), '(a(ussss))')[0]

    def test_default_window_is_64(self):
        self.assertEqual(self.get(POOL_PATH, POOL, 'TransactionHistory'), 64)

    def test_only_the_newest_are_objects(self):
        self.restart_with_history(2)
        self.assertEqual(self.get(POOL_PATH, POOL, 'TransactionHistory'), 2)
        self.fill(['a', 'b', 'c', 'd'])
        listed = self.list_transactions()
        self.assertEqual([t[0] for t in listed], [1, 2, 3, 4])
        self.assertEqual(listed[0], (1, 'applied', 'create', '/instances', 'a'))
        self.assertEqual(self.exported_txs(), [3, 4])
        # leaving the window is announced like a removal
        self.wait_for_signal(
            lambda p, iface, name, args: name == 'InterfacesRemoved' and args[0] == tx_path(1)
            and TRANSACTION in args[1], 'InterfacesRemoved for tx 1')

    def test_older_ones_still_answer(self):
        self.restart_with_history(1)
        self.fill(['a', 'b'])
        self.assertEqual(self.exported_txs(), [2])
        # a's LastTransaction is outside the window, and still usable
        last = self.get(instance_path('a'), INSTANCE, 'LastTransaction')
        self.assertEqual(last, tx_path(1))
        props = self.get_all(last, TRANSACTION)
        self.assertEqual(props, {'Id': 1, 'Status': 'applied', 'Target': '/instances',
                                 'Instance': 'a', 'Operation': 'create'})
        self.assertEqual(self.get(last, TRANSACTION, 'Operation'), 'create')
        xml = self.call(last, 'org.freedesktop.DBus.Introspectable', 'Introspect', None,
                        None, '(s)')[0]
        self.assertIn('<interface name="org.multikernel.Kerf.Transaction">', xml)
        self.assertIn('<method name="Rollback">', xml)
        # the root lists every transaction once
        xml = self.call(ROOT + '/Transaction', 'org.freedesktop.DBus.Introspectable',
                        'Introspect', None, None, '(s)')[0]
        self.assertEqual(xml.count('<node name="1"/>') + xml.count('<node name="1">'), 1, xml)
        self.assertEqual(xml.count('<node name="2"/>') + xml.count('<node name="2">'), 1, xml)

    def test_unknown_transaction_paths_do_not_answer(self):
        self.restart_with_history(1)
        self.fill(['a', 'b'])
        for node in ('3', '01', '0', 'x'):
            with self.assertRaises(GLib.GError):
                self.get_all(tx_path(node), TRANSACTION)
        # only the Transaction interface lives there
        with self.assertRaises(GLib.GError):
            self.get_all(tx_path(1), INSTANCE)

    def test_rollback_outside_the_window(self):
        self.restart_with_history(1)
        self.fill(['a', 'b'])
        # b is newer; rolling back a's creation deletes a
        self.call(tx_path(1), TRANSACTION, 'Rollback', '(a{sv})', ({},))
        self.assertEqual([t[0] for t in self.list_transactions()], [2])
        self.assertNotIn(instance_path('a'), self.managed_objects())
        with self.assertRaises(GLib.GError):
            self.get_all(tx_path(1), TRANSACTION)
        # options are checked as for an exported one
        self.assert_error('InvalidArgument', self.call, tx_path(2), TRANSACTION, 'Rollback',
                          '(a{sv})', ({'bogus': V('b', True)},))

    def test_rollback_outside_the_window_needs_polkit(self):
        self.restart_with_history(1)
        self.fill(['a', 'b'])
        self.polkit.SetAllowed(ACTIONS_BUT_ROLLBACK)
        self.assert_error('NotAuthorized', self.call, tx_path(1), TRANSACTION, 'Rollback',
                          '(a{sv})', ({},))
        self.assertEqual([t[0] for t in self.list_transactions()], [1, 2])
        # the exported one is refused alike
        self.assert_error('NotAuthorized', self.call, tx_path(2), TRANSACTION, 'Rollback',
                          '(a{sv})', ({},))

    def test_zero_exports_all(self):
        self.restart_with_history(0)
        self.fill(['a', 'b', 'c'])
        self.assertEqual(self.exported_txs(), [1, 2, 3])

    def test_window_survives_restart(self):
        self.restart_with_history(2)
        self.fill(['a', 'b', 'c'])
        self.restart_with_history(2)
        self.assertEqual(self.exported_txs(), [2, 3])
        self.assertEqual([t[0] for t in self.list_transactions()], [1, 2, 3])

    def test_list_transactions_rejects_options(self):
        self.assert_error('InvalidArgument', self.call, POOL_PATH, POOL, 'ListTransactions',
                          '(a{sv})', ({'x': V('b', True)},))

    def test_negative_history_is_a_usage_error(self):
        import subprocess
        r = subprocess.run([kerfdtest.KERFD, '--transaction-history=-1', '--backend=emulated',
                            '--state-dir=' + self.state_dir], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn('--transaction-history', r.stderr)


if __name__ == '__main__':
    kerfdtest.main()
