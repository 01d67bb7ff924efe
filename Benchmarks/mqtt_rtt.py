#!/usr/bin/env python3
"""A live client's publish round trip, for `make bench`'s storm part (python3 stdlib only).

One MQTT 3.1.1 client connects (optionally with a username and password), subscribes to a topic
at QoS 0, then publishes one message to it and waits for it to come back, again and again, for
a fixed time: the round trip through the broker that every device connected to it sees. While
it runs, other processes hammer the same broker with connects (the storm); the broker's one
thread serves both, so what a connect costs the broker (and how long it blocks in an auth
plugin) shows up here as added latency.

Prints one JSON line: {"round_trips":..,"p50_us":..,"p99_us":..,"max_us":..}. A refused
connect or a dropped connection exits 1.
"""
import argparse
import json
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mqtt_pub import connect, packet, read_packet, utf8  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--username")
    p.add_argument("--password-file")
    p.add_argument("--topic", required=True)
    p.add_argument("--duration", type=float, default=2.0)
    p.add_argument("--interval-ms", type=float, default=1.0, help="pause between round trips (a device, not a flood)")
    args = p.parse_args()
    sock = connect(args)
    sock.sendall(packet(0x82, struct.pack("!H", 1) + utf8(args.topic) + b"\x00"))
    first, body = read_packet(sock)
    if first >> 4 != 9 or body[-1] & 0x80:
        sys.exit("mqtt_rtt: subscription refused")
    payload = b"x" * 16
    publish = packet(0x30, utf8(args.topic) + payload)
    samples = []
    end = time.perf_counter() + args.duration
    while time.perf_counter() < end:
        began = time.perf_counter()
        sock.sendall(publish)
        while True:
            first, _ = read_packet(sock)
            if first >> 4 == 3:
                break
        samples.append((time.perf_counter() - began) * 1e6)
        if args.interval_ms:
            time.sleep(args.interval_ms / 1000)
    sock.sendall(b"\xe0\x00")
    sock.close()
    samples.sort()
    pick = lambda f: int(samples[min(len(samples) - 1, int(f * (len(samples) - 1) + 0.999))]) if samples else None
    print(json.dumps({"round_trips": len(samples), "p50_us": pick(0.5), "p99_us": pick(0.99), "max_us": int(samples[-1]) if samples else None}))


if __name__ == "__main__":
    main()
