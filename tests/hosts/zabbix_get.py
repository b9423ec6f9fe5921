#!/usr/bin/env python3
"""zabbix_get.py - a passive check against a Zabbix agent, like zabbix_get.

usage: zabbix_get.py -s HOST -p PORT -k KEY [-t SECONDS] [-T]

Speaks the Zabbix 6.0 passive protocol (shared/HOSTS.md section B): one
request per connection, "ZBXD" + flags 0x01 + uint32 LE data length +
uint32 LE reserved (0) + the key; the answer has the same header (8-byte
lengths when flag 0x04 is set, zlib data when 0x02 is set) and then the
value, or "ZBX_NOTSUPPORTED\\0<message>".

Prints the value, or "ZBX_NOTSUPPORTED: <message>", like zabbix_get, and
exits 0 for both; exits 1 when the agent cannot be reached, closes the
connection without an answer, or sends something that is not ZBXD.
-T prints "elapsed SECONDS" (connect to last byte) on stderr.
Also importable: get(host, port, key, timeout) -> (supported, text).
"""
import socket
import struct
import sys
import time
import zlib

NOTSUPPORTED = b"ZBX_NOTSUPPORTED\0"


class ProtocolError(Exception):
    pass


def _recv_all(sock):
    chunks = []
    while True:
        b = sock.recv(65536)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


def get(host, port, key, timeout=10.0):
    """One passive check: (True, value) or (False, message)."""
    data = key.encode("utf-8")
    req = b"ZBXD" + bytes([0x01]) + struct.pack("<II", len(data), 0) + data
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(req)
        raw = _recv_all(s)
    if not raw:
        raise ProtocolError("the agent closed the connection without an answer")
    if raw[:4] != b"ZBXD" or len(raw) < 13:
        raise ProtocolError("not a ZBXD answer: %r" % raw[:32])
    flags = raw[4]
    if flags & 0x04:  # large packet: 8-byte lengths
        if len(raw) < 21:
            raise ProtocolError("short large-packet header")
        size, _reserved = struct.unpack("<QQ", raw[5:21])
        body = raw[21:]
    else:
        size, _reserved = struct.unpack("<II", raw[5:13])
        body = raw[13:]
    if flags & 0x02:
        body = zlib.decompress(body)
    elif len(body) != size:
        raise ProtocolError("header says %d bytes, got %d" % (size, len(body)))
    if body.startswith(NOTSUPPORTED):
        return False, body[len(NOTSUPPORTED):].decode("utf-8", "replace")
    if body == b"ZBX_NOTSUPPORTED":
        return False, ""
    return True, body.decode("utf-8", "replace")


def main(argv):
    host, port, key, timeout, show_time = "127.0.0.1", None, None, 10.0, False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-s", "-p", "-k", "-t") and i + 1 < len(argv):
            v = argv[i + 1]
            if a == "-s":
                host = v
            elif a == "-p":
                port = int(v)
            elif a == "-k":
                key = v
            else:
                timeout = float(v)
            i += 2
        elif a == "-T":
            show_time = True
            i += 1
        elif a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        else:
            print("zabbix_get.py: unknown argument %s" % a, file=sys.stderr)
            return 2
    if port is None or key is None:
        print("usage: zabbix_get.py -s HOST -p PORT -k KEY [-t SECONDS] [-T]", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    try:
        ok, text = get(host, port, key, timeout)
    except (OSError, ProtocolError) as e:
        print("zabbix_get.py: %s:%s: %s" % (host, port, e), file=sys.stderr)
        return 1
    if show_time:
        print("elapsed %.3f" % (time.monotonic() - t0), file=sys.stderr)
    print(text if ok else "ZBX_NOTSUPPORTED: " + text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
