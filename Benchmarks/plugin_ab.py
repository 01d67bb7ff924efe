#!/usr/bin/env python3
"""Plugin builds or settings side by side: one `castellan serve`, one extra Castellan broker per variant
(mosquitto 2.0, plain TCP), dynamic-security as the reference, password connect loads interleaved round
by round so the machine's drift hits every variant alike. Prints each round, then per load and variant
the median rate and the median (min–max) of the per-round ratios to dynamic-security.

  python3 Benchmarks/plugin_ab.py --variant off:.build-plugin/castellan_mosquitto.so:0 \\
                                  --variant spin:.build-plugin/castellan_mosquitto.so:150
A variant is NAME:PLUGIN.so:SPIN_US (plugin_opt_spin_us). Needs the release build (`make release`)."""
import argparse, os, re, statistics, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--variant", action="append", required=True, help="NAME:PLUGIN.so:SPIN_US")
p.add_argument("--rounds", type=int, default=5)
p.add_argument("--duration", type=float, default=2.0, help="seconds per load run")
p.add_argument("--loads", default="py:1,swift:1,py:4,swift:4",
               help="CLIENT:CONNECTIONS, CLIENT py (mqtt_connect.py), swift (castellan client load) or scram (the same, SCRAM-SHA-256: no "
                    "reference); py:1@380 paces each process at 380 connects/s")
p.add_argument("--castellan", default=os.path.join(B.ROOT, ".build-release/release/castellan"))
p.add_argument("--base-port", type=int, default=24883)
args = p.parse_args()
bench = B.Bench.for_loads(args.castellan, os.path.join(B.ROOT, ".build-plugin/castellan_mosquitto.so"), args.duration, args.base_port)
loads = [(client, n) for client, n in (item.split(":") for item in args.loads.split(","))]  # N, or N@RATE: paced (py only)
results = {}
try:
    bench.setup()
    bench.start()
    brokers = {"dynsec": ("dynsec", bench.ports["dynsec"])}
    for i, variant in enumerate(args.variant):
        name, plugin, spin = variant.split(":")
        port = args.base_port + 100 + 2 * i
        conf = bench.run("mosquitto-conf", "--config", os.path.join(bench.dir, "castellan.yaml"), "--port", str(port),
                         "--tls-port", str(port + 1), "--tls-password-port", "0", "--plugin", os.path.abspath(plugin), "--bind", "127.0.0.1",
                         "--server-cert", os.path.join(bench.dir, "broker"), "--broker-id", "ab-" + name, "--timeout-ms", "200")
        path = os.path.join(bench.dir, "ab-%s.conf" % name)
        with open(path, "w") as f:
            user = "root" if os.geteuid() == 0 else os.environ.get("USER", "root")  # as bench.py's brokers
            f.write("user %s\n%s\nplugin_opt_spin_us %s\n" % (user, re.sub(r"(?m)^user .*$", "", conf), spin))
        bench.spawn([B.MOSQUITTO, "-c", path], "mosquitto-ab-" + name, port=port)
        brokers[name] = ("ab-" + name, port)
    for r in range(args.rounds):
        for client, n in loads:
            for name, (broker, port) in brokers.items():
                if client == "scram" and name == "dynsec":
                    continue
                count, _, rate = n.partition("@")
                argv = {"py": lambda: bench.py_argv("py_dynsec", int(count), args.duration), "swift": lambda: bench.load_argv("dynsec", int(count), args.duration),
                        "scram": lambda: bench.load_argv("castellan_scram", int(count), args.duration)}[client]()
                if rate:
                    argv += ["--rate", rate]
                argv[argv.index("--port") + 1] = str(port)
                x = bench.load(argv, broker=broker)
                results.setdefault((client, n, name), []).append(x)
                B.log("round %d %s:%s %-8s %8.1f/s  p50 %5d µs  p99 %6d µs  cpu µs/connect: broker %.0f service %.0f" % (
                    r + 1, client, n, name, x["connects_per_s"], x["p50_us"], x["p99_us"], x["broker_cpu_us"] or 0, x["service_cpu_us"]))
finally:
    bench.stop_all()
print("| load | variant | connects/s | p50 µs | p99 µs | / dynamic-security, per round | mosquitto CPU µs/connect | service CPU µs/connect |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for client, n in loads:
    for name in brokers:
        xs, ref = results.get((client, n, name)), results.get((client, n, "dynsec"))
        if not xs:
            continue
        ratios = [x["connects_per_s"] / d["connects_per_s"] for x, d in zip(xs, ref)] if ref else []
        print("| %s:%s | %s | %.0f | %.0f | %.0f | %s | %.0f | %.0f |" % (
            client, n, name, statistics.median(x["connects_per_s"] for x in xs), statistics.median(x["p50_us"] for x in xs),
            statistics.median(x["p99_us"] for x in xs),
            "%.3f (%.2f–%.2f)" % (statistics.median(ratios), min(ratios), max(ratios)) if ratios else "–",
            statistics.median(x["broker_cpu_us"] for x in xs), statistics.median(x["service_cpu_us"] for x in xs)))
