#!/usr/bin/python3
"""Every kerf command against kerfd on a private system-like bus.

A private dbus-daemon with kerf's real bus policy (tests/dbus/system-bus.conf),
python-dbusmock's polkitd template, and kerfd --backend=emulated with a
temporary state directory.  The CLI is run as a subprocess; outputs are
checked as text (golden files where the output is stable) and as JSON, and
every error path's exit code and message.
"""
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import Tap, kerf, DATA, SRCDIR  # noqa: E402

try:
    import dbusmock  # noqa: F401
except ImportError as e:
    print(f'1..0 # SKIP missing module: {e}')
    sys.exit(0)
from bustest import Env, KERNEL, BASELINE, ALL_ACTIONS  # noqa: E402

E = Env()
# docs/cli-json.md, "An instance"
INSTANCE_KEYS = {'name', 'id', 'status', 'cpus', 'memory_base', 'memory_bytes', 'devices',
                 'numa_nodes', 'cpu_affinity', 'memory_policy', 'kernel', 'cmdline', 'object_path'}


def k(*args, **kw):
    """kerf on the private bus, by address (the --bus=ADDRESS path)."""
    return kerf('--bus=' + E.address, '--no-ask-password', *args, **kw)


def test_uninitialized(t):
    r = k('show')
    t.rc(r, 0, 'show, no pool')
    t.contains(r.out, 'The pool is not initialized', 'show, no pool', r)
    r = k('--json', 'show')
    t.rc(r, 0, 'show --json, no pool')
    doc = r.json()
    t.ok(doc['pool']['initialized'] is False and doc['instances'] == [],
         'show --json, no pool: initialized false, no instances', r)
    r = k('create', 'x', '--cpus=4', '--memory=1GB')
    t.rc(r, 1, 'create before init')
    t.contains(r.err, 'kerf: ', 'create before init: the daemon\'s message', r)
    t.ok('org.multikernel' not in r.err, 'create before init: no D-Bus error name shown', r)
    r = k('transactions')
    t.rc(r, 0, 'transactions, none')
    t.contains(r.out, 'No transactions.', 'transactions, none', r)


