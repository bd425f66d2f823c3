#!/usr/bin/env python3
"""Soak load generator for wxpay-mock (driven by soak.sh; not a test).

Runs WORKERS threads, each repeating the mini-program flow on a keep-alive
connection: /mock/login -> jscode2session -> unifiedorder ->
/mock/requestPayment -> orderquery -> (every REFUND_EVERY-th flow) refund.
Notify receivers answer SUCCESS most of the time and sometimes FAIL or
HTTP 500, so the mock keeps a population of pending notifies on its retry
schedule. Every SAMPLE seconds it samples the mock's RSS and notification
states. Prints a summary; exits 1 if any request got an unexpected answer.

The MD5 signatures are built here the way an SDK builds them (see
gen_bodies.py); the mock verifies each one with wxpay-core.

Usage: soak.py BASE_URL MOCK_PID SECONDS [WORKERS] [SAMPLE] [RATE flows/s, 0 = unpaced]
       soak.py --receiver   (the receivers alone; prints the port)
"""
import hashlib
import http.client
import json
import random
import subprocess
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

APPID = "wxd930ea5d5a258f4f"
MCH_ID = "10000100"
KEY = "192006250b4c09247ec02edce69f6a2d"
SECRET = "7c1d0e5b2f3a4c6d8e9f0a1b2c3d4e5f"
REFUND_EVERY = 3
FIELD = re.compile(r"<([A-Za-z_0-9]+)>(?:<!\[CDATA\[(.*?)\]\]>|([^<]*))</\1>")


def sign(p):
    s = "&".join(f"{k}={p[k]}" for k in sorted(p) if p[k] != "" and k != "sign") + "&key=" + KEY
    return hashlib.md5(s.encode()).hexdigest().upper()


def to_xml(p):
    return "<xml>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in p.items()) + "</xml>"


def from_xml(text):
    return {k: (c if c is not None and c != "" else v) for k, c, v in FIELD.findall(text)}


class Receiver(BaseHTTPRequestHandler):
    """A merchant notify receiver that sometimes fails."""
    counts = {"success": 0, "fail": 0, "http500": 0}
    lock = threading.Lock()

    def do_GET(self):
        with Receiver.lock:
            data = json.dumps(Receiver.counts).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        r = random.random()
        if r < 0.75:
            kind, status, body = "success", 200, "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"
        elif r < 0.9:
            kind, status, body = "fail", 200, "<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[busy]]></return_msg></xml>"
        else:
            kind, status, body = "http500", 500, "oops"
        with Receiver.lock:
            Receiver.counts[kind] += 1
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


