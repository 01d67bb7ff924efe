#!/usr/bin/env python3
"""`make bench`: Castellan against what users would pick instead, in one run, on this machine.

Part A  connect rate and latency (mosquitto alone, dynamic-security, Castellan password/TOTP/
        SCRAM/certificate, mosquitto mTLS), sequential and with 4 and 16 concurrent clients.
Part B  publish throughput QoS 0/1 with topic authorization (none, dynamic-security, Castellan).
Part C  the service microbenchmarks and supervision restart latency next to Erlang/OTP.
Part S  connect storm: a live client's publish round trip while 4 and 16 processes loop connects
        (mosquitto alone, dynamic-security, Castellan; on mosquitto 2.0 and, when built, 2.1).
Part D  decision threads: Castellan's connect rate with 16 clients at once and 1 or 2 decision
        threads (`bridge.decision_threads`), and the service's CPU per connect.

Every figure is the median of --runs runs with min..max; runs are interleaved across the
scenarios (run 1 of every scenario, then run 2, ...) so background load hits all of them alike;
every ratio is computed from medians of this one run. Prints one markdown table and writes it,
with the date and the machine, to --out. python3 stdlib only; see Benchmarks/README.md.
"""
import argparse
import datetime
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MOSQUITTO = "/usr/sbin/mosquitto"
DYNSEC = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so"
MOSQUITTO_21 = os.path.join(ROOT, ".build-mosquitto21/sbin/mosquitto")
PASSWORD = "bench-password-0123456789"
TOPIC = "bench/data"
LIVE_TOPIC = "bench/live"
CONCURRENCY = (1, 4, 16)
STORM = (4, 16)
BROKER_OF = {"anon": "anon", "py_anon": "anon", "dynsec": "dynsec", "py_dynsec": "dynsec", "mtls": "mtls",
             "castellan_password": "castellan", "py_castellan_password": "castellan", "castellan_scram": "castellan",
             "castellan_cert": "castellan", "py_mtls": "mtls", "py_castellan_cert": "castellan",
             "py_castellan_scram": "castellan", "py_anon21": "anon21", "py_dynsec21": "dynsec21",
             "py_castellan_password21": "castellan21", "py_mtls21": "mtls21", "py_castellan_cert21": "castellan21"}


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