def test_init(t):
    r = k('init')
    t.rc(r, 2, 'init without --input')
    r = k('init', '--input=/nonexistent.dts')
    t.rc(r, 1, 'init with a missing file')
    t.contains(r.err, '/nonexistent.dts', 'init missing file: names it', r)
    r = k('init', '--reset', '--input=' + BASELINE)
    t.rc(r, 2, 'init --reset --input')
    r = k('init', '--input=examples/conflict_example.dts')
    t.rc(r, 3, 'init with an invalid baseline')
    t.contains(r.err, 'examples/conflict_example.dts:', 'init invalid: located diagnostics', r)
    t.contains(r.err, 'nothing was changed', 'init invalid: says nothing changed', r)
    r = k('init', '--input=' + os.path.join(DATA, 'bad-include.dts'))
    t.rc(r, 3, 'init: error in an /include/d file')
    t.contains(r.err, 'include-bad.dtsi:6:', 'init: diagnostics point into the included file', r)

    r = k('init', '--dry-run', '--input=' + BASELINE)
    t.rc(r, 0, 'init --dry-run')
    t.contains(r.out, 'dry run', 'init --dry-run says so', r)
    r = k('--json', 'show')
    t.ok(r.json()['pool']['initialized'] is False, 'init --dry-run changed nothing', r)

    r = k('validate', '--daemon', 'examples/conflict_example.dts')
    t.rc(r, 3, 'validate --daemon invalid')
    t.contains(r.err, 'examples/conflict_example.dts:', 'validate --daemon: located', r)
    r = k('--json', 'validate', '--daemon', BASELINE)
    t.rc(r, 0, 'validate --daemon valid')
    t.ok(r.json()['valid'] is True, 'validate --daemon --json', r)

    # --report: the report of the file, nothing applied
    r = k('init', '--input=' + BASELINE, '--report')
    t.rc(r, 0, 'init --report')
    t.contains(r.out, 'report', 'init --report prints the report', r)
    t.contains(r.out, f'Source: {BASELINE}', 'init --report: the report is of the file', r)
    r = k('--json', 'show')
    t.ok(r.json()['pool']['initialized'] is False, 'init --report changed nothing', r)
    r = k('--json', 'init', '--report', '--input=' + BASELINE)
    t.rc(r, 0, 'init --report --json')
    d = r.json()
    t.ok(d['status'] == 'valid' and d['source'] == BASELINE and d['cpus']['pool'] == list(range(4, 32)),
         'init --report --json: the report of the file', r)
    r = k('init', '--report', '--input=examples/conflict_example.dts')
    t.rc(r, 3, 'init --report of an invalid file exits 3')
    t.contains(r.out, 'INVALID', 'init --report: the report says INVALID', r)
    r = k('init', '--input=' + BASELINE)
    t.rc(r, 0, 'init')
    t.contains(r.out, f'Baseline {BASELINE} applied (emulated backend).', 'init applied', r)
    r = k('init', '--dry-run', '--input=examples/baseline.dts')
    t.rc(r, 0, 'init --dry-run of the seed baseline')
    t.contains(r.err, 'warning:', 'init shows the baseline\'s warnings', r)

    r = k('--json', 'report')
    t.rc(r, 0, 'report --json')
    try:
        d = json.loads(r.out)
    except ValueError as e:
        d = None
        t.ok(False, 'report --json is JSON', f'{e}\n{r}')
    if d is not None:
        # the keys docs/cli-json.md documents, no more and no fewer
        t.ok(set(d) == {'status', 'source', 'errors', 'warnings', 'cpus', 'memory',
                        'numa_nodes', 'devices', 'instances', 'diagnostics'}
             and d['status'] == 'valid' and d['cpus']['pool'] == list(range(4, 32)),
             'report --json: the documented keys, the pool', r)
    r = k('report')
    t.rc(r, 0, 'report')


