#!/bin/sh
# test.sh -- install what is missing, build, and run the whole suite:
# unit tests, the integration scenarios against the TLS fake API, the same
# under valgrind, then everything again in an ASan+UBSan build, then the
# threaded paths under ThreadSanitizer (tests/tsan) and the fuzz targets'
# short runs (tests/fuzz).
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh test
j=$(nproc)
echo "== normal build (unit, integration, valgrind)"
cmake -S . -B build -DAP_TESTS=ON -DAP_SANITIZE=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$j" >/dev/null
(cd build && ctest --output-on-failure --no-tests=error -j"$j")
echo "== ASan+UBSan build (unit, integration)"
cmake -S . -B build-asan -DAP_TESTS=ON -DAP_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$j" >/dev/null
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure --no-tests=error -j"$j")
echo "== ThreadSanitizer build (clang): the threaded paths"
CC=clang-14 cmake -S . -B build-tsan -DAP_TSAN=ON -DAP_TESTS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-tsan -j"$j" >/dev/null
(cd build-tsan && ctest --output-on-failure --no-tests=error -L tsan)
echo "== fuzz build (clang, libFuzzer + ASan + UBSan): short runs"
CC=clang-14 cmake -S . -B build-fuzz -DAP_FUZZ=ON -DAP_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$j" >/dev/null
(cd build-fuzz && ctest --output-on-failure --no-tests=error -L fuzz)
echo "== all tests passed"
