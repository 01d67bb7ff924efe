#!/usr/bin/env python3
"""Plain-TCP connect load for `make bench` Part A, a second witness next to `castellan client load`.

C processes (not threads: no GIL between them) each repeat TCP connect -> MQTT 3.1.1 CONNECT
(optionally username/password) -> CONNACK -> DISCONNECT -> close for --duration seconds.
Latency is TCP connect to CONNACK, like `castellan client load`. Prints one JSON line with the
same keys: connects_per_s, p50_us, p99_us, failures, connects, seconds.
"""
import argparse
import json
import multiprocessing
import socket
import struct
import time


def utf8(s):
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def connect_packet(client_id, username, password):
    flags = 0x02
    payload = utf8(client_id)
    if username is not None:
        flags |= 0x80
        payload += utf8(username)
    if password is not None:
        flags |= 0x40
        payload += utf8(password)
    body = utf8("MQTT") + bytes([4, flags]) + struct.pack("!H", 60) + payload
    return bytes([0x10, len(body)]) + body  # bodies here stay under 128 bytes


def worker(args, password, queue):
    pkt = connect_packet(args.client_id, args.username, password)
    disconnect = b"\xe0\x00"
    lat, failures = [], 0
    deadline = time.perf_counter() + args.duration
    while time.perf_counter() < deadline:
        began = time.perf_counter()
        try:
            s = socket.create_connection((args.host, args.port))
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(pkt)
            ack = b""
            while len(ack) < 4:
                chunk = s.recv(4 - len(ack))
                if not chunk:
                    break
                ack += chunk
            if len(ack) == 4 and ack[0] == 0x20 and ack[3] == 0:
                lat.append(time.perf_counter() - began)
                s.sendall(disconnect)
            else:
                failures += 1
            s.close()
        except OSError:
            failures += 1
    queue.put((lat, failures))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--username")
    p.add_argument("--password-file")
    p.add_argument("--connections", type=int, default=1)
    p.add_argument("--duration", type=float, default=2.0)
    args = p.parse_args()
    password = None
    if args.password_file:
        with open(args.password_file) as f:
            password = f.read()
        if password.endswith("\n"):
            password = password[:-1]
    queue = multiprocessing.Queue()
    start = time.perf_counter()
    procs = [multiprocessing.Process(target=worker, args=(args, password, queue)) for _ in range(args.connections)]
    for proc in procs:
        proc.start()
    results = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    seconds = time.perf_counter() - start
    lat = sorted(x for r in results for x in r[0])
    failures = sum(r[1] for r in results)

    def pct(f):
        if not lat:
            return 0
        return int(round(lat[min(len(lat) - 1, int(-(-(len(lat) - 1) * f // 1)))] * 1e6))
    print(json.dumps({"connects_per_s": round(len(lat) / max(args.duration, 1e-9), 1), "p50_us": pct(0.5), "p99_us": pct(0.99),
                      "failures": failures, "connects": len(lat), "seconds": round(seconds, 6)}))


if __name__ == "__main__":
    main()
