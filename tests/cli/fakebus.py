"""A tiny fake message bus for the tests of kerf show's light path.

It accepts connections on a unix socket (a path or an abstract name), speaks
the SASL side of the D-Bus handshake (EXTERNAL, as GDBus and kerf's light
path send it), answers Hello and GetManagedObjects with messages built by
GLib (Gio.DBusMessage: nothing is marshalled by hand), and records what
every connection did.  How each connection is treated is a list of modes,
one per connection in order (the last repeats):

  ok      a plain bus: Hello reply, NameAcquired, then the reply
  noisy   before the reply: NameAcquired, another signal, a method call, a
          reply to a serial nobody used; everything written in 5-byte pieces
  reject  REJECTED to every AUTH
  error   GetManagedObjects answered with ServiceUnknown
"""
import os
import socket
import threading
import time

from gi.repository import Gio, GLib

GUID = '0123456789abcdef0123456789abcdef'
UNIQUE = ':1.42'


def managed_objects_body(backend='fake'):
    """A reply with an uninitialized pool and one transaction object."""
    pool = {'Initialized': GLib.Variant('b', False), 'Backend': GLib.Variant('s', backend),
            'Version': GLib.Variant('s', '0.0-fake')}
    tx = {'Id': GLib.Variant('u', 1)}
    return GLib.Variant('(a{oa{sa{sv}}})', ({
        '/org/multikernel/Kerf/Pool': {'org.multikernel.Kerf.Pool': pool},
        '/org/multikernel/Kerf/Transaction/1': {'org.multikernel.Kerf.Transaction': tx},
    },))


class Connection:
    def __init__(self, mode):
        self.mode = mode
        self.auth = []       # the SASL lines the client sent
        self.members = []    # the members of the method calls it sent
        self.pipelined = False  # messages arrived with BEGIN, before our OK was read


