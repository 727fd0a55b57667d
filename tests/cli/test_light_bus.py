#!/usr/bin/python3
"""kerf show's light path (src/cli/kerf-cli-light.c) and its fallback.

With KERF_DEBUG_BUS=1 kerf says on stderr which path it took.  Against a
fake bus (fakebus.py): the light path is taken for unix:path= and
unix:abstract= addresses, with the handshake, Hello and the call pipelined;
signals, calls and stray replies before the reply are skipped; a rejected
handshake or an error reply falls back to GDBus, which then prints exactly
what it always did.  Against kerfd on a private bus: both paths print the
same text and JSON.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import Tap, kerf  # noqa: E402
from fakebus import FakeBus  # noqa: E402

UNINITIALIZED = ('The pool is not initialized (fake backend).\n'
                 'Give kerfd a baseline first: kerf init --input=FILE\n')
LIGHT = 'kerf: bus: light path\n'
TMP = tempfile.mkdtemp(prefix='kerf-light-')


def show(address, *args, debug=True, env=None):
    full = {'KERF_DEBUG_BUS': '1'} if debug else {}
    full.update(env or {})
    return kerf('--bus=' + address, '--no-ask-password', 'show', *args, env=full)


def with_bus(modes, abstract=False):
    def wrap(fn):
        def run(t):
            bus = FakeBus(modes, abstract=abstract, tmpdir=TMP)
            try:
                fn(t, bus)
            finally:
                bus.close()
        run.__name__ = fn.__name__
        return run
    return wrap


@with_bus(['ok'])
def test_light_path(t, bus):
    r = show(bus.address)
    t.rc(r, 0, 'unix:path: show')
    t.ok(r.out == UNINITIALIZED, 'unix:path: the reply printed', r)
    t.ok(r.err == LIGHT, 'unix:path: the light path was taken', r)
    t.ok(len(bus.connections) == 1, 'unix:path: one connection', bus.connections)
    c = bus.connections[0]
    t.ok(c.auth[0] == 'AUTH EXTERNAL ' + str(os.geteuid()).encode().hex()
         and c.auth[1:] == ['BEGIN'], 'SASL EXTERNAL with the uid, then BEGIN', c.auth)
    t.ok(c.pipelined, 'the messages come with BEGIN (one write)', c.auth)
    t.ok(c.members == ['Hello', 'GetManagedObjects'], 'Hello, then GetManagedObjects', c.members)
    r = show(bus.address, debug=False)
    t.ok(r.rc == 0 and r.out == UNINITIALIZED and r.err == '', 'without KERF_DEBUG_BUS: no stderr', r)
    r = kerf('--no-ask-password', 'show', env={'DBUS_SYSTEM_BUS_ADDRESS': bus.address,
                                               'KERF_DEBUG_BUS': '1'})
    t.ok(r.rc == 0 and r.err == LIGHT, 'the system bus from DBUS_SYSTEM_BUS_ADDRESS', r)
    r = kerf('--bus=session', 'show', env={'DBUS_SESSION_BUS_ADDRESS': bus.address,
                                           'KERF_DEBUG_BUS': '1'})
    t.ok(r.rc == 0 and r.err == LIGHT, '--bus=session from DBUS_SESSION_BUS_ADDRESS', r)
    r = kerf('show', env={'KERF_BUS': bus.address + ',guid=0123456789abcdef0123456789abcdef',
                          'KERF_DEBUG_BUS': '1'})
    t.ok(r.rc == 0 and r.err == LIGHT, 'KERF_BUS with a guid', r)


@with_bus(['ok'], abstract=True)
def test_abstract(t, bus):
    r = show(bus.address)
    t.ok(r.rc == 0 and r.out == UNINITIALIZED and r.err == LIGHT, 'unix:abstract: light path', r)
    r = show(bus.address, '--json')
    t.ok(r.rc == 0 and r.json()['pool']['backend'] == 'fake' and r.json()['instances'] == [],
         'unix:abstract: --json', r)


@with_bus(['noisy'])
def test_skips_other_messages(t, bus):
    r = show(bus.address)
    t.rc(r, 0, 'signals, a call and a stray reply before the reply')
    t.ok(r.out == UNINITIALIZED and r.err == LIGHT, 'they are skipped; the reply is printed', r)
    t.ok(len(bus.connections) == 1, 'no fallback', bus.connections)


@with_bus(['reject', 'ok'])
def test_fallback_auth_rejected(t, bus):
    r = show(bus.address)
    t.rc(r, 0, 'handshake rejected once')
    t.ok(r.out == UNINITIALIZED, 'GDBus prints the same', r)
    t.contains(r.err, 'GDBus path: authentication not accepted', 'the fallback said why', r)
    t.ok(len(bus.connections) == 2 and bus.connections[1].members[-1] == 'GetManagedObjects',
         'a second connection (GDBus) made the call', bus.connections)
    t.ok(show(bus.address, debug=False).err == '', 'fallback is silent', r)


@with_bus(['error'])
def test_fallback_error_reply(t, bus):
    r = show(bus.address, debug=False)
    t.rc(r, 5, 'ServiceUnknown')
    t.ok(r.out == '', 'nothing on stdout', r)
    t.ok(r.err.startswith('kerf: cannot reach kerfd: nobody owns org.multikernel.Kerf on '
                          f'the bus at {bus.address}\n'), 'the GDBus path words it', r)
    t.contains(r.err, 'systemctl start kerfd', 'with the start hint', r)
    t.ok(len(bus.connections) == 2, 'the light path, then GDBus', bus.connections)


def test_fallback_addresses(t):
    # what the light path does not handle goes to GDBus, with its messages
    for address, name in [('tcp:host=127.0.0.1,port=1', 'tcp'),
                          ('unix:path=/nonexistent/kerf-light', 'missing socket'),
                          ('unix:abstract=kerf-light-nobody-listens', 'abstract, nobody listens'),
                          ('not an address', 'malformed')]:
        r = show(address)
        t.rc(r, 5, name)
        t.contains(r.err, 'GDBus path', f'{name}: the fallback was taken', r)
        t.contains(r.err, f'kerf: cannot connect to the bus at {address}: ', f'{name}: GDBus words it', r)


def test_real_kerfd(t):
    """The same text and JSON through both paths from kerfd itself."""
    try:
        import dbusmock  # noqa: F401
    except ImportError:
        t.ok(True, 'kerfd part skipped: no python-dbusmock', todo='python3-dbusmock missing')
        return
    from bustest import Env, BASELINE
    env = Env()
    try:
        # `unix:path=/nonexistent;ADDRESS`: GDBus tries both, the light path none
        gdbus_only = 'unix:path=/nonexistent/kerf-light;' + env.address
        r = show(env.address)
        t.ok(r.rc == 0 and r.err == LIGHT, 'kerfd: light path (uninitialized)', r)
        t.ok(kerf('--bus=' + env.address, 'init', '--input=' + BASELINE).rc == 0, 'kerfd: init')
        t.ok(kerf('--bus=' + env.address, 'create', 'alpha', '--cpus=4', '--memory=256MB').rc == 0,
             'kerfd: create')
        for args in [(), ('--json',), ('alpha',), ('--json', 'alpha'), ('nope',)]:
            light = show(env.address, *args)
            heavy = show(gdbus_only, *args)
            what = ' '.join(('show',) + args)
            t.contains(light.err, 'light path', f'kerfd {what}: light path', light)
            t.contains(heavy.err, 'GDBus path', f'kerfd {what}: GDBus path', heavy)
            t.ok(light.rc == heavy.rc and light.out == heavy.out and
                 light.err.split('\n', 1)[1] == heavy.err.split('\n', 1)[1],
                 f'kerfd {what}: the same output both ways', f'{light}\n{heavy}')
    finally:
        env.close()


t = Tap()
try:
    status = t.run([test_light_path, test_abstract, test_skips_other_messages,
                    test_fallback_auth_rejected, test_fallback_error_reply,
                    test_fallback_addresses, test_real_kerfd])
finally:
    os.rmdir(TMP)
sys.exit(status)
