// A persistent map<uint64,uint64> in a Boost.Interprocess managed_mapped_file, unmodified Boost
// usage: built with snapshot-c++, its flush() (msync(MS_ASYNC) of the whole mapping) is a failure-atomic
// commit and a clean exit (the mapping's munmap) commits too; built with a plain compiler it is the
// usual non-atomic msync.
//
//   boost_map init FILE [SIZE_MIB]                 create the file (removes an old one)
//   boost_map run FILE N SEED [--flush-every K | --no-flush]
//        N inserts of keys derived from SEED (open_or_create: the file may or may not exist);
//        with --flush-every K, flush() after every K inserts and then print "ack I" on stdout
//        (a write(2), so it survives a SIGKILL): I = inserts of this run known to be committed.
//        Prints "done INSERTS SIZE" at the end.
//   boost_map check FILE [SEED ACKED]
//        the invariant: the root's entry count and checksum (updated with each insert, in the same
//        file) agree with the map's contents; with SEED ACKED also that the first ACKED inserts of
//        the run with that seed are present. Prints "ok SIZE INSERTS CHECKSUM", exits 1 on a
//        violation.
//   boost_map bench FILE N K [--sync]
//        N inserts into a new file, flush() every K (and at the end), prints ns/insert; --sync
//        replaces flush() by msync(MS_SYNC) of the whole segment (Boost 1.74's flush() is
//        msync(MS_ASYNC), which starts no write-back on Linux: plain, it is not durable; with
//        Snapshot MS_ASYNC commits like MS_SYNC).
#include <boost/interprocess/allocators/allocator.hpp>
#include <boost/interprocess/containers/map.hpp>
#include <boost/interprocess/managed_mapped_file.hpp>

#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <utility>

namespace bip = boost::interprocess;

typedef std::pair<const uint64_t, uint64_t> Entry;
typedef bip::allocator<Entry, bip::managed_mapped_file::segment_manager> EntryAlloc;
typedef bip::map<uint64_t, uint64_t, std::less<uint64_t>, EntryAlloc> Map;

struct Root {
  uint64_t magic;
  uint64_t size;      // entries in the map
  uint64_t inserts;   // insert operations ever done (an insert of an existing key replaces it)
  uint64_t checksum;  // sum over entries of entryHash(key, value)
};
static const uint64_t kMagic = 0x424f4f53544d4150ull;  // "BOOSTMAP"

