// The IR verifier passes after instrumentation of every coverage program (Tests/paths) at several
// levels (clang itself does not verify its output in release builds).
// RUN: %clang -fpass-plugin=%plugin -O0 -S -emit-llvm -o - -I %S/../paths %S/../paths/p_stores.c | %plain-opt -passes=verify -disable-output
// RUN: %clang -fpass-plugin=%plugin -O2 -S -emit-llvm -o - -I %S/../paths %S/../paths/p_stores.c | %plain-opt -passes=verify -disable-output
// RUN: %clang -fpass-plugin=%plugin -O2 -S -emit-llvm -o - -I %S/../paths -Wno-atomic-alignment %S/../paths/p_atomics.c | %plain-opt -passes=verify -disable-output
// RUN: %clang -fpass-plugin=%plugin -O3 -S -emit-llvm -o - -I %S/../paths %S/../paths/p_memintrin.c | %plain-opt -passes=verify -disable-output
// RUN: %clang -fpass-plugin=%plugin -O0 -S -emit-llvm -o - -I %S/../paths %S/../paths/p_libcalls.c | %plain-opt -passes=verify -disable-output
// RUN: %clang -fpass-plugin=%plugin -O2 -D_FORTIFY_SOURCE=2 -S -emit-llvm -o - -I %S/../paths %S/../paths/p_libcalls.c | %plain-opt -passes=verify -disable-output
// RUN: %clang -fpass-plugin=%plugin -O3 -march=skylake-avx512 -S -emit-llvm -o - -I %S/../paths %S/../paths/p_vector.c | %plain-opt -passes=verify -disable-output
// RUN: %clang -fpass-plugin=%plugin -O3 -march=skylake-avx512 -S -emit-llvm -o - -I %S/../paths %S/../paths/p_loops.c | %plain-opt -passes=verify -disable-output
// RUN: %clang -fpass-plugin=%plugin -Oz -S -emit-llvm -o - -I %S/../paths %S/../paths/p_loops.c | %plain-opt -passes=verify -disable-output
// RUN: %clang -fpass-plugin=%plugin -O2 -S -emit-llvm -o - %s | %plain-opt -passes=verify -disable-output
int main(void) { return 0; }
