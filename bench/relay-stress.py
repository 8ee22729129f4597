#!/usr/bin/env python3
"""Relay stress, by hand: CLIENTS threads loop for SECONDS, each asking PORT for PATH (80 %) or
SMALL (20 %) and then reading it all, closing early, reading slowly, or stalling and closing.
Prints the counts; check afterwards that the proxy is alive, that the audit log has one line
per request, and its RSS (the figures in the closing note of the back-pressure work came from
this against `airlock serve` relaying an 8 MiB file from nginx, `concurrent_calls: 32`).
Usage: relay-stress.py SECONDS [PORT [PATH [SMALL [CLIENTS]]]]
Only 127.0.0.1 is contacted.
"""
import socket, random, threading, time, sys
port = int(sys.argv[2]) if len(sys.argv) > 2 else 18091
BIG = sys.argv[3] if len(sys.argv) > 3 else "/item/v1/big.bin"
SMALL = sys.argv[4] if len(sys.argv) > 4 else "/item/v1/item.json"
CLIENTS = int(sys.argv[5]) if len(sys.argv) > 5 else 48
stats = {"sent":0, "complete":0, "cut":0, "503":0, "other":0}
lock = threading.Lock()
def one(rng):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32<<10)
    s.settimeout(15)
    s.connect(("127.0.0.1", port))
    path = BIG if rng.random() < 0.8 else SMALL
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".encode())
    mode = rng.choice(["read", "close-early", "slow", "stall-close"])
    got = 0; first = b""
    try:
        if mode == "close-early":
            time.sleep(rng.random()*0.5)
            d = s.recv(65536); first = d; got += len(d)
        elif mode == "stall-close":
            time.sleep(rng.random()*2)
        else:
            while True:
                d = s.recv(65536 if mode == "read" else 4096)
                if not d: break
                if not first: first = d
                got += len(d)
                if mode == "slow": time.sleep(0.001)
    except Exception:
        pass
    s.close()
    with lock:
        stats["sent"] += 1
        if first.startswith(b"HTTP/1.1 503"): stats["503"] += 1
        elif mode == "read" and got > (1 << 20) or (mode == "read" and path == SMALL and first.startswith(b"HTTP/1.1 200")): stats["complete"] += 1
        elif mode in ("close-early", "stall-close"): stats["cut"] += 1
        else: stats["other"] += 1
def worker(seed, until):
    rng = random.Random(seed)
    while time.time() < until:
        try: one(rng)
        except Exception as e:
            with lock: stats["other"] += 1
until = time.time() + float(sys.argv[1])
ts = [threading.Thread(target=worker, args=(i, until)) for i in range(CLIENTS)]
[t.start() for t in ts]; [t.join() for t in ts]
print(stats)