class Bench:
    def __init__(self, args):
        self.args = args
        self.castellan = os.path.abspath(args.castellan)
        self.service = os.path.abspath(args.service or args.castellan)
        self.plugin = os.path.abspath(args.plugin)
        self.dir = tempfile.mkdtemp(prefix="castellan-bench-")
        self.procs = []
        self.ports = {}
        self.named = {}

    @classmethod
    def for_loads(cls, castellan, plugin, duration, base_port):
        """A Bench for the A/B scripts: one serve and bench.py's brokers, loads run by the caller."""
        return cls(argparse.Namespace(castellan=castellan, service=None, plugin=plugin, parts="A", mosquitto21=None, spin_us=None,
                                      runs=1, duration=duration, singles=1, restarts=1, base_port=base_port, timeout_ms=200,
                                      out="-", keep=False))

    # ---- processes -------------------------------------------------------------------------
    def run(self, *argv, **kw):
        return subprocess.run([self.service, *argv], cwd=self.dir, check=True, capture_output=True, text=True, **kw).stdout

    def spawn(self, argv, name, ready=None, port=None):
        logf = open(os.path.join(self.dir, name + ".log"), "w")
        proc = subprocess.Popen(argv, cwd=self.dir, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        self.named[name] = proc
        deadline = time.time() + 30
        while time.time() < deadline:
            if proc.poll() is not None:
                raise SystemExit("bench: %s exited early, see %s/%s.log" % (name, self.dir, name))
            if ready and ready in open(os.path.join(self.dir, name + ".log")).read():
                return proc
            if port:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    return proc
                except OSError:
                    pass
            time.sleep(0.05)
        raise SystemExit("bench: %s did not come up, see %s/%s.log" % (name, self.dir, name))

    def stop_all(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs = []

    # ---- setup -------------------------------------------------------------------------------
    def mosquitto21(self):
        """The mosquitto 2.1 binary the 2.1 rows run on, or None (`--mosquitto21` absent or not built)."""
        m = self.args.mosquitto21
        return m if m and os.access(m, os.X_OK) else None

    def setup(self):
        a = self.args
        log("bench: setting up %s" % self.dir)
        self.run("init", "--dir", ".")
        # The load comes from loopback: name it a trusted proxy, or the per-address limit refuses most of it.
        conf = os.path.join(self.dir, "castellan.yaml")
        with open(conf) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write(text.replace("trusted_proxies: []", 'trusted_proxies: ["127.0.0.1", "::1"]'))
        self.run("ca", "init")
        self.run("cert", "server", "--ip", "127.0.0.1", "--dns", "localhost", "--out", "broker")
        with open(os.path.join(self.dir, "password"), "w") as f:
            f.write(PASSWORD)
        open(os.path.join(self.dir, "empty"), "w").close()
        for dev, policy in (("bench-password", "password"), ("bench-scram", "scram"), ("bench-cert", "cert")):
            self.run("device", "add", dev, "--policy", policy)
        self.run("scram", "set", "bench-password", "--password-file", "password")
        self.run("scram", "set", "bench-scram", "--password-file", "password")
        self.run("cert", "issue", "bench-cert", "--out", "bench-cert")
        self.run("acl", "add", "--device", "bench-password", "allow", "publish", TOPIC)
        # The storm part's live client: its own device (the storm takes bench-password's session over).
        self.run("device", "add", "bench-live", "--policy", "password")
        self.run("scram", "set", "bench-live", "--password-file", "password")
        self.run("acl", "add", "--device", "bench-live", "allow", "all", LIVE_TOPIC)
        # One device per load process, where processes must not share a client id (every
        # mosquitto 2.1 row, the storm and scaling parts): `bench-pw-{n}` in mqtt_connect.py.
        for i in range(max(CONCURRENCY + STORM)):
            self.run("device", "add", "bench-pw-%d" % i, "--policy", "password")
            self.run("scram", "set", "bench-pw-%d" % i, "--password-file", "password")
        # The same for the mosquitto 2.1 certificate rows: `bench-cert-{n}`, each with its certificate.
        for i in range(max(CONCURRENCY) if self.mosquitto21() else 0):
            self.run("device", "add", "bench-cert-%d" % i, "--policy", "cert")
            self.run("cert", "issue", "bench-cert-%d" % i, "--out", "bench-cert-%d" % i)
        self.cold = ["bench-cold-%d" % i for i in range(a.runs * a.singles)]
        for dev in self.cold:
            self.run("device", "add", dev, "--policy", "password")
            self.run("scram", "set", dev, "--password-file", "password")
        self.totp = ["bench-totp-%d" % i for i in range(a.runs * a.singles)]
        for dev in self.totp:
            self.run("device", "add", dev, "--policy", "totp")
            secret = json.loads(self.run("totp", "enroll", dev, "--algorithm", "SHA1", "--digits", "6", "--period", "30", "--json"))["secret"]
            with open(os.path.join(self.dir, dev + ".totp"), "w") as f:
                f.write(secret)
        # dynamic-security: same password, its own 101-iteration PBKDF2-SHA512 (what mosquitto_ctrl writes).
        import base64, hashlib
        salt = os.urandom(12)
        dynsec = {
            "clients": [{"username": user, "textName": "bench", "salt": base64.b64encode(salt).decode(),
                         "password": base64.b64encode(hashlib.pbkdf2_hmac("sha512", PASSWORD.encode(), salt, 101)).decode(),
                         "iterations": 101, "roles": [{"rolename": "bench"}]}
                        for user in ["bench-password", "bench-live"] + ["bench-pw-%d" % i for i in range(max(CONCURRENCY + STORM))]],
            "roles": [{"rolename": "bench", "acls": [{"acltype": "publishClientSend", "topic": TOPIC, "allow": True},
                                                     {"acltype": "publishClientSend", "topic": LIVE_TOPIC, "allow": True},
                                                     {"acltype": "subscribeLiteral", "topic": LIVE_TOPIC, "allow": True}]}],
            "groups": [],
            "defaultACLAccess": {"publishClientSend": False, "publishClientReceive": True, "subscribe": False, "unsubscribe": True},
        }
        with open(os.path.join(self.dir, "dynamic-security.json"), "w") as f:
            json.dump(dynsec, f)

    def start(self):
        base = self.args.base_port
        self.ports = {"anon": base, "dynsec": base + 1, "castellan": base + 2, "castellan_tls": base + 3, "mtls": base + 4}
        d = self.dir
        self.spawn([self.service, "serve", "--config", os.path.join(d, "castellan.yaml")], "castellan-serve", ready="ready")
        common = "user %s\nlog_dest file %s/%%s.mosquitto.log\nlog_type error\nlog_type warning\n" % (os.environ.get("USER", "root") if os.geteuid() else "root", d)
        confs = {
            "anon": "listener %d 127.0.0.1\nset_tcp_nodelay true\nallow_anonymous true\n" % self.ports["anon"],
            "dynsec": ("per_listener_settings false\nallow_anonymous false\nplugin %s\nplugin_opt_config_file %s/dynamic-security.json\n"
                       "listener %d 127.0.0.1\nset_tcp_nodelay true\n") % (DYNSEC, d, self.ports["dynsec"]),
            "mtls": ("listener %d 127.0.0.1\nset_tcp_nodelay true\ncafile %s/certs/ca.pem\ncertfile %s/broker.pem\nkeyfile %s/broker.key\n"
                     "tls_version tlsv1.2\nrequire_certificate true\nuse_identity_as_username true\nallow_anonymous false\n") % (self.ports["mtls"], d, d, d),
        }
        castellan_conf = self.run("mosquitto-conf", "--config", os.path.join(d, "castellan.yaml"), "--port", str(self.ports["castellan"]),
                                  "--tls-port", str(self.ports["castellan_tls"]), "--plugin", self.plugin, "--bind", "127.0.0.1",
                                  "--server-cert", os.path.join(d, "broker"), "--broker-id", "bench",
                                  "--timeout-ms", str(self.args.timeout_ms))
        castellan_conf = re.sub(r"(?m)^user .*$", "", castellan_conf)
        if self.args.spin_us is not None:
            castellan_conf += "\nplugin_opt_spin_us %d\n" % self.args.spin_us
        confs["castellan"] = castellan_conf
        mosq21 = self.mosquitto21()
        if mosq21:
            # The same three plain-TCP brokers on mosquitto 2.1, where the plugin uses delayed basic auth.
            self.ports.update({"anon21": base + 5, "dynsec21": base + 6, "castellan21": base + 7, "castellan21_tls": base + 8, "mtls21": base + 9})
            dynsec21 = os.path.join(os.path.dirname(os.path.dirname(mosq21)), "lib", "mosquitto_dynamic_security.so")
            confs["anon21"] = confs["anon"].replace(str(self.ports["anon"]), str(self.ports["anon21"]))
            confs["mtls21"] = confs["mtls"].replace(str(self.ports["mtls"]), str(self.ports["mtls21"]))
            confs["dynsec21"] = ("allow_anonymous false\nplugin %s\nplugin_opt_config_file %s/dynamic-security.json\n"
                                 "listener %d 127.0.0.1\nset_tcp_nodelay true\n") % (dynsec21, d, self.ports["dynsec21"])
            c21 = self.run("mosquitto-conf", "--config", os.path.join(d, "castellan.yaml"), "--port", str(self.ports["castellan21"]),
                           "--tls-port", str(self.ports["castellan21_tls"]), "--server-cert", os.path.join(d, "broker"),
                           "--tls-password-port", "0", "--mosquitto-version", "2.1", "--plugin", self.plugin, "--bind", "127.0.0.1", "--broker-id", "bench21", "--timeout-ms", str(self.args.timeout_ms))
            confs["castellan21"] = re.sub(r"(?m)^user .*$", "", c21)
        self.mosq21 = mosq21
        for name, conf in confs.items():
            path = os.path.join(d, name + ".conf")
            with open(path, "w") as f:
                f.write((common % name) + conf)
            self.spawn([mosq21 if name.endswith("21") else MOSQUITTO, "-c", path], "mosquitto-" + name, port=self.ports[name])

    # ---- Part A ----------------------------------------------------------------------------------
    def load_argv(self, scenario, connections, duration, count=None, device=None):
        p = self.ports
        d = self.dir
        argv = [self.castellan, "client", "load", "--json", "--host", "127.0.0.1", "--connections", str(connections),
                "--duration", str(duration)]
        if count:
            argv += ["--count", str(count)]
        pw = ["--password-file", os.path.join(d, "password")]
        if scenario == "anon":
            argv += ["--port", str(p["anon"]), "--client-id", "bench-anon"]
        elif scenario == "dynsec":
            argv += ["--port", str(p["dynsec"]), "--client-id", "bench-password", "--username", "bench-password"] + pw
        elif scenario in ("castellan_password", "castellan_cold"):
            dev = device or "bench-password"
            argv += ["--port", str(p["castellan"]), "--client-id", dev, "--username", dev] + pw
        elif scenario == "castellan_totp":
            argv += ["--port", str(p["castellan"]), "--client-id", device, "--username", device,
                     "--password-file", os.path.join(d, "empty"), "--totp-secret-file", os.path.join(d, device + ".totp")]
        elif scenario == "castellan_scram":
            argv += ["--port", str(p["castellan"]), "--client-id", "bench-scram", "--username", "bench-scram", "--scram", "SCRAM-SHA-256"] + pw
        elif scenario == "mtls":
            argv += ["--port", str(p["mtls"]), "--client-id", "bench-cert", "--tls", "--ca", d + "/certs/ca.pem",
                     "--cert", d + "/bench-cert.pem", "--key", d + "/bench-cert.key"]
        elif scenario == "castellan_cert":
            argv += ["--port", str(p["castellan_tls"]), "--client-id", "bench-cert", "--tls", "--ca", d + "/certs/ca.pem",
                     "--cert", d + "/bench-cert.pem", "--key", d + "/bench-cert.key"]
        return argv

    def py_argv(self, scenario, connections, duration):
        """The same plain-TCP scenarios driven by Benchmarks/mqtt_connect.py (MQTT 3.1.1)."""
        argv = [sys.executable, os.path.join(HERE, "mqtt_connect.py"), "--connections", str(connections), "--duration", str(duration)]
        pw = ["--username", "bench-password", "--password-file", os.path.join(self.dir, "password")]
        pw_n = ["--username", "bench-pw-{n}", "--password-file", os.path.join(self.dir, "password")]
        d = self.dir
        tls = ["--client-id", "bench-cert", "--tls", "--ca", d + "/certs/ca.pem", "--cert", d + "/bench-cert.pem", "--key", d + "/bench-cert.key"]
        tls_n = ["--client-id", "bench-cert-{n}", "--tls", "--ca", d + "/certs/ca.pem", "--cert", d + "/bench-cert-{n}.pem", "--key", d + "/bench-cert-{n}.key"]
        return argv + {"py_castellan_scram": ["--port", str(self.ports["castellan"]), "--client-id", "bench-scram", "--scram",
                                              "--username", "bench-scram", "--password-file", os.path.join(self.dir, "password")],
                       "py_mtls": ["--port", str(self.ports["mtls"])] + tls,
                       "py_castellan_cert": ["--port", str(self.ports["castellan_tls"])] + tls,"py_anon": ["--port", str(self.ports["anon"]), "--client-id", "bench-anon"],
                       "py_dynsec": ["--port", str(self.ports["dynsec"]), "--client-id", "bench-password"] + pw,
                       "py_castellan_password": ["--port", str(self.ports["castellan"]), "--client-id", "bench-password"] + pw,
                       # mosquitto 2.1: one client id per process (delayed basic auth completes by client id).
                       "py_anon21": ["--port", str(self.ports.get("anon21")), "--client-id", "bench-anon-{n}"],
                       "py_dynsec21": ["--port", str(self.ports.get("dynsec21")), "--client-id", "bench-pw-{n}"] + pw_n,
                       "py_castellan_password21": ["--port", str(self.ports.get("castellan21")), "--client-id", "bench-pw-{n}"] + pw_n,
                       "py_mtls21": ["--port", str(self.ports.get("mtls21"))] + tls_n,
                       "py_castellan_cert21": ["--port", str(self.ports.get("castellan21_tls"))] + tls_n,
                       }[scenario]

    def cpu(self, name):
        """CPU seconds (user + system) used so far by one of our processes, from /proc."""
        proc = self.named.get(name)
        if not proc:
            return 0.0
        try:
            fields = open("/proc/%d/stat" % proc.pid).read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def load(self, argv, broker=None):
        """Runs one load; adds the CPU µs per connect of the client, the broker and the service."""
        before_b, before_s = self.cpu("mosquitto-" + broker) if broker else 0, self.cpu("castellan-serve")
        before_c = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        after_c = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            r = json.loads(out.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise SystemExit("bench: load failed: %s\n%s%s" % (" ".join(argv), out.stdout, out.stderr))
        n = max(r.get("connects") or round(r["connects_per_s"] * self.args.duration), 1)
        r["client_cpu_us"] = (after_c.ru_utime + after_c.ru_stime - before_c.ru_utime - before_c.ru_stime) * 1e6 / n
        r["broker_cpu_us"] = (self.cpu("mosquitto-" + broker) - before_b) * 1e6 / n if broker else None
        r["service_cpu_us"] = (self.cpu("castellan-serve") - before_s) * 1e6 / n
        return r

    def part_a(self):
        a = self.args
        loops = ["anon", "dynsec", "castellan_password", "castellan_scram", "mtls", "castellan_cert",
                 "py_anon", "py_dynsec", "py_castellan_password", "py_castellan_scram", "py_mtls", "py_castellan_cert"]
        if self.mosq21:
            loops += ["py_anon21", "py_dynsec21", "py_castellan_password21", "py_mtls21", "py_castellan_cert21"]
        res = {}
        for run in range(a.runs):
            for conc in CONCURRENCY:
                for s in loops:
                    argv = self.py_argv(s, conc, a.duration) if s.startswith("py_") else self.load_argv(s, conc, a.duration)
                    r = self.load(argv, broker=BROKER_OF[s])
                    log("A run %d %-22s c=%d %8.1f/s  p50 %6d µs  p99 %6d µs  failures %d  cpu µs/connect: client %.0f broker %.0f service %.0f" % (
                        run + 1, s, conc, r["connects_per_s"], r["p50_us"], r["p99_us"], r["failures"],
                        r["client_cpu_us"], r["broker_cpu_us"], r["service_cpu_us"]))
                    res.setdefault((s, conc), []).append(r)
            # Single connects (Python client, in this process, MQTT 3.1.1): a fresh device each time for
            # cold (PBKDF2 not cached yet) and TOTP (a code is accepted once per device and time step),
            # and the cached password device the same way as their reference.
            for s, devices in (("castellan_single", None), ("castellan_cold", self.cold), ("castellan_totp", self.totp)):
                lat, fails = [], 0
                for i in range(a.singles):
                    dev = devices[run * a.singles + i] if devices else "bench-password"
                    if s == "castellan_totp":
                        secret = open(os.path.join(self.dir, dev + ".totp")).read().strip()
                        password = totp_code(secret)
                    else:
                        password = PASSWORD
                    t = single_connect(self.ports["castellan"], dev, password)
                    if t is None:
                        fails += 1
                    else:
                        lat.append(t)
                lat.sort()
                r = {"p50_us": pct(lat, 0.5), "p99_us": lat[-1] if lat else None, "failures": fails, "connects_per_s": None}
                log("A run %d %-22s single connects: p50 %s µs  max %s µs  failures %d" % (run + 1, s, r["p50_us"], r["p99_us"], fails))
                res.setdefault((s, 1), []).append(r)
        return res

    # ---- Part B ----------------------------------------------------------------------------------
    def part_b(self):
        a = self.args
        d = self.dir
        res = {}
        scenarios = {
            "pub_none": ["--port", str(self.ports["anon"]), "--client-id", "bench-pub"],
            "pub_dynsec": ["--port", str(self.ports["dynsec"]), "--client-id", "bench-password", "--username", "bench-password",
                           "--password-file", d + "/password"],
            "pub_castellan": ["--port", str(self.ports["castellan"]), "--client-id", "bench-password", "--username", "bench-password",
                              "--password-file", d + "/password"],
        }
        for run in range(a.runs):
            for qos in (0, 1):
                for s, extra in scenarios.items():
                    argv = [sys.executable, os.path.join(HERE, "mqtt_pub.py"), "--topic", TOPIC, "--qos", str(qos),
                            "--duration", str(a.duration)] + extra
                    out = subprocess.run(argv, capture_output=True, text=True, timeout=120)
                    if out.returncode:
                        raise SystemExit("bench: publish load failed: %s\n%s" % (" ".join(argv), out.stderr))
                    r = json.loads(out.stdout)
                    log("B run %d %-14s qos %d  %10.1f msgs/s" % (run + 1, s, qos, r["msgs_per_s"]))
                    res.setdefault((s, qos), []).append(r["msgs_per_s"])
        return res

    # ---- Part S ----------------------------------------------------------------------------------
    def storm_brokers(self):
        """(label, port key, storm credentials, live credentials) for every broker of the storm part."""
        d = self.dir
        pw = lambda user: ["--username", user, "--password-file", os.path.join(d, "password")]
        out = []
        for line, suffix in (("2.0", ""), ("2.1", "21")):
            if suffix and not self.mosq21:
                continue
            # One device and client id per storm process (2.1 completes a delayed basic auth by client id).
            out += [(line, "anon" + suffix, ["--client-id", "bench-storm-{n}"], ["--client-id", "bench-live"]),
                    (line, "dynsec" + suffix, ["--client-id", "bench-pw-{n}"] + pw("bench-pw-{n}"), ["--client-id", "bench-live"] + pw("bench-live")),
                    (line, "castellan" + suffix, ["--client-id", "bench-pw-{n}"] + pw("bench-pw-{n}"), ["--client-id", "bench-live"] + pw("bench-live"))]
        return out

    def storm_run(self, key, storm, storm_creds, live_creds):
        """One storm of `storm` processes against broker `key`: the live client's round trips, and the storm's rate."""
        duration = self.args.duration
        port = ["--port", str(self.ports[key])]
        storm_proc = subprocess.Popen([sys.executable, os.path.join(HERE, "mqtt_connect.py"), "--connections", str(storm),
                                       "--duration", str(duration + 1.0)] + port + storm_creds,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)  # the storm's processes are up and connecting
        live = subprocess.run([sys.executable, os.path.join(HERE, "mqtt_rtt.py"), "--topic", LIVE_TOPIC,
                               "--duration", str(duration)] + port + live_creds, capture_output=True, text=True, timeout=120)
        out, err = storm_proc.communicate(timeout=120)
        if live.returncode or storm_proc.returncode:
            raise SystemExit("bench: storm run failed on %s: %s%s" % (key, live.stderr, err))
        r = json.loads(live.stdout.strip().splitlines()[-1])
        r["storm_connects_per_s"] = json.loads(out.strip().splitlines()[-1])["connects_per_s"]
        return r

    def part_s(self):
        """A live client's publish round trip while N processes loop connects to the same broker."""
        a = self.args
        res = {}
        for run in range(a.runs):
            for storm in STORM:
                for line, key, storm_creds, live_creds in self.storm_brokers():
                    r = self.storm_run(key, storm, storm_creds, live_creds)
                    log("S run %d %-12s storm %2d  live p50 %6d µs  p99 %6d µs  (%d round trips)  storm %7.1f connects/s" % (
                        run + 1, key, storm, r["p50_us"], r["p99_us"], r["round_trips"], r["storm_connects_per_s"]))
                    res.setdefault((key, storm), []).append(r)
        return res

    # ---- Part D ----------------------------------------------------------------------------------
    def restart_service(self, threads):
        """`castellan serve` again with `bridge.decision_threads: threads`; the plugins reconnect on their own."""
        proc = self.named.pop("castellan-serve")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        self.procs.remove(proc)
        conf = os.path.join(self.dir, "castellan.yaml")
        with open(conf) as f:
            text = f.read()
        text = re.sub(r"(?m)^  #? ?decision_threads: .*$", "  decision_threads: %d" % threads, text)
        with open(conf, "w") as f:
            f.write(text)
        self.spawn([self.service, "serve", "--config", conf], "castellan-serve", ready="ready")
        # Wait until every plugin is back: a connect to each Castellan broker succeeds.
        for key in ("castellan", "castellan21"):
            if key not in self.ports:
                continue
            deadline = time.time() + 30
            while single_connect(self.ports[key], "bench-password", PASSWORD) is None:
                if time.time() > deadline:
                    raise SystemExit("bench: the plugin on %s did not reconnect" % key)
                time.sleep(0.1)

    def part_d(self):
        """Connect rate with 16 clients at once and 1 or 2 decision threads, on each mosquitto line."""
        a = self.args
        res = {}
        keys = ["castellan"] + (["castellan21"] if self.mosq21 else [])
        for run in range(a.runs):
            for threads in (1, 2):
                self.restart_service(threads)
                for key in keys:
                    argv = [sys.executable, os.path.join(HERE, "mqtt_connect.py"), "--connections", "16", "--duration", str(a.duration),
                            "--port", str(self.ports[key]), "--client-id", "bench-pw-{n}", "--username", "bench-pw-{n}",
                            "--password-file", os.path.join(self.dir, "password")]
                    r = self.load(argv, broker=key)
                    log("D run %d %-12s threads %d  %8.1f connects/s  p50 %6d µs  p99 %6d µs  service cpu µs/connect %.0f  failures %d" % (
                        run + 1, key, threads, r["connects_per_s"], r["p50_us"], r["p99_us"], r["service_cpu_us"], r["failures"]))
                    res.setdefault((key, threads), []).append(r)
        self.restart_service(os.cpu_count() or 1)
        return res

    # ---- Part C ----------------------------------------------------------------------------------
    def part_c(self):
        a = self.args
        auth, sup, otp = [], [], []
        for run in range(a.runs):
            auth.append(json.loads(subprocess.run([self.castellan, "bench", "auth", "--json"], capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]))
            sup.append(json.loads(subprocess.run([self.castellan, "bench", "supervision", "--json", "--restarts", str(a.restarts)],
                                                 capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]))
            if shutil.which("escript"):
                otp.append(json.loads(subprocess.run(["escript", os.path.join(HERE, "otp_restart.escript"), str(a.restarts)],
                                                     capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]))
            log("C run %d done (%s)" % (run + 1, "with OTP" if otp else "no escript: install erlang-base for the OTP column"))
        return auth, sup, otp


def totp_code(secret_b32, step=30, digits=6):
    """RFC 6238 TOTP, SHA-1 (what the bench devices are enrolled with)."""
    import base64, hashlib, hmac
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack("!Q", int(time.time()) // step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return "%0*d" % (digits, (struct.unpack("!I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 10 ** digits)


def single_connect(port, device, password):
    """One MQTT 3.1.1 connect as `device`; µs from TCP connect to CONNACK, None if refused."""
    sys.path.insert(0, HERE)
    from mqtt_connect import connect_packet
    began = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port))
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(connect_packet(device, device, password))
        ack = b""
        while len(ack) < 4:
            chunk = s.recv(4 - len(ack))
            if not chunk:
                return None
            ack += chunk
        if ack[0] != 0x20 or ack[3] != 0:
            return None
        elapsed = int((time.perf_counter() - began) * 1e6)
        s.sendall(b"\xe0\x00")
        return elapsed
    finally:
        s.close()


def pct(sorted_values, fraction):
    if not sorted_values:
        return None
    index = int(-(-(len(sorted_values) - 1) * fraction // 1))
    return sorted_values[min(index, len(sorted_values) - 1)]


def mmm(values):
    """median (min..max) of numbers, as text; None-safe."""
    values = [v for v in values if v is not None]
    if not values:
        return "—", None
    med = statistics.median(values)
    fmt = (lambda v: "%.0f" % v) if max(values) >= 100 else (lambda v: "%.2f" % v)
    if len(values) == 1:
        return fmt(med), med
    return "%s (%s–%s)" % (fmt(med), fmt(min(values)), fmt(max(values))), med


def machine():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mosq = subprocess.run([MOSQUITTO, "-h"], capture_output=True, text=True).stdout.splitlines()[:1]
    load = open("/proc/loadavg").read().split()[:3]
    return "nproc %d · %s · Linux %s · %s · load average at start %s" % (
        os.cpu_count(), cpu, platform.release(), (mosq or ["mosquitto ?"])[0].strip(), " ".join(load))


def goal(ok, text):
    return "%s %s" % ("✅" if ok else "❌", text)


def report(args, a, b, c, started, command, storm=None, scaling=None):
    lines = []
    lines.append("# Castellan benchmarks")
    lines.append("")
    lines.append("Measured %s UTC by `%s` (%.0f s). Machine: %s." % (started.strftime("%Y-%m-%d %H:%M"), command,
                                                                    time.time() - started.timestamp(), machine()))
    lines.append("")
    lines.append("Each cell: median (min–max) of %d runs, runs interleaved across scenarios; ratios from the medians of this run. "
                 "The machine is shared (2 cores, other builds running): absolute numbers are noisy, ratios less so. "
                 "Service: `%s serve`. Load clients: `%s client load` (MQTT 5, one fixed client id per scenario, so 4 concurrent "
                 "clients take each other's session over, alike in every scenario) and, for the plain-TCP rows, "
                 "`Benchmarks/mqtt_connect.py` (MQTT 3.1.1, one process per connection), on the same 2 cores as the broker "
                 "and the service; %.1f s per loop run." % (args.runs, os.path.relpath(args.service or args.castellan, ROOT),
                                                            os.path.relpath(args.castellan, ROOT), args.duration))
    lines.append("")
    if "release" not in (args.service or args.castellan):
        lines.append("> **Not a release build of the service** (`%s`): Castellan's figures here are not representative." % (args.service or args.castellan))
        lines.append("")
    goals = []
    if a:
        names = [("anon", "mosquitto alone, anonymous (TCP)"), ("dynsec", "mosquitto + dynamic-security, password (TCP)"),
                 ("castellan_password", "mosquitto + Castellan, password, repeat connects (TCP)"),
                 ("castellan_scram", "mosquitto + Castellan, SCRAM-SHA-256 (TCP)"),
                 ("mtls", "mosquitto alone, mTLS (use_identity_as_username)"), ("castellan_cert", "mosquitto + Castellan, certificate (mTLS)"),
                 ("py_anon", "mosquitto alone, anonymous — Python client, MQTT 3.1.1"),
                 ("py_dynsec", "mosquitto + dynamic-security, password — Python client"),
                 ("py_castellan_password", "mosquitto + Castellan, password, repeat — Python client"),
                 ("py_castellan_scram", "mosquitto + Castellan, SCRAM-SHA-256 — Python client (MQTT 5)"),
                 ("py_mtls", "mosquitto alone, mTLS — Python client"),
                 ("py_castellan_cert", "mosquitto + Castellan, certificate (mTLS) — Python client")]
        if ("py_anon21", 1) in a:
            names += [("py_anon21", "mosquitto 2.1 alone, anonymous — Python client, one client id per process"),
                      ("py_dynsec21", "mosquitto 2.1 + dynamic-security, password — Python client, one device per process"),
                      ("py_castellan_password21", "mosquitto 2.1 + Castellan, password (delayed basic auth) — Python client, one device per process"),
                      ("py_mtls21", "mosquitto 2.1 alone, mTLS — Python client, one certificate per process"),
                      ("py_castellan_cert21", "mosquitto 2.1 + Castellan, certificate (delayed basic auth) — Python client, one device per process")]
        lines.append("## A. Connect: CONNECT → CONNACK (µs, client-side, including TCP/TLS setup), then DISCONNECT")
        lines.append("")
        lines.append("| scenario | seq connects/s | seq p50 µs | seq p99 µs | 4 conc connects/s | 4 conc p50 µs | 4 conc p99 µs "
                     "| 16 conc connects/s | 16 conc p50 µs | 16 conc p99 µs | failures |")
        lines.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        med = {}
        for key, label in names:
            cells = []
            fails = 0
            for conc in CONCURRENCY:
                rs = a.get((key, conc), [])
                fails += sum(r["failures"] for r in rs)
                for field in ("connects_per_s", "p50_us", "p99_us"):
                    text, m = mmm([r[field] for r in rs])
                    med[(key, conc, field)] = m
                    cells.append(text)
            lines.append("| %s | %s | %d |" % (label, " | ".join(cells), fails))
        lines.append("")
        lines.append("CPU time per successful connect, sequential runs (µs, from /proc and getrusage; medians): "
                     "what each side spends, independent of how the 2 cores were shared.")
        lines.append("")
        lines.append("| scenario | client | mosquitto | Castellan service |")
        lines.append("| --- | --- | --- | --- |")
        for key, label in names:
            rs = a.get((key, 1), [])
            cells = []
            for field in ("client_cpu_us", "broker_cpu_us", "service_cpu_us"):
                text, m = mmm([r.get(field) for r in rs])
                med[(key, 1, field)] = m
                cells.append(text)
            lines.append("| %s | %s |" % (label, " | ".join(cells)))
        lines.append("")
        lines.append("Single connects, %d per run, one after another from the bench process (Python, MQTT 3.1.1); p50 and the slowest of each run:" % args.singles)
        lines.append("")
        lines.append("| scenario | p50 µs | max µs | failures |")
        lines.append("| --- | --- | --- | --- |")
        for key, label in (("castellan_single", "Castellan password, single connects, credential cached (reference)"),
                           ("castellan_cold", "Castellan password, cold: first connect of a new device (PBKDF2-4096 computed)"),
                           ("castellan_totp", "Castellan TOTP: first connect of a new device (a code is good once per device and step)")):
            rs = a.get((key, 1), [])
            p50, m50 = mmm([r["p50_us"] for r in rs])
            p99, _ = mmm([r["p99_us"] for r in rs])
            med[(key, 1, "p50_us")] = m50
            lines.append("| %s | %s | %s | %d |" % (label, p50, p99, sum(r["failures"] for r in rs)))
        lines.append("")

        def ratio(x, y):
            return x / y if x is not None and y else float("nan")
        r_cert = ratio(med[("castellan_cert", 1, "connects_per_s")], med[("mtls", 1, "connects_per_s")])
        r_cert4 = ratio(med[("castellan_cert", 4, "connects_per_s")], med[("mtls", 4, "connects_per_s")])
        r_cert_py = ratio(med[("py_castellan_cert", 1, "connects_per_s")], med[("py_mtls", 1, "connects_per_s")])
        r_cert_py4 = ratio(med[("py_castellan_cert", 4, "connects_per_s")], med[("py_mtls", 4, "connects_per_s")])
        r_pw = ratio(med[("castellan_password", 1, "connects_per_s")], med[("dynsec", 1, "connects_per_s")])
        r_pw4 = ratio(med[("castellan_password", 4, "connects_per_s")], med[("dynsec", 4, "connects_per_s")])
        r_pw16 = ratio(med[("castellan_password", 16, "connects_per_s")], med[("dynsec", 16, "connects_per_s")])
        r_cert16 = ratio(med[("castellan_cert", 16, "connects_per_s")], med[("mtls", 16, "connects_per_s")])
        added = med[("castellan_password", 1, "p50_us")] - med[("anon", 1, "p50_us")]
        added_dyn = med[("dynsec", 1, "p50_us")] - med[("anon", 1, "p50_us")]
        added_py = med[("py_castellan_password", 1, "p50_us")] - med[("py_anon", 1, "p50_us")]
        added_py_dyn = med[("py_dynsec", 1, "p50_us")] - med[("py_anon", 1, "p50_us")]
        r_pw_py = ratio(med[("py_castellan_password", 1, "connects_per_s")], med[("py_dynsec", 1, "connects_per_s")])
        cpu_added_broker = (med[("castellan_password", 1, "broker_cpu_us")] or 0) - (med[("anon", 1, "broker_cpu_us")] or 0)
        cpu_added = cpu_added_broker + (med[("castellan_password", 1, "service_cpu_us")] or 0)
        cpu_added_dyn = (med[("dynsec", 1, "broker_cpu_us")] or 0) - (med[("anon", 1, "broker_cpu_us")] or 0)
        r_scram = ratio(med[("castellan_scram", 1, "p50_us")], med[("castellan_password", 1, "p50_us")])
        r_scram_rate = ratio(med[("castellan_password", 1, "connects_per_s")], med[("castellan_scram", 1, "connects_per_s")])
        r_scram_py = ratio(med[("py_castellan_scram", 1, "p50_us")], med[("py_castellan_password", 1, "p50_us")])
        goals += [
            goal(r_cert4 >= 0.97, "Castellan certificate connect rate = %.3f × mosquitto mTLS with 4 concurrent (%.3f × sequential, %.3f × with 16); goal ≥ 0.97 with 4 concurrent" % (r_cert4, r_cert, r_cert16)),
            goal(r_cert_py >= 0.97, "the same with the Python client: %.3f × sequential (%.3f × with 4 concurrent)" % (r_cert_py, r_cert_py4)),
            goal(r_pw >= 1.0, "Castellan password (repeat) connect rate = %.3f × dynamic-security sequential (%.3f × with 4 concurrent, %.3f × with 16); goal ≥ 1.0 (Castellan PBKDF2-4096, dynamic-security 101), mosquitto 2.0" % (r_pw, r_pw4, r_pw16)),
            goal(r_pw4 >= 1.0, "Castellan password connect rate with 4 clients at once = %.3f × dynamic-security on mosquitto 2.0; goal ≥ 1.0" % r_pw4),
            goal(r_pw_py >= 1.0, "the same with the Python client: %.3f × dynamic-security sequential (%.3f × with 4 concurrent)" % (
                r_pw_py, ratio(med[("py_castellan_password", 4, "connects_per_s")], med[("py_dynsec", 4, "connects_per_s")]))),
            goal(added <= 30, "Castellan password auth adds %+.0f µs to the median sequential connect over anonymous (dynamic-security adds %+.0f µs); goal ≤ 30 µs" % (added, added_dyn)),
            goal(cpu_added <= 30, "in CPU time (noise-free of scheduling): Castellan password adds %+.0f µs per connect (mosquitto %+.0f, service %+.0f) over anonymous; dynamic-security adds %+.0f µs" % (
                cpu_added, cpu_added_broker, med[("castellan_password", 1, "service_cpu_us")] or 0, cpu_added_dyn)),
            goal(added_py <= 30, "the same with the Python client: Castellan adds %+.0f µs (dynamic-security %+.0f µs)" % (added_py, added_py_dyn)),
            goal(r_scram <= 2.5, "SCRAM-SHA-256 connect = %.2f × password connect (median latency; %.2f × by rate); goal ≤ 2.5" % (r_scram, r_scram_rate)),
            goal(r_scram_py <= 2.5, "the same with the Python client: %.2f × (median latency)" % r_scram_py),
        ]
        if ("py_anon21", 1) in a:
            r21 = {conc: ratio(med[("py_castellan_password21", conc, "connects_per_s")], med[("py_dynsec21", conc, "connects_per_s")])
                   for conc in CONCURRENCY}
            goals.append(goal(r21[4] >= 1.0, "mosquitto 2.1, Python client: Castellan password connect rate with 4 clients at once = %.3f × dynamic-security (%.3f × sequential, %.3f × with 16); goal ≥ 1.0 with 4" % (
                r21[4], r21[1], r21[16])))
            c21 = {conc: ratio(med[("py_castellan_cert21", conc, "connects_per_s")], med[("py_mtls21", conc, "connects_per_s")])
                   for conc in CONCURRENCY}
            goals.append(goal(c21[4] >= 0.97, "mosquitto 2.1, Python client: Castellan certificate connect rate with 4 clients at once = %.3f × mTLS alone (%.3f × sequential, %.3f × with 16); goal ≥ 0.97 with 4" % (
                c21[4], c21[1], c21[16])))
    if b:
        lines.append("## B. Publish throughput, one publisher, 64-byte payload, topic authorized on every PUBLISH (msgs/s)")
        lines.append("")
        lines.append("| broker | QoS 0 | QoS 1 (20 in flight) |")
        lines.append("| --- | --- | --- |")
        medb = {}
        for key, label in (("pub_none", "mosquitto, no ACL plugin (anonymous)"), ("pub_dynsec", "mosquitto + dynamic-security ACL"),
                           ("pub_castellan", "mosquitto + Castellan in-plugin ACL")):
            cells = []
            for qos in (0, 1):
                text, m = mmm(b.get((key, qos), []))
                medb[(key, qos)] = m
                cells.append(text)
            lines.append("| %s | %s |" % (label, " | ".join(cells)))
        lines.append("")
        for qos in (0, 1):
            r = medb[("pub_castellan", qos)] / medb[("pub_none", qos)]
            rd = medb[("pub_dynsec", qos)] / medb[("pub_none", qos)]
            goals.append(goal(r >= 0.97, "QoS %d publish throughput with Castellan's ACL = %.3f × no ACL plugin (dynamic-security %.3f ×); goal ≥ 0.97" % (qos, r, rd)))
    if c:
        auth, sup, otp = c
        lines.append("## C. Service microbenchmarks (in-process, `castellan bench auth|supervision --json`) and OTP")
        lines.append("")
        lines.append("| measure | Castellan | Erlang/OTP %s |" % (otp[0]["otp_release"] if otp else "(not installed)"))
        lines.append("| --- | --- | --- |")
        for key in auth[0]:
            lines.append("| auth: %s | %s | |" % (key, mmm([r[key] for r in auth])[0]))
        for key in sup[0]:
            o = ""
            if otp and key in ("restart_p50_us", "restart_p99_us"):
                o = mmm([r[key] for r in otp])[0]
            lines.append("| supervision: %s | %s | %s |" % (key, mmm([r[key] for r in sup])[0], o))
        lines.append("")
        lines.append("Restart latency on both sides: a worker crashes (an error leaves its callback) until its replacement "
                     "answers a request; %d restarts per run, one at a time; OTP: a one_for_one supervisor with one gen_server "
                     "(`Benchmarks/otp_restart.escript`), Castellan: a pool of 8 (`restart_*_us`) and of 1,000 (`*_1000`)." % args.restarts)
        lines.append("")
        if otp:
            s50 = statistics.median(r["restart_p50_us"] for r in sup)
            s99 = statistics.median(r["restart_p99_us"] for r in sup)
            o50 = statistics.median(r["restart_p50_us"] for r in otp)
            o99 = statistics.median(r["restart_p99_us"] for r in otp)
            goals.append(goal(s50 <= 0.5 * o50, "restart p50 = %.3f × OTP's; goal ≤ 0.5" % (s50 / o50)))
            goals.append(goal(s99 <= 1.0 * o99, "restart p99 = %.3f × OTP's; goal ≤ 1.0" % (s99 / o99)))
    if storm:
        lines.append("## S. Connect storm: a live client's publish round trip (µs) while N processes loop password connects")
        lines.append("")
        lines.append("The live client (`Benchmarks/mqtt_rtt.py`, its own device) publishes to a topic it subscribes to and waits for the "
                     "message, then pauses 1 ms; the storm (`Benchmarks/mqtt_connect.py`, one process per connection) connects as another "
                     "device, again and again, to the same broker. mosquitto alone: anonymous connects; dynamic-security and Castellan: "
                     "password connects (Castellan's cached).")
        lines.append("")
        lines.append("| mosquitto | broker | storm | live p50 µs | live p99 µs | storm connects/s |")
        lines.append("| --- | --- | --- | --- | --- | --- |")
        meds = {}
        labels = {"anon": "mosquitto alone", "dynsec": "dynamic-security", "castellan": "Castellan"}
        for (key, n) in sorted(storm, key=lambda k: (k[0].endswith("21"), k[1], k[0])):
            rs = storm[(key, n)]
            p50, _ = mmm([r["p50_us"] for r in rs])
            p99, m99 = mmm([r["p99_us"] for r in rs])
            rate, _ = mmm([r["storm_connects_per_s"] for r in rs])
            meds[(key, n)] = m99
            lines.append("| %s | %s | %d processes | %s | %s | %s |" % ("2.1" if key.endswith("21") else "2.0", labels[key.rstrip("21")], n, p50, p99, rate))
        lines.append("")
        for n in STORM:
            if ("castellan", n) in meds:
                goals.append(goal(meds[("castellan", n)] <= meds[("dynsec", n)],
                                  "storm of %d, mosquitto 2.0: live p99 with Castellan %s µs vs dynamic-security %s µs; goal ≤ dynamic-security's" % (
                                      n, meds[("castellan", n)], meds[("dynsec", n)])))
            if ("castellan21", n) in meds:
                goals.append(goal(meds[("castellan21", n)] <= 1.2 * meds[("anon21", n)],
                                  "storm of %d, mosquitto 2.1: live p99 with Castellan %s µs = %.2f × mosquitto alone's (%s µs); goal ≤ 1.2 ×" % (
                                      n, meds[("castellan21", n)], meds[("castellan21", n)] / meds[("anon21", n)], meds[("anon21", n)])))
    if scaling:
        lines.append("## D. Decision threads: Castellan password connects, 16 clients at once (Python, one process each)")
        lines.append("")
        lines.append("`castellan serve` restarted with `bridge.decision_threads` 1, then 2, in every run. On mosquitto 2.0 the plugin "
                     "blocks, so one broker has one request in flight and its link's decisions stay on one thread; on 2.1 (delayed "
                     "basic auth) one broker's requests in flight spread over the threads. How this extrapolates to a 16-core "
                     "server: Benchmarks/README.md.")
        lines.append("")
        lines.append("| mosquitto | decision threads | connects/s | p50 µs | p99 µs | service CPU µs/connect | mosquitto CPU µs/connect |")
        lines.append("| --- | --- | --- | --- | --- | --- | --- |")
        for (key, threads) in sorted(scaling):
            rs = scaling[(key, threads)]
            cells = [mmm([r[f] for r in rs])[0] for f in ("connects_per_s", "p50_us", "p99_us", "service_cpu_us", "broker_cpu_us")]
            lines.append("| %s | %d | %s |" % ("2.1" if key.endswith("21") else "2.0", threads, " | ".join(cells)))
        lines.append("")
    if goals:
        lines.append("## Goals (ratios within this run)")
        lines.append("")
        lines += ["- " + g for g in goals]
        lines.append("")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description="Castellan comparative benchmarks (see Benchmarks/README.md).")
    p.add_argument("--castellan", default=os.path.join(ROOT, ".build-release/release/castellan"))
    p.add_argument("--service", help="a different castellan binary for setup and `serve` (default: --castellan)")
    p.add_argument("--plugin", default=os.path.join(ROOT, ".build-plugin/castellan_mosquitto.so"))
    p.add_argument("--parts", default="A,B,C,S,D", help="comma-separated subset of A,B,C,S,D")
    p.add_argument("--mosquitto21", default=MOSQUITTO_21, help="a mosquitto 2.1 build for the storm and scaling parts (`make mosquitto-2.1`); skipped when absent")
    p.add_argument("--spin-us", type=int, default=None, help="plugin_opt_spin_us for the Castellan brokers on mosquitto 2.0 (default: the plugin's, 150; docs/plugin.md)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--duration", type=float, default=2.0, help="seconds per connect or publish run")
    p.add_argument("--singles", type=int, default=8, help="one-connect processes per run (cold, TOTP)")
    p.add_argument("--restarts", type=int, default=2000)
    p.add_argument("--base-port", type=int, default=21883)
    p.add_argument("--timeout-ms", type=int, default=200,
                   help="plugin_opt_timeout_ms (the shipped default is 50; a loaded shared machine would turn waits into denials)")
    p.add_argument("--out", default=os.path.join(ROOT, "docs/benchmarks.md"), help="'-' for none")
    p.add_argument("--keep", action="store_true", help="keep the working folder")
    args = p.parse_args()
    parts = set(args.parts.upper().split(","))
    started = datetime.datetime.now(datetime.timezone.utc)
    command = "python3 Benchmarks/bench.py " + " ".join(sys.argv[1:]) if len(sys.argv) > 1 else "make bench"
    bench = Bench(args)
    a = b = c = storm = scaling = None
    try:
        if parts & {"A", "B", "S", "D"}:
            bench.setup()
            bench.start()
            if "A" in parts:
                a = bench.part_a()
            if "B" in parts:
                b = bench.part_b()
            if "S" in parts:
                storm = bench.part_s()
            if "D" in parts:
                scaling = bench.part_d()
        bench.stop_all()
        if "C" in parts:
            c = bench.part_c()
    finally:
        bench.stop_all()
        if args.keep:
            log("bench: kept %s" % bench.dir)
        else:
            shutil.rmtree(bench.dir, ignore_errors=True)
    text = report(args, a, b, c, started, command, storm, scaling)
    print(text)
    if args.out != "-":
        with open(args.out, "w") as f:
            f.write(text + "\n")
        log("bench: wrote %s" % args.out)


if __name__ == "__main__":
    main()
