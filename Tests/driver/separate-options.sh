#!/usr/bin/env bash
# The driver tells option values from input files with a table of clang's options that take a
# separate value (`-o x`, `-MF f`, `-Xlinker a` …). Check that table against the Options.inc of
# the installed clang: for every such driver option, the value after it must not be taken for an
# input (else a compile-only command could get link flags, or a link would be missed).
. "$(dirname "$0")/lib.sh"
inc="$(dirname "$(dirname "$CLANG")")/include/clang/Driver/Options.inc"
[ -f "$inc" ] || inc="/usr/lib/llvm-$("$CLANG" -dumpversion | cut -d. -f1)/include/clang/Driver/Options.inc"
if [ ! -f "$inc" ]; then echo "Options.inc not found (libclang-dev missing?)" >&2; exit 1; fi

# name kind values: driver-visible (not NoDriverOption / cl-only / flang-only) options whose value
# is a separate argument. Prefix "-"/"--" from the PREFIX table.
python3 - "$inc" > options.txt <<'PY'
import re, sys
prefixes = {}
rows = []
for line in open(sys.argv[1]):
    m = re.match(r'PREFIX\((\w+), \{(.*)\}\)', line)
    if m:
        prefixes[m.group(1)] = re.findall(r'"([^"]*)"', m.group(2)); continue
    m = re.match(r'OPTION\((\w+), &"([^"]*)"\[\d+\], \w+, (\w+), \w+, \w+, [^,]+, ([^,]*), (\d+)', line)
    if not m: continue
    prefix, spelled, kind, flags, nargs = m.groups()
    if kind not in ("Separate", "JoinedOrSeparate", "JoinedAndSeparate", "MultiArg"): continue
    if "NoDriverOption" in flags or "FlangOnlyOption" in flags: continue
    if prefix not in prefixes or "/" in prefixes[prefix]: continue    # clang-cl spellings
    name = spelled.lstrip("-")
    for p in prefixes[prefix]:
        rows.append(f"{p}{name} {kind} {nargs}")
print("\n".join(sorted(set(rows))))
PY
echo "$(wc -l < options.txt) options with separate values in $inc"
missing=0
while read -r name kind nargs; do
  case "$kind" in
    JoinedAndSeparate) name="${name}x86_64"; values=(input.c) ;;
    MultiArg) values=(); for ((k = 0; k < nargs; k++)); do values+=("input$k.c"); done ;;
    *) values=(input.c) ;;
  esac
  out="$(SNAPSHOT_CC_PRINT=1 SNAPSHOT_CLANG=/bin/true "$CC" "$name" "${values[@]}" 2>&1)"
  if contains "$out" "-fpass-plugin="; then echo "  value of $name taken for an input" >&2; missing=$((missing + 1)); fi
done < options.txt
check "every separate-value option's value is recognised ($missing missed)" test "$missing" = 0
# And the converse: joined spellings do not swallow the next argument.
for opt in -Ifoo -DX=1 -ofile -MFdeps.d -xc -lm -L/tmp -Wl,-z,now; do
  check "$opt does not swallow the input after it" eval 'out="$(SNAPSHOT_CC_PRINT=1 SNAPSHOT_CLANG=/bin/true "$CC" "$opt" input.c 2>&1)"; contains "$out" -fpass-plugin='
done
finish
