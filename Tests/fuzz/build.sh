#!/usr/bin/env bash
# Builds the recovery fuzzer: Sources/SnapshotLog + Tests/fuzz/RecoveryFuzz.swift as one module,
# with libFuzzer and AddressSanitizer (Swift's toolchain ships both).
#   Tests/fuzz/build.sh OUT_DIR     -> OUT_DIR/recovery-fuzz
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
out=${1:?usage: build.sh OUT_DIR}
mkdir -p "$out/obj" "$out/module"
swiftc=${SWIFTC:-$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)}
clang=$(dirname "$swiftc")/clang
# The C target as a Clang module (SwiftPM generates this map; swiftc needs it spelled out).
cat >"$out/module/module.modulemap" <<MAP
module CSnapshotPmem {
  header "$src/Sources/CSnapshotPmem/include/snapshot_pmem.h"
  export *
}
MAP
objs=()
for c in "$src"/Sources/CSnapshotPmem/*.c; do
  o=$out/obj/$(basename "$c" .c).o
  "$clang" -O1 -g -fsanitize=fuzzer-no-link,address -I"$src/Sources/CSnapshotPmem/include" -c "$c" -o "$o"
  objs+=("$o")
done
"$swiftc" -O -g -sanitize=fuzzer,address -parse-as-library -module-name SnapshotLog \
  -Xcc -fmodule-map-file="$out/module/module.modulemap" -I "$out/module" \
  "$src"/Sources/SnapshotLog/*.swift "$here/RecoveryFuzz.swift" "${objs[@]}" -ldl -o "$out/recovery-fuzz"
echo "$out/recovery-fuzz"
