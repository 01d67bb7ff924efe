#!/usr/bin/env python3
"""`make bench-junk`: what junk costs (docs/lockout.md), at a larger scale than the tests.

1. Single connects, MQTT 3.1.1, one after another, each from a loopback address of its own (so
   neither the lockout nor the rate limit shapes the times): p50 and p90 in µs of a cached valid
   password, an unknown name, a wrong password for a device whose password is cached, and a
   wrong password for a device never seen.
2. A flood: --junk CONNECTs with random names and passwords from --threads threads, spread over
   many loopback addresses, while one valid device connects again and again from its own
   address: the share of valid connects admitted, their p50/p99, the junk rate, and whether the
   plugin ever entered fail-fast (its log line) — with the production deadline (--timeout-ms 50).

Uses Benchmarks/bench.py's setup and processes; python3 stdlib only.
"""
import argparse
import os
import socket
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import MOSQUITTO, PASSWORD, Bench, log  # noqa: E402
from mqtt_connect import connect_packet  # noqa: E402


def connect(port, name, password, source):
    """µs from TCP connect to CONNACK and whether it was accepted."""
    began = time.perf_counter()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((source, 0))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.connect(("127.0.0.1", port))
        s.sendall(connect_packet(name, name, password))
        ack = b""
        while len(ack) < 4:
            chunk = s.recv(4 - len(ack))
            if not chunk:
                break
            ack += chunk
        elapsed = int((time.perf_counter() - began) * 1e6)
        accepted = len(ack) == 4 and ack[0] == 0x20 and ack[3] == 0
        if accepted:
            s.sendall(b"\xe0\x00")
        return elapsed, accepted
    finally:
        s.close()


def pct(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(fraction * len(values)))]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--castellan", required=True)
    p.add_argument("--plugin", required=True)
    p.add_argument("--samples", type=int, default=200, help="single connects per kind")
    p.add_argument("--junk", type=int, default=20000, help="junk CONNECTs in the flood")
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--timeout-ms", type=int, default=50)
    p.add_argument("--base-port", type=int, default=19830)
    args = p.parse_args()
    args.service = None
    bench = Bench(args)
    try:
        bench.run("init", "--dir", ".")
        bench.run("ca", "init")
        bench.run("cert", "server", "--ip", "127.0.0.1", "--dns", "localhost", "--out", "broker")
        with open(os.path.join(bench.dir, "password"), "w") as f:
            f.write(PASSWORD)
        for dev in ("junk-warm", "junk-cold", "junk-valid"):
            bench.run("device", "add", dev, "--policy", "password")
            bench.run("scram", "set", dev, "--password-file", "password")
        port = args.base_port
        bench.spawn([bench.service, "serve", "--config", os.path.join(bench.dir, "castellan.yaml")], "castellan-serve", ready="ready")
        conf = bench.run("mosquitto-conf", "--config", os.path.join(bench.dir, "castellan.yaml"), "--port", str(port),
                         "--tls-port", str(port + 1), "--plugin", bench.plugin, "--bind", "127.0.0.1",
                         "--server-cert", os.path.join(bench.dir, "broker"), "--broker-id", "junk", "--timeout-ms", str(args.timeout_ms))
        conf = "\n".join(line for line in conf.splitlines() if not line.startswith("user "))
        path = os.path.join(bench.dir, "castellan.conf")
        with open(path, "w") as f:
            f.write("user root\nlog_dest file %s/broker.log\nlog_type error\nlog_type warning\n%s\n" % (bench.dir, conf))
        bench.spawn([MOSQUITTO, "-c", path], "mosquitto-castellan", port=port)
        # The plugin connects on its first tick; until then it refuses.
        deadline = time.time() + 10
        while not connect(port, "junk-warm", PASSWORD, "127.0.0.2")[1]:
            if time.time() > deadline:
                raise SystemExit("bench-junk: the warm device never connected; see %s" % bench.dir)
            time.sleep(0.05)

        sources = ("127.%d.%d.%d" % (100 + i // 62500, (i // 250) % 250, 1 + i % 250) for i in range(10 ** 7))
        kinds = [("cached valid password", "junk-warm", PASSWORD), ("unknown name", None, "wrong-password"),
                 ("wrong password, cached device", "junk-warm", "wrong-password"),
                 ("wrong password, device never seen", "junk-cold", "wrong-password")]
        times = {label: [] for label, _, _ in kinds}
        for _ in range(args.samples):
            for label, name, password in kinds:
                elapsed, accepted = connect(port, name or "ghost-" + uuid.uuid4().hex[:12], password, next(sources))
                if accepted != (label == "cached valid password"):
                    raise SystemExit("bench-junk: unexpected answer for %s" % label)
                times[label].append(elapsed)
        print("Single connects, %d each (µs, p50 / p90):" % args.samples)
        for label, _, _ in kinds:
            print("  %-36s %6d / %6d" % (label, pct(times[label], 0.5), pct(times[label], 0.9)))

        counter = iter(range(args.junk))
        lock = threading.Lock()

        def flood(thread):
            while True:
                with lock:
                    index = next(counter, None)
                if index is None:
                    return
                name = "junk-" + uuid.uuid4().hex[:12]
                try:
                    connect(port, name, uuid.uuid4().hex, "127.200.%d.%d" % (thread, 1 + index % 200))
                except OSError:
                    pass

        threads = [threading.Thread(target=flood, args=(t,)) for t in range(args.threads)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        valid = []
        while any(t.is_alive() for t in threads):
            valid.append(connect(port, "junk-valid", PASSWORD, "127.0.0.3"))
            time.sleep(0.01)
        for t in threads:
            t.join()
        took = time.perf_counter() - started
        admitted = [us for us, ok in valid if ok]
        with open(os.path.join(bench.dir, "broker.log")) as f:
            failfast = "denying at once" in f.read()
        print("Flood: %d junk CONNECTs from %d threads in %.1f s (%.0f/s); valid device: %d of %d admitted (%.1f %%), "
              "p50 %d µs, p99 %d µs; plugin fail-fast: %s" % (
                  args.junk, args.threads, took, args.junk / took, len(admitted), len(valid),
                  100.0 * len(admitted) / max(len(valid), 1), pct(admitted, 0.5) if admitted else 0,
                  pct(admitted, 0.99) if admitted else 0, "yes" if failfast else "no"))
    finally:
        bench.stop_all()
        log("bench-junk: files in %s" % bench.dir)


if __name__ == "__main__":
    main()
