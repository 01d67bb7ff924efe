#!/usr/bin/env python3
"""The real castellan_mosquitto.so inside a real mosquitto 2.0.11, against a scripted service.

Each test writes a config into a temp dir, starts its broker, waits for its " running" log line,
drives mosquitto_pub/mosquitto_sub (or a raw MQTT 5 socket for enhanced auth, which the
mosquitto clients cannot continue) and checks exact outcomes. The scripted service speaks
bridge protocol v3 (docs/bridge-protocol.md) and records every frame it receives, so tests
wait for events (a frame, a log line, a process exit) instead of sleeping.

This Python peer only exercises the plugin; the real Swift service is tested end to end elsewhere.
Usage: broker_test.py /abs/path/castellan_mosquitto.so   (stdlib only; run as root)
"""
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

PLUGIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else ""
WAIT = 10.0  # the most any single event may take before a test fails
# The broker under test: Debian's 2.0.11 by default, or (make plugin-test-2.1) a 2.1 build.
MOSQUITTO = os.environ.get("CASTELLAN_MOSQUITTO", "mosquitto")


def mosquitto_line():
    """'2.0' or '2.1', from `mosquitto -h`'s first line ("mosquitto version 2.1.2")."""
    out = subprocess.run([MOSQUITTO, "-h"], capture_output=True, text=True).stdout
    version = out.split("version", 1)[1].split()[0] if "version" in out else "?"
    return ".".join(version.split(".")[:2])


def expected_listener_port(broker):
    """The listener port auth requests carry: the broker's on 2.1, 0 (unknown) on 2.0."""
    return broker.port if mosquitto_line() != "2.0" else 0

# ---- bridge protocol v3, service side ------------------------------------------------------

HELLO, PING, BASIC_AUTH, EXT_AUTH, DISCONNECT, SESSIONS = 1, 2, 3, 4, 5, 6
HELLO_ACK, PONG, DECISION, KICK, SET_RULES, SERVICE_PUBLISH = 0x81, 0x82, 0x83, 0x90, 0x91, 0x92
VERSION = 3
PUBLISH, SUBSCRIBE, RECEIVE, ALL = 1, 2, 4, 7


def frame(kind, ident, body=b""):
    return struct.pack(">IBI", 5 + len(body), kind, ident) + body


def blob(b):
    return struct.pack(">I", len(b)) + b


def rules(*entries):
    """entries: (allow: bool, access bits, filter str) -> the ACL wire format (docs/acl-format.md)."""
    out = struct.pack(">BH", 1, len(entries))
    for allow, access, flt in entries:
        f = flt.encode()
        out += struct.pack(">BBH", 1 if allow else 0, access, len(f)) + f
    return out


class Reader:
    def __init__(self, body):
        self.b, self.i = body, 0

    def take(self, n):
        assert self.i + n <= len(self.b), "short field"
        v = self.b[self.i:self.i + n]
        self.i += n
        return v

    def uint(self, n):
        return int.from_bytes(self.take(n), "big")

    def blob(self, optional=False):
        n = self.uint(4)
        if optional and n == 0xFFFFFFFF:
            return None
        return self.take(n)


def parse_request(kind, ident, body):
    r = Reader(body)
    req = {"type": kind, "id": ident}
    if kind == HELLO:
        req.update(version=r.uint(2), broker_id=r.blob().decode())
    elif kind in (BASIC_AUTH, EXT_AUTH):
        req["conn"] = r.uint(8)
        req["generation"] = r.uint(8)
        req["protocol"] = r.uint(1)
        if kind == EXT_AUTH:
            req["step"] = r.uint(1)
        req["address"] = r.blob().decode()
        req["listener_port"] = r.uint(2)
        if kind == EXT_AUTH:
            req["method"] = r.blob().decode()
        req["client_id"] = r.blob(True)
        req["username"] = r.blob(True)
        if kind == BASIC_AUTH:
            req["password"] = r.blob(True)
        else:
            req["data"] = r.blob()
        req["certificate"] = r.blob()
    elif kind == DISCONNECT:
        req["conn"] = r.uint(8)
        req["generation"] = r.uint(8)
    elif kind == SESSIONS:
        req["last"] = r.uint(1)
        req["connections"] = [
            {"conn": r.uint(8), "generation": r.uint(8), "client_id": r.blob(), "tag": r.blob()} for _ in range(r.uint(4))
        ]
    assert r.i == len(body), "trailing bytes in %r" % req
    return req


