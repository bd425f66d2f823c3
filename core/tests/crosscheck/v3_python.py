"""Second independent check of vectors/wxpay-v3.json, on Python's
`cryptography` package (OpenSSL through a different binding and a different
author than Node's crypto): every signature verifies with the public key
and equals a fresh PKCS#1 v1.5 signature, every resource decrypts to its
plaintext and re-encrypts to its ciphertext, every OAEP ciphertext
decrypts, every certificate serial matches.

    python3 core/tests/crosscheck/v3_python.py    # prints "ok" or exits 1
"""
import base64
import json
import pathlib
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ROOT = pathlib.Path(__file__).resolve().parents[3]
V = json.loads((ROOT / "vectors" / "wxpay-v3.json").read_text("utf-8"))
KEYS = ROOT / "vectors" / "v3-test-keys"


def private(name):
    return serialization.load_pem_private_key((KEYS / f"{name}_key.pem").read_bytes(), None)


PRIV = {"merchant": private("merchant"), "platform": private("platform")}
bad = []


def check_sig(name, key, message, signature):
    sig = base64.b64decode(signature, validate=True)
    try:
        PRIV[key].public_key().verify(sig, message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except Exception as e:  # noqa: BLE001 - report any failure by case name
        bad.append(f"{name}: verify failed: {e!r}")
    if PRIV[key].sign(message.encode(), padding.PKCS1v15(), hashes.SHA256()) != sig:
        bad.append(f"{name}: signature differs")


for c in V["request_sign"]:
    msg = f"{c['method']}\n{c['url']}\n{c['timestamp']}\n{c['nonce']}\n{c['body']}\n"
    if msg != c["message"]:
        bad.append(f"{c['name']}: message differs")
    check_sig(c["name"], "merchant", msg, c["signature"])
for c in V["response_sign"]:
    msg = f"{c['timestamp']}\n{c['nonce']}\n{c['body']}\n"
    if msg != c["message"]:
        bad.append(f"{c['name']}: message differs")
    check_sig(c["name"], c["key"], msg, c["signature"])
for c in V["pay_sign"]:
    msg = f"{c['appId']}\n{c['timeStamp']}\n{c['nonceStr']}\n{c['package']}\n"
    check_sig(c["name"], "merchant", msg, c["paySign"])
for c in V["resource"]:
    gcm = AESGCM(c["api_v3_key"].encode())
    ad = c["associated_data"].encode()
    pt = gcm.decrypt(c["nonce"].encode(), base64.b64decode(c["ciphertext"]), ad).decode()
    if pt != c["plaintext"]:
        bad.append(f"{c['name']}: plaintext differs")
    ct = base64.b64encode(gcm.encrypt(c["nonce"].encode(), c["plaintext"].encode(), ad)).decode()
    if ct != c["ciphertext"]:
        bad.append(f"{c['name']}: ciphertext differs")
for c in V["oaep"]:
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    if PRIV[c["key"]].decrypt(base64.b64decode(c["ciphertext"]), oaep).decode() != c["plaintext"]:
        bad.append(f"{c['name']}: OAEP plaintext differs")
for c in V["certificate"]:
    cert = x509.load_pem_x509_certificate((KEYS / c["file"]).read_bytes())
    if format(cert.serial_number, "X") != c["serial"]:
        bad.append(f"{c['file']}: serial differs")

if bad:
    print("\n".join(bad), file=sys.stderr)
    sys.exit(1)
print("ok")
