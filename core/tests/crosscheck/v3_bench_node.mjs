// Node's own figures for the operations of core/benches/v3.rs, on the same
// keys and messages (vectors/wxpay-v3.json): crypto.sign / crypto.verify
// (RSA-2048, SHA-256, PKCS#1 v1.5) of the 1 KB response message, and
// AES-256-GCM decryption of the 1 KB resource (base64 decode included, as
// in wxpay-core's decrypt_resource).
//   node core/tests/crosscheck/v3_bench_node.mjs
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const v = JSON.parse(fs.readFileSync(path.join(root, 'vectors', 'wxpay-v3.json'), 'utf8'));
const pem = (f) => fs.readFileSync(path.join(root, 'vectors', 'v3-test-keys', f), 'utf8');
const priv = crypto.createPrivateKey(pem('platform_key.pem'));
const pub = crypto.createPublicKey(pem('platform_pub.pem'));
const r = v.response_sign[2];
const msg = Buffer.from(`${r.timestamp}\n${r.nonce}\n${r.body}\n`, 'utf8');
const sig = Buffer.from(r.signature, 'base64');
const res = v.resource[3];

function time(name, fn, iters) {
  for (let i = 0; i < Math.min(iters, 200); i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) fn();
  const ns = Number(process.hrtime.bigint() - t0) / iters;
  console.log(`${name.padEnd(32)} ${(ns / 1000).toFixed(2)} µs/op`);
}
time('node crypto.sign (RSA-2048)', () => crypto.sign('sha256', msg, priv), 2000);
time('node crypto.verify', () => { if (!crypto.verify('sha256', msg, pub, sig)) throw new Error('bad'); }, 20000);
time('node aes-256-gcm decrypt 1 KB', () => {
  const buf = Buffer.from(res.ciphertext, 'base64');
  const d = crypto.createDecipheriv('aes-256-gcm', Buffer.from(res.api_v3_key), Buffer.from(res.nonce));
  d.setAAD(Buffer.from(res.associated_data));
  d.setAuthTag(buf.subarray(buf.length - 16));
  Buffer.concat([d.update(buf.subarray(0, buf.length - 16)), d.final()]).toString('utf8');
}, 50000);