class FakeBus:
    def __init__(self, modes, abstract=False, tmpdir='/tmp', backend='fake'):
        self.modes = list(modes)
        self.backend = backend
        self.connections = []
        self.serial = 1000
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        name = f'kerf-fakebus-{os.getpid()}-{id(self)}'
        if abstract:
            self.sock.bind('\0' + name)
            self.address = f'unix:abstract={name}'
            self.path = None
        else:
            self.path = os.path.join(tmpdir, name)
            self.sock.bind(self.path)
            self.address = f'unix:path={self.path}'
        self.sock.listen(8)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self):
        self.sock.close()
        if self.path:
            os.unlink(self.path)

    # ---- serving ------------------------------------------------------

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            index = len(self.connections)
            mode = self.modes[min(index, len(self.modes) - 1)]
            record = Connection(mode)
            self.connections.append(record)
            try:
                self._handle(conn, record)
            except (OSError, ValueError):
                pass
            finally:
                conn.close()

    def _send(self, conn, record, message):
        self.serial += 1
        message.set_serial(self.serial)
        blob = message.to_blob(Gio.DBusCapabilityFlags.NONE)
        if record.mode == 'noisy':
            # small pieces, apart: the client must put messages together
            for i in range(0, len(blob), 5):
                conn.sendall(blob[i:i + 5])
                time.sleep(0.0005)
        else:
            conn.sendall(blob)

    def _handle(self, conn, record):
        buf = b''
        # the credentials byte, then SASL lines until BEGIN
        while not buf:
            buf = conn.recv(4096)
            if not buf:
                return
        if buf[0] != 0:
            return
        buf = buf[1:]
        while True:
            while b'\r\n' not in buf:
                more = conn.recv(4096)
                if not more:
                    return
                buf += more
            line, buf = buf.split(b'\r\n', 1)
            line = line.decode('ascii')
            record.auth.append(line)
            if line == 'BEGIN':
                record.pipelined = len(buf) > 0
                break
            if line.startswith('AUTH'):
                parts = line.split()
                if record.mode == 'reject' or len(parts) < 2 or parts[1] != 'EXTERNAL':
                    conn.sendall(b'REJECTED EXTERNAL\r\n')
                elif len(parts) == 2:
                    conn.sendall(b'DATA\r\n')
                else:
                    conn.sendall(f'OK {GUID}\r\n'.encode())
            elif line.startswith('DATA'):
                conn.sendall(f'OK {GUID}\r\n'.encode())
            elif line == 'NEGOTIATE_UNIX_FD':
                conn.sendall(b'ERROR\r\n')
            elif line == 'CANCEL':
                conn.sendall(b'REJECTED EXTERNAL\r\n')
            else:
                conn.sendall(b'ERROR\r\n')
        # messages
        while True:
            while len(buf) < 16:
                more = conn.recv(65536)
                if not more:
                    return
                buf += more
            need = Gio.DBusMessage.bytes_needed(buf[:16])
            while len(buf) < need:
                more = conn.recv(65536)
                if not more:
                    return
                buf += more
            msg = Gio.DBusMessage.new_from_blob(buf[:need], Gio.DBusCapabilityFlags.NONE)
            buf = buf[need:]
            if msg.get_message_type() != Gio.DBusMessageType.METHOD_CALL:
                continue
            self._answer(conn, record, msg)

    def _answer(self, conn, record, msg):
        member = msg.get_member()
        record.members.append(member)
        if member == 'Hello':
            reply = msg.new_method_reply()
            reply.set_sender('org.freedesktop.DBus')
            reply.set_destination(UNIQUE)
            reply.set_body(GLib.Variant('(s)', (UNIQUE,)))
            self._send(conn, record, reply)
            acquired = Gio.DBusMessage.new_signal('/org/freedesktop/DBus', 'org.freedesktop.DBus',
                                                  'NameAcquired')
            acquired.set_sender('org.freedesktop.DBus')
            acquired.set_destination(UNIQUE)
            acquired.set_body(GLib.Variant('(s)', (UNIQUE,)))
            self._send(conn, record, acquired)
        elif member == 'GetManagedObjects':
            if record.mode == 'noisy':
                self._noise(conn, record)
            if record.mode == 'error':
                reply = msg.new_method_error_literal('org.freedesktop.DBus.Error.ServiceUnknown',
                                                     'The name org.multikernel.Kerf was not '
                                                     'provided by any .service files')
                reply.set_sender('org.freedesktop.DBus')
            else:
                reply = msg.new_method_reply()
                reply.set_sender(':1.7')
                reply.set_body(managed_objects_body(self.backend))
            reply.set_destination(UNIQUE)
            self._send(conn, record, reply)
        elif msg.get_flags() & Gio.DBusMessageFlags.NO_REPLY_EXPECTED:
            pass
        else:
            reply = msg.new_method_error_literal('org.freedesktop.DBus.Error.UnknownMethod',
                                                 'not on the fake bus')
            self._send(conn, record, reply)

    def _noise(self, conn, record):
        """Everything a client may see before its reply."""
        other = Gio.DBusMessage.new_signal('/org/multikernel/Kerf/Pool',
                                           'org.freedesktop.DBus.Properties', 'PropertiesChanged')
        other.set_sender(':1.7')
        other.set_body(GLib.Variant('(sa{sv}as)', ('org.multikernel.Kerf.Pool', {}, [])))
        self._send(conn, record, other)
        call = Gio.DBusMessage.new_method_call(':1.7', '/', 'org.freedesktop.DBus.Peer', 'Ping')
        call.set_sender(':1.7')
        call.set_destination(UNIQUE)
        call.set_flags(Gio.DBusMessageFlags.NO_REPLY_EXPECTED)
        self._send(conn, record, call)
        stray = Gio.DBusMessage.new()
        stray.set_message_type(Gio.DBusMessageType.METHOD_RETURN)
        stray.set_reply_serial(99)
        stray.set_sender(':1.7')
        stray.set_destination(UNIQUE)
        self._send(conn, record, stray)
