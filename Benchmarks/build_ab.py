#!/usr/bin/env python3
"""Builds side by side: for each build (a `castellan` binary and a plugin), its own `castellan serve` and
brokers as bench.py sets them up, builds alternated round by round; per load, the CPU each connect costs
the service and mosquitto, and the service's CPU while idle.

  python3 Benchmarks/build_ab.py --build before:/tmp/castellan-old:/tmp/plugin-old.so \\
                                 --build after:.build-release/release/castellan:.build-plugin/castellan_mosquitto.so
Prints each round, then per load and build the values of every round."""
import argparse, os, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--build", action="append", required=True, help="NAME:CASTELLAN:PLUGIN.so")
p.add_argument("--rounds", type=int, default=3)
p.add_argument("--duration", type=float, default=3.0, help="seconds per load run")
p.add_argument("--idle", type=float, default=4.0, help="seconds the service is measured idle")
p.add_argument("--base-port", type=int, default=25883)
args = p.parse_args()

LOADS = [  # label, how to make the load's argv from a set-up Bench
    ("password, Python, sequential", lambda b, d: b.py_argv("py_castellan_password", 1, d)),
    ("password, castellan client load, sequential", lambda b, d: b.load_argv("castellan_password", 1, d)),
    ("password, Python, 4 at once", lambda b, d: b.py_argv("py_castellan_password", 4, d)),
    ("certificate, Python, sequential", lambda b, d: b.py_argv("py_castellan_cert", 1, d)),
    ("certificate, castellan client load, sequential", lambda b, d: b.load_argv("castellan_cert", 1, d)),
]
results = {}
for r in range(args.rounds):
    for spec in args.build:
        name, castellan, plugin = spec.split(":")
        bench = B.Bench.for_loads(castellan, plugin, args.duration, args.base_port)
        try:
            bench.setup()
            bench.start()
            for warm in ("py_castellan_password", "py_castellan_cert"):  # caches filled, as in a running fleet
                bench.load(bench.py_argv(warm, 1, 1), broker="castellan")
            before = bench.cpu("castellan-serve")
            time.sleep(args.idle)
            idle = (bench.cpu("castellan-serve") - before) * 1000 / args.idle
            results.setdefault(("idle, ms of CPU a second", name), []).append(idle)
            B.log("round %d %-8s idle: %.1f ms/s" % (r + 1, name, idle))
            for label, argv in LOADS:
                x = bench.load(argv(bench, args.duration), broker="castellan")
                results.setdefault((label, name), []).append(x["service_cpu_us"])
                B.log("round %d %-8s %-48s %7.0f/s  service %4.0f µs  mosquitto %4.0f µs per connect" % (
                    r + 1, name, label, x["connects_per_s"], x["service_cpu_us"], x["broker_cpu_us"]))
        finally:
            bench.stop_all()
names = [spec.split(":")[0] for spec in args.build]
print("| service CPU µs per connect | " + " | ".join(names) + " |")
print("| --- | " + " | ".join("---" for _ in names) + " |")
for label in ["idle, ms of CPU a second"] + [label for label, _ in LOADS]:
    print("| %s | %s |" % (label, " | ".join(" ".join("%.0f" % v for v in results[(label, n)]) for n in names)))