def test_create(t):
    # a UTF-8 locale: the golden has the check mark
    r = k('create', 'web-server', '--cpus=4-7', '--memory=2GB', env={'LC_ALL': 'C.UTF-8'})
    t.rc(r, 0, 'create web-server')
    t.golden(r.out, 'bus-create.txt', 'create web-server')
    r = k('--json', 'create', 'database', '--cpu-count=8', '--memory=4GB',
          '--devices=eth0_vf1,nvme0_ns2')
    t.rc(r, 0, 'create database --json')
    d = r.json()
    t.ok(d['name'] == 'database' and len(d['cpus']) == 8 and d['memory_bytes'] == 4 << 30
         and d['devices'] == ['eth0_vf1', 'nvme0_ns2'] and d['status'] == 'ready'
         and d['kernel'] is None, 'create --json: the new instance', r)
    t.ok(not set(d['cpus']) & {4, 5, 6, 7}, 'create --cpu-count: no CPU given twice', r)
    last = k('--json', 'transactions').json()[-1]
    t.ok(last['operation'] == 'create' and d.get('transaction') == last['id'],
         'create --json: "transaction" names the transaction it wrote', f'{last}\n{r}')
    t.ok(set(d) == INSTANCE_KEYS | {'transaction'}, 'create --json: the instance keys and '
         '"transaction"', r)

    r = k('create', 'dry', '--cpus=20-21', '--memory=1GB', '--dry-run')
    t.rc(r, 0, 'create --dry-run')
    t.contains(r.out, 'dry run', 'create --dry-run says so', r)
    r = k('show', 'dry')
    t.rc(r, 1, 'create --dry-run created nothing')
    r = k('--json', 'create', 'dry', '--cpus=20-21', '--memory=1GB', '--dry-run')
    t.rc(r, 0, 'create --dry-run --json')
    d = r.json()
    t.ok(d.get('name') == 'dry' and d.get('dry_run') is True and d.get('valid') is True
         and d.get('object_path', '').startswith('/org/multikernel/Kerf/Instance/'),
         'create --dry-run --json object', r)

    r = k('create', 'web-server', '--cpus=20', '--memory=1GB')
    t.ok(r.rc in (1,), 'create an existing name: exit 1', r)
    t.contains(r.err, 'web-server', 'create existing: names it', r)
    r = k('create', 'clash', '--cpus=6-9', '--memory=1GB')
    t.ok(r.rc in (1, 3), 'create with taken CPUs fails (1 or 3)', r)
    t.contains(r.err, 'kerf: ', 'create with taken CPUs: message', r)
    r = k('create', 'big', '--cpus=20', '--memory=64GB')
    t.ok(r.rc in (1, 3), 'create with too much memory fails', r)

    r = k('create', 'a b', '--cpus=4', '--memory=1GB')
    t.rc(r, 2, 'create with a space in the name')
    t.contains(r.err, "it contains ' '", 'bad name: says which character', r)
    for args, what in [
        (['-bad', '--cpus=4', '--memory=1G'], 'bad name'),
        (['x' * 64, '--cpus=4', '--memory=1GB'], 'name too long'),
        (['x', '--cpus=7-4', '--memory=1GB'], 'reversed CPU range'),
        (['x', '--cpus=4', '--memory=0'], 'zero memory'),
        (['x', '--cpus=4', '--memory=-1GB'], 'negative memory'),
        (['x', '--cpus=4', '--memory=lots'], 'bad size'),
        (['x', '--cpus=4'], 'no --memory'),
        (['x', '--memory=1GB'], 'no CPUs'),
        (['x', '--cpus=4', '--cpu-count=2', '--memory=1GB'], '--cpus and --cpu-count'),
        (['x', '--cpus=4', '--memory=1GB', '--cpu-affinity=random'], 'bad --cpu-affinity'),
        (['x', '--cpus=4', '--memory=1GB', '--memory-policy=never'], 'bad --memory-policy'),
        (['x', '--cpus=4', '--memory=1GB', '--id=5000'], '--id out of range'),
        (['x', '--cpus=4', '--memory=1GB', '--memory-base=zz'], 'bad --memory-base'),
        (['x', '--cpus=4', '--memory=1GB', '--devices=eth0_vf1,,nvme0'], 'empty device name'),
        ([], 'no NAME'),
        (['x', 'y', '--cpus=4', '--memory=1GB'], 'two names'),
    ]:
        r = k('create', *args)
        t.rc(r, 2, f'create, {what}')
        t.contains(r.err, "Try 'kerf create --help'", f'create, {what}: hint', r)


def test_show(t):
    r = k('show')
    t.rc(r, 0, 'show')
    table = r.out[r.out.index('NAME '):]
    t.golden(table, 'bus-show-instances.txt', 'show: instance table')
    t.contains(r.out, 'Pool (emulated backend', 'show: pool header', r)
    t.contains(r.out, 'eth0_vf1→database', 'show: device assignments', r)
    r = k('show', 'web-server')
    t.rc(r, 0, 'show web-server')
    t.golden(r.out, 'bus-show-web-server.txt', 'show web-server')
    r = k('--json', 'show')
    doc = r.json()
    t.ok(set(doc) == {'pool', 'instances'}, 'show --json: top-level keys', r)
    t.ok(set(doc['pool']) == {'initialized', 'backend', 'version', 'total_cpus',
                              'host_reserved_cpus', 'available_cpus', 'free_cpus',
                              'memory_pool_base', 'memory_pool_bytes', 'memory_free_bytes',
                              'devices', 'numa_nodes'}, 'show --json: pool keys', doc['pool'])
    t.ok([i['name'] for i in doc['instances']] == ['database', 'web-server'],
         'show --json: instances sorted by name', r)
    t.ok(set(doc['instances'][0]) == INSTANCE_KEYS, 'show --json: instance keys',
         doc['instances'][0])
    r = k('--json', 'show', 'web-server')
    t.ok(set(r.json()) == INSTANCE_KEYS, 'show NAME --json: instance keys (no "transaction")', r)
    t.ok(doc['pool']['free_cpus'] == [c for c in range(4, 32)
                                      if c not in doc['instances'][0]['cpus'] + [4, 5, 6, 7]],
         'show --json: free CPUs are the pool minus the instances', r)
    r = k('show', 'nope')
    t.rc(r, 1, 'show unknown instance')
    t.contains(r.err, "no instance named 'nope'", 'show unknown', r)
    r = k('show', '--id=1')
    t.rc(r, 0, 'show --id=1')
    r = k('show', 'web-server', '--id=1')
    t.rc(r, 2, 'show NAME and --id')


