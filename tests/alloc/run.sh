#!/bin/sh
# run.sh ALLOC_FAIL FAKEAPI -- allocation failure along a config load and
# a whole probe of the fake API's "ok" scenario (see alloc_fail.c).
set -eu
af=$1 fake=$2
d=$(mktemp -d /tmp/apiprobe-alloc-XXXXXX)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$d"
}
trap cleanup EXIT
"$fake" certs "$d/certs" >/dev/null
key=sk-ant-api03-fakeapi-valid-key-0000000000000000000000000000
printf '%s\n' "$key" >"$d/key"
chmod 600 "$d/key"
"$af" config "$d/key" "$d/certs/ca.pem"
"$fake" serve --dir "$d/certs" --portfile "$d/ports" ok &
pid=$!
i=0
while [ ! -s "$d/ports" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
ANTHROPIC_API_KEY=$key "$af" probe "$d/certs/ca.pem" "$(awk '{print $2}' "$d/ports")"