class Service:
    """A scripted service: `decide(request)` returns (result, username, rules, data[, tag[,
    generation]]) or None (never answer); the decision echoes the request's generation unless
    given one. Every frame received is recorded; waiters block on a condition."""

    def __init__(self, path, decide=None, answer_hello=True, answer_ping=True, delay=None, then=None):
        """delay(request) -> seconds or None: BASIC_AUTH answers that come late, off the
        connection's reading thread, so later requests are answered meanwhile.
        then(request) -> bytes: frames written with the decision, in the same write."""
        self.path, self.decide, self.delay, self.then = path, decide, delay, then
        self.send_lock, self.answered_at, self.held = threading.Lock(), {}, []
        self.answer_hello, self.answer_ping = answer_hello, answer_ping
        self.frames, self.cond = [], threading.Condition()
        self.clients, self.stopping = [], False
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(8)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopping:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.clients.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _recv(self, conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def _serve(self, conn):
        try:
            while True:
                (n,) = struct.unpack(">I", self._recv(conn, 4))
                body = self._recv(conn, n)
                req = parse_request(body[0], int.from_bytes(body[1:5], "big"), body[5:])
                with self.cond:
                    self.frames.append(req)
                    self.cond.notify_all()
                if req["type"] == BASIC_AUTH and self.delay:
                    seconds = self.delay(req)
                    if seconds == "hold":  # answered when the test says so
                        with self.cond:
                            self.held.append((conn, req))
                            self.cond.notify_all()
                        continue
                    if seconds is not None:  # answered later, on a timer, as a slow service would
                        threading.Timer(seconds, self._answer_late, args=(conn, req)).start()
                        continue
                reply = self._reply(req)
                if reply:
                    self._send(conn, reply)
        except (EOFError, OSError):
            pass

    def _send(self, conn, data):
        with self.send_lock:
            conn.sendall(data)

    def _answer_late(self, conn, req):
        reply = self._reply(req)
        if reply:
            with self.cond:  # noted first: the plugin may act on the answer before sendall returns
                self.answered_at[req["id"]] = time.monotonic()
                self.cond.notify_all()
            try:
                self._send(conn, reply)
            except OSError:
                pass

    def release_held(self):
        """Answers every held request, in one burst."""
        with self.cond:
            held, self.held = self.held, []
        for conn, req in held:
            self._answer_late(conn, req)

    def _reply(self, req):
        if req["type"] == HELLO and self.answer_hello:
            return frame(HELLO_ACK, req["id"], struct.pack(">H", VERSION))
        if req["type"] == PING and self.answer_ping:
            return frame(PONG, req["id"])
        if req["type"] in (BASIC_AUTH, EXT_AUTH) and self.decide:
            d = self.decide(req)
            if d is not None:
                result, username, acl, data = d[:4]
                tag = d[4] if len(d) > 4 else b""
                generation = d[5] if len(d) > 5 else req["generation"]
                return frame(DECISION, req["id"], bytes([result]) + struct.pack(">Q", generation)
                             + blob(username.encode()) + blob(acl) + blob(data) + blob(tag)) \
                    + (self.then(req) if self.then else b"")
        return None

    def push(self, data):
        for c in self.clients:
            self._send(c, data)

    def wait_for(self, predicate, what, timeout=WAIT):
        """Blocks until a received frame satisfies predicate; returns it."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for f in self.frames:
                    if predicate(f):
                        return f
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("service never received " + what)
                self.cond.wait(left)

    def count(self, kind):
        with self.cond:
            return sum(1 for f in self.frames if f["type"] == kind)

    def close(self):
        self.stopping = True
        try:  # wakes the accept() blocked in _accept: a closed fd alone would keep listening
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        for c in self.clients:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()


# ---- the broker -----------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BROKERS = []  # started by the running test, so a failure can show their logs

# For a sanitizer build of the plugin: CASTELLAN_BROKER_PRELOAD names the runtime(s) to preload
# into mosquitto only, and CASTELLAN_ASAN_LOG_DIR collects its reports (main() fails on any).
PRELOAD = os.environ.get("CASTELLAN_BROKER_PRELOAD", "")
ASAN_LOG_DIR = os.environ.get("CASTELLAN_ASAN_LOG_DIR", "")


def broker_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASTELLAN_")}
    if PRELOAD:
        env["LD_PRELOAD"] = PRELOAD
        env["ASAN_OPTIONS"] = "detect_leaks=1:log_path=%s/mosquitto" % ASAN_LOG_DIR
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:log_path=%s/mosquitto" % ASAN_LOG_DIR
    return env


class Broker:
    # Generous by default: a Python peer on a loaded CI machine can miss 10 ms. Fail-fast
    # timing is tested with its own explicit deadline.
    def __init__(self, tmp, socket_path, timeout_ms=250, listener_extra="", block_signals=False):
        self.port = free_port()
        conf = os.path.join(tmp, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write("per_listener_settings false\nallow_anonymous false\nuser root\n"
                    "listener %d 127.0.0.1\n%splugin %s\nplugin_opt_socket %s\nplugin_opt_timeout_ms %d\n"
                    "plugin_opt_broker_id test-broker\nlog_dest stderr\nlog_type all\n"
                    % (self.port, listener_extra, PLUGIN, socket_path, timeout_ms))
        # block_signals: started as a Swift test's Process starts it, with a mask blocking the
        # real-time signals (the plugin's wake-up signal among them) inherited from its parent.
        block = (lambda: signal.pthread_sigmask(signal.SIG_BLOCK, range(signal.SIGRTMIN, signal.SIGRTMAX + 1))) \
            if block_signals else None
        self.proc = subprocess.Popen([MOSQUITTO, "-c", conf], stderr=subprocess.PIPE, text=True, env=broker_env(),
                                     preexec_fn=block)
        self.lines, self.cond = [], threading.Condition()
        BROKERS.append(self)
        threading.Thread(target=self._drain, daemon=True).start()
        self.wait_log(" running", whole_end=True)  # not 2.1's "Info: running mosquitto as user: root."

    def _drain(self):
        for line in self.proc.stderr:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_log(self, text, timeout=WAIT, after=0, whole_end=False):
        """Waits for a log line containing `text` (with whole_end: ending with it)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(after, len(self.lines)):
                    if (self.lines[i].endswith(text) if whole_end else text in self.lines[i]):
                        return i
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise AssertionError("mosquitto never logged %r; log:\n%s" % (text, "\n".join(self.lines[-30:])))
                self.cond.wait(min(left, 0.5))

    def log_size(self):
        with self.cond:
            return len(self.lines)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def pub(broker, client_id, user, password, topic, qos=0, extra=()):
    args = ["mosquitto_pub", "-V", "5", "-h", "127.0.0.1", "-p", str(broker.port), "-i", client_id,
            "-t", topic, "-m", "x", "-q", str(qos)] + list(extra)
    if user is not None:
        args += ["-u", user, "-P", password]
    return subprocess.run(args, capture_output=True, text=True, timeout=WAIT)


class Sub:
    """mosquitto_sub with -d, so its SUBACK and DISCONNECT show on stdout as events."""

    def __init__(self, broker, client_id, user, password, topic, count=None, qos=0):
        args = ["stdbuf", "-oL", "mosquitto_sub", "-V", "5", "-d", "-v", "-h", "127.0.0.1", "-p", str(broker.port),
                "-i", client_id, "-u", user, "-P", password, "-q", str(qos)]
        for t in [topic] if isinstance(topic, str) else topic:
            args += ["-t", t]
        if count:
            args += ["-C", str(count)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines, self.cond = [], threading.Condition()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_line(self, text, timeout=WAIT):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    if text in line:
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not any(text in l for l in self.lines)):
                    if left > 0:
                        self.cond.wait(0.2)  # the drain thread may still hold the last lines
                        if any(text in l for l in self.lines):
                            continue
                    raise AssertionError("mosquitto_sub never printed %r; output:\n%s" % (text, "\n".join(self.lines)))
                self.cond.wait(left)

    def stop(self):
        # SIGKILL: how a subscriber leaves is not what these tests check, and a graceful exit
        # waits on the broker, which a loaded machine can delay past any bound.
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)


# ---- a raw MQTT 5 client, for enhanced auth (AUTH packets) ----------------------------------

def varint(n):
    out = b""
    while True:
        b, n = n % 128, n // 128
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def mstr(b):
    return struct.pack(">H", len(b)) + b


def auth_props(method, data):
    p = b"\x15" + mstr(method) + b"\x16" + mstr(data)
    return varint(len(p)) + p