def test_lifecycle(t):
    size = os.path.getsize(KERNEL)
    r = k('load', 'web-server')
    t.rc(r, 2, 'load without --kernel')
    r = k('load', '--kernel=' + KERNEL)
    t.rc(r, 2, 'load without NAME')
    r = k('load', 'web-server', '--kernel=/nonexistent/vmlinuz')
    t.rc(r, 1, 'load a missing kernel')
    t.contains(r.err, '/nonexistent/vmlinuz', 'load missing kernel: names it', r)
    r = k('load', 'web-server', '--kernel=' + os.path.dirname(KERNEL))
    t.rc(r, 1, 'load a directory')
    t.contains(r.err, 'not a regular file', 'load a directory', r)
    # kerfd refuses it as InvalidArgument, which is exit 2 (bad input)
    r = k('load', 'web-server', '--kernel=' + os.path.join(DATA, 'plain.dts'))
    t.rc(r, 2, 'load a file that is no kernel image')
    t.contains(r.err, 'not a bzImage, ELF vmlinux or arm64 Image', 'load non-image: why', r)
    r = k('load', 'nope', '--kernel=' + KERNEL)
    t.rc(r, 1, 'load into an unknown instance')

    r = k('load', 'web-server', '--kernel=' + KERNEL, '--initrd=' + os.path.join(DATA, 'plain.dts'),
          '--cmdline=console=ttyS0 root=/dev/vda')
    t.rc(r, 0, 'load web-server')
    t.contains(r.out, 'status loaded', 'load: now loaded', r)
    r = k('--json', 'show', 'web-server')
    d = r.json()
    t.ok(d['status'] == 'loaded' and d['kernel'] is not None and d['kernel']['size'] == size
         and d['kernel']['path'] == os.path.realpath(KERNEL)
         and d['cmdline'] == 'console=ttyS0 root=/dev/vda', 'show after load: kernel recorded', r)
    t.ok(len(d['kernel']['sha256']) in (0, 64), 'kernel sha256 shape', r)

    r = k('delete', 'web-server')
    t.rc(r, 1, 'delete a loaded instance')
    t.contains(r.err, 'web-server', 'delete loaded: message', r)
    r = k('exec', 'web-server')
    t.rc(r, 0, 'exec')
    t.contains(r.out, 'status active', 'exec: active', r)
    r = k('exec', 'web-server')
    t.rc(r, 1, 'exec an active instance')
    r = k('--json', 'kill', 'web-server')
    t.rc(r, 0, 'kill --json')
    t.ok(r.json() == {'name': 'web-server', 'id': 1, 'status': 'loaded'}, 'kill --json object', r)
    r = k('exec', '--id=1')
    t.rc(r, 0, 'exec --id=1')
    r = k('kill', 'web-server', '--force')
    t.rc(r, 0, 'kill --force')
    r = k('unload', 'web-server')
    t.rc(r, 0, 'unload')
    t.contains(r.out, 'status ready', 'unload: ready', r)
    r = k('exec', 'web-server')
    t.rc(r, 1, 'exec with nothing loaded')
    r = k('unload', 'web-server')
    t.rc(r, 1, 'unload with nothing loaded')
    for cmd in ('exec', 'kill', 'unload', 'delete'):
        r = k(cmd)
        t.rc(r, 2, f'{cmd} without NAME')
        r = k(cmd, 'nope')
        t.rc(r, 1, f'{cmd} unknown instance')


