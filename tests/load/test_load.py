#!/usr/bin/python3
"""Load test: many clients against kerfd on the private bus (kerf-load).

Short by default (20 clients, 2 s warm-up, 5 s measured) so it runs in the
suite; tools/load-test sets KERF_LOAD_CLIENTS / _SECONDS / _WARMUP for the
long run and KERF_LOAD_JSON to keep the figures.

Two phases: the mix (reads plus creates/deletes racing for a few names),
then reads only on the state the mix left; kerfd runs with
MALLOC_ARENA_MAX=1 (see LoadTest.malloc_arena_max).  Asserts: every call
answered, no error but the expected races; kerfd's RSS after the warm-up
grows, under reads, by at most KERF_LOAD_RSS_BOUND_KB (2048), and under the
mix by at most that plus KERF_LOAD_RSS_PER_TX_KB (32) per transaction made
(the kernel keeps every tx_N and kerfd exports each one as an object: that
growth is by design); afterwards kerfd is alive and its view, the kernel and
the state directory agree (free CPUs = pool - instances).
"""
import json
import os
import subprocess
import sys

import kerfdtest
import loadcheck
from loadcheck import spec
from kerfdtest import POOL, POOL_PATH, INSTANCE, instance_path

KERF_LOAD = os.environ.get('KERF_LOAD', os.path.join(kerfdtest.BUILDDIR, 'tests', 'load',
                                                      'kerf-load'))


def env_int(name, default):
    return int(os.environ.get(name, default))


def sanitized(pid):
    """ASan keeps freed memory in quarantine: RSS says nothing there."""
    with open(f'/proc/{pid}/maps') as f:
        return 'libasan' in f.read()


class LoadTest(loadcheck.LoadTestCase):

    verbose_daemon = False      # a debug line per call would be the load
    # One malloc arena: kerfd's RSS then follows its heap.  With glibc's
    # default (up to 8 arenas per core, one per thread that allocates), the
    # GDBus and worker threads each grow an arena of their own, and RSS
    # creeps up for a while under concurrent calls without any leak.
    # KERF_LOAD_MALLOC_ARENA_MAX=default measures that behaviour instead.
    malloc_arena_max = (None if os.environ.get('KERF_LOAD_MALLOC_ARENA_MAX') == 'default'
                        else os.environ.get('KERF_LOAD_MALLOC_ARENA_MAX', '1'))

    def run_load(self, mix, clients, seconds, warmup, json_path):
        proc = subprocess.Popen(
            [KERF_LOAD, '--address=' + self.bus_address, f'--clients={clients}',
             f'--seconds={seconds}', f'--warmup={warmup}', f'--mix={mix}',
             f'--daemon-pid={self.daemon.pid}',
             '--baseline=' + os.path.join(kerfdtest.EXAMPLES, 'baseline.dts'),
             '--json=' + json_path],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out, _ = proc.communicate(timeout=seconds + warmup + 600)
        sys.stdout.write(out)
        with open(json_path) as f:
            figures = json.load(f)
        self.assertEqual(figures['unanswered'], 0, 'calls not answered')
        self.assertEqual(figures['unexpected'], 0,
                         'unexpected errors: %s' % figures['unexpected_samples'])
        self.assertEqual(proc.returncode, 0)
        self.assertGreater(figures['rss_kb']['warm'], 0)
        return figures

    def test_load(self):
        clients = env_int('KERF_LOAD_CLIENTS', 20)
        seconds = env_int('KERF_LOAD_SECONDS', 5)
        warmup = env_int('KERF_LOAD_WARMUP', 2)
        read_seconds = env_int('KERF_LOAD_READ_SECONDS', 3)
        read_warmup = env_int('KERF_LOAD_READ_WARMUP', 2)
        rss_bound = env_int('KERF_LOAD_RSS_BOUND_KB', 2048)
        rss_per_tx = env_int('KERF_LOAD_RSS_PER_TX_KB', 32)
        json_path = os.environ.get('KERF_LOAD_JSON') or os.path.join(self.workdir, 'load.json')

        self.initialize()
        self.assert_consistent([])

        # 1. the mix: reads, and creates/deletes racing for 12 names
        figures = self.run_load('all', clients, seconds, warmup, json_path)
        kinds = figures['kinds']
        for kind, k in kinds.items():
            self.assertGreater(k['calls'], 0, f'no {kind} call was made')
        view, txs = self.daemon_view()
        # the mix really created and deleted (not only raced), warm-up included
        ops = {tx['Operation'] for tx in txs.values()}
        self.assertIn('create', ops)
        self.assertIn('delete', ops)
        view = self.assert_consistent()
        self.assertTrue(all(n.startswith('load') for n in view))
        check_rss = not sanitized(self.daemon.pid)
        if not check_rss:
            print('kerfd runs under AddressSanitizer: RSS bounds not checked')

        # The kernel keeps every tx_N and kerfd exports each as an object, so
        # memory grows with the transactions made (by design, reported);
        # beyond that, at most the bound.
        tx_measured = kinds['CreateInstance']['ok'] + kinds['Instance.Delete']['ok']
        rss = figures['rss_kb']
        growth = rss['end'] - rss['warm']
        allowed = rss_bound + rss_per_tx * tx_measured
        print(f'mix: RSS growth after warm-up {growth} KiB for {tx_measured} transactions '
              f'(allowed {allowed} KiB); {len(self.kernel_transactions())} tx_N in the kernel')
        if check_rss:
            self.assertLessEqual(growth, allowed, 'kerfd RSS grew beyond the bound')

        # 2. reads only, on the state the mix left: nothing may grow
        reads = self.run_load('reads', clients, read_seconds, read_warmup,
                              os.path.splitext(json_path)[0] + '-reads.json')
        growth = reads['rss_kb']['end'] - reads['rss_kb']['warm']
        calls = sum(k['calls'] for k in reads['kinds'].values())
        print(f'reads: RSS growth after warm-up {growth} KiB over {calls} calls '
              f'(allowed {rss_bound} KiB)')
        self.assertGreater(calls, 0)
        if check_rss:
            self.assertLessEqual(growth, rss_bound, 'kerfd RSS grew under reads alone')
        self.assert_consistent(sorted(view))

        # alive and serving: a create and a delete of our own go through
        path = self.create('after', spec(count=1, mem=256 << 20))
        self.call(path, INSTANCE, 'Delete', '(a{sv})', ({},))
        self.assert_consistent(sorted(view))


if __name__ == '__main__':
    kerfdtest.main()