class RawClient:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)

    def send(self, ptype, body):
        self.s.sendall(bytes([ptype]) + varint(len(body)) + body)

    def connect(self, client_id, method, data):
        vh = mstr(b"MQTT") + b"\x05\x02" + struct.pack(">H", 60) + auth_props(method, data)
        self.send(0x10, vh + mstr(client_id))

    def auth(self, reason, method, data):
        self.send(0xF0, bytes([reason]) + auth_props(method, data))

    def read(self):
        """Returns (packet type, reason code, auth data or None)."""
        head = self.s.recv(1)
        if not head:
            return None, None, None
        n, mult = 0, 1
        while True:
            b = self.s.recv(1)[0]
            n += (b & 0x7F) * mult
            mult *= 128
            if not b & 0x80:
                break
        body = b""
        while len(body) < n:
            body += self.s.recv(n - len(body))
        ptype = head[0] & 0xF0
        # CONNACK: flags, reason; PUBACK: packet id, reason; AUTH/DISCONNECT: reason
        reason_at = {0x20: 1, 0x40: 2}.get(ptype, 0)
        reason = body[reason_at] if len(body) > reason_at else 0
        data, i = None, reason_at + 1
        if len(body) > i:
            plen, shift = 0, 0
            while True:
                b = body[i]
                i += 1
                plen |= (b & 0x7F) << shift
                shift += 7
                if not b & 0x80:
                    break
            props, j = body[i:i + plen], 0
            while j < len(props):
                pid = props[j]
                j += 1
                if pid in (0x15, 0x16, 0x1F, 0x1A, 0x1C, 0x12):  # string / binary data properties
                    ln = struct.unpack(">H", props[j:j + 2])[0]
                    if pid == 0x16:
                        data = props[j + 2:j + 2 + ln]
                    j += 2 + ln
                elif pid in (0x11, 0x27, 0x02):
                    j += 4
                elif pid in (0x21, 0x22, 0x13):
                    j += 2
                elif pid == 0x26:
                    for _ in range(2):
                        ln = struct.unpack(">H", props[j:j + 2])[0]
                        j += 2 + ln
                else:
                    j += 1
        return ptype, reason, data

    def connect_password(self, client_id, user, password):
        """Sends a password CONNECT (MQTT 5); read() gets the CONNACK."""
        vh = mstr(b"MQTT") + bytes([5, 0x80 | 0x40 | 0x02]) + struct.pack(">H", 60) + b"\x00"
        self.send(0x10, vh + mstr(client_id) + mstr(user) + mstr(password))

    def connect_with_will(self, client_id, user, password, will_topic, will_payload, will_qos=0,
                          will_delay=0, session_expiry=0):
        """A password CONNECT carrying a last will; returns the CONNACK reason."""
        props = struct.pack(">BI", 0x11, session_expiry) if session_expiry else b""
        flags = 0x80 | 0x40 | (will_qos << 3) | 0x04 | 0x02
        vh = mstr(b"MQTT") + bytes([5, flags]) + struct.pack(">H", 60) + varint(len(props)) + props
        will_props = struct.pack(">BI", 0x18, will_delay) if will_delay else b""
        payload = (mstr(client_id) + varint(len(will_props)) + will_props + mstr(will_topic) + mstr(will_payload)
                   + mstr(user) + mstr(password))
        self.send(0x10, vh + payload)
        ptype, reason, _ = self.read()
        assert ptype == 0x20, "no CONNACK"
        return reason

    def publish_qos1(self, topic, packet_id=1):
        self.send(0x32, mstr(topic) + struct.pack(">H", packet_id) + b"\x00" + b"x")

    def close(self):
        self.s.close()


# ---- the tests --------------------------------------------------------------------------------

NO_SUBSCRIBERS = 0x10  # PUBACK for an accepted publish nobody subscribed to
DEV1_RULES = rules((True, ALL, "devices/dev1/#"))
WATCHER_RULES = rules((True, SUBSCRIBE | RECEIVE, "#"))


def password_policy(req):
    """dev1/good and watcher/good are allowed; anything else denied."""
    if req["type"] != BASIC_AUTH or req["password"] != b"good":
        return (0, "", b"", b"")
    if req["username"] == b"dev1":
        return (1, "dev1", DEV1_RULES, b"")
    if req["username"] == b"watcher":
        return (1, "watcher", WATCHER_RULES, b"")
    return (0, "", b"", b"")


def test_allow_enforces_rules_and_deny_refuses(tmp):
    svc = Service(os.path.join(tmp, "bridge.sock"), password_policy)
    broker = Broker(tmp, svc.path)
    try:
        hello = svc.wait_for(lambda f: f["type"] == HELLO, "HELLO")
        assert hello["version"] == VERSION and hello["broker_id"] == "test-broker", hello

        r = pub(broker, "dev1", "dev1", "good", "devices/dev1/t", qos=1)
        assert r.returncode == 0, "allowed publish failed: %s" % r.stderr
        req = svc.wait_for(lambda f: f["type"] == BASIC_AUTH, "BASIC_AUTH")
        assert (req["protocol"], req["address"], req["client_id"], req["username"], req["password"], req["certificate"]) \
            == (5, "127.0.0.1", b"dev1", b"dev1", b"good", b""), req
        # The listener the client came in on: 2.1 says (mosquitto_client_port), 2.0 cannot (0).
        assert req["listener_port"] == expected_listener_port(broker), req
        svc.wait_for(lambda f: f["type"] == DISCONNECT and f["conn"] == req["conn"], "DISCONNECT for dev1's conn")

        watcher = Sub(broker, "watcher", "watcher", "good", "devices/#", count=1)
        try:
            watcher.wait_line("received SUBACK")
            # Outside dev1's rules: with QoS 1 the broker has judged it before the next publish.
            denied = pub(broker, "dev1", "dev1", "good", "devices/dev2/t", qos=1)
            # mosquitto_pub reports a refused QoS 1 publish (PUBACK 0x87) but still exits 0.
            assert "Publish 1 failed: Not authorized" in denied.stderr, \
                "publish outside the rules was not refused: rc=%d %s" % (denied.returncode, denied.stderr)
            assert pub(broker, "dev1", "dev1", "good", "devices/dev1/sentinel", qos=1).returncode == 0
            assert watcher.proc.wait(WAIT) == 0
            watcher.wait_line("devices/dev1/sentinel x")  # the exit can overtake the drain thread
            received = [l for l in watcher.lines if l.startswith("devices/")]
            assert received == ["devices/dev1/sentinel x"], "watcher received %r" % received
        finally:
            watcher.stop()

        # A subscription wider than the rules is refused (SUBACK 0x87).
        wide = Sub(broker, "dev1", "dev1", "good", "devices/#")
        try:
            wide.wait_line("received SUBACK")
            wide.wait_line("All subscription requests were denied")
        finally:
            wide.stop()

        r = pub(broker, "dev1", "dev1", "wrong", "devices/dev1/t")
        assert r.returncode != 0 and "not authori" in (r.stderr + r.stdout).lower(), \
            "denied connect not refused as not authorised: rc=%d %s" % (r.returncode, r.stderr)
        # MOSQ_EVT_DISCONNECT fires for refused connects too, and is forwarded.
        refused = svc.wait_for(lambda f: f["type"] == BASIC_AUTH and f["password"] == b"wrong", "the refused BASIC_AUTH")
        svc.wait_for(lambda f: f["type"] == DISCONNECT and f["conn"] == refused["conn"], "DISCONNECT for a refused connect")
        r = pub(broker, "anon", None, None, "devices/dev1/t")
        assert r.returncode != 0, "anonymous connect accepted"
        assert broker.alive()
    finally:
        broker.stop()
        svc.close()


