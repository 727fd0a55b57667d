#!/bin/sh
# busctl-walkthrough.sh — kerfd's D-Bus API by hand, with busctl and gdbus.
#
#   examples/clients/busctl-walkthrough.sh [BASELINE.dts]
#
# Talks to kerfd on the system bus, or on the bus in $KERF_BUS_ADDRESS
# (a D-Bus address such as unix:path=/tmp/dbus-XXXX; the test-suite runs
# this script against a private bus).  Each step prints the command it runs
# (lines starting with "$"), so the output reads as a tutorial:
#
#   1. the object tree and GetManagedObjects (everything in one call)
#   2. Pool properties (no privilege needed)
#   3. Validate a device-tree file (no privilege needed)
#   4. Initialize the pool with BASELINE if it is not yet
#   5. CreateInstance, then the new Instance object's properties
#   6. Delete the instance again
#
# Steps 4-6 change things: kerfd asks polkit
# (org.multikernel.kerf.initialize, ...manage-instances); run them as root,
# as a member of the group of polkit/50-org.multikernel.kerf.rules, or from
# a desktop session whose polkit agent asks for a password.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
BASELINE=${1:-$HERE/../baseline.dts}
NAME=${KERF_WALKTHROUGH_INSTANCE:-walkthrough}
DEST=org.multikernel.Kerf
ROOT=/org/multikernel/Kerf
POOL=$ROOT/Pool

if [ -n "${KERF_BUS_ADDRESS:-}" ]; then
    BUSCTL="busctl --address=$KERF_BUS_ADDRESS"
    GDBUS_BUS="--address $KERF_BUS_ADDRESS"
else
    BUSCTL="busctl --system"
    GDBUS_BUS="--system"
fi

# Show a command, then run it.
run() {
    echo "\$ $*"
    "$@"
    echo
}

# The bytes of a file as busctl wants an 'ay' argument: the count, then
# each byte in decimal.  Validate and Initialize take the device tree's
# bytes, never a path: kerfd (root) must not open files for its callers.
bytes_of() {
    set -- $(od -An -v -tu1 "$1")
    echo "$# $*"
}

echo "## 1. The objects: one ObjectManager at $ROOT"
run $BUSCTL tree $DEST
# --json=short: one line of JSON with every object, interface and property
run $BUSCTL --json=short call $DEST $ROOT org.freedesktop.DBus.ObjectManager GetManagedObjects

echo "## 2. Pool properties"
run $BUSCTL introspect $DEST $POOL org.multikernel.Kerf.Pool
run $BUSCTL get-property $DEST $POOL org.multikernel.Kerf.Pool Initialized Backend TotalCpus FreeCpus MemoryFreeBytes

echo "## 3. Validate $(basename "$BASELINE") (returns: valid, then every finding)"
echo "\$ $BUSCTL call $DEST $POOL org.multikernel.Kerf.Pool Validate 'aysa{sv}' <bytes of $(basename "$BASELINE")> $(basename "$BASELINE") 0"
# shellcheck disable=SC2046
$BUSCTL call $DEST $POOL org.multikernel.Kerf.Pool Validate 'aysa{sv}' \
    $(bytes_of "$BASELINE") "$(basename "$BASELINE")" 0
echo

echo "## 4. Initialize the pool (only when it is not yet)"
if $BUSCTL get-property $DEST $POOL org.multikernel.Kerf.Pool Initialized | grep -q true; then
    echo "(already initialized)"
    echo
else
    echo "\$ $BUSCTL call $DEST $POOL org.multikernel.Kerf.Pool Initialize 'aysa{sv}' <bytes> $(basename "$BASELINE") 0"
    # shellcheck disable=SC2046
    $BUSCTL call $DEST $POOL org.multikernel.Kerf.Pool Initialize 'aysa{sv}' \
        $(bytes_of "$BASELINE") "$(basename "$BASELINE")" 0
    echo
fi

echo "## 5. CreateInstance $NAME: 2 CPUs chosen by policy, 1 GiB of memory"
# spec a{sv}: 2 entries, "cpu-count" u 2 and "memory-bytes" t 1073741824;
# options a{sv}: 0 entries.  The reply is the new object's path.
echo "\$ $BUSCTL call $DEST $POOL org.multikernel.Kerf.Pool CreateInstance 'sa{sv}a{sv}' $NAME 2 cpu-count u 2 memory-bytes t 1073741824 0"
REPLY=$($BUSCTL call $DEST $POOL org.multikernel.Kerf.Pool CreateInstance 'sa{sv}a{sv}' \
        "$NAME" 2 cpu-count u 2 memory-bytes t 1073741824 0)
echo "$REPLY"
echo
# busctl prints: o "/org/multikernel/Kerf/Instance/walkthrough"
INSTANCE=$(echo "$REPLY" | sed -n 's/^o "\(.*\)"$/\1/p')
[ -n "$INSTANCE" ] || { echo "unexpected reply: $REPLY" >&2; exit 1; }

run $BUSCTL get-property $DEST "$INSTANCE" org.multikernel.Kerf.Instance Name Id Status Cpus MemoryBase MemoryBytes
# The same with gdbus, every property at once:
run gdbus call $GDBUS_BUS --dest $DEST --object-path "$INSTANCE" \
    --method org.freedesktop.DBus.Properties.GetAll org.multikernel.Kerf.Instance
run $BUSCTL get-property $DEST $POOL org.multikernel.Kerf.Pool FreeCpus

echo "## 6. Delete $NAME"
run $BUSCTL call $DEST "$INSTANCE" org.multikernel.Kerf.Instance Delete 'a{sv}' 0
run $BUSCTL get-property $DEST $POOL org.multikernel.Kerf.Pool FreeCpus

echo "Done.  To watch changes live while you run this: busctl monitor $DEST"
