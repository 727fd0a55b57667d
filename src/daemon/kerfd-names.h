/* kerfd-names.h — every name kerfd shares with the outside world.
 *
 * Bus name, object paths, interface names, polkit action ids, environment
 * variables and structured-log field keys, in one place (bolt's
 * common/bolt-names.h), so the daemon, its tests and the docs agree.
 */
#pragma once

#define KERFD_BUS_NAME            "org.multikernel.Kerf"
#define KERFD_OBJECT_ROOT         "/org/multikernel/Kerf"
#define KERFD_POOL_PATH           KERFD_OBJECT_ROOT "/Pool"
#define KERFD_INSTANCE_PATH_PREFIX KERFD_OBJECT_ROOT "/Instance/"
#define KERFD_TRANSACTION_PATH_PREFIX KERFD_OBJECT_ROOT "/Transaction/"

#define KERFD_IFACE_POOL          "org.multikernel.Kerf.Pool"
#define KERFD_IFACE_INSTANCE      "org.multikernel.Kerf.Instance"
#define KERFD_IFACE_TRANSACTION   "org.multikernel.Kerf.Transaction"
#define KERFD_ERROR_PREFIX        "org.multikernel.Kerf.Error."

#define KERFD_ACTION_INITIALIZE        "org.multikernel.kerf.initialize"
#define KERFD_ACTION_MANAGE_INSTANCES  "org.multikernel.kerf.manage-instances"
#define KERFD_ACTION_LOAD_KERNEL       "org.multikernel.kerf.load-kernel"
#define KERFD_ACTION_CONTROL_INSTANCE  "org.multikernel.kerf.control-instance"
#define KERFD_ACTION_ROLLBACK          "org.multikernel.kerf.rollback"

/* systemd passes StateDirectory= here; --state-dir wins over it. */
#define KERFD_ENV_STATE_DIRECTORY "STATE_DIRECTORY"
#define KERFD_DEFAULT_STATE_DIR   "/var/lib/kerf"
/* Set by the test-suite: the kernel boundary refuses the real syscalls. */
#define KERFD_ENV_FORBID_SYSCALLS "KERF_FORBID_REAL_SYSCALLS"

/* Structured log fields (journald). */
#define KERFD_LOG_FIELD_INSTANCE    "KERF_INSTANCE"
#define KERFD_LOG_FIELD_TRANSACTION "KERF_TRANSACTION"
#define KERFD_LOG_FIELD_OPERATION   "KERF_OPERATION"
#define KERFD_LOG_FIELD_SENDER      "KERF_SENDER"
/* MESSAGE_IDs of lifecycle events (generated once with `systemd-id128 new`). */
#define KERFD_MESSAGE_ID_STARTED     "6b0f0d1c9a3e4b7e8f2a1c5d4e3b2a19"
#define KERFD_MESSAGE_ID_TRANSACTION "0d4c6e2a8b1f4c3d9e7a5b6c1d2e3f40"
#define KERFD_MESSAGE_ID_RECOVERED   "a1b2c3d4e5f60718293a4b5c6d7e8f90"
