#!/usr/bin/env bash
# Installs every system dependency of Snapshot on a fresh Debian 12 machine.
# Idempotent and quiet when everything is already present; run as root (or with sudo available).
#   --llvm N   also install LLVM N's development files, clang-N and its tools (FileCheck), for
#              `make check-llvm-versions` (Debian 12 ships 15 and 16 besides 14). Repeatable.
#   --programs also install what `make check-programs` needs (Tests/programs/: Kyoto Cabinet's
#              build dependencies, Boost headers for the Boost.Interprocess test and benchmark).
set -euo pipefail

EXTRA_LLVM=()
PROGRAMS=0
while [ $# -gt 0 ]; do
  case $1 in
    --llvm) EXTRA_LLVM+=("$2"); shift 2 ;;
    --programs) PROGRAMS=1; shift ;;
    *) echo "usage: $0 [--llvm N]... [--programs]" >&2; exit 2 ;;
  esac
done

APT_PACKAGES=(
  clang-14 llvm-14-dev libclang-14-dev llvm-14-tools   # the compiler the plugin loads into, its headers, FileCheck
  libpmem-dev libpmemobj-dev                            # persistence primitives; PMDK baseline for bench/
  cmake make pkg-config                                 # build
  dpkg-dev                                              # apt-get source (drop-in build test)
  python3-pip                                           # lit
  valgrind hyperfine bc gnuplot-nox                     # instruction counts, start-up timing, arithmetic, plots in bench/
)
PIP_PACKAGES=(lit)
if [ $PROGRAMS -eq 1 ]; then
  APT_PACKAGES+=(zlib1g-dev liblzo2-dev liblzma-dev   # Kyoto Cabinet (Tests/programs/kyotocabinet.sh)
                 libboost-dev)                       # Boost.Interprocess (Tests/programs/boost.sh, bench/programs/)
fi
for v in ${EXTRA_LLVM[@]+"${EXTRA_LLVM[@]}"}; do
  APT_PACKAGES+=("clang-$v" "llvm-$v-dev" "llvm-$v-tools")
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# deb-src entry (deb822, same keyring as the binary entry) so the drop-in test can fetch a real
# program's source package with `apt-get source`.
if ! grep -rqsE '^deb-src|^Types:.*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "install-deps: adding a deb-src entry"
  printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm' \
    'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' \
    | $SUDO tee /etc/apt/sources.list.d/snapshot-deb-src.sources >/dev/null
  $SUDO apt-get update -qq
fi

for p in "${PIP_PACKAGES[@]}"; do
  if ! python3 -m pip show -q "$p" >/dev/null 2>&1; then
    echo "install-deps: pip install $p"
    python3 -m pip install -q "$p" 2>/dev/null || python3 -m pip install -q --break-system-packages "$p"
  fi
done