def test_no_service_fails_closed_then_reconnects(tmp):
    path = os.path.join(tmp, "bridge.sock")
    broker = Broker(tmp, path)
    try:
        started = time.monotonic()
        r = pub(broker, "dev1", "dev1", "good", "devices/dev1/t")
        elapsed = time.monotonic() - started
        assert r.returncode != 0, "connect accepted with no service"
        assert elapsed < 2.0, "refusal took %.2f s" % elapsed
        broker.wait_log("cannot reach the service")
        assert broker.alive(), "broker died without its service"
        # The service comes up: the plugin reconnects from TICK (backoff at most 2 s).
        svc = Service(path, password_policy)
        try:
            svc.wait_for(lambda f: f["type"] == HELLO, "HELLO after the service came up")
            broker.wait_log("connected to the service")
            r = pub(broker, "dev1", "dev1", "good", "devices/dev1/t")
            assert r.returncode == 0, "connect refused after reconnect: %s" % r.stderr
        finally:
            svc.close()
        # The service goes away again: refused, broker unharmed.
        broker.wait_log("closing the service connection")
        r = pub(broker, "dev1", "dev1", "good", "devices/dev1/t")
        assert r.returncode != 0 and broker.alive()
    finally:
        broker.stop()


def test_ready_at_start(tmp):
    """The plugin reaches the service when the broker starts, before any device; and a device
    that connects before the service is up at all waits for it (up to the deadline)."""
    svc = Service(os.path.join(tmp, "bridge.sock"), password_policy)
    broker = Broker(tmp, svc.path)
    try:
        broker.wait_log("spin 150 µs")  # the documented default of plugin_opt_spin_us (docs/plugin.md)
        svc.wait_for(lambda f: f["type"] == HELLO, "HELLO before any device")
        assert svc.count(BASIC_AUTH) == 0
        r = pub(broker, "dev1", "dev1", "good", "devices/dev1/t")
        assert r.returncode == 0, "first connect refused: %s" % r.stderr
    finally:
        broker.stop()
        svc.close()

    late = os.path.join(tmp, "late.sock")
    broker = Broker(tmp, late, timeout_ms=5000)
    svc = None
    try:
        broker.wait_log("cannot reach the service")
        mark = broker.log_size()
        client = subprocess.Popen(["mosquitto_pub", "-V", "5", "-h", "127.0.0.1", "-p", str(broker.port), "-i", "dev1",
                                   "-u", "dev1", "-P", "good", "-t", "devices/dev1/t", "-m", "x"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        broker.wait_log("New connection from", after=mark)  # the plugin now waits inside BASIC_AUTH
        svc = Service(late, password_policy)
        out, _ = client.communicate(timeout=WAIT)
        assert client.returncode == 0, "connect before the first link refused: %s" % out
        assert svc.count(BASIC_AUTH) == 1
    finally:
        broker.stop()
        if svc:
            svc.close()


def test_silent_service_times_out_then_fails_fast(tmp):
    timeout_ms = 300
    svc = Service(os.path.join(tmp, "bridge.sock"), decide=None, answer_ping=False)
    broker = Broker(tmp, svc.path, timeout_ms=timeout_ms)
    try:
        svc.wait_for(lambda f: f["type"] == HELLO, "HELLO")
        broker.wait_log("connected to the service")
        for i in range(3):
            started = time.monotonic()
            r = pub(broker, "dev%d" % i, "dev1", "good", "devices/dev1/t")
            elapsed = time.monotonic() - started
            assert r.returncode != 0, "connect %d accepted without an answer" % i
            assert elapsed >= timeout_ms / 1000.0, "refused before the deadline (%.3f s)" % elapsed
        assert svc.count(BASIC_AUTH) == 3
        broker.wait_log("denying at once")
        r = pub(broker, "dev9", "dev1", "good", "devices/dev1/t")
        assert r.returncode != 0
        # No request went out, so nothing waited for a deadline (a wall-clock bound here would
        # measure mosquitto_pub's start-up on a busy machine, not the plugin).
        assert svc.count(BASIC_AUTH) == 3, "a request was sent while failing fast"
        # The service answers again: PING gets PONG, and connects are decided again.
        svc.wait_for(lambda f: f["type"] == PING, "PING while failing fast")
        svc.answer_ping, svc.decide = True, password_policy
        broker.wait_log("the service answers again")
        r = pub(broker, "dev1", "dev1", "good", "devices/dev1/t")
        assert r.returncode == 0, "connect refused after recovery: %s" % r.stderr
        assert broker.alive()
    finally:
        broker.stop()
        svc.close()


def test_kick_disconnects_the_client(tmp):
    svc = Service(os.path.join(tmp, "bridge.sock"), password_policy)
    broker = Broker(tmp, svc.path)
    sub = None
    try:
        sub = Sub(broker, "dev1", "dev1", "good", "devices/dev1/#")
        sub.wait_line("received SUBACK")
        auth = svc.wait_for(lambda f: f["type"] == BASIC_AUTH, "BASIC_AUTH")
        conn, gen = auth["conn"], auth["generation"]
        # A KICK and a SET_RULES for another generation of this handle (a client gone, its handle
        # reused) never reach this client: it keeps its rules and its connection. The valid
        # SET_RULES after them is handled in the same or a later TICK, so once it is logged the
        # stale ones have been dealt with.
        mark = broker.log_size()
        svc.push(frame(KICK, 0, struct.pack(">QQ", conn, gen + 1)))
        svc.push(frame(SET_RULES, 0, struct.pack(">QQ", conn, gen + 1) + blob(rules())))
        svc.push(frame(SET_RULES, 0, struct.pack(">QQ", conn, gen) + blob(DEV1_RULES)))
        broker.wait_log("rules replaced", after=mark)
        assert pub(broker, "dev1-pub", "dev1", "good", "devices/dev1/t").returncode == 0
        sub.wait_line("devices/dev1/t x")
        svc.push(frame(KICK, 0, struct.pack(">QQ", conn, gen)))
        svc.wait_for(lambda f: f["type"] == DISCONNECT and f["conn"] == conn and f["generation"] == gen, "DISCONNECT after KICK")
        sub.wait_line("Received DISCONNECT (152)")  # 0x98 administrative action
        # SET_RULES for an unknown conn is ignored; the broker keeps serving.
        svc.push(frame(SET_RULES, 0, struct.pack(">QQ", 12345, 1) + blob(rules())))
        assert pub(broker, "dev1", "dev1", "good", "devices/dev1/t").returncode == 0
    finally:
        if sub:
            sub.stop()
        broker.stop()
        svc.close()


def test_reconnect_reports_live_connections_with_their_tags(tmp):
    def tagged(req):
        d = password_policy(req)
        return d + (b"tag-of-" + req["client_id"],) if d[0] == 1 else d

    path = os.path.join(tmp, "bridge.sock")
    svc = Service(path, tagged)
    broker = Broker(tmp, path)
    sub = None
    try:
        first = svc.wait_for(lambda f: f["type"] == SESSIONS, "the (empty) report after the first handshake")
        assert first["last"] == 1 and first["connections"] == [], first
        sub = Sub(broker, "dev1", "dev1", "good", "devices/dev1/#")
        sub.wait_line("received SUBACK")
        auth = svc.wait_for(lambda f: f["type"] == BASIC_AUTH and f["username"] == b"dev1", "BASIC_AUTH")
        refused = pub(broker, "intruder", "mallory", "bad", "devices/dev1/t")
        assert refused.returncode != 0
        # The service goes away and comes back: the plugin reconnects and reports the live,
        # admitted connection — not the refused one — with the tag it was given.
        svc.close()
        os.unlink(path)
        svc = Service(path, tagged)
        report = svc.wait_for(lambda f: f["type"] == SESSIONS, "SESSIONS after the reconnect")
        assert report["last"] == 1, report
        assert report["connections"] == [
            {"conn": auth["conn"], "generation": auth["generation"], "client_id": b"dev1", "tag": b"tag-of-dev1"}
        ], report
        # A KICK from the new service reaches the resumed connection.
        svc.push(frame(KICK, 0, struct.pack(">QQ", auth["conn"], auth["generation"])))
        sub.wait_line("Received DISCONNECT (152)")
    finally:
        if sub:
            sub.stop()
        broker.stop()
        svc.close()


def test_service_publishes_only_under_its_prefix(tmp):
    def policy(req):
        if req["type"] == BASIC_AUTH and req["username"] == b"ops" and req["password"] == b"good":
            return (1, "ops", rules((True, SUBSCRIBE | RECEIVE, "$castellan/#"), (True, SUBSCRIBE | RECEIVE, "devices/#")), b"")
        return (0, "", b"", b"")

    svc = Service(os.path.join(tmp, "bridge.sock"), policy)
    broker = Broker(tmp, svc.path)
    sub = None
    try:
        sub = Sub(broker, "ops", "ops", "good", ["$castellan/#", "devices/#"])
        sub.wait_line("received SUBACK")
        # Both in one TICK, in order: the forged one would arrive first if it were published.
        svc.push(frame(SERVICE_PUBLISH, 0, blob(b"devices/dev1/forged") + blob(b"x"))
                 + frame(SERVICE_PUBLISH, 0, blob(b"$castellan/supervision/events") + blob(b'{"n":1}')))
        sub.wait_line('$castellan/supervision/events {"n":1}')
        assert not any("forged" in line for line in sub.lines), "a PUBLISH outside $castellan/ was delivered"
        broker.wait_log("PUBLISH outside $castellan/ refused")
    finally:
        if sub:
            sub.stop()
        broker.stop()
        svc.close()


def test_enhanced_auth_continue_and_reauth(tmp):
    method = "SCRAM-SHA-256"

    def scram(req):
        if req["type"] != EXT_AUTH or req["method"] != method:
            return (0, "", b"", b"")
        if req["step"] == 0 and req["data"] == b"client-first":
            return (2, "", b"", b"server-first")
        if req["step"] == 1 and req["data"] == b"client-final":
            return (1, "dev1", DEV1_RULES, b"v=final")
        if req["step"] == 2 and req["data"] == b"again":
            return (1, "dev1", DEV1_RULES, b"")
        return (0, "", b"", b"")

    svc = Service(os.path.join(tmp, "bridge.sock"), scram)
    broker = Broker(tmp, svc.path)
    try:
        c = RawClient(broker.port)
        c.connect(b"dev1", method.encode(), b"client-first")
        assert c.read() == (0xF0, 0x18, b"server-first"), "no AUTH continue"
        c.auth(0x18, method.encode(), b"client-final")
        assert c.read() == (0x20, 0x00, b"v=final"), "no CONNACK success with the final data"
        steps = [(f["step"], f["method"], f["username"], f["listener_port"]) for f in svc.frames if f["type"] == EXT_AUTH]
        port = expected_listener_port(broker)  # every step names the listener: SCRAM -PLUS is offered on one only
        assert steps == [(0, method, None, port), (1, method, None, port)], steps
        c.auth(0x19, method.encode(), b"again")  # re-authentication
        assert c.read()[:2] == (0xF0, 0x00), "re-auth not accepted"
        reauth = svc.wait_for(lambda f: f["type"] == EXT_AUTH and f["step"] == 2, "re-auth START as step 2")
        assert reauth["username"] == b"dev1", reauth
        # The stored rules judge publishes; SET_RULES replaces them on the live connection.
        c.publish_qos1(b"devices/dev1/t", 1)
        assert c.read()[:2] == (0x40, NO_SUBSCRIBERS), "publish inside the rules refused"
        c.publish_qos1(b"devices/dev2/t", 2)
        assert c.read()[:2] == (0x40, 0x87), "publish outside the rules not refused with 0x87"
        mark = broker.log_size()
        svc.push(frame(SET_RULES, 0, struct.pack(">QQ", reauth["conn"], reauth["generation"]) + blob(rules((True, ALL, "devices/dev2/#")))))
        broker.wait_log("rules replaced", after=mark)
        c.publish_qos1(b"devices/dev1/t", 3)
        assert c.read()[:2] == (0x40, 0x87), "SET_RULES did not take away the old rules"
        c.publish_qos1(b"devices/dev2/t", 4)
        assert c.read()[:2] == (0x40, NO_SUBSCRIBERS), "SET_RULES did not grant the new rules"
        c.close()

        bad = RawClient(broker.port)
        bad.connect(b"dev2", method.encode(), b"nonsense")
        assert bad.read()[:2] == (0x20, 0x87), "denied enhanced auth not refused with 0x87"
        bad.close()
        other = RawClient(broker.port)
        other.connect(b"dev3", b"UNKNOWN-METHOD", b"x")  # still forwarded; the service decides
        assert other.read()[:2] == (0x20, 0x87)
        svc.wait_for(lambda f: f["type"] == EXT_AUTH and f["method"] == "UNKNOWN-METHOD", "unknown method forwarded")
        other.close()
        assert broker.alive()
    finally:
        broker.stop()
        svc.close()


def test_last_wills_obey_the_rules(tmp):
    """mosquitto publishes a will after MOSQ_EVT_DISCONNECT (and a delayed one later still):
    the connection's rules must still judge it then. Each refused will is followed by an allowed
    one that mosquitto handles after it, so the watcher's output proves the refusal."""
    svc = Service(os.path.join(tmp, "bridge.sock"), password_policy)
    broker = Broker(tmp, svc.path)
    watcher = None

    def leave(client_id, topic, qos=0, will_delay=0, session_expiry=0):
        c = RawClient(broker.port)
        assert c.connect_with_will(client_id.encode(), b"dev1", b"good", topic.encode(), b"gone", qos,
                                   will_delay, session_expiry) == 0, "device refused"
        auth = svc.wait_for(lambda f: f["type"] == BASIC_AUTH and f["client_id"] == client_id.encode(), "its BASIC_AUTH")
        c.close()  # no DISCONNECT packet: the will is due
        svc.wait_for(lambda f: f["type"] == DISCONNECT and f["conn"] == auth["conn"], "its DISCONNECT")

    try:
        watcher = Sub(broker, "watcher", "watcher", "good", "devices/#", qos=1)
        watcher.wait_line("received SUBACK")
        leave("w0", "devices/dev1/w0", qos=0)
        leave("w1", "devices/dev1/w1", qos=1)
        watcher.wait_line("devices/dev1/w0 gone")
        watcher.wait_line("devices/dev1/w1 gone")
        assert any("q0" in l and "'devices/dev1/w0'" in l for l in watcher.lines), "QoS 0 will not delivered at QoS 0"
        assert any("q1" in l and "'devices/dev1/w1'" in l for l in watcher.lines), "QoS 1 will not delivered at QoS 1"

        leave("r0", "devices/dev2/r0", qos=0)  # outside dev1's rules
        leave("r1", "devices/dev2/r1", qos=1)
        leave("w2", "devices/dev1/w2", qos=1)
        watcher.wait_line("devices/dev1/w2 gone")

        # Delayed wills: published a second or two later, by a connection long ended. Session
        # expiry 0 ends the session with the connection; 60 keeps it (2.1: CLIENT_OFFLINE).
        leave("rd", "devices/dev2/rd", qos=1, will_delay=1, session_expiry=60)
        leave("wd", "devices/dev1/wd", qos=1, will_delay=2, session_expiry=60)
        leave("wd0", "devices/dev1/wd0", qos=0, will_delay=1)
        watcher.wait_line("devices/dev1/wd gone")
        watcher.wait_line("devices/dev1/wd0 gone")
        received = [l.split(" ")[0] for l in watcher.lines if l.startswith("devices/")]
        assert sorted(received) == sorted(["devices/dev1/w0", "devices/dev1/w1", "devices/dev1/w2", "devices/dev1/wd",
                                           "devices/dev1/wd0"]), "watcher received %r" % received
        assert broker.alive()
    finally:
        if watcher:
            watcher.stop()
        broker.stop()
        svc.close()


def test_per_listener_settings(tmp):
    """2.0 never sends a per-listener plugin its TICK: the plugin refuses to load, saying why,
    and the broker does not start. 2.1 ticks per-listener plugins too: there it works."""
    path = os.path.join(tmp, "bridge.sock")
    port = free_port()
    conf = os.path.join(tmp, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write("per_listener_settings true\nuser root\nlog_dest stderr\nlistener %d 127.0.0.1\nallow_anonymous false\n"
                "plugin %s\nplugin_opt_socket %s\nplugin_opt_timeout_ms 250\n" % (port, PLUGIN, path))
    if mosquitto_line() == "2.0":
        # No leak check here: mosquitto 2.0 leaks its config strings when a plugin refuses init.
        env = broker_env()
        if "ASAN_OPTIONS" in env:
            env["ASAN_OPTIONS"] = env["ASAN_OPTIONS"].replace("detect_leaks=1", "detect_leaks=0")
        r = subprocess.run([MOSQUITTO, "-c", conf], capture_output=True, text=True, timeout=WAIT, env=env)
        assert r.returncode != 0, "mosquitto 2.0 started with a per-listener castellan plugin"
        assert "set per_listener_settings false" in r.stderr, r.stderr
        return
    svc = Service(path, password_policy)
    with open(conf, "a") as f:
        f.write("log_type all\n")
    proc = subprocess.Popen([MOSQUITTO, "-c", conf], stderr=subprocess.PIPE, text=True, env=broker_env())
    try:
        svc.wait_for(lambda f: f["type"] == HELLO, "HELLO from a per-listener plugin")
        for line in proc.stderr:  # the HELLO goes out at init, before the listener opens
            if line.rstrip("\n").endswith(" running"):
                break
        threading.Thread(target=proc.stderr.read, daemon=True).start()  # never let the pipe fill

        class At:
            pass
        at = At()
        at.port = port
        assert pub(at, "dev1", "dev1", "good", "devices/dev1/t").returncode == 0, "connect refused"
        sub = Sub(at, "dev1", "dev1", "good", "devices/dev1/#")
        try:
            sub.wait_line("received SUBACK")
            auth = [f for f in svc.frames if f["type"] == BASIC_AUTH][-1]
            svc.push(frame(KICK, 0, struct.pack(">QQ", auth["conn"], auth["generation"])))  # needs TICK
            svc.wait_for(lambda f: f["type"] == DISCONNECT and f["conn"] == auth["conn"], "DISCONNECT after KICK")
        finally:
            sub.stop()
    finally:
        proc.terminate()
        proc.wait(5)
        svc.close()


def test_decision_generation_and_rules_pushed_with_an_allow(tmp):
    """An allow for another generation of the handle is refused, and the service hears the
    connection's end with its own generation. Rules pushed in the same write as an allow (on 2.1
    before the allow is completed at TICK) are the ones the device gets."""
    def policy(req):
        if req["client_id"] == b"stale":
            return (1, "dev1", DEV1_RULES, b"", b"t", req["generation"] + 1)
        return password_policy(req)

    def moved(req):
        if req["client_id"] != b"moved":
            return b""
        return frame(SET_RULES, 0, struct.pack(">QQ", req["conn"], req["generation"]) + blob(rules((True, ALL, "devices/dev2/#"))))

    svc = Service(os.path.join(tmp, "bridge.sock"), policy, then=moved)
    broker = Broker(tmp, svc.path)
    try:
        stale = RawClient(broker.port)
        stale.connect_password(b"stale", b"dev1", b"good")
        got = stale.read()[:2]
        assert got[0] == 0x20 and got[1] >= 0x80, "an allow for another generation accepted: %r" % (got,)
        asked = svc.wait_for(lambda f: f["type"] == BASIC_AUTH and f["client_id"] == b"stale", "the stale BASIC_AUTH")
        told = svc.wait_for(lambda f: f["type"] == DISCONNECT and f["conn"] == asked["conn"], "its DISCONNECT")
        assert told["generation"] == asked["generation"], (asked, told)
        broker.wait_log("an allow for another connection on this handle")
        stale.close()

        mark = broker.log_size()
        c = RawClient(broker.port)
        c.connect_password(b"moved", b"dev1", b"good")
        assert c.read()[:2] == (0x20, 0x00), "the moved device was refused"
        broker.wait_log("rules replaced", after=mark)
        c.publish_qos1(b"devices/dev2/t", 1)
        assert c.read()[:2] == (0x40, NO_SUBSCRIBERS), "the pushed rules were lost"
        c.publish_qos1(b"devices/dev1/t", 2)
        assert c.read()[:2] == (0x40, 0x87), "the allow's rules outlived the push"
        c.close()
    finally:
        broker.stop()
        svc.close()


# ---- 2.1: delayed basic auth -------------------------------------------------------------------

def delayed_only(test):
    """Delayed basic auth exists from mosquitto 2.1 on; on 2.0 the test says it is skipped."""
    def run(tmp):
        if mosquitto_line() == "2.0":
            print("skip %s: mosquitto 2.0 has no delayed basic auth" % test.__name__)
            return
        test(tmp)
    run.__name__ = test.__name__
    return run


@delayed_only
def test_delayed_auth_does_not_hold_up_others(tmp):
    """A device whose answer takes 1.5 s does not stop the broker: another device connects
    and publishes to a watcher meanwhile. Also measures how soon a late answer completes."""
    svc = Service(os.path.join(tmp, "bridge.sock"), password_policy,
                  delay=lambda req: 1.5 if req["client_id"] == b"slow" else None)
    broker = Broker(tmp, svc.path, timeout_ms=5000, block_signals=True)
    watcher = None
    try:
        broker.wait_log("delayed basic auth")
        watcher = Sub(broker, "watcher", "watcher", "good", "devices/#")
        watcher.wait_line("received SUBACK")
        slow = RawClient(broker.port)
        slow.connect_password(b"slow", b"dev1", b"good")
        asked = svc.wait_for(lambda f: f["type"] == BASIC_AUTH and f["client_id"] == b"slow", "the slow BASIC_AUTH")
        started = time.monotonic()
        r = pub(broker, "dev1", "dev1", "good", "devices/dev1/meanwhile", qos=1)
        assert r.returncode == 0 and "failed" not in r.stderr, r.stderr
        watcher.wait_line("devices/dev1/meanwhile x")
        meanwhile = time.monotonic() - started
        assert asked["id"] not in svc.answered_at, "the slow answer came before the other device was done"
        assert slow.read()[:2] == (0x20, 0x00), "the slow device was not accepted"
        connack_at = time.monotonic()
        with svc.cond:
            lag = connack_at - svc.answered_at[asked["id"]]
        print("     another device connected and published in %.1f ms while one waited; "
              "CONNACK %.2f ms after the late answer" % (meanwhile * 1000, lag * 1000))
        assert lag < 1.0, "the late answer waited %.2f s for the broker to come round" % lag
        slow.publish_qos1(b"devices/dev1/late", 1)
        assert slow.read()[:2] == (0x40, 0x00), "the delayed device's rules were not in place"
        slow.publish_qos1(b"devices/dev2/late", 2)
        assert slow.read()[:2] == (0x40, 0x87), "the delayed device published outside its rules"
        slow.close()
    finally:
        if watcher:
            watcher.stop()
        broker.stop()
        svc.close()


@delayed_only
def test_delayed_auth_client_gone_before_the_answer(tmp):
    """The device leaves while its answer is on the way: no completion for it, the service
    hears it left, nothing leaks (ASan run), and its client id connects again at once."""
    svc = Service(os.path.join(tmp, "bridge.sock"), password_policy,
                  delay=lambda req: 0.5 if req["client_id"] == b"dev1" and req["password"] == b"good" else None)
    broker = Broker(tmp, svc.path, timeout_ms=5000)
    try:
        broker.wait_log("delayed basic auth")
        gone = RawClient(broker.port)
        gone.connect_password(b"dev1", b"dev1", b"good")
        asked = svc.wait_for(lambda f: f["type"] == BASIC_AUTH, "the BASIC_AUTH")
        gone.close()
        told = svc.wait_for(lambda f: f["type"] == DISCONNECT and f["conn"] == asked["conn"], "DISCONNECT for the gone client",
                            timeout=WAIT)
        assert asked["id"] in svc.answered_at, "DISCONNECT told before the answer came"
        # The generation of the request, so the service ends the session its allow opened.
        assert asked["generation"] != 0 and told["generation"] == asked["generation"], (asked, told)
        svc.delay = None
        again = RawClient(broker.port)
        again.connect_password(b"dev1", b"dev1", b"good")
        assert again.read()[:2] == (0x20, 0x00), "the same client id refused after the first one left"
        again.close()
        assert broker.alive()
    finally:
        broker.stop()
        svc.close()


@delayed_only
def test_delayed_auth_same_client_again_before_the_answer(tmp):
    """The device leaves while its answer is held and connects again with the same client id:
    the service hears the first one's end with its generation at once, the second is admitted
    under its own, and the first one's late allow changes nothing."""
    first = []

    def hold_first(req):
        if first:
            return None
        first.append(req)
        return "hold"

    svc = Service(os.path.join(tmp, "bridge.sock"), password_policy, delay=hold_first)
    broker = Broker(tmp, svc.path, timeout_ms=5000)
    try:
        broker.wait_log("delayed basic auth")
        gone = RawClient(broker.port)
        gone.connect_password(b"dev1", b"dev1", b"good")
        svc.wait_for(lambda f: len(svc.held) == 1, "the held BASIC_AUTH")
        gone.close()
        again = RawClient(broker.port)
        again.connect_password(b"dev1", b"dev1", b"good")
        assert again.read()[:2] == (0x20, 0x00), "the same client id refused while the first one's answer was held"
        old = first[0]
        told = svc.wait_for(lambda f: f["type"] == DISCONNECT and f["generation"] == old["generation"],
                            "DISCONNECT for the first connection")
        assert told["conn"] == old["conn"], (old, told)
        new = [f for f in svc.frames if f["type"] == BASIC_AUTH][-1]
        assert new["generation"] > old["generation"], (old, new)
        mark = broker.log_size()
        svc.release_held()  # the first one's allow, late: nobody waits for it
        svc.push(frame(SET_RULES, 0, struct.pack(">QQ", new["conn"], new["generation"]) + blob(DEV1_RULES)))
        broker.wait_log("rules replaced", after=mark)
        again.publish_qos1(b"devices/dev1/t", 1)
        assert again.read()[:2] == (0x40, NO_SUBSCRIBERS), "the second connection lost its rules"
        assert not any(f["type"] == DISCONNECT and f["generation"] == new["generation"] for f in svc.frames)
        again.close()
        svc.wait_for(lambda f: f["type"] == DISCONNECT and f["generation"] == new["generation"], "the second one's DISCONNECT")
        assert broker.alive()
    finally:
        broker.stop()
        svc.close()


@delayed_only
def test_delayed_auth_deadline(tmp):
    """No answer within the deadline: refused (0x87) at the deadline, the broker serving meanwhile."""
    svc = Service(os.path.join(tmp, "bridge.sock"), password_policy,
                  delay=lambda req: 60 if req["client_id"] == b"mute" else None)
    broker = Broker(tmp, svc.path, timeout_ms=400)
    try:
        broker.wait_log("delayed basic auth")
        mute = RawClient(broker.port)
        started = time.monotonic()
        mute.connect_password(b"mute", b"dev1", b"good")
        asked = svc.wait_for(lambda f: f["type"] == BASIC_AUTH and f["client_id"] == b"mute", "the mute BASIC_AUTH")
        assert pub(broker, "dev1", "dev1", "good", "devices/dev1/t").returncode == 0, "broker held up"
        assert mute.read()[:2] == (0x20, 0x87), "not refused at the deadline"
        svc.wait_for(lambda f: f["type"] == DISCONNECT and f["conn"] == asked["conn"] and f["generation"] == asked["generation"],
                     "DISCONNECT with the refused request's generation")
        waited = time.monotonic() - started
        assert waited >= 0.4, "refused before the deadline (%.3f s)" % waited
        broker.wait_log("no answer from the service within 400 ms")
        mute.close()
    finally:
        broker.stop()
        svc.close()


@delayed_only
def test_delayed_auth_many_at_once(tmp):
    """40 devices wait at once, then are all answered in one burst: each gets its own decision."""
    def policy(req):
        n = int(req["client_id"][1:])
        return (1, "d%d" % n, rules((True, ALL, "devices/d%d/#" % n)), b"") if n % 2 == 0 else (0, "", b"", b"")

    svc = Service(os.path.join(tmp, "bridge.sock"), policy, delay=lambda req: "hold")
    broker = Broker(tmp, svc.path, timeout_ms=5000)
    clients = []
    try:
        broker.wait_log("delayed basic auth")
        for n in range(40):
            c = RawClient(broker.port)
            c.connect_password(b"d%d" % n, b"u", b"p")
            clients.append(c)
        svc.wait_for(lambda f: len(svc.held) == 40, "40 BASIC_AUTHs waiting")
        svc.release_held()
        for n, c in enumerate(clients):
            got = c.read()[:2]
            assert got == (0x20, 0x00 if n % 2 == 0 else 0x87), "d%d got the wrong decision: %r" % (n, got)
        for n in range(0, 40, 2):
            clients[n].publish_qos1(b"devices/d%d/t" % n, 1)
            assert clients[n].read()[:2] == (0x40, NO_SUBSCRIBERS), "d%d lacks its own rules" % n
            clients[n].publish_qos1(b"devices/d%d/t" % ((n + 2) % 40), 2)
            assert clients[n].read()[:2] == (0x40, 0x87), "d%d has another device's rules" % n
    finally:
        for c in clients:
            c.close()
        broker.stop()
        svc.close()


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True, timeout=WAIT)


def issue(tmp, name, cn):
    """An EC P-256 key and a certificate for `cn`, signed by the test CA (ca.pem/ca.key)."""
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + ".key",
            "-out", name + ".csr", "-subj", "/CN=" + cn, cwd=tmp)
    openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", name + ".pem", "-days", "1", cwd=tmp)


def test_client_certificate_is_forwarded_as_der(tmp):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
            "-out", "ca.pem", "-subj", "/CN=Castellan Test CA", "-days", "1", cwd=tmp)
    issue(tmp, "server", "127.0.0.1")
    issue(tmp, "client", "dev1")
    openssl("x509", "-in", "client.pem", "-outform", "DER", "-out", "client.der", cwd=tmp)
    with open(os.path.join(tmp, "client.der"), "rb") as f:
        der = f.read()

    def by_certificate(req):
        ok = req["type"] == BASIC_AUTH and req["certificate"] == der and req["username"] is None
        return (1, "dev1", DEV1_RULES, b"") if ok else (0, "", b"", b"")

    tls = ("cafile {0}/ca.pem\ncertfile {0}/server.pem\nkeyfile {0}/server.key\nrequire_certificate true\n"
           "use_identity_as_username false\nset_tcp_nodelay true\n").format(tmp)
    svc = Service(os.path.join(tmp, "bridge.sock"), by_certificate)
    broker = Broker(tmp, svc.path, listener_extra=tls)
    try:
        base = ["mosquitto_pub", "-V", "5", "-h", "127.0.0.1", "-p", str(broker.port), "-i", "dev1", "-t",
                "devices/dev1/t", "-m", "x", "-q", "1", "--cafile", os.path.join(tmp, "ca.pem"), "--insecure"]
        r = subprocess.run(base + ["--cert", os.path.join(tmp, "client.pem"), "--key", os.path.join(tmp, "client.key")],
                           capture_output=True, text=True, timeout=WAIT)
        assert r.returncode == 0 and "failed" not in r.stderr, "certificate client refused: %s" % r.stderr
        req = svc.wait_for(lambda f: f["type"] == BASIC_AUTH, "BASIC_AUTH over TLS")
        assert req["certificate"] == der, "certificate not forwarded as the client's DER"
        # Another certificate from the same CA is not the one the service expects: refused.
        issue(tmp, "other", "dev2")
        r = subprocess.run(base + ["--cert", os.path.join(tmp, "other.pem"), "--key", os.path.join(tmp, "other.key")],
                           capture_output=True, text=True, timeout=WAIT)
        assert r.returncode != 0, "other certificate accepted"
        assert broker.alive()
    finally:
        broker.stop()
        svc.close()