def test_update_tx(t):
    r = k('update', 'web-server')
    t.rc(r, 2, 'update with nothing to change')
    r = k('update', 'web-server', '--memory=1GB', '--dry-run')
    t.rc(r, 0, 'update --dry-run')
    r = k('--json', 'update', 'web-server', '--memory=1GB', '--dry-run')
    t.rc(r, 0, 'update --dry-run --json')
    t.ok(r.json() == {'name': 'web-server', 'dry_run': True, 'valid': True},
         'update --dry-run --json object', r)
    r = k('--json', 'update', 'web-server', '--memory=1GB', '--cpus=4-5')
    t.rc(r, 0, 'update')
    d = r.json()
    t.ok(d['memory_bytes'] == 1 << 30 and d['cpus'] == [4, 5], 'update --json: new resources', r)
    last = k('--json', 'transactions').json()[-1]
    t.ok(last['operation'] == 'update' and d.get('transaction') == last['id'],
         'update --json: "transaction" names the transaction it wrote', f'{last}\n{r}')
    t.ok(set(d) == INSTANCE_KEYS | {'transaction'}, 'update --json: the instance keys and '
         '"transaction"', r)
    r = k('update', 'nope', '--memory=1GB')
    t.rc(r, 1, 'update unknown instance')

    r = k('--json', 'transactions')
    t.rc(r, 0, 'transactions --json')
    txs = r.json()
    t.ok(len(txs) >= 3 and all(set(x) == {'id', 'status', 'operation', 'target', 'instance'}
                               for x in txs),
         'transactions --json: entries', r)
    t.ok(txs[-1]['operation'] == 'update', 'the last transaction is the update', r)
    r = k('transactions')
    t.rc(r, 0, 'transactions')
    t.contains(r.out, 'TX  STATUS', 'transactions table header', r)

    r = k('--json', 'rollback', 'tx_%d' % txs[-1]['id'])
    t.rc(r, 0, 'rollback the update')
    t.ok(r.json() == {'id': txs[-1]['id'], 'rolled_back': True}, 'rollback --json object', r)
    r = k('--json', 'show', 'web-server')
    t.ok(r.json()['memory_bytes'] == 2 << 30, 'rollback restored the memory', r)
    r = k('rollback', '9999')
    t.rc(r, 1, 'rollback unknown transaction')
    r = k('rollback', 'abc')
    t.rc(r, 2, 'rollback bad id')
    r = k('rollback')
    t.rc(r, 2, 'rollback without TX')

    # text: the transaction the update caused, or that it wrote none
    r = k('update', 'web-server', '--cpus=4-6', env={'LC_ALL': 'C'})
    t.rc(r, 0, 'update (text)')
    last = k('--json', 'transactions').json()[-1]
    t.ok(last['operation'] == 'update', 'update (text) wrote a transaction', last)
    t.contains(r.out, "Updated instance 'web-server' (transaction %d)." % last['id'],
               'update names its transaction', r)
    t.ok('\u2713' not in r.out, 'no check mark outside a UTF-8 locale', r)
    r = k('update', 'web-server', '--memory-policy=interleave', env={'LC_ALL': 'C.UTF-8'})
    t.rc(r, 0, 'update of the memory policy')
    t.contains(r.out, "\u2713 Updated instance 'web-server' (no transaction: only kerfd's own "
               "records changed).", 'update without a transaction says so', r)
    t.ok(k('--json', 'transactions').json()[-1] == last, 'and wrote none')
    r = k('--json', 'update', 'web-server', '--cpu-affinity=spread')
    t.rc(r, 0, 'update --json of the CPU affinity')
    t.ok(r.json().get('transaction', 0) is None and r.json()['cpu_affinity'] == 'spread',
         'update --json without a transaction: "transaction" is null', r)
    t.ok(k('--json', 'transactions').json()[-1] == last, 'and wrote none (--json)')
    r = k('update', 'web-server', '--cpus=4-7')
    t.rc(r, 0, 'update back to CPUs 4-7')


