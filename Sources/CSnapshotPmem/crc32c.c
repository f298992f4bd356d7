/* CRC-32C (Castagnoli). Hardware path: the SSE4.2 crc32 instruction (x86-64) or the ARMv8 CRC32C
 * instructions; portable path: a 256-entry table built at first use. Reflected polynomial
 * 0x82F63B78, initial value and final xor 0xFFFFFFFF, so results chain across calls. */
#include "snapshot_pmem.h"

#include <pthread.h>
#include <string.h>

static uint32_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void build_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
        table[i] = c;
    }
}

static uint32_t crc_table(uint32_t c, const unsigned char *p, size_t n) {
    pthread_once(&table_once, build_table);
    while (n--) c = table[(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t c, const unsigned char *p, size_t n) {
    uint64_t c64 = c;
    while (n && ((uintptr_t)p & 7)) { c64 = __builtin_ia32_crc32qi((uint32_t)c64, *p++); n--; }
    /* Three independent 8-byte chains would hide the instruction's latency, but recombining them
     * needs polynomial shifts; one chain already runs at several GB/s, above the log's bandwidth
     * share of a commit. */
    while (n >= 32) {
        uint64_t w0, w1, w2, w3;
        memcpy(&w0, p, 8); memcpy(&w1, p + 8, 8); memcpy(&w2, p + 16, 8); memcpy(&w3, p + 24, 8);
        c64 = __builtin_ia32_crc32di(c64, w0);
        c64 = __builtin_ia32_crc32di(c64, w1);
        c64 = __builtin_ia32_crc32di(c64, w2);
        c64 = __builtin_ia32_crc32di(c64, w3);
        p += 32; n -= 32;
    }
    while (n >= 8) { uint64_t w; memcpy(&w, p, 8); c64 = __builtin_ia32_crc32di(c64, w); p += 8; n -= 8; }
    /* The tail in at most three steps (a record header is 60 bytes: 7 words and 4 bytes). */
    uint32_t c32 = (uint32_t)c64;
    if (n & 4) { uint32_t w; memcpy(&w, p, 4); c32 = __builtin_ia32_crc32si(c32, w); p += 4; }
    if (n & 2) { uint16_t w; memcpy(&w, p, 2); c32 = __builtin_ia32_crc32hi(c32, w); p += 2; }
    if (n & 1) c32 = __builtin_ia32_crc32qi(c32, *p);
    return c32;
}
static int have_hw(void) {
    static int cached = -1;
    if (cached < 0) cached = __builtin_cpu_supports("sse4.2") ? 1 : 0;
    return cached;
}
#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>
static uint32_t crc_hw(uint32_t c, const unsigned char *p, size_t n) {
    while (n >= 8) { uint64_t w; memcpy(&w, p, 8); c = __crc32cd(c, w); p += 8; n -= 8; }
    while (n--) c = __crc32cb(c, *p++);
    return c;
}
static int have_hw(void) { return 1; }
#else
static uint32_t crc_hw(uint32_t c, const unsigned char *p, size_t n) { return crc_table(c, p, n); }
static int have_hw(void) { return 0; }
#endif

int snapshot_crc32c_hardware(void) { return have_hw(); }

#if defined(__x86_64__)
/* The 60 bytes a record header's checksum covers, unrolled: one per commit, where crc_hw's
 * alignment, block and tail loops cost about 60 instructions for these 8 steps. */
__attribute__((target("sse4.2"))) static uint32_t crc60_hw(const unsigned char *p) {
    uint64_t w[7];
    uint32_t t;
    memcpy(w, p, 56);
    memcpy(&t, p + 56, 4);
    uint64_t c = 0xFFFFFFFFu;
    for (int i = 0; i < 7; i++) c = __builtin_ia32_crc32di(c, w[i]);
    return ~__builtin_ia32_crc32si((uint32_t)c, t);
}
static uint32_t crc60_portable(const void *data) { return snapshot_crc32c(0, data, 60); }
/* Chosen once, when the library is loaded (an IFUNC): the commit's call lands in crc60_hw
 * directly, with no test of the CPU on the way. A resolver runs during relocation, before any
 * constructor and before a sanitizer's runtime is up: it reads the CPU model and nothing of the
 * program's data (with have_hw()'s cache, the fuzz build, under ASan and coverage
 * instrumentation, crashed at load: fuzz.recovery-smoke). */
static uint32_t (*resolve_crc60(void))(const void *) {
    __builtin_cpu_init();   /* the CPU model is not read yet either */
    return __builtin_cpu_supports("sse4.2") ? (uint32_t (*)(const void *))crc60_hw : crc60_portable;
}
uint32_t snapshot_crc32c_60(const void *data) __attribute__((ifunc("resolve_crc60")));
#else
uint32_t snapshot_crc32c_60(const void *data) { return snapshot_crc32c(0, data, 60); }
#endif

uint32_t snapshot_crc32c(uint32_t crc, const void *data, size_t len) {
    uint32_t c = ~crc;
    c = have_hw() ? crc_hw(c, data, len) : crc_table(c, data, len);
    return ~c;
}
