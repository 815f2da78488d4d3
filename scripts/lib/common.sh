# Shared by scripts/test, scripts/demo and scripts/bench: where things build
# and how the Release tree is configured, so the three reuse one build.
# shellcheck shell=bash

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_root=${MODELAUTH_BUILD_ROOT:-$root/build}
jobs=${MODELAUTH_JOBS:-$(nproc)}
testdata=${MODELAUTH_TESTDATA_DIR:-$root/../shared/testdata}

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

# configure_release: clang++, C++20, Release, with everything (tests,
# examples, benchmarks, fuzzers) in $build_root/release.
configure_release() {
  CXX=clang++ cmake -S "$root" -B "$build_root/release" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DMODELAUTH_CXX_STANDARD=20 \
    -DMODELAUTH_BENCH_PEERS=ON \
    -DMODELAUTH_TESTDATA_DIR="$testdata" \
    "${launcher[@]}" "$@" >/dev/null
}

# configure_debug_sanitized: g++, C++17, Debug with ASan+UBSan, no benchmarks
# (they would measure the sanitizers) in $build_root/debug-asan.
configure_debug_sanitized() {
  CXX=g++ cmake -S "$root" -B "$build_root/debug-asan" -G Ninja \
    -DCMAKE_BUILD_TYPE=Debug \
    -DMODELAUTH_CXX_STANDARD=17 \
    -DMODELAUTH_SANITIZE=address,undefined \
    -DMODELAUTH_BUILD_BENCHMARKS=OFF \
    -DMODELAUTH_TESTDATA_DIR="$testdata" \
    "${launcher[@]}" "$@" >/dev/null
}

step() { printf '\n==> %s\n' "$*"; }
