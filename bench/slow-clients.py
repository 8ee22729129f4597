#!/usr/bin/env python3
"""Slow clients against a relayed response, for bench/proxy-bench.sh (PARTS=slow).

Opens N connections to a proxy on 127.0.0.1, asks each for PATH (a large file the proxy relays
as it arrives), reads nothing for HOLD seconds while sampling the proxy's resident memory, then
reads every answer to its end. Prints one line:
  SLOW clients=N rss_before_kib=A rss_stalled_kib=B rss_after_kib=C complete=K body_bytes=T
rss_stalled is the largest sample while nothing was read; complete counts answers that arrived
whole (status 200, a chunked body of at least SIZE bytes that ends with the last chunk).
Usage: slow-clients.py PORT PATH N HOLD SIZE PID
"""
import selectors
import socket
import sys
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    port, path, n, hold, size, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    before = rss_kib(pid)
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 10)
        s.connect(("127.0.0.1", int(port)))
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
        socks.append(s)
    stalled = 0
    end = time.monotonic() + hold
    while time.monotonic() < end:
        stalled = max(stalled, rss_kib(pid))
        time.sleep(0.1)
    sel = selectors.DefaultSelector()
    got = {}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        got[s] = bytearray()
    open_count = len(socks)
    deadline = time.monotonic() + 120
    while open_count and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            data = key.fileobj.recv(1 << 20)
            if data:
                got[key.fileobj] += data
            else:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                open_count -= 1
    after = rss_kib(pid)
    complete = 0
    total = 0
    for buf in got.values():
        head, _, body = bytes(buf).partition(b"\r\n\r\n")
        total += len(body)
        if head.startswith(b"HTTP/1.1 200") and len(body) >= size and body.endswith(b"0\r\n\r\n"):
            complete += 1
    print(f"SLOW clients={n} rss_before_kib={before} rss_stalled_kib={stalled} rss_after_kib={after} complete={complete} body_bytes={total}")


if __name__ == "__main__":
    main()
