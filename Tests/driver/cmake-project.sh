#!/usr/bin/env bash
# CMake as a consumer: CMAKE_C_COMPILER=snapshot-cc / CMAKE_CXX_COMPILER=snapshot-c++ are
# identified as Clang, and a shared library plus a C++ program using it build, link the runtime
# and run.
. "$(dirname "$0")/lib.sh"
CMAKE="${SNAPSHOT_CMAKE:-cmake}"
mkdir proj && cd proj
cat > CMakeLists.txt <<'C'
cmake_minimum_required(VERSION 3.20)
project(consumer C CXX)
add_library(counter SHARED counter.c)
add_executable(app app.cc)
target_link_libraries(app counter)
C
cat > counter.c <<'C'
int counter_next(int *c) { return ++*c; }
C
cat > app.cc <<'C'
#include <cstdio>
extern "C" int counter_next(int *);
int main() { int c = 40; counter_next(&c); std::printf("%d\n", counter_next(&c)); }
C
check "configure identifies the compilers as Clang" eval '"$CMAKE" -S . -B b -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" >conf.log 2>&1 && grep -q "C compiler identification is Clang" conf.log && grep -q "CXX compiler identification is Clang" conf.log || { cat conf.log; false; }'
check "build" eval '"$CMAKE" --build b >build.log 2>&1 || { cat build.log; false; }'
check "program runs" eval '[ "$(./b/app)" = 42 ]'
check "library and program need libsnapshot.so" eval 'needed b/libcounter.so | grep -qx libsnapshot.so && needed b/app | grep -qx libsnapshot.so'
check "library is instrumented" eval 'nm -D -u b/libcounter.so | grep -q __snapshot_record'
finish
