#!/usr/bin/env bash
# Builds the pass plugin against other LLVM versions and runs the lit suite with each one's opt,
# clang and FileCheck: the proof behind "LLVM 14, 15 and 16" in PassPlugin/README.md.
#   PassPlugin/check-llvm-versions.sh [BUILD_DIR] [VERSION...]     (make check-llvm-versions)
# Installs clang-N, llvm-N-dev and llvm-N-tools through scripts/install-deps.sh --llvm N. Each
# version gets a plugin-only build (SNAPSHOT_PASS_ONLY: no Swift, no runtime) in BUILD_DIR/llvmN
# (default build/llvmN; `make clean` removes it with the rest), compiled with -Werror: a deprecation
# is the first sign of an API the next version removes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(15 16)
jobs=${JOBS:-2}

flags=()
for v in "${versions[@]}"; do flags+=(--llvm "$v"); done
"$root/scripts/install-deps.sh" "${flags[@]}"

status=0
summary=()
for v in "${versions[@]}"; do
  dir=$build/llvm$v
  mkdir -p "$dir"
  echo "== LLVM $v: $dir"
  cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DSNAPSHOT_PASS_ONLY=ON -DCMAKE_CXX_FLAGS=-Werror \
    -DLLVM_DIR="/usr/lib/llvm-$v/lib/cmake/llvm" >"$dir.configure.log" 2>&1 \
    || { cat "$dir.configure.log"; summary+=("LLVM $v: configure failed"); status=1; continue; }
  if ! cmake --build "$dir" -j "$jobs" >"$dir.build.log" 2>&1; then
    cat "$dir.build.log"; summary+=("LLVM $v: build failed"); status=1; continue
  fi
  if (cd "$dir" && ctest --output-on-failure); then
    summary+=("LLVM $(sed -n 's/^-- Snapshot: LLVM \([0-9.]*\).*/\1/p' "$dir.configure.log"): plugin built with -Werror, lit passed")
  else
    summary+=("LLVM $v: lit failed"); status=1
  fi
done
printf '%s\n' "${summary[@]}"
exit $status
