#!/bin/sh
# run.sh ALLOC_FAIL FAKEAPI -- allocation failure along a config load and
# a whole probe of the fake API's "ok" scenario (see alloc_fail.c).
set -eu
af=$1 fake=$2
. "$(dirname "$0")/../fakeapi/serve.sh"
fake_dir alloc
"$fake" certs "$d/certs" >/dev/null
key=sk-ant-api03-fakeapi-valid-key-0000000000000000000000000000
printf '%s\n' "$key" >"$d/key"
chmod 600 "$d/key"
"$af" config "$d/key" "$d/certs/ca.pem"
fake_serve "$fake" ok
ANTHROPIC_API_KEY=$key "$af" probe "$d/certs/ca.pem" "$(awk '{print $2}' "$d/ports")"
