/* bench.c — option parsing and result output shared by the workload binaries (see bench.h). */
#include "bench.h"
#include "persist.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(const char *workload) {
    fprintf(stderr,
            "usage: %s-%s [--dir DIR] [--ops N] [--batch N] [--seed N] [--heap-mb N] [--keep]\n"
            "       kv only: [--keys N] [--mix a|b|c|d|e|f|g] [--dist zipfian|uniform|latest]\n"
            "                [--value-size BYTES]\n"
            "       sps only: [--keys N] (array length) [--swaps K] (pairs swapped per transaction)\n"
            "  --dir   directory for the data files (default /dev/shm)\n"
            "  --ops   operations per timed phase (default 1000000)\n"
            "  --batch operations per commit (default 1)\n",
            workload, P_VARIANT_NAME);
    exit(2);
}

static uint64_t parse_u64(const char *s, const char *opt, const char *workload) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s) {
        fprintf(stderr, "bench: %s needs a non-negative integer, got '%s'\n", opt, s);
        usage(workload);
    }
    return v;
}

void bench_parse(bench_cfg *cfg, int argc, char **argv, const char *workload) {
    cfg->dir = "/dev/shm";
    cfg->ops = 1000000;
    cfg->keys = 1000000;
    cfg->batch = 1;
    cfg->seed = 42;
    cfg->heap_mb = 0;
    cfg->value_size = 64;
    cfg->mix = 'a';
    cfg->dist = NULL;
    cfg->keep = 0;
    cfg->swaps = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--keep")) { cfg->keep = 1; continue; }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) usage(workload);
        if (!v) { fprintf(stderr, "bench: %s needs a value\n", a); usage(workload); }
        i++;
        if (!strcmp(a, "--dir")) cfg->dir = v;
        else if (!strcmp(a, "--ops")) cfg->ops = parse_u64(v, a, workload);
        else if (!strcmp(a, "--keys")) cfg->keys = parse_u64(v, a, workload);
        else if (!strcmp(a, "--batch")) cfg->batch = parse_u64(v, a, workload);
        else if (!strcmp(a, "--seed")) cfg->seed = parse_u64(v, a, workload);
        else if (!strcmp(a, "--heap-mb")) cfg->heap_mb = parse_u64(v, a, workload);
        else if (!strcmp(a, "--value-size")) cfg->value_size = (uint32_t)parse_u64(v, a, workload);
        else if (!strcmp(a, "--swaps")) cfg->swaps = (uint32_t)parse_u64(v, a, workload);
        else if (!strcmp(a, "--mix")) {
            if (strlen(v) != 1 || v[0] < 'a' || v[0] > 'g') {
                fprintf(stderr, "bench: --mix is one of a..g, got '%s'\n", v);
                usage(workload);
            }
            cfg->mix = v[0];
        } else if (!strcmp(a, "--dist")) {
            if (strcmp(v, "zipfian") && strcmp(v, "uniform") && strcmp(v, "latest")) {
                fprintf(stderr, "bench: --dist is zipfian, uniform or latest, got '%s'\n", v);
                usage(workload);
            }
            cfg->dist = v;
        } else {
            fprintf(stderr, "bench: unknown option %s\n", a);
            usage(workload);
        }
    }
    if (cfg->batch == 0) { fprintf(stderr, "bench: --batch must be >= 1\n"); usage(workload); }
    if (cfg->value_size < 8) { fprintf(stderr, "bench: --value-size must be >= 8\n"); usage(workload); }
}

void bench_report(const bench_cfg *cfg, const char *workload, const char *phase, uint64_t ops,
                  uint64_t ns, uint64_t checksum) {
    printf("RESULT,%s,%s,%s,%llu,%llu,%llu,%016llx\n", workload, phase, P_VARIANT_NAME,
           (unsigned long long)cfg->batch, (unsigned long long)ops, (unsigned long long)ns,
           (unsigned long long)checksum);
    fflush(stdout);
}

void bench_die(const char *fmt, ...) {
    int e = errno;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench[%s]: ", P_VARIANT_NAME);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (e) fprintf(stderr, ": %s", strerror(e));
    fputc('\n', stderr);
    exit(1);
}
