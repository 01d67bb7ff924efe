#!/usr/bin/env python3
"""The decision threads' scheduler slice, side by side in one process: one `castellan serve` and
bench.py's brokers on mosquitto 2.0; each round switches the service's threads between the kernel's
default slice and --slice-us with sched_setattr(2) from outside (the same process, brokers and caches
serve both), then runs the loads, and a storm of part S on dynamic-security and Castellan.

  python3 Benchmarks/slice_ab.py --castellan .build-release/release/castellan --plugin .build-plugin/castellan_mosquitto.so

Prints each round, then per load and slice the connect rate of every round and the median (for the
storm: the live client's p99). The
service asks for `bridge.decision_slice_us` itself (docs/service.md, "Scheduler slice"); this script
overrides whatever it asked for, both ways. Needs Linux 6.12 or later, and root (or the service's user)."""
import argparse, ctypes, glob, os, statistics, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B

SYS_SCHED_SETATTR = {"x86_64": 314, "aarch64": 274}[os.uname().machine]


class SchedAttr(ctypes.Structure):  # struct sched_attr, linux/sched/types.h
    _fields_ = [("size", ctypes.c_uint32), ("sched_policy", ctypes.c_uint32), ("sched_flags", ctypes.c_uint64),
                ("sched_nice", ctypes.c_int32), ("sched_priority", ctypes.c_uint32), ("sched_runtime", ctypes.c_uint64),
                ("sched_deadline", ctypes.c_uint64), ("sched_period", ctypes.c_uint64),
                ("sched_util_min", ctypes.c_uint32), ("sched_util_max", ctypes.c_uint32)]


libc = ctypes.CDLL(None, use_errno=True)


def set_slice(pid, nanoseconds):
    """Every thread of `pid` on SCHED_NORMAL with this slice (0: the kernel's default), nice 0."""
    for task in glob.glob("/proc/%d/task/*" % pid):
        attr = SchedAttr(size=ctypes.sizeof(SchedAttr), sched_runtime=nanoseconds)
        if libc.syscall(SYS_SCHED_SETATTR, int(os.path.basename(task)), ctypes.byref(attr), 0) != 0:
            raise OSError(ctypes.get_errno(), "sched_setattr on thread %s" % os.path.basename(task))


p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--castellan", default=".build-release/release/castellan")
p.add_argument("--plugin", default=".build-plugin/castellan_mosquitto.so")
p.add_argument("--slice-us", type=int, default=100)
p.add_argument("--rounds", type=int, default=5)
p.add_argument("--duration", type=float, default=2.0, help="seconds per load run")
p.add_argument("--base-port", type=int, default=26883)
p.add_argument("--storm", type=int, default=4, help="also a storm part run per round: the live client's p99 while this many "
               "processes loop password connects, dynamic-security and Castellan on mosquitto 2.0 (0: none)")
args = p.parse_args()

bench = B.Bench.for_loads(args.castellan, args.plugin, args.duration, args.base_port)
LOADS = [  # label, broker, argv
    ("dynamic-security, password, 4 at once", "dynsec", lambda: bench.load_argv("dynsec", 4, args.duration)),
    ("Castellan, password, 4 at once", "castellan", lambda: bench.load_argv("castellan_password", 4, args.duration)),
    ("mTLS alone, 4 at once", "mtls", lambda: bench.load_argv("mtls", 4, args.duration)),
    ("Castellan, certificate, 4 at once", "castellan", lambda: bench.load_argv("castellan_cert", 4, args.duration)),
    ("anonymous, sequential", "anon", lambda: bench.load_argv("anon", 1, args.duration)),
    ("Castellan, password, sequential", "castellan", lambda: bench.load_argv("castellan_password", 1, args.duration)),
]
SLICES = [("default", 0), ("%d µs" % args.slice_us, args.slice_us * 1000)]
rates = {}
p99s = {}
try:
    bench.setup()
    bench.start()
    STORMS = {key: (storm_creds, live_creds) for line, key, storm_creds, live_creds in bench.storm_brokers()
              if line == "2.0" and key in ("dynsec", "castellan")} if args.storm else {}
    for warm in ("py_castellan_password", "py_castellan_cert"):  # caches filled, as in a running fleet
        bench.load(bench.py_argv(warm, 1, 1), broker="castellan")
    for r in range(args.rounds):
        for name, nanoseconds in SLICES:
            set_slice(bench.named["castellan-serve"].pid, nanoseconds)
            for label, broker, argv in LOADS:
                x = bench.load(argv(), broker=broker)
                rates.setdefault((label, name), []).append(x["connects_per_s"])
                B.log("round %d %-8s %-40s %7.0f/s  p50 %5d µs" % (r + 1, name, label, x["connects_per_s"], x["p50_us"]))
            for key, (storm_creds, live_creds) in STORMS.items():
                x = bench.storm_run(key, args.storm, storm_creds, live_creds)
                p99s.setdefault((key, name), []).append(x["p99_us"])
                B.log("round %d %-8s storm of %d, %-28s live p99 %5d µs" % (r + 1, name, args.storm, key, x["p99_us"]))
finally:
    bench.stop_all()
print("| connects/s | " + " | ".join(name for name, _ in SLICES) + " |")
print("| --- | " + " | ".join("---" for _ in SLICES) + " |")
for label, _, _ in LOADS:
    print("| %s | %s |" % (label, " | ".join("%.0f (%s)" % (statistics.median(rates[(label, name)]), " ".join("%.0f" % v for v in rates[(label, name)]))
                                           for name, _ in SLICES)))
for key in STORMS:
    print("| storm of %d, %s: live p99 µs | %s |" % (args.storm, key, " | ".join(
        "%.0f (%s)" % (statistics.median(p99s[(key, name)]), " ".join("%.0f" % v for v in p99s[(key, name)])) for name, _ in SLICES)))
