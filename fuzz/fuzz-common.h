/* fuzz-common.h — what every kerf fuzz target shares.
 *
 * Each target defines LLVMFuzzerTestOneInput (and optionally
 * LLVMFuzzerInitialize).  The same sources link either with libFuzzer
 * (-Dfuzzing=true, fuzz/meson.build) or with fuzz-standalone-main.c, which
 * runs saved inputs once each so that crash reproducers stay regression
 * tests in an ordinary gcc build (tests/fuzz-regress). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

/* A broken invariant: abort so libFuzzer saves the input as a crash. */
#define FUZZ_INVARIANT(cond, ...)                               \
  do {                                                          \
    if (!(cond))                                                \
      {                                                         \
        fprintf (stderr, "fuzz invariant failed: %s: ", #cond); \
        fprintf (stderr, __VA_ARGS__);                          \
        fputc ('\n', stderr);                                   \
        abort ();                                               \
      }                                                         \
  } while (0)

/* Keeps GLib quiet (debug/info dropped, warnings printed) but fatal on criticals:
 * a g_return_if_fail hit by hostile input is a bug worth a crash report. */
void fuzz_init_glib (void);
