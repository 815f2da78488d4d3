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

# configure_tree <dir under $build_root> <compiler> [cmake args...]: configures
# one Ninja tree of ours with the test data and ccache. A tree configured with
# another compiler keeps it in its cache whatever CXX says: it starts afresh.
configure_tree() {
  local dir="$build_root/$1" cxx=$2 cache
  shift 2
  cache="$dir/CMakeCache.txt"
  if [ -f "$cache" ] && ! grep -qx "CMAKE_CXX_COMPILER:[A-Z]*=$(command -v "$cxx")" "$cache"; then
    rm -rf "$cache" "$dir/CMakeFiles"
  fi
  CXX=$cxx cmake -S "$root" -B "$dir" -G Ninja \
    -DMODELAUTH_TESTDATA_DIR="$testdata" "${launcher[@]}" "$@" >/dev/null
}

# configure_release: clang++, C++20, Release, with everything (tests,
# examples, benchmarks, fuzzers) in $build_root/release.
configure_release() {
  configure_tree release clang++ -DCMAKE_BUILD_TYPE=Release -DMODELAUTH_CXX_STANDARD=20 \
    -DMODELAUTH_BENCH_PEERS=ON "$@"
}

# configure_release_gcc: g++, C++17, Release, -Werror, with tests, examples
# and one smoke run of every benchmark in $build_root/release-gcc (scripts/test's
# Release pass: g++ at -O3 warns about what a Debug build cannot see, e.g.
# maybe-uninitialized, and a newcomer's first build is exactly this: the
# default compiler and standard. C++20 is the clang pass's: g++ 12's
# libstdc++ gives -Wrestrict false positives on std::string in C++20 at -O3,
# GCC bug 105329).
configure_release_gcc() {
  configure_tree release-gcc g++ -DCMAKE_BUILD_TYPE=Release -DMODELAUTH_CXX_STANDARD=17 \
    -DMODELAUTH_WERROR=ON -DMODELAUTH_BENCH_PEERS=ON "$@"
}

# configure_debug_sanitized: clang++, C++20, Debug with ASan+UBSan, -Werror,
# the libFuzzer targets (clang only) and no benchmarks (they would measure
# the sanitizers) in $build_root/debug-asan.
configure_debug_sanitized() {
  configure_tree debug-asan clang++ -DCMAKE_BUILD_TYPE=Debug -DMODELAUTH_CXX_STANDARD=20 \
    -DMODELAUTH_WERROR=ON -DMODELAUTH_SANITIZE=address,undefined -DMODELAUTH_BUILD_BENCHMARKS=OFF "$@"
}

step() { printf '\n==> %s\n' "$*"; }
