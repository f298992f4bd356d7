/* Test-only recording runtime for the coverage tests (Tests/paths). It plays the runtime's role
 * in snapshot_abi.h: the working range is one buffer it allocates, and every __snapshot_record_*
 * call marks the recorded bytes in a shadow map. A test writes into the buffer through one write
 * path, then rec_check() compares the buffer with its pre-image: every byte that changed must have
 * been recorded. This file and recorder.c are compiled WITHOUT the pass. */
#ifndef SNAPSHOT_TEST_RECORDER_H
#define SNAPSHOT_TEST_RECORDER_H
#include <stddef.h>

/* The working buffer (REC_SIZE bytes, 4096-aligned, placed in the middle of a larger mapping so
 * that writes just outside it are possible without faulting). */
#define REC_SIZE 65536
unsigned char *rec_buf(void);
/* Fill the buffer with a fresh pseudo-random pattern, snapshot it, clear the shadow map. */
void rec_begin(void);
/* Compare against the pre-image. Fails (returns 1, prints every unrecorded byte range) if a
 * changed byte was not recorded, if fewer than min_changed bytes changed (the test did not
 * exercise its path), or if a fixed-size record was called for an address outside the range. */
int rec_check(const char *what, size_t min_changed);
/* Number of record calls since rec_begin (for tests that check that skipping happens). */
unsigned long rec_calls(void);
/* Bytes recorded since rec_begin (for tests that check that recording stays near the writes:
 * a strided loop must not record the span it crosses). On the real runtime (recorder_real.c):
 * 64 x the lines rec_check's commit copied, so call it after rec_check. */
size_t rec_recorded(void);
#endif
