#!/usr/bin/env python3
"""Writes N signed unifiedorder bodies (one per line) for the load test.

Each body is what an SDK sends: MD5-signed with the built-in merchant's key
(WeChat's documentation example), a unique out_trade_no, CDATA for text and
bare digits for integers. Usage: gen_bodies.py N [RUN_ID] > bodies.txt
"""
import hashlib
import sys

APPID = "wxd930ea5d5a258f4f"
MCH_ID = "10000100"
KEY = "192006250b4c09247ec02edce69f6a2d"


def body(i: int, run: str) -> str:
    p = {
        "appid": APPID,
        "mch_id": MCH_ID,
        "nonce_str": hashlib.md5(f"{run}{i}".encode()).hexdigest(),
        "body": "load-test 商品",
        "out_trade_no": f"lt{run}{i:010d}",
        "total_fee": "1",
        "spbill_create_ip": "127.0.0.1",
        "notify_url": "http://127.0.0.1:9/notify",
        "trade_type": "JSAPI",
        "openid": "oUpF8uMEb4qRXf22hE3X68TekukE",
    }
    s = "&".join(f"{k}={p[k]}" for k in sorted(p) if p[k]) + "&key=" + KEY
    p["sign"] = hashlib.md5(s.encode()).hexdigest().upper()
    out = ["<xml>"]
    for k in sorted(p):
        v = p[k]
        out.append(f"<{k}>{v}</{k}>" if v.isdigit() else f"<{k}><![CDATA[{v}]]></{k}>")
    out.append("</xml>")
    return "".join(out)


def main() -> None:
    n = int(sys.argv[1])
    run = sys.argv[2] if len(sys.argv) > 2 else "r"
    w = sys.stdout.write
    for i in range(n):
        w(body(i, run))
        w("\n")


if __name__ == "__main__":
    main()