def test_monitor(t):
    r = k('monitor', '--count=-1')
    t.rc(r, 2, 'monitor --count=-1')
    for json_mode in (False, True):
        args = ['--bus=' + E.address, '--no-ask-password'] + (['--json'] if json_mode else []) + \
            ['monitor', '--count=3']
        from clitest import KERF
        mon = subprocess.Popen([KERF, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=SRCDIR)
        ready = mon.stderr.readline()
        t.contains(ready, 'Watching kerfd', 'monitor announces itself')
        name = 'mon-json' if json_mode else 'mon-text'
        r = k('create', name, '--cpus=30', '--memory=256MB')
        t.rc(r, 0, f'create {name} under monitor')
        out, _ = mon.communicate(timeout=60)
        t.rc(type('R', (), {'rc': mon.returncode})(), 0, 'monitor --count exits')
        lines = out.splitlines()
        t.ok(len(lines) == 3, f'monitor: 3 events ({name})', out)
        if json_mode:
            events = [json.loads(l) for l in lines]
            t.ok(all({'time', 'event', 'kind', 'properties'} <= set(e) for e in events),
                 'monitor --json: one object per line with time/event/kind/properties', out)
            added = [e for e in events if e['event'] == 'added' and e['kind'] == 'instance']
            t.ok(len(added) == 1 and added[0]['name'] == name and
                 added[0]['properties']['Cpus'] == [30], 'monitor --json: instance added', out)
        else:
            t.ok(any(f'instance    added    {name}' in l for l in lines),
                 'monitor: instance added line', out)
            t.ok(all(l[:4].isdigit() for l in lines), 'monitor: timestamps', out)
        k('delete', name)


def test_delete(t):
    r = k('delete', 'database', env={'LC_ALL': 'C'})
    t.rc(r, 0, 'delete database')
    last = k('--json', 'transactions').json()[-1]
    t.ok(last['operation'] == 'delete', 'delete wrote a transaction', last)
    t.contains(r.out, "Deleted instance 'database' (transaction %d)." % last['id'],
               'delete message names its transaction', r)
    r = k('show', 'database')
    t.rc(r, 1, 'deleted instance is gone')
    r = k('--json', 'delete', '--id=1')
    t.rc(r, 0, 'delete --id=1 --json')
    last = k('--json', 'transactions').json()[-1]
    t.ok(last['operation'] == 'delete' and
         r.json() == {'name': 'web-server', 'deleted': True, 'transaction': last['id']},
         'delete --json: the transaction it wrote', f'{last}\n{r}')
    r = k('show')
    t.contains(r.out, 'No instances.', 'show with no instances', r)
    r = k('--json', 'init', '--reset')
    t.rc(r, 0, 'init --reset')
    t.ok(r.rc == 0 and r.json() == {'reset': True}, 'init --reset --json object', r)
    r = k('--json', 'show')
    t.ok(r.json()['pool']['initialized'] is False, 'init --reset: the pool is empty again', r)


def test_not_authorized(t):
    E.allow([])
    r = k('init', '--input=' + BASELINE)
    t.rc(r, 4, 'init not authorized')
    t.contains(r.err, 'polkit', 'not authorized: hint', r)
    r = k('show')
    t.rc(r, 0, 'show needs no authorization')
    r = k('validate', '--daemon', BASELINE)
    t.rc(r, 0, 'validate --daemon needs no authorization')
    E.allow(ALL_ACTIONS)


def test_history_window(t):
    # kerfd's object manager carries only the newest transaction here; kerf
    # still lists and rolls back every one the kernel holds
    E.stop_kerfd()
    E.start_kerfd('--transaction-history=1')
    t.rc(k('init', '--input=' + BASELINE), 0, 'history: init')
    from clitest import KERF
    mon = subprocess.Popen([KERF, '--bus=' + E.address, '--json', 'monitor'],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=SRCDIR)
    mon.stderr.readline()   # "Watching kerfd ...": subscribed
    for name in ('a', 'b', 'c'):
        t.rc(k('create', name, '--cpu-count=1', '--memory=256MB'), 0, f'history: create {name}')
    r = k('--json', 'transactions')
    txs = r.json()
    # the newest leaves the window: "archived", not "removed"; a rollback of
    # the exported one is "removed"
    t.rc(k('rollback', str(txs[-1]['id'])), 0, 'history: rollback of the newest')
    events = []
    reader = threading.Thread(target=lambda: events.extend(json.loads(line)
                                                           for line in mon.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(
            e['kind'] == 'transaction' and e['event'] == 'removed' for e in list(events)):
        time.sleep(0.1)
    mon.terminate()
    mon.wait(timeout=30)
    tx_events = [(e['event'], e['name']) for e in events if e['kind'] == 'transaction']
    t.ok(('archived', str(txs[0]['id'])) in tx_events and
         ('archived', str(txs[1]['id'])) in tx_events,
         'history: monitor says "archived" when a transaction leaves the window', tx_events)
    t.ok(('removed', str(txs[-1]['id'])) in tx_events and
         not any(ev == 'removed' and n != str(txs[-1]['id']) for ev, n in tx_events),
         'history: and "removed" only for the rolled-back one', tx_events)
    t.rc(k('create', 'c', '--cpu-count=1', '--memory=256MB'), 0, 'history: create c again')
    txs = k('--json', 'transactions').json()
    t.ok([x['instance'] for x in txs] == ['a', 'b', 'c'] and
         all(x['operation'] == 'create' for x in txs),
         'history: transactions lists all three, not only the exported one', r)
    r = k('rollback', str(txs[0]['id']))
    t.rc(r, 0, 'history: rollback of a transaction outside the window')
    t.contains(r.out, 'Rolled back transaction %d (create of /instances)' % txs[0]['id'],
               'history: rollback names it', r)
    r = k('--json', 'show')
    t.ok([i['name'] for i in r.json()['instances']] == ['b', 'c'], 'history: a is gone', r)
    r = k('rollback', str(txs[0]['id']))
    t.rc(r, 1, 'history: the rolled-back one is gone')
    t.contains(r.err, 'no transaction %d' % txs[0]['id'], 'history: says so', r)
    E.stop_kerfd()
    E.start_kerfd()


def test_bus_selection(t):
    # $KERF_BUS and the system bus (DBUS_SYSTEM_BUS_ADDRESS) find the same kerfd
    r = kerf('show', env={'KERF_BUS': E.address})
    t.rc(r, 0, 'KERF_BUS=ADDRESS')
    r = kerf('show', env={'DBUS_SYSTEM_BUS_ADDRESS': E.address})
    t.rc(r, 0, '--bus=system (default) via DBUS_SYSTEM_BUS_ADDRESS')
    r = kerf('--bus=unix:path=/nonexistent/socket', 'show')
    t.rc(r, 5, 'unreachable bus address')
    t.contains(r.err, 'systemctl start kerfd', 'unreachable: how to start kerfd', r)
    r = kerf('--bus=not an address', 'show')
    t.rc(r, 5, 'malformed bus address')
    E.stop_kerfd()
    r = k('show')
    t.rc(r, 5, 'kerfd not running')
    t.contains(r.err, 'nobody owns org.multikernel.Kerf', 'kerfd not running: says so', r)
    t.contains(r.err, 'kerfd --backend=emulated', 'kerfd not running: emulated hint', r)
    r = k('create', 'x', '--cpus=4', '--memory=1GB')
    t.rc(r, 5, 'create with kerfd not running')


t = Tap()
try:
    status = t.run([test_uninitialized, test_init, test_create, test_show, test_lifecycle,
                    test_update_tx, test_monitor, test_delete, test_not_authorized,
                    test_history_window, test_bus_selection])
finally:
    E.close()
sys.exit(status)
