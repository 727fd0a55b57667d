#!/usr/bin/python3
"""kerf-client.py — a small kerfd client in Python with GObject introspection.

A starting point for a GUI or a monitoring tool.  Everything goes through
the object manager of kerfd, so the client:

  - gets every object (pool, instances, transactions) and all their
    properties in ONE call when it starts (GetManagedObjects, done for us by
    Gio.DBusObjectManagerClient);
  - afterwards is told about every change (InterfacesAdded /
    InterfacesRemoved for objects, PropertiesChanged for values) and
    never has to poll.  Gio keeps the proxies' property caches up to date.

Usage (the system bus by default; --address for a private test bus):

    kerf-client.py list
    kerf-client.py create NAME --cpu-count=2 --memory=1GiB [--cpu-affinity=spread]
    kerf-client.py delete NAME
    kerf-client.py watch [--until-removed=NAME]

Needs python3-gi (Debian: python3-gi, gir1.2-glib-2.0).  create and delete
need polkit authorization (org.multikernel.kerf.manage-instances); the
calls allow interactive authorization, so a desktop session's polkit agent
may ask for a password.  Reading needs no privilege.
"""
import argparse
import re
import sys

from gi.repository import Gio, GLib

BUS_NAME = 'org.multikernel.Kerf'
ROOT = '/org/multikernel/Kerf'
POOL_PATH = ROOT + '/Pool'
POOL = 'org.multikernel.Kerf.Pool'
INSTANCE = 'org.multikernel.Kerf.Instance'
TRANSACTION = 'org.multikernel.Kerf.Transaction'
ERROR_PREFIX = 'org.multikernel.Kerf.Error.'

# kerfd's errors as exit codes, like the kerf CLI (4 = not authorized, ...)
EXIT_FAILED, EXIT_USAGE, EXIT_INVALID, EXIT_NOT_AUTHORIZED, EXIT_UNREACHABLE = 1, 2, 3, 4, 5


# ---- connecting -------------------------------------------------------------

def connect(address):
    """The system bus, or a bus given by address (tests use a private one)."""
    if address is None:
        return Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
    return Gio.DBusConnection.new_for_address_sync(
        address,
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
        Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
        None, None)


def object_manager(connection):
    """One Gio.DBusObjectManagerClient for all of kerfd's objects.

    DO_NOT_AUTO_START: a GUI should not start kerfd by looking at it; when
    kerfd is not running the manager simply has no objects (and its
    name-owner is None) and fills up when kerfd appears."""
    return Gio.DBusObjectManagerClient.new_sync(
        connection, Gio.DBusObjectManagerClientFlags.DO_NOT_AUTO_START,
        BUS_NAME, ROOT, None, None)


def call(proxy, method, signature, args):
    """A method call on a proxy.  ALLOW_INTERACTIVE_AUTHORIZATION lets
    polkit ask the user (through the session's agent) instead of refusing
    at once; a non-interactive tool would leave the flag out."""
    return proxy.call_sync(method, GLib.Variant(signature, args),
                           Gio.DBusCallFlags.ALLOW_INTERACTIVE_AUTHORIZATION,
                           -1, None)


def error_name(error):
    """'NotAuthorized' for org.multikernel.Kerf.Error.NotAuthorized."""
    remote = Gio.DBusError.get_remote_error(error) or ''
    return remote[len(ERROR_PREFIX):] if remote.startswith(ERROR_PREFIX) else remote


def prop(proxy, name):
    """A cached property as a Python value (None when kerfd has not sent it)."""
    v = proxy.get_cached_property(name)
    return v.unpack() if v is not None else None


def escape_name(name):
    """Instance name -> object path element, as kerfd does it (web-server ->
    web_2dserver).  Only for display and lookups: the Name property is the
    truth."""
    return ''.join(chr(b) if chr(b).isalnum() and b < 128 else '_%02x' % b
                   for b in name.encode())


# ---- showing things ---------------------------------------------------------

def cpu_list(cpus):
    """[4, 5, 6, 7, 9] -> '4-7,9' (kerf's own notation)."""
    out, start = [], None
    for i, c in enumerate(cpus):
        if start is None:
            start = c
        if i + 1 == len(cpus) or cpus[i + 1] != c + 1:
            out.append(str(start) if start == c else '%d-%d' % (start, c))
            start = None
    return ','.join(out) or '-'


