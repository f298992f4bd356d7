/* Lazy libpmem loader. Nothing here runs at process start: the library is opened at the first call
 * of snapshot_pmem_load() (or snapshot_pmem_is_pmem), i.e. at the first commit on a managed file. */
#define _GNU_SOURCE
#include "snapshot_pmem.h"

#include <dlfcn.h>
#include <libpmem.h> /* prototypes and flags only: we never link against libpmem */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static struct {
    __typeof__(&pmem_is_pmem) is_pmem;
    __typeof__(&pmem_memcpy) memcpy_;
    __typeof__(&pmem_flush) flush;
    __typeof__(&pmem_drain) drain;
} fns;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_status = -1;
static char load_error[512] = "libpmem was not loaded yet";

static void *need(void *handle, const char *name, int *missing) {
    void *p = dlsym(handle, name);
    if (p == NULL && *missing == 0) {
        *missing = 1;
        snprintf(load_error, sizeof load_error,
                 "snapshot: libpmem.so.1 has no symbol %s (libpmem >= 1.5 is required)", name);
    }
    return p;
}

static void load(void) {
    /* RTLD_LOCAL: libpmem's symbols must not become visible to (or interpose on) the program. */
    void *h = dlopen("libpmem.so.1", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error,
                 "snapshot: cannot load libpmem.so.1 (%s); install it (Debian/Ubuntu: apt-get install "
                 "libpmem1) - until then Snapshot uses msync() for every file, which is correct but "
                 "slower on persistent memory",
                 why ? why : "unknown error");
        return;
    }
    int missing = 0;
    fns.is_pmem = (__typeof__(fns.is_pmem))need(h, "pmem_is_pmem", &missing);
    fns.memcpy_ = (__typeof__(fns.memcpy_))need(h, "pmem_memcpy", &missing);
    fns.flush = (__typeof__(fns.flush))need(h, "pmem_flush", &missing);
    fns.drain = (__typeof__(fns.drain))need(h, "pmem_drain", &missing);
    if (missing) {
        dlclose(h);
        memset(&fns, 0, sizeof fns);
        return;
    }
    load_error[0] = '\0';
    load_status = 0;
}

int snapshot_pmem_load(void) {
    pthread_once(&load_once, load);
    return load_status;
}

const char *snapshot_pmem_error(void) {
    snapshot_pmem_load();
    return load_error;
}

int snapshot_pmem_is_pmem(const void *addr, size_t len) {
    if (snapshot_pmem_load() != 0) return 0;
    return fns.is_pmem(addr, len);
}

void snapshot_pmem_memcpy_nt(void *dst, const void *src, size_t len) {
    fns.memcpy_(dst, src, len, PMEM_F_MEM_NONTEMPORAL | PMEM_F_MEM_NODRAIN);
}

void snapshot_pmem_flush(const void *addr, size_t len) { fns.flush(addr, len); }

/* The drain other architectures take (snapshot_pmem_drain in snapshot_pmem.h): libpmem's own. */
void snapshot_pmem_drain_libpmem(void) { fns.drain(); }
