#!/bin/sh
# keyfree.sh APIPROBE KEYFREE_SO FAKEAPI -- no copy of the key is left in
# freed heap memory (issue 13, defect 7). keyfree.so counts the blocks
# freed while they still hold the key:
#  - curl(1) sending the key in a header leaves some (libcurl's request
#    buffer): the shim sees them, so a zero below means something;
#  - apiprobe (the plain probe, --model's follow-up request, --canary's
#    stream) leaves none: its header lists are wiped, and libcurl's own
#    blocks are wiped by the allocator apiprobe gives it.
set -u
ap=$1 so=$2 fake=$3
KEY=sk-ant-api03-fakeapi-valid-key-0000000000000000000000000000
. "$(dirname "$0")/../fakeapi/serve.sh"
fake_dir keyfree
fake_serve "$fake" ok
port=$(fake_port ok)
[ -n "$port" ] || { echo "FAIL: the fake wrote no port"; exit 1; }
fails=0
# shim RUN-NAME CMD...: runs CMD with the shim, leaves its report in $d/RUN
shim() {
  n=$1
  shift
  env ANTHROPIC_API_KEY=$KEY KEYFREE_KEY=$KEY KEYFREE_OUT="$d/$n" \
    LD_PRELOAD="$so" "$@" >"$d/$n.out" 2>&1
  echo $? >"$d/$n.rc"
  if ! [ -s "$d/$n" ]; then
    echo "FAIL $n: the shim wrote no report ($(head -c 300 "$d/$n.out"))"
    fails=$((fails + 1))
    return 1
  fi
  echo "$n: $(cat "$d/$n")"
}
held() { awk '$1 == "frees" { print $4 }' "$d/$1"; }

if shim curl curl -s --cacert "$d/certs/ca.pem" \
  --resolve "api.test:$port:127.0.0.1" -H "x-api-key: $KEY" \
  "https://api.test:$port/v1/models?limit=1"; then
  if [ "$(held curl)" -gt 0 ]; then
    echo "ok   curl(1) leaves the key in freed memory: the shim sees it"
  else
    echo "FAIL the shim saw no freed copy of the key from curl(1)"
    fails=$((fails + 1))
  fi
fi
for run in plain:--json model:--model=claude-x canary:--canary=claude-x; do
  n=${run%%:*}
  arg=${run#*:}
  opt=${arg%%=*}
  val=${arg#*=}
  [ "$opt" = "$arg" ] && val=
  # shellcheck disable=SC2086
  shim "$n" "$ap" --json --ca-file "$d/certs/ca.pem" \
    --resolve "api.test:$port:127.0.0.1" $opt $val \
    "https://api.test:$port/" || continue
  if [ "$(cat "$d/$n.rc")" != 0 ]; then
    echo "FAIL $n: the probe did not pass: $(tail -c 600 "$d/$n.out")"
    fails=$((fails + 1))
  elif [ "$(held "$n")" -ne 0 ]; then
    echo "FAIL $n: $(held "$n") freed block(s) still held the key"
    fails=$((fails + 1))
  else
    echo "ok   $n: no freed block held the key"
  fi
done
exit $fails