def size(n):
    for unit, shift in (('TiB', 40), ('GiB', 30), ('MiB', 20), ('KiB', 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return '%d %s' % (n >> shift, unit)
    return '%d bytes' % n


def print_pool(pool):
    if not prop(pool, 'Initialized'):
        print('pool: not initialized (backend %s) — run kerf init' % prop(pool, 'Backend'))
        return
    print('pool: backend %s, kerfd %s' % (prop(pool, 'Backend'), prop(pool, 'Version')))
    print('  cpus: %d total, host %s, pool %s, free %s' % (
        prop(pool, 'TotalCpus'), cpu_list(prop(pool, 'HostReservedCpus')),
        cpu_list(prop(pool, 'AvailableCpus')), cpu_list(prop(pool, 'FreeCpus'))))
    print('  memory: %s at %#x, %s free' % (
        size(prop(pool, 'MemoryPoolBytes')), prop(pool, 'MemoryPoolBase'),
        size(prop(pool, 'MemoryFreeBytes'))))
    for node_id, base, length, cpus in prop(pool, 'NumaNodes') or []:
        print('  numa node %d: %s at %#x, cpus %s' % (node_id, size(length), base, cpu_list(cpus)))
    for name, dev in sorted((prop(pool, 'Devices') or {}).items()):
        print('  device %s: %s %s' % (name, dev.get('compatible', '?'), dev.get('pci-id', '')))


def print_instance(inst):
    print('instance %s (id %d): %s, cpus %s, memory %s at %#x%s' % (
        prop(inst, 'Name'), prop(inst, 'Id'), prop(inst, 'Status'),
        cpu_list(prop(inst, 'Cpus')), size(prop(inst, 'MemoryBytes')),
        prop(inst, 'MemoryBase'),
        ', devices ' + ','.join(prop(inst, 'Devices')) if prop(inst, 'Devices') else ''))


def proxies(manager, interface):
    """Every proxy of `interface` among the manager's objects, by path."""
    out = []
    for obj in manager.get_objects():
        p = obj.get_interface(interface)
        if p is not None:
            out.append(p)
    return sorted(out, key=lambda p: p.get_object_path())


def pool_proxy(manager):
    obj = manager.get_object(POOL_PATH)
    if obj is None:
        raise SystemExit('kerfd is not running (nobody owns %s)' % BUS_NAME)
    return obj.get_interface(POOL)


# ---- commands ---------------------------------------------------------------

def cmd_list(manager, opts):
    print_pool(pool_proxy(manager))
    for inst in proxies(manager, INSTANCE):
        print_instance(inst)
    for tx in proxies(manager, TRANSACTION):
        print('transaction %d: %s %s on %s' % (prop(tx, 'Id'), prop(tx, 'Operation'),
                                               prop(tx, 'Status'), prop(tx, 'Target')))
    return 0


def parse_size(text):
    """'1GiB', '512MB' (powers of 1024, as kerf) or plain bytes."""
    m = re.fullmatch(r'(\d+)\s*([KMGT]?)(i?B)?', text.strip(), re.I)
    if not m:
        raise argparse.ArgumentTypeError('not a size: %r' % text)
    return int(m.group(1)) << {'': 0, 'K': 10, 'M': 20, 'G': 30, 'T': 40}[m.group(2).upper()]


def cmd_create(manager, opts):
    # The spec is an a{sv}: every value carries its D-Bus type.
    spec = {'cpu-count': GLib.Variant('u', opts.cpu_count),
            'memory-bytes': GLib.Variant('t', opts.memory)}
    if opts.cpu_affinity:
        spec['cpu-affinity'] = GLib.Variant('s', opts.cpu_affinity)
    reply = call(pool_proxy(manager), 'CreateInstance', '(sa{sv}a{sv})', (opts.name, spec, {}))
    path = reply.unpack()[0]
    print('created %s' % path)
    # The object manager has seen InterfacesAdded before the reply arrived
    # (kerfd emits it first), but the proxy appears in our cache only when
    # the main context runs: let it.
    ctx = GLib.MainContext.default()
    while ctx.pending():
        ctx.iteration(False)
    obj = manager.get_object(path)
    if obj is not None:
        print_instance(obj.get_interface(INSTANCE))
    return 0


def find_instance(manager, name):
    for inst in proxies(manager, INSTANCE):
        if prop(inst, 'Name') == name:
            return inst
    return None


def cmd_delete(manager, opts):
    inst = find_instance(manager, opts.name)
    if inst is None:
        print('no instance named %r' % opts.name, file=sys.stderr)
        return EXIT_FAILED
    call(inst, 'Delete', '(a{sv})', ({},))
    print('deleted %s' % opts.name)
    return 0


def cmd_watch(manager, opts):
    """Follow every change until interrupted (or until --until-removed's
    instance disappears).  This is what a GUI does all the time."""
    loop = GLib.MainLoop()

    def on_added(mgr, obj):
        print('added %s (%s)' % (obj.get_object_path(),
                                 ', '.join(i.get_interface_name() for i in obj.get_interfaces())),
              flush=True)

    def on_removed(mgr, obj):
        print('removed %s' % obj.get_object_path(), flush=True)
        if opts.until_removed and \
                obj.get_object_path() == ROOT + '/Instance/' + escape_name(opts.until_removed):
            loop.quit()

    def on_properties(mgr, obj, proxy, changed, invalidated):
        # `changed` is an a{sv} GVariant: the new values, already in the cache
        for key, value in sorted(changed.unpack().items()):
            print('changed %s %s.%s = %r' % (obj.get_object_path(),
                                             proxy.get_interface_name().rsplit('.', 1)[-1],
                                             key, value), flush=True)
        for key in invalidated:
            print('invalidated %s %s' % (obj.get_object_path(), key), flush=True)

    def on_owner(mgr, _pspec):
        # kerfd restarted or went away: the manager re-reads everything itself
        print('kerfd is %s' % ('running' if mgr.get_name_owner() else 'gone'), flush=True)

    manager.connect('object-added', on_added)
    manager.connect('object-removed', on_removed)
    manager.connect('interface-proxy-properties-changed', on_properties)
    manager.connect('notify::name-owner', on_owner)
    # Ctrl-C ends the loop cleanly
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, 2, lambda *a: loop.quit() or False)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, 15, lambda *a: loop.quit() or False)
    print('watching %s (%d objects)' % (BUS_NAME, len(manager.get_objects())), flush=True)
    loop.run()
    return 0


