// Which descriptors refer to a managed file, and the logical size of each managed file: what the
// I/O, stat and lseek interposers consult before doing anything. The test must be cheap for every
// other descriptor (no fstat per call): one byte-pair load from a static table. The Swift runtime
// fills it under the global lock (at mmap: every open descriptor of the file; at open/dup: the new
// one); the interposers read it racily, which is fine because a descriptor only changes state in
// calls the program makes on it (open, dup, close), not behind its back.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "internal.h"

// Slot+1 of the managed file for each descriptor below SNAPSHOT_FD_TABLE (0: not managed).
// Larger descriptors are looked up by fstat (see snapshot_fd_slot).
uint16_t snapshot_fd_slots[SNAPSHOT_FD_TABLE];
struct snapshot_file_slot snapshot_file_slots[SNAPSHOT_MAX_FILES];
// One past the highest slot ever used: stat of any file while something is managed scans this far.
static int slots_high;

int snapshot_slot_find(uint64_t dev, uint64_t ino) {
    int high = __atomic_load_n(&slots_high, __ATOMIC_ACQUIRE);
    for (int i = 0; i < high; i++) {
        struct snapshot_file_slot *s = &snapshot_file_slots[i];
        if (__atomic_load_n(&s->used, __ATOMIC_ACQUIRE) && s->dev == dev && s->ino == ino) return i;
    }
    return -1;
}

int snapshot_slot_add(uint64_t dev, uint64_t ino, int64_t size) {
    for (int i = 0; i < SNAPSHOT_MAX_FILES; i++) {
        struct snapshot_file_slot *s = &snapshot_file_slots[i];
        if (s->used) continue;
        s->dev = dev;
        s->ino = ino;
        __atomic_store_n(&s->size, size, __ATOMIC_RELAXED);
        __atomic_store_n(&s->used, 1, __ATOMIC_RELEASE);
        if (i >= slots_high) __atomic_store_n(&slots_high, i + 1, __ATOMIC_RELEASE);
        return i;
    }
    return -1;
}

void snapshot_slot_set_size(int slot, int64_t size) {
    if (slot >= 0 && slot < SNAPSHOT_MAX_FILES) __atomic_store_n(&snapshot_file_slots[slot].size, size, __ATOMIC_RELAXED);
}

void snapshot_slot_remove(int slot) {
    if (slot < 0 || slot >= SNAPSHOT_MAX_FILES) return;
    for (int fd = 0; fd < SNAPSHOT_FD_TABLE; fd++)
        if (snapshot_fd_slots[fd] == slot + 1) __atomic_store_n(&snapshot_fd_slots[fd], 0, __ATOMIC_RELAXED);
    __atomic_store_n(&snapshot_file_slots[slot].used, 0, __ATOMIC_RELEASE);
}

void snapshot_fd_set(int fd, int slot) {
    if (fd >= 0 && fd < SNAPSHOT_FD_TABLE) __atomic_store_n(&snapshot_fd_slots[fd], (uint16_t)(slot + 1), __ATOMIC_RELAXED);
}

// Every descriptor of this process that refers to (dev, ino), except `skip` (the runtime's own),
// joins the slot: a file mapped through one descriptor and written through another is common.
void snapshot_fd_scan(uint64_t dev, uint64_t ino, int slot, int skip) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return;
    int self = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        int fd = atoi(e->d_name);
        if (fd == self || fd == skip) continue;
        struct stat st;
        if (syscall(SYS_fstat, fd, &st) == 0 && (uint64_t)st.st_dev == dev && (uint64_t)st.st_ino == ino)
            snapshot_fd_set(fd, slot);
    }
    closedir(d);
}

int snapshot_fd_slot_slow(int fd) {
    struct stat st;
    if (syscall(SYS_fstat, fd, &st) != 0) return -1;
    return snapshot_slot_find((uint64_t)st.st_dev, (uint64_t)st.st_ino);
}
