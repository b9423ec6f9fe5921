#!/bin/sh
# quickstart.sh -- install what is missing, build, and probe the default
# target (https://api.anthropic.com, key from $ANTHROPIC_API_KEY if set).
# Extra arguments go to apiprobe. Exits with apiprobe's exit code.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -DAP_TESTS=OFF -DAP_SANITIZE=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec build/cli/apiprobe "$@"
