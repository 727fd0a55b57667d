#!/usr/bin/python3
"""kerfd benchmarks on a private bus (run by tools/run-benchmarks).

    bench-daemon.py BUILD_DIR [--instances 1000] [--calls 2000] [--cycles 200] [--limit 60]
                    [--state-parent /var/tmp]

One private dbus-daemon (session config: anyone may own names) serves as
both the "system" bus of kerfd and of python-dbusmock's polkitd, which
allows every kerf action.  kerfd runs the emulated backend on a generated
machine big enough for the instance count (1 CPU + 2 MiB each).  Figures,
each with its reference measured in the same run:

  * Pool Properties.GetAll vs GetAll of bench-mini-service (the floor of
    a GDBus service) on the same bus, in alternating rounds: ratio,
    target <= 1.5
  * CreateInstance + Delete cycles per second
  * `kerf show` end to end vs /bin/true and vs `bench-dbus show` (a
    minimal GLib client doing one GetAll), interleaved run by run and
    started from bench-spawn (a small C process, as a shell would): targets
    <= 10 ms and <= 3x the GLib client; CPU time (user+sys) beside the wall
    time, since on a loaded machine the wall time is mostly waiting for a CPU
  * kerfd RSS idle (initialized, no instances) and with N instances:
    targets <= 8 MB and <= 20 MB

Two kerfd runs: an idle one (RSS, GetAll, kerf show, then the cycles),
and a fresh one filled with N instances (RSS, GetAll, kerf show), so that
the cycles' transactions (the kernel keeps every tx_N, kerfd publishes an
object for each) do not count in the N-instance figures.

kerfd's state directory is made under --state-parent (default /var/tmp:
a real disk like kerfd's own default /var/lib/kerf, never tmpfs unless you
ask); the output names its file system.  The load average is printed at
the start and the end: on a shared machine it explains noisy wall times.

Exit 77 (skip) when kerfd, dbus-daemon or dbusmock is missing.
"""
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ACTIONS = ['org.multikernel.kerf.initialize', 'org.multikernel.kerf.manage-instances',
           'org.multikernel.kerf.load-kernel', 'org.multikernel.kerf.control-instance',
           'org.multikernel.kerf.rollback']
MIB = 1 << 20


def skip(why):
    print(f'bench-daemon: SKIP: {why}')
    sys.exit(77)


def machine_dts(n_cpus):
    avail = ' '.join(str(c) for c in range(2, n_cpus))
    return f'''/multikernel-v1/;
/ {{
    compatible = "linux,multikernel-host";
    resources {{
        cpus {{
            total = <{n_cpus}>;
            host-reserved = <0 1>;
            available = <{avail}>;
        }};
        memory {{
            total-bytes = <0x2 0x0>;
            host-reserved-bytes = <0x0 0x40000000>;
            memory-pool-base = <0x0 0x40000000>;
            memory-pool-bytes = <0x1 0xc0000000>;
        }};
    }};
}};
'''


def rss_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return -1


