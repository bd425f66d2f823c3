// Independent implementation of the WeChat Pay API v3 crypto, on Node's
// built-in `crypto` (OpenSSL), used to make and check vectors/wxpay-v3.json.
//
//   node v3_node.mjs --generate   rewrite vectors/wxpay-v3.json (signatures, ciphertexts)
//   node v3_node.mjs --check      recompute every case and compare (exit 1 on a difference)
//   node v3_node.mjs --verify-rust FILE
//       FILE is JSON written by core/tests/v3_crosscheck.rs: signatures made
//       by Rust (verified here), resources encrypted by Rust (decrypted
//       here), OAEP ciphertexts made by Rust (decrypted here). Prints "ok".
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const vectorsPath = path.join(root, 'vectors', 'wxpay-v3.json');
const keyDir = path.join(root, 'vectors', 'v3-test-keys');
const pem = (f) => fs.readFileSync(path.join(keyDir, f), 'utf8');

const keys = {
  merchant: crypto.createPrivateKey(pem('merchant_key.pem')),
  platform: crypto.createPrivateKey(pem('platform_key.pem')),
};
const pubs = {
  merchant: crypto.createPublicKey(pem('merchant_pub.pem')),
  platform: crypto.createPublicKey(pem('platform_pub.pem')),
};

const sign = (key, msg) => crypto.sign('sha256', Buffer.from(msg, 'utf8'), key).toString('base64');
const verify = (pub, msg, sig) => crypto.verify('sha256', Buffer.from(msg, 'utf8'), pub, Buffer.from(sig, 'base64'));
const requestMessage = (c) => `${c.method}\n${c.url}\n${c.timestamp}\n${c.nonce}\n${c.body}\n`;
const responseMessage = (c) => `${c.timestamp}\n${c.nonce}\n${c.body}\n`;
const payMessage = (c) => `${c.appId}\n${c.timeStamp}\n${c.nonceStr}\n${c.package}\n`;

function gcmEncrypt(key, nonce, aad, plaintext) {
  const c = crypto.createCipheriv('aes-256-gcm', Buffer.from(key, 'utf8'), Buffer.from(nonce, 'utf8'));
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(Buffer.from(plaintext, 'utf8')), c.final(), c.getAuthTag()]);
  return ct.toString('base64');
}
function gcmDecrypt(key, nonce, aad, b64) {
  const buf = Buffer.from(b64, 'base64');
  const d = crypto.createDecipheriv('aes-256-gcm', Buffer.from(key, 'utf8'), Buffer.from(nonce, 'utf8'));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(buf.subarray(buf.length - 16));
  return Buffer.concat([d.update(buf.subarray(0, buf.length - 16)), d.final()]).toString('utf8');
}
const oaep = { padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' };
const certSerial = (f) => new crypto.X509Certificate(pem(f)).serialNumber.toUpperCase();

function compute(v) {
  const out = structuredClone(v);
  for (const c of out.request_sign) {
    c.message = requestMessage(c);
    c.signature = sign(keys.merchant, c.message);
  }
  for (const c of out.response_sign) {
    c.message = responseMessage(c);
    c.signature = sign(keys[c.key], c.message);
  }
  for (const c of out.pay_sign) {
    c.message = payMessage(c);
    c.paySign = sign(keys.merchant, c.message);
  }
  for (const c of out.resource) {
    c.ciphertext = gcmEncrypt(c.api_v3_key, c.nonce, c.associated_data, c.plaintext);
  }
  for (const c of out.certificate) c.serial = certSerial(c.file);
  for (const c of out.oaep) {
    // OAEP is randomised: keep the stored ciphertext, check it decrypts.
    if (!c.ciphertext) {
      c.ciphertext = crypto.publicEncrypt({ key: pubs[c.key], ...oaep }, Buffer.from(c.plaintext, 'utf8')).toString('base64');
    }
  }
  return out;
}

const mode = process.argv[2];
const current = JSON.parse(fs.readFileSync(vectorsPath, 'utf8'));
if (mode === '--generate') {
  fs.writeFileSync(vectorsPath, JSON.stringify(compute(current), null, 2) + '\n');
  console.log('written', vectorsPath);
} else if (mode === '--check') {
  const fresh = compute(current);
  let bad = 0;
  for (const group of ['request_sign', 'response_sign', 'pay_sign', 'resource', 'certificate']) {
    fresh[group].forEach((c, i) => {
      if (JSON.stringify(c) !== JSON.stringify(current[group][i])) {
        console.error(`differs: ${group}[${i}] ${c.name ?? c.file}`);
        bad++;
      }
    });
  }
  for (const c of current.oaep) {
    const pt = crypto.privateDecrypt({ key: keys[c.key], ...oaep }, Buffer.from(c.ciphertext, 'base64')).toString('utf8');
    if (pt !== c.plaintext) { console.error(`oaep ${c.name} differs`); bad++; }
  }
  for (const c of current.request_sign) if (!verify(pubs.merchant, c.message, c.signature)) bad++;
  if (bad) process.exit(1);
  console.log('ok');
} else if (mode === '--verify-rust') {
  const r = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
  let bad = 0;
  for (const s of r.signatures) {
    if (!verify(pubs[s.key], s.message, s.signature)) { console.error('signature rejected:', JSON.stringify(s.message).slice(0, 80)); bad++; }
    if (sign(keys[s.key], s.message) !== s.signature) { console.error('signature differs'); bad++; }
  }
  for (const e of r.resources) {
    if (gcmDecrypt(e.api_v3_key, e.nonce, e.associated_data, e.ciphertext) !== e.plaintext) { console.error('resource differs'); bad++; }
  }
  for (const o of r.oaep) {
    const pt = crypto.privateDecrypt({ key: keys[o.key], ...oaep }, Buffer.from(o.ciphertext, 'base64')).toString('utf8');
    if (pt !== o.plaintext) { console.error('oaep differs'); bad++; }
  }
  if (bad) process.exit(1);
  console.log('ok');
} else {
  console.error('usage: v3_node.mjs --generate | --check | --verify-rust FILE');
  process.exit(2);
}
