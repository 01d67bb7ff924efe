#!/usr/bin/env python3
"""Publish throughput load for `make bench` Part B (python3 stdlib only).

One MQTT 3.1.1 client connects (optionally with a username and password), then publishes
fixed-size messages to one topic as fast as the broker takes them, for a fixed time:
- QoS 0: prebuilt PUBLISH packets written in batches; a final PINGREQ/PINGRESP makes sure the
  broker has read (and authorized) everything that was counted.
- QoS 1: a window of unacknowledged PUBLISHes kept full; counted when the PUBACK arrives.
Prints one JSON line: {"qos":..,"messages":..,"seconds":..,"msgs_per_s":..}. A refused connect
or a dropped connection exits 1. Every PUBLISH passes the broker's ACL check (and, with a
plugin, the plugin's ACL callback): that is what is compared.
"""
import argparse
import json
import socket
import struct
import sys
import time


def encode_length(n):
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(s):
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def packet(first, body):
    return bytes([first]) + encode_length(len(body)) + body


def read_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        buf += chunk
    return bytes(buf)


def read_packet(sock):
    first = read_exact(sock, 1)[0]
    mult, length = 1, 0
    while True:
        b = read_exact(sock, 1)[0]
        length += (b & 127) * mult
        mult *= 128
        if not b & 128:
            break
    return first, read_exact(sock, length) if length else b""


def connect(args):
    sock = socket.create_connection((args.host, args.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    flags = 0x02  # clean session
    payload = utf8(args.client_id)
    if args.username is not None:
        flags |= 0x80
        payload += utf8(args.username)
    if args.password_file:
        with open(args.password_file) as f:
            password = f.read()
        if password.endswith("\n"):
            password = password[:-1]
        flags |= 0x40
        payload += utf8(password)
    body = utf8("MQTT") + bytes([4, flags]) + struct.pack("!H", 60) + payload
    sock.sendall(packet(0x10, body))
    first, rest = read_packet(sock)
    if first >> 4 != 2 or rest[1] != 0:
        sys.stderr.write("mqtt_pub: connect refused (CONNACK %r)\n" % (rest,))
        sys.exit(1)
    return sock


def run_qos0(sock, args, message):
    batch = message * 256
    sent = 0
    start = time.perf_counter()
    deadline = start + args.duration
    while time.perf_counter() < deadline:
        sock.sendall(batch)
        sent += 256
    sock.sendall(packet(0xC0, b""))  # PINGREQ: answered after every PUBLISH before it was handled
    while True:
        first, _ = read_packet(sock)
        if first >> 4 == 13:
            break
    return sent, time.perf_counter() - start


def run_qos1(sock, args, topic, payload):
    window = args.window
    next_id = 1
    in_flight = 0
    acked = 0
    buf = bytearray()
    start = time.perf_counter()
    deadline = start + args.duration

    def publish(pid):
        return packet(0x32, topic + struct.pack("!H", pid) + payload)

    sending = True
    while sending or in_flight:
        if sending:
            out = bytearray()
            while in_flight < window:
                out += publish(next_id)
                next_id = next_id % 65535 + 1
                in_flight += 1
            if out:
                sock.sendall(out)
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("broker closed the connection")
        buf += chunk
        while len(buf) >= 4 and buf[0] >> 4 == 4:  # PUBACK: 0x40 0x02 id id
            del buf[:4]
            in_flight -= 1
            acked += 1
        if buf and buf[0] >> 4 != 4:
            raise ConnectionError("unexpected packet %r" % bytes(buf[:8]))
        if sending and time.perf_counter() >= deadline:
            sending = False
    return acked, time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--username")
    p.add_argument("--password-file")
    p.add_argument("--topic", required=True)
    p.add_argument("--qos", type=int, choices=(0, 1), default=0)
    p.add_argument("--size", type=int, default=64, help="payload bytes")
    p.add_argument("--duration", type=float, default=2.0)
    p.add_argument("--window", type=int, default=20, help="QoS 1 PUBLISHes in flight")
    args = p.parse_args()
    sock = connect(args)
    topic = utf8(args.topic)
    payload = b"x" * args.size
    try:
        if args.qos == 0:
            messages, seconds = run_qos0(sock, args, packet(0x30, topic + payload))
        else:
            messages, seconds = run_qos1(sock, args, topic, payload)
        sock.sendall(packet(0xE0, b""))
    except ConnectionError as error:
        sys.stderr.write("mqtt_pub: %s (an ACL denial drops QoS 0 silently; a v3.1.1 denial keeps the connection)\n" % error)
        sys.exit(1)
    print(json.dumps({"qos": args.qos, "messages": messages, "seconds": round(seconds, 6),
                      "msgs_per_s": round(messages / seconds, 1)}))


if __name__ == "__main__":
    main()
