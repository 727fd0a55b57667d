/* kerf-test-kernel.c — a stand-in "vmlinux" for the demo and the CLI tests.
 *
 * A static ELF executable built from this tree, so the emulated backend
 * (which checks for a bzImage, ELF vmlinux or arm64 Image) accepts it and
 * no host file is needed.  It is never run: the emulated kernel only
 * records it.  The payload makes it big enough (4 MiB) that `kerf load`
 * shows its progress line on a terminal.
 */
void _start (void);

const unsigned char kerf_test_kernel_payload[4u << 20] = { 0x6b, 0x65, 0x72, 0x66 };

void
_start (void)
{
  for (;;)
    ;
}