def main():
    if not PLUGIN or not os.path.exists(PLUGIN):
        print("usage: broker_test.py /abs/path/castellan_mosquitto.so")
        return 2
    tests = [v for k, v in sorted(globals().items()) if k.startswith("test_")]
    passed = failed = 0
    for test in tests:
        tmp = tempfile.mkdtemp(prefix="castellan-broker-")
        started = time.monotonic()
        try:
            test(tmp)
            passed += 1
            print("ok   %s (%.2f s)" % (test.__name__, time.monotonic() - started))
        except Exception:
            failed += 1
            print("FAIL %s" % test.__name__)
            traceback.print_exc()
            for b in BROKERS:
                print("mosquitto log (last 25 lines):\n  " + "\n  ".join(b.lines[-int(os.environ.get("CASTELLAN_LOG_LINES", "25")):]))
        finally:
            BROKERS.clear()
            shutil.rmtree(tmp, ignore_errors=True)
    if ASAN_LOG_DIR:
        reports = sorted(os.listdir(ASAN_LOG_DIR)) if os.path.isdir(ASAN_LOG_DIR) else []
        for name in reports:
            with open(os.path.join(ASAN_LOG_DIR, name)) as f:
                print("sanitizer report %s:\n%s" % (name, f.read()[:4000]))
        if reports:
            failed += 1
        else:
            passed += 1
            print("ok   no sanitizer report from mosquitto with the plugin inside")
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