static uint64_t mix(uint64_t x) {  // splitmix64's finalizer
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
static uint64_t keyOf(uint64_t seed, uint64_t i) { return mix(seed * 0x100000001b3ull + i); }
static uint64_t valueOf(uint64_t seed, uint64_t i) { return mix(keyOf(seed, i) ^ 0x5555); }
static uint64_t entryHash(uint64_t k, uint64_t v) { return mix(k) ^ (v * 0x2545f4914f6cdd1dull); }

struct Store {
  bip::managed_mapped_file seg;
  Root* root;
  Map* map;
  Store(const char* path, size_t bytes)
      : seg(bip::open_or_create, path, bytes) {
    root = seg.find_or_construct<Root>("root")();  // zero-initialised when constructed
    map = seg.find_or_construct<Map>("map")(std::less<uint64_t>(), seg.get_segment_manager());
    if (root->magic == 0 && root->size == 0 && map->empty()) root->magic = kMagic;
  }
  void insert(uint64_t k, uint64_t v) {
    std::pair<Map::iterator, bool> r = map->insert(Entry(k, v));
    if (r.second) {
      root->size++;
    } else {
      root->checksum -= entryHash(k, r.first->second);
      r.first->second = v;
    }
    root->checksum += entryHash(k, v);
    root->inserts++;
  }
};

static void say(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char* fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (write(1, buf, n) != n) _exit(3);
}

static int usage() {
  fprintf(stderr,
          "usage: boost_map init FILE [SIZE_MIB]\n"
          "       boost_map run FILE N SEED [--flush-every K | --no-flush]\n"
          "       boost_map check FILE [SEED ACKED]\n"
          "       boost_map bench FILE N K [--sync]\n");
  return 2;
}

static size_t segmentBytes() {
  const char* e = getenv("BOOST_MAP_MIB");
  return (size_t)(e ? atol(e) : 64) << 20;
}

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  std::string mode = argv[1];
  const char* path = argv[2];
  if (mode == "init") {
    size_t bytes = argc > 3 ? (size_t)atol(argv[3]) << 20 : segmentBytes();
    bip::file_mapping::remove(path);
    Store s(path, bytes);
    if (s.root->magic != kMagic) { fprintf(stderr, "init: fresh root not empty\n"); return 1; }
    s.seg.flush();
    say("init %zu MiB\n", bytes >> 20);
    return 0;
  }
  if (mode == "run") {
    if (argc < 5) return usage();
    uint64_t n = strtoull(argv[3], 0, 10), seed = strtoull(argv[4], 0, 10), every = 0;
    for (int i = 5; i < argc; i++) {
      if (!strcmp(argv[i], "--flush-every") && i + 1 < argc) every = strtoull(argv[++i], 0, 10);
      else if (!strcmp(argv[i], "--no-flush")) every = 0;
      else return usage();
    }
    Store s(path, segmentBytes());
    for (uint64_t i = 0; i < n; i++) {
      s.insert(keyOf(seed, i), valueOf(seed, i));
      if (every && (i + 1) % every == 0) {
        if (!s.seg.flush()) { perror("flush"); return 1; }
        say("ack %" PRIu64 "\n", i + 1);
      }
    }
    say("done %" PRIu64 " %" PRIu64 "\n", s.root->inserts, s.root->size);
    return 0;  // ~managed_mapped_file: munmap, no msync
  }
  if (mode == "check") {
    Store s(path, segmentBytes());
    uint64_t size = 0, sum = 0;
    for (Map::const_iterator it = s.map->begin(); it != s.map->end(); ++it) {
      size++;
      sum += entryHash(it->first, it->second);
    }
    int bad = 0;
    if (s.root->magic != kMagic) { fprintf(stderr, "check: bad magic\n"); bad = 1; }
    if (size != s.root->size || size != s.map->size()) {
      fprintf(stderr, "check: %" PRIu64 " entries, root says %" PRIu64 ", map says %zu\n", size,
              s.root->size, (size_t)s.map->size());
      bad = 1;
    }
    if (sum != s.root->checksum) {
      fprintf(stderr, "check: checksum %016" PRIx64 ", root says %016" PRIx64 "\n", sum,
              s.root->checksum);
      bad = 1;
    }
    if (s.root->inserts < size) { fprintf(stderr, "check: fewer inserts than entries\n"); bad = 1; }
    if (argc > 4) {
      uint64_t seed = strtoull(argv[3], 0, 10), acked = strtoull(argv[4], 0, 10), lost = 0;
      for (uint64_t i = 0; i < acked; i++) {
        Map::const_iterator it = s.map->find(keyOf(seed, i));
        if (it == s.map->end() || it->second != valueOf(seed, i)) lost++;
      }
      if (lost) {
        fprintf(stderr, "check: %" PRIu64 " of %" PRIu64 " acknowledged inserts lost\n", lost, acked);
        bad = 1;
      }
    }
    if (bad) return 1;
    say("ok %" PRIu64 " %" PRIu64 " %016" PRIx64 "\n", size, s.root->inserts, sum);
    return 0;  // no change: nothing to commit
  }
  if (mode == "bench") {
    if (argc < 5) return usage();
    uint64_t n = strtoull(argv[3], 0, 10), every = strtoull(argv[4], 0, 10);
    bool sync = argc > 5 && !strcmp(argv[5], "--sync");
    if (!every || (argc > 5 && !sync)) return usage();
    bip::file_mapping::remove(path);
    Store s(path, segmentBytes());
    auto flush = [&]() {
      return sync ? msync(s.seg.get_address(), s.seg.get_size(), MS_SYNC) == 0 : s.seg.flush();
    };
    if (!flush()) { perror("flush"); return 1; }
    auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < n; i++) {
      s.insert(keyOf(1, i), valueOf(1, i));
      if ((i + 1) % every == 0 && !flush()) { perror("flush"); return 1; }
    }
    if (n % every && !flush()) { perror("flush"); return 1; }
    auto t1 = std::chrono::steady_clock::now();
    double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
    say("%.1f\n", ns / (double)n);
    return s.root->size == n ? 0 : 1;
  }
  return usage();
}
