#!/usr/bin/env python3
"""Plain-TCP connect load for `make bench` Part A, a second witness next to `castellan client load`.

C processes (not threads: no GIL between them) each repeat TCP connect -> MQTT 3.1.1 CONNECT
(optionally username/password, optionally over TLS with a client certificate) -> CONNACK -> DISCONNECT -> close for --duration seconds.
Latency is TCP connect to CONNACK, like `castellan client load`. Prints one JSON line with the
same keys: connects_per_s, p50_us, p99_us, failures, connects, seconds.
"""
import argparse
import base64
import hashlib
import hmac
import os
import json
import multiprocessing
import socket
import ssl
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


def varint(n):
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise OSError("closed")
        buf += chunk
    return buf


def read_packet(s):
    first = read_exact(s, 1)[0]
    mult, length = 1, 0
    while True:
        b = read_exact(s, 1)[0]
        length += (b & 127) * mult
        mult *= 128
        if not b & 128:
            break
    return first, read_exact(s, length)


def auth_data(props):
    """The Authentication Data (0x16) of an MQTT 5 property block."""
    i = 0
    while i < len(props):
        pid = props[i]
        i += 1
        if pid in (0x15, 0x16, 0x1F, 0x12, 0x1A, 0x1C, 0x03, 0x08, 0x09):
            n = struct.unpack("!H", props[i:i + 2])[0]
            if pid == 0x16:
                return props[i + 2:i + 2 + n]
            i += 2 + n
        elif pid == 0x26:
            for _ in range(2):
                n = struct.unpack("!H", props[i:i + 2])[0]
                i += 2 + n
        elif pid in (0x11, 0x27, 0x02, 0x18):
            i += 4
        elif pid in (0x13, 0x21, 0x22, 0x23):
            i += 2
        elif pid == 0x0B:
            while props[i] & 0x80:
                i += 1
            i += 1
        else:
            i += 1
    return b""


def split_props(body, offset):
    mult, length, i = 1, 0, offset
    while True:
        b = body[i]
        i += 1
        length += (b & 127) * mult
        mult *= 128
        if not b & 128:
            break
    return body[i:i + length]


SALTED = {}


def scram_connect(s, client_id, username, password):
    """MQTT 5 CONNECT with SCRAM-SHA-256 enhanced auth (RFC 5802/7677); True when accepted.
    The salted password is cached per (salt, iterations), as RFC 5802 allows a client to."""
    nonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = "n=%s,r=%s" % (username.replace("=", "=3D").replace(",", "=2C"), nonce)
    method = b"SCRAM-SHA-256"
    props = b"\x15" + struct.pack("!H", len(method)) + method
    data = ("n,," + first_bare).encode()
    props += b"\x16" + struct.pack("!H", len(data)) + data
    body = utf8("MQTT") + bytes([5, 0x02]) + struct.pack("!H", 60) + varint(len(props)) + props + utf8(client_id)
    s.sendall(bytes([0x10]) + varint(len(body)) + body)
    first, rest = read_packet(s)
    if first != 0xF0 or rest[0] != 0x18:
        return False
    server_first = auth_data(split_props(rest, 1)).decode()
    fields = dict(kv.split("=", 1) for kv in server_first.split(","))
    salt, iterations = base64.b64decode(fields["s"]), int(fields["i"])
    key = (fields["s"], iterations)
    if key not in SALTED:
        SALTED[key] = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(SALTED[key], b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    final_bare = "c=biws,r=" + fields["r"]
    auth_message = ",".join((first_bare, server_first, final_bare)).encode()
    signature = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature))
    data = (final_bare + ",p=" + base64.b64encode(proof).decode()).encode()
    props = b"\x15" + struct.pack("!H", len(method)) + method + b"\x16" + struct.pack("!H", len(data)) + data
    body = bytes([0x18]) + varint(len(props)) + props
    s.sendall(bytes([0xF0]) + varint(len(body)) + body)
    first, rest = read_packet(s)
    return first == 0x20 and rest[1] == 0


def worker(args, password, queue, index):
    # `{n}` in the client id, username or certificate files: this process's number, so processes connect as distinct
    # clients (mosquitto 2.1 completes a delayed basic auth by client id).
    client_id = args.client_id.replace("{n}", str(index))
    username = args.username.replace("{n}", str(index)) if args.username else None
    pkt = connect_packet(client_id, username, password)
    context = None
    if args.tls:
        # One context per process, no session reuse: every connect is a full handshake.
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(args.ca)
        if args.cert:
            context.load_cert_chain(args.cert.replace("{n}", str(index)), args.key.replace("{n}", str(index)))
    disconnect = b"\xe0\x00"
    lat, failures = [], 0
    started = time.perf_counter()
    deadline = started + args.duration
    done = 0
    while time.perf_counter() < deadline:
        if args.rate:  # paced: connect number `done` starts no earlier than done / rate seconds in
            wait = started + done / args.rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        done += 1
        began = time.perf_counter()
        try:
            s = socket.create_connection((args.host, args.port))
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if context:
                s = context.wrap_socket(s, server_hostname=args.host)
            if args.scram:
                ok = scram_connect(s, client_id, username, password)
            else:
                s.sendall(pkt)
                ack = b""
                while len(ack) < 4:
                    chunk = s.recv(4 - len(ack))
                    if not chunk:
                        break
                    ack += chunk
                ok = len(ack) == 4 and ack[0] == 0x20 and ack[3] == 0
            if ok:
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
    p.add_argument("--client-id", required=True, help="`{n}` stands for the process's number (0, 1, …)")
    p.add_argument("--username", help="`{n}` as in --client-id")
    p.add_argument("--password-file")
    p.add_argument("--scram", action="store_true", help="MQTT 5 SCRAM-SHA-256 enhanced auth with --username/--password-file")
    p.add_argument("--tls", action="store_true")
    p.add_argument("--ca")
    p.add_argument("--cert", help="`{n}` as in --client-id (and in --key)")
    p.add_argument("--key")
    p.add_argument("--connections", type=int, default=1)
    p.add_argument("--duration", type=float, default=2.0)
    p.add_argument("--rate", type=float, help="connects a second per process at most (default: back to back); a service's CPU "
                   "per connect is higher when each connect finds it idle")
    args = p.parse_args()
    password = None
    if args.password_file:
        with open(args.password_file) as f:
            password = f.read()
        if password.endswith("\n"):
            password = password[:-1]
    queue = multiprocessing.Queue()
    start = time.perf_counter()
    procs = [multiprocessing.Process(target=worker, args=(args, password, queue, n)) for n in range(args.connections)]
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
