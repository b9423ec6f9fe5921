# serve.sh -- sourced by the shell tests that run the TLS fake API:
#   fake_dir NAME       a private temp dir in $d; at exit the fake is
#                       killed by PID and $d removed
#   fake_serve FAKEAPI [OPTIONS] SCENARIO...
#                       certificates in $d/certs, the fake serving them in
#                       the background ($fake_pid), back once $d/ports is
#                       written (at most 10 s)
#   fake_port SCENARIO  its port, from $d/ports
fake_dir() {
  d=$(mktemp -d "/tmp/apiprobe-$1-XXXXXX")
  fake_pid=
  trap fake_cleanup EXIT
}
fake_cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
  rm -rf "$d"
}
fake_serve() {
  fs_bin=$1
  shift
  [ -d "$d/certs" ] || "$fs_bin" certs "$d/certs" >/dev/null
  "$fs_bin" serve --dir "$d/certs" --portfile "$d/ports" "$@" &
  fake_pid=$!
  fs_i=0
  while [ ! -s "$d/ports" ] && [ $fs_i -lt 100 ]; do
    sleep 0.1
    fs_i=$((fs_i + 1))
  done
}
fake_port() { awk -v s="$1" '$1 == s { print $2 }' "$d/ports"; }
