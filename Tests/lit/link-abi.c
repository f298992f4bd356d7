// An instrumented object references __snapshot_abi_version_3: linked against a runtime of another
// ABI version (here: ABI 1, which has the record functions but no range-copy registration), the
// link fails naming the symbol. An object with nothing to instrument links without any runtime.
// RUN: %clang -fpass-plugin=%plugin -O2 -c %s -o %t.o
// RUN: %clang -O2 -c %S/Inputs/old-runtime.c -o %t.rt.o
// RUN: not %clang %t.o %t.rt.o -o %t.exe 2>&1 | FileCheck %s
// RUN: %clang -fpass-plugin=%plugin -O2 -DNO_WRITES %s -o %t.plain.exe
// RUN: %t.plain.exe
// CHECK: undefined reference to `__snapshot_abi_version_3'
#ifdef NO_WRITES
int main(void) { return 0; }
#else
void write_it(long *p) { *p = 42; }
int main(void) { return 0; }
#endif