def rss_peak_kib(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    return -1


def time_cmds(spawn, argvs, reps, env=None):
    """Runs each argv once per round, `reps` rounds (interleaved, so a busy
    neighbour slows all alike), from bench-spawn: a small C process, since
    from this Python process (GLib, dbus loaded) even /bin/true takes about
    a millisecond longer than from a shell.  Returns [(median wall s,
    median CPU s)]."""
    cmd = [spawn, str(reps)]
    for k, argv in enumerate(argvs):
        cmd += (['--'] if k else []) + list(argv)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return [tuple(float(x) for x in line.split()) for line in out.splitlines()]


def fs_type(path):
    return subprocess.run(['findmnt', '-n', '-o', 'FSTYPE', '-T', path], capture_output=True,
                          text=True).stdout.strip() or '?'


def loadavg():
    with open('/proc/loadavg') as f:
        return ' '.join(f.read().split()[:3])


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    build = os.path.abspath(args[0])
    opts = dict(zip(args[1::2], args[2::2]))
    n_inst = int(opts.get('--instances', 1000))
    n_calls = int(opts.get('--calls', 2000))
    n_cycles = int(opts.get('--cycles', 200))
    limit = float(opts.get('--limit', 60))  # seconds per phase; fill gets 4x
    state_parent = opts.get('--state-parent', '/var/tmp')
    kerfd = os.path.join(build, 'src', 'daemon', 'kerfd')
    kerf = os.path.join(build, 'src', 'cli', 'kerf')
    client = os.path.join(build, 'bench', 'bench-dbus')
    mini = os.path.join(build, 'bench', 'bench-mini-service')
    spawn = os.path.join(build, 'bench', 'bench-spawn')
    for p in (kerfd, kerf, client, mini, spawn):
        if not os.access(p, os.X_OK):
            skip(f'{p} not built (kerfd needs -Ddaemon=true)')
    if shutil.which('dbus-daemon') is None:
        skip('dbus-daemon not installed')
    try:
        import dbusmock  # noqa: F401
    except ImportError:
        skip('python3-dbusmock not installed')

    # a run stopped by SIGTERM/SIGHUP (a timeout, a closed terminal) still
    # stops its processes and removes its directories (the finally below)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
    work = tempfile.mkdtemp(prefix='kerf-bench-')
    state_dirs = []
    procs = []
    load_start = loadavg()
    try:
        machine = os.path.join(work, 'machine.dts')
        with open(machine, 'w') as f:
            f.write(machine_dts(n_inst + 2 + 16))
        out = subprocess.run(['dbus-daemon', '--session', '--fork', '--print-address=1',
                              '--print-pid=1'], capture_output=True, text=True,
                             check=True).stdout.split('\n')
        addr, bus_pid = out[0], int(out[1])
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=addr, DBUS_SESSION_BUS_ADDRESS=addr,
                   KERF_FORBID_REAL_SYSCALLS='1', KERF_BUS=addr)
        procs.append(subprocess.Popen([sys.executable, '-m', 'dbusmock', '--system',
                                       '--template', 'polkitd'], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 20
        while subprocess.run(['gdbus', 'call', '--address', addr, '-d',
                              'org.freedesktop.PolicyKit1', '-o',
                              '/org/freedesktop/PolicyKit1/Authority', '-m',
                              'org.freedesktop.DBus.Mock.SetAllowed', str(ACTIONS)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError('polkit mock did not start')
            time.sleep(0.1)
        procs.append(subprocess.Popen([mini, addr], env=env))

        def wait_name(name, proc):
            deadline = time.monotonic() + 20
            while 'true' not in subprocess.run(
                    ['gdbus', 'call', '--address', addr, '-d', 'org.freedesktop.DBus', '-o',
                     '/org/freedesktop/DBus', '-m', 'org.freedesktop.DBus.NameHasOwner', name],
                    capture_output=True, text=True).stdout:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f'{name} did not appear (see {work}/kerfd.log)')
                time.sleep(0.05)

        def bench(*a):
            return subprocess.run([client, addr, *a], env=env, capture_output=True, text=True,
                                  check=True).stdout.strip()

        def start_kerfd():
            """A fresh kerfd on a fresh state directory, pool initialized."""
            state_dirs.append(tempfile.mkdtemp(prefix='kerf-bench-state-', dir=state_parent))
            d = subprocess.Popen([kerfd, '--bus=' + addr, '--backend=emulated',
                                  '--state-dir=' + state_dirs[-1],
                                  '--emulated-machine=' + machine],
                                 env=env, stdout=subprocess.DEVNULL,
                                 stderr=open(os.path.join(work, 'kerfd.log'), 'a'))
            procs.append(d)
            wait_name('org.multikernel.Kerf', d)
            bench('init', machine)
            time.sleep(0.5)
            return d

        def stop(p):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

        def pool_getall(n):
            return float(bench('call', 'org.multikernel.Kerf', '/org/multikernel/Kerf/Pool',
                               'org.freedesktop.DBus.Properties', 'GetAll',
                               "('org.multikernel.Kerf.Pool',)", str(n)))

        wait_name('org.kerf.BenchMini', procs[-1])

        # Phase 1, an idle kerfd (initialized, no instance): RSS, GetAll,
        # kerf show, then create+delete cycles (each leaves two transaction
        # objects behind, which is why phase 2 starts afresh)
        daemon = start_kerfd()
        rss_idle = rss_kib(daemon.pid)
        # kerfd and the floor in alternating rounds: each figure is the
        # median of the rounds' medians
        rounds, per_round = 5, max(n_calls // 5, 20)
        pools, floors, pings = [], [], []
        for _ in range(rounds):
            pools.append(pool_getall(per_round))
            floors.append(float(bench('call', 'org.kerf.BenchMini', '/org/kerf/BenchMini',
                                      'org.freedesktop.DBus.Properties', 'GetAll',
                                      "('org.kerf.BenchMini',)", str(per_round))))
            pings.append(float(bench('call', 'org.kerf.BenchMini', '/org/kerf/BenchMini',
                                     'org.kerf.BenchMini', 'Ping', '()', str(per_round))))
        pool, floor, ping = (statistics.median(x) for x in (pools, floors, pings))
        (show, show_cpu), (true, true_cpu), (minimal, minimal_cpu) = time_cmds(
            spawn, [[kerf, 'show', '--bus=' + addr], ['/bin/true'], [client, addr, 'show']], 30,
            env)
        done, secs, tail_n, tail_secs = bench('cycle', str(n_cycles), str(2 * MIB),
                                              str(limit)).split()
        done, secs, tail_n, tail_secs = int(done), float(secs), int(tail_n), float(tail_secs)
        stop(daemon)

        # Phase 2, a fresh kerfd filled with N instances
        daemon = start_kerfd()
        made, fill, fill_tail_n, fill_tail = bench('fill', str(n_inst), str(2 * MIB),
                                                   str(4 * limit)).split()
        made, fill, fill_tail_n, fill_tail = int(made), float(fill), int(fill_tail_n), \
            float(fill_tail)
        time.sleep(0.5)
        rss_full = rss_kib(daemon.pid)
        pool_full = pool_getall(max(n_calls // 10, 20))
        (show_full, show_full_cpu), = time_cmds(spawn, [[kerf, 'show', '--bus=' + addr]], 5, env)
        rss_peak = rss_peak_kib(daemon.pid)

        def verdict(ok):
            return 'met' if ok else 'MISSED'
        print(f'kerfd on a private bus, emulated backend, {os.cpu_count()} CPUs, '
              f'load average {load_start} at the start, {loadavg()} at the end')
        print(f'  state directory on {fs_type(state_dirs[0])} ({state_parent}; kerfd\'s default '
              f'/var/lib/kerf is on {fs_type("/var/lib")} here)')
        print('  idle kerfd (pool initialized, no instance):')
        print(f'  Pool GetAll            {pool:8.1f} us   floor (mini GDBus GetAll) {floor:.1f} us'
              f'   ratio {pool / floor:.2f}   (target <= 1.5: {verdict(pool / floor <= 1.5)})')
        print(f'  mini Ping              {ping:8.1f} us')
        print(f'  kerf show              {show * 1e3:8.1f} ms   (target <= 10 ms: '
              f'{verdict(show <= 0.010)})   CPU {show_cpu * 1e3:.1f} ms')
        print(f'    /bin/true            {true * 1e3:8.1f} ms   x{show / true:.1f}'
              f'   CPU {true_cpu * 1e3:.1f} ms')
        print(f'    minimal GLib client  {minimal * 1e3:8.1f} ms   x{show / minimal:.2f}   '
              f'(target <= 3: {verdict(show / minimal <= 3)})   CPU {minimal_cpu * 1e3:.1f} ms'
              f' (x{show_cpu / minimal_cpu:.2f})')
        print(f'  RSS idle               {rss_idle / 1024:8.1f} MiB   (target <= 8 MB: '
              f'{verdict(rss_idle * 1024 <= 8e6)})')
        if done > 0:
            print(f'  CreateInstance+Delete  {done / secs:8.1f} cycles/s   ({1e3 * secs / done:.1f} ms'
                  f' per cycle over {done}; the last {tail_n}: {1e3 * tail_secs / tail_n:.1f} ms'
                  f' each)')
        else:
            print('  CreateInstance+Delete  none done')
        if made < n_inst:
            print(f'  NOTE: only {made} of {n_inst} instances created within {4 * limit:.0f} s')
        print(f'  fresh kerfd, {made} instances created in {fill:.1f} s ({made / fill:.1f}/s; '
              f'the last {fill_tail_n}: {1e3 * fill_tail / max(fill_tail_n, 1):.1f} ms each):')
        print(f'  RSS                    {rss_full / 1024:8.1f} MiB   (target <= 20 MB: '
              f'{verdict(rss_full * 1024 <= 20e6)}), peak {rss_peak / 1024:.1f} MiB')
        print(f'  Pool GetAll            {pool_full:8.1f} us')
        print(f'  kerf show              {show_full * 1e3:8.1f} ms   CPU {show_full_cpu * 1e3:.1f} ms')
        return 0
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        try:
            os.kill(bus_pid, signal.SIGTERM)
        except (NameError, UnboundLocalError, ProcessLookupError):
            pass
        shutil.rmtree(work, ignore_errors=True)
        for d in state_dirs:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