class QuietServer(ThreadingHTTPServer):
    """The mock closes a notify connection once it has the reply: a late
    flush by the handler then fails, which is not an error of the run."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.lat = {}
        self.errors = []
        self.flows = 0

    def add(self, name, ms):
        with self.lock:
            self.lat.setdefault(name, []).append(ms)

    def error(self, msg):
        with self.lock:
            if len(self.errors) < 20:
                self.errors.append(msg)
            self.lat.setdefault("_errors", []).append(0)


def worker(base, notify_url, deadline, stats, wid, interval):
    u = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)

    def req(name, method, path, body=None, ctype="text/xml"):
        t0 = time.perf_counter()
        headers = {"Content-Type": ctype} if body is not None else {}
        for attempt in range(2):
            try:
                conn.request(method, path, body=body.encode() if body is not None else None, headers=headers)
                r = conn.getresponse()
                data = r.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, OSError):
                conn.close()
                if attempt:
                    raise
        stats.add(name, (time.perf_counter() - t0) * 1000)
        return r.status, data

    def xml_call(name, path, p):
        p = dict(p, appid=APPID, mch_id=MCH_ID, nonce_str=f"{random.getrandbits(64):016x}")
        p["sign"] = sign(p)
        status, data = req(name, "POST", path, to_xml(p))
        a = from_xml(data)
        if status != 200 or a.get("return_code") != "SUCCESS" or a.get("result_code") != "SUCCESS":
            stats.error(f"{name}: HTTP {status} {data[:200]}")
            return None
        if a.get("sign") != sign(a):
            stats.error(f"{name}: the answer's sign does not verify")
            return None
        return a

    i = 0
    # Paced: flow i starts no earlier than start + i * interval (0: unpaced).
    start = time.time() + random.random() * interval
    while time.time() < deadline:
        i += 1
        if interval:
            wait = start + i * interval - time.time()
            if wait > 0:
                time.sleep(min(wait, max(0.0, deadline - time.time())))
                if time.time() >= deadline:
                    break
        try:
            user = f"w{wid}u{i % 50}"
            status, data = req("login", "POST", "/mock/login", json.dumps({"appid": APPID, "user": user}), "application/json")
            if status != 200:
                stats.error(f"login: HTTP {status} {data[:200]}")
                continue
            code = json.loads(data)["code"]
            q = urllib.parse.urlencode({"appid": APPID, "secret": SECRET, "js_code": code, "grant_type": "authorization_code"})
            status, data = req("jscode2session", "GET", f"/sns/jscode2session?{q}")
            s = json.loads(data) if status == 200 else {}
            if "openid" not in s:
                stats.error(f"jscode2session: HTTP {status} {data[:200]}")
                continue
            no = f"soak{wid}x{i}x{random.getrandbits(24):06x}"
            a = xml_call("unifiedorder", "/pay/unifiedorder", {
                "body": "soak", "out_trade_no": no, "total_fee": "2", "spbill_create_ip": "127.0.0.1",
                "notify_url": notify_url, "trade_type": "JSAPI", "openid": s["openid"]})
            if a is None:
                continue
            ts, nonce, pkg = str(int(time.time())), f"{random.getrandbits(64):016x}", "prepay_id=" + a["prepay_id"]
            pay = {"appId": APPID, "timeStamp": ts, "nonceStr": nonce, "package": pkg, "signType": "MD5"}
            pay["paySign"] = sign(pay)
            status, data = req("requestPayment", "POST", "/mock/requestPayment", json.dumps(pay), "application/json")
            if status != 200 or json.loads(data).get("errMsg") != "requestPayment:ok":
                stats.error(f"requestPayment: HTTP {status} {data[:200]}")
                continue
            a = xml_call("orderquery", "/pay/orderquery", {"out_trade_no": no})
            if a is None:
                continue
            if a.get("trade_state") != "SUCCESS":
                stats.error(f"orderquery: trade_state {a.get('trade_state')}")
                continue
            if i % REFUND_EVERY == 0:
                if xml_call("refund", "/secapi/pay/refund", {
                        "out_trade_no": no, "out_refund_no": "r" + no, "total_fee": "2",
                        "refund_fee": "1", "notify_url": notify_url}) is None:
                    continue
            with stats.lock:
                stats.flows += 1
        except Exception as e:  # noqa: BLE001 - any failure is an error of the run
            stats.error(f"{type(e).__name__}: {e}")
            conn.close()


def sample(base, pid):
    rss = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS"):
                    rss = int(line.split()[1]) // 1024
    except OSError:
        pass
    u = urllib.parse.urlparse(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    c.request("GET", "/mock/notifications")
    ns = json.loads(c.getresponse().read())
    c.request("GET", "/mock/")
    orders = json.loads(c.getresponse().read())["orders"]
    c.close()
    states = {}
    for n in ns:
        states[n["state"]] = states.get(n["state"], 0) + 1
    return rss, orders, states


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] if v else 0.0


def main():
    base, pid, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else 8
    every = float(sys.argv[5]) if len(sys.argv) > 5 else 5
    rate = float(sys.argv[6]) if len(sys.argv) > 6 else 0
    interval = workers / rate if rate > 0 else 0
    # The receivers run in their own process, so the load generator's GIL
    # does not slow the answers down.
    rx = subprocess.Popen([sys.executable, __file__, "--receiver"], stdout=subprocess.PIPE, text=True)
    rx_port = int(rx.stdout.readline())
    notify_url = f"http://127.0.0.1:{rx_port}/notify"
    stats = Stats()
    start = time.time()
    deadline = start + secs
    ts = [threading.Thread(target=worker, args=(base, notify_url, deadline, stats, w, interval), daemon=True) for w in range(workers)]
    for t in ts:
        t.start()
    print(f"{'t_s':>5} {'rss_mb':>7} {'orders':>7} {'req/s':>7}  notifications by state")
    last_n, last_t = 0, start
    rss_seen, pending_seen = [], []
    while time.time() < deadline:
        time.sleep(min(every, max(0.0, deadline - time.time())))
        n = sum(len(v) for k, v in stats.lat.items() if k != "_errors")
        now = time.time()
        rss, orders, states = sample(base, pid)
        rss_seen.append(rss)
        pending_seen.append(states.get("pending", 0))
        print(f"{now - start:5.0f} {rss:7d} {orders:7d} {(n - last_n) / (now - last_t):7.0f}  {json.dumps(states, sort_keys=True)}", flush=True)
        last_n, last_t = n, now
    for t in ts:
        t.join()
    elapsed = time.time() - start
    total = sum(len(v) for k, v in stats.lat.items() if k != "_errors")
    allv = [x for k, v in stats.lat.items() if k != "_errors" for x in v]
    print(f"\nrequests {total} in {elapsed:.0f} s: {total / elapsed:.0f} req/s; flows {stats.flows} ({stats.flows / elapsed:.0f}/s)")
    print(f"latency all: p50 {pct(allv, 0.5):.2f} ms  p99 {pct(allv, 0.99):.2f} ms  max {max(allv or [0]):.1f} ms")
    for k in ["login", "jscode2session", "unifiedorder", "requestPayment", "orderquery", "refund"]:
        v = stats.lat.get(k, [])
        print(f"  {k:<15} n {len(v):>8}  p50 {pct(v, 0.5):7.2f} ms  p99 {pct(v, 0.99):7.2f} ms")
    c = http.client.HTTPConnection("127.0.0.1", rx_port, timeout=30)
    c.request("GET", "/counts")
    print(f"receiver answers: {c.getresponse().read().decode()}")
    if rss_seen:
        half = rss_seen[len(rss_seen) // 2:]
        print(f"RSS MB: min {min(rss_seen)} max {max(rss_seen)}; second half {min(half)}-{max(half)}")
        print(f"pending notifications: max {max(pending_seen)}, at the end {pending_seen[-1]}")
    rx.terminate()
    nerr = len(stats.lat.get("_errors", []))
    print(f"errors: {nerr}")
    for e in stats.errors:
        print("  " + e)
    sys.exit(1 if nerr else 0)


def receiver_main():
    rx = QuietServer(("127.0.0.1", 0), Receiver)
    rx.daemon_threads = True
    print(rx.server_address[1], flush=True)
    rx.serve_forever()


if __name__ == "__main__":
    if sys.argv[1:] == ["--receiver"]:
        receiver_main()
    else:
        main()
