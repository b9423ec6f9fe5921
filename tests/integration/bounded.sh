#!/bin/sh
# bounded.sh BOUNDED SLOWDNS_SO FAKEAPI -- runs bounded.c against the
# fake API's ok scenario with the never-answering resolver preloaded.
set -eu
b=$1 so=$2 fake=$3
. "$(dirname "$0")/../fakeapi/serve.sh"
fake_dir bounded
fake_serve "$fake" ok
# In the ASan build the sanitizer's runtime must come first in the
# process: it goes ahead of the preloaded resolver (ldd names it).
asan=$(ldd "$b" | awk '/libasan/ { print $3; exit }')
ANTHROPIC_API_KEY=sk-ant-api03-fakeapi-valid-key-0000000000000000000000000000 \
  LD_PRELOAD="${asan:+$asan }$so" "$b" "$d/certs/ca.pem" "$(awk '{print $2}' "$d/ports")"
