#!/usr/bin/env python3
"""What waking an idle vCPU costs: sequential Python connects to mosquitto alone, with dynamic-security
and with Castellan, under each value of the guest's halt polling (cpuidle-haltpoll's guest_halt_poll_ns),
values alternated round by round; the value found is put back at the end. Needs root and a KVM guest
with cpuidle-haltpoll (this project's VM boots with haltpoll.guest_halt_poll_ns=0; the kernel's default is
200000).

  sudo python3 Benchmarks/halt_poll.py --values 0,200000 --rounds 3
Prints each run, then per value: the added median connect latency over anonymous, connects/s, and
Castellan's service CPU per connect."""
import argparse, os, statistics, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B

PARAM = "/sys/module/haltpoll/parameters/guest_halt_poll_ns"
p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--values", default="0,200000", help="comma-separated guest_halt_poll_ns values")
p.add_argument("--rounds", type=int, default=3)
p.add_argument("--duration", type=float, default=3.0, help="seconds per load run")
p.add_argument("--castellan", default=os.path.join(B.ROOT, ".build-release/release/castellan"))
p.add_argument("--plugin", default=os.path.join(B.ROOT, ".build-plugin/castellan_mosquitto.so"))
p.add_argument("--base-port", type=int, default=28883)
args = p.parse_args()
if not os.access(PARAM, os.W_OK):
    raise SystemExit("halt_poll: %s is not there or not writable (a KVM guest with cpuidle-haltpoll, as root)" % PARAM)

LOADS = [("py_anon", "anon"), ("py_dynsec", "dynsec"), ("py_castellan_password", "castellan")]
values = args.values.split(",")
found = open(PARAM).read().strip()
bench = B.Bench.for_loads(args.castellan, args.plugin, args.duration, args.base_port)
results = {}
try:
    bench.setup()
    bench.start()
    bench.load(bench.py_argv("py_castellan_password", 1, 1), broker="castellan")  # caches filled
    for r in range(args.rounds):
        for value in values:
            with open(PARAM, "w") as f:
                f.write(value)
            for scenario, broker in LOADS:
                x = bench.load(bench.py_argv(scenario, 1, args.duration), broker=broker)
                results.setdefault((value, scenario), []).append(x)
                B.log("round %d halt poll %7s ns %-22s p50 %4d µs %6.0f/s service %5.1f µs per connect" % (
                    r + 1, value, scenario, x["p50_us"], x["connects_per_s"], x["service_cpu_us"]))
finally:
    with open(PARAM, "w") as f:
        f.write(found)
    bench.stop_all()
print("| guest_halt_poll_ns | scenario | p50 µs | added over anonymous | connects/s | service CPU µs per connect |")
print("| --- | --- | --- | --- | --- | --- |")
for value in values:
    anon = statistics.median(x["p50_us"] for x in results[(value, "py_anon")])
    for scenario, _ in LOADS:
        runs = results[(value, scenario)]
        p50 = statistics.median(x["p50_us"] for x in runs)
        print("| %s | %s | %s | %+.0f | %s | %s |" % (
            value, scenario, " ".join("%d" % x["p50_us"] for x in runs), p50 - anon,
            " ".join("%.0f" % x["connects_per_s"] for x in runs), " ".join("%.0f" % x["service_cpu_us"] for x in runs)))
