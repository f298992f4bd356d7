/* Baseline for commit throughput: libpmem's non-temporal memcpy (PMEM_F_MEM_NONTEMPORAL |
 * PMEM_F_MEM_NODRAIN, then pmem_drain) of <MiB> from a private file mapping (like a working copy)
 * into a shared file mapping on the same medium. Not linked with libsnapshot.
 * Usage: ntcopy <dir> <MiB>  -> prints "nt_GBps <x>" (best of 5). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libpmem.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static uint64_t now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: ntcopy <dir> <MiB>\n"); return 2; }
    size_t size = strtoul(argv[2], 0, 0) << 20;
    char sp[512], dp[512];
    snprintf(sp, sizeof sp, "%s/ntcopy.src", argv[1]);
    snprintf(dp, sizeof dp, "%s/ntcopy.dst", argv[1]);
    int sfd = open(sp, O_RDWR | O_CREAT | O_TRUNC, 0644), dfd = open(dp, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (sfd < 0 || dfd < 0 || ftruncate(sfd, (off_t)size) || ftruncate(dfd, (off_t)size)) { perror("files"); return 1; }
    char *src = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, sfd, 0);
    char *dst = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, 0);
    if (src == MAP_FAILED || dst == MAP_FAILED) { perror("mmap"); return 1; }
    memset(src, 1, size);
    memset(dst, 2, size);                                 /* allocate the file pages */
    if (!pmem_is_pmem(dst, size)) fprintf(stderr, "ntcopy: not pmem (set PMEM_IS_PMEM_FORCE=1)\n");
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        memset(src, r + 3, size);
        uint64_t t0 = now();
        pmem_memcpy(dst, src, size, PMEM_F_MEM_NONTEMPORAL | PMEM_F_MEM_NODRAIN);
        pmem_drain();
        double t = (double)(now() - t0);
        if (t < best) best = t;
    }
    printf("nt_GBps %.3f\n", (double)size / best);
    unlink(sp);
    unlink(dp);
    return 0;
}