def main():
    ap = argparse.ArgumentParser(description='Example kerfd client (Gio, object manager).')
    ap.add_argument('--address', help='D-Bus address of the bus (default: the system bus)')
    sub = ap.add_subparsers(dest='command', required=True)
    sub.add_parser('list', help='show the pool, the instances and the transactions')
    c = sub.add_parser('create', help='create an instance')
    c.add_argument('name')
    c.add_argument('--cpu-count', type=int, required=True)
    c.add_argument('--memory', type=parse_size, required=True)
    c.add_argument('--cpu-affinity', choices=['compact', 'spread', 'local'])
    d = sub.add_parser('delete', help='delete an instance')
    d.add_argument('name')
    w = sub.add_parser('watch', help='print every change as it happens')
    w.add_argument('--until-removed', metavar='NAME',
                   help='stop when this instance is removed')
    opts = ap.parse_args()

    try:
        manager = object_manager(connect(opts.address))
    except GLib.Error as e:
        print('cannot reach the bus: %s' % e.message, file=sys.stderr)
        return EXIT_UNREACHABLE
    try:
        return {'list': cmd_list, 'create': cmd_create, 'delete': cmd_delete,
                'watch': cmd_watch}[opts.command](manager, opts)
    except GLib.Error as e:
        # kerfd's messages are written for people: print them as they are
        name = error_name(e)
        Gio.DBusError.strip_remote_error(e)     # drop the "GDBus.Error:org....:" prefix
        print('%s: %s' % (name or 'error', e.message), file=sys.stderr)
        return {'NotAuthorized': EXIT_NOT_AUTHORIZED, 'ValidationFailed': EXIT_INVALID,
                'InvalidArgument': EXIT_USAGE}.get(name, EXIT_FAILED)


if __name__ == '__main__':
    sys.exit(main())
