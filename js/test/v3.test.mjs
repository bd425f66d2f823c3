// API v3 in Node: the vectors of vectors/wxpay-v3.json through the public
// JS API (v3.sign/verify/authorization/verifyResponse/decryptResource/
// buildPaymentParams/diagnose), cross-checked with node:crypto, and the
// specific error codes for bad input.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { v3 } from '../dist/node/index.mjs';

const v = JSON.parse(readFileSync(new URL('../../vectors/wxpay-v3.json', import.meta.url), 'utf8'));
const pem = (f) => readFileSync(new URL(`../../vectors/v3-test-keys/${f}`, import.meta.url), 'utf8');
const MERCHANT = pem('merchant_key.pem');
const MERCHANT_CERT = pem('merchant_cert.pem');
const PLATFORM = pem('platform_key.pem');
const PLATFORM_CERT = pem('platform_cert.pem');
const PLATFORM_PUB = pem('platform_pub.pem');

test('v3 request vectors: sign, verify, authorization', () => {
  for (const c of v.request_sign) {
    assert.equal(v3.sign(c.message, MERCHANT), c.signature, c.name);
    assert.equal(v3.sign(c.message, pem('merchant_key_pkcs1.pem')), c.signature, c.name);
    assert.equal(v3.verify(c.message, c.signature, MERCHANT_CERT), true, c.name);
    assert.equal(v3.verify(c.message + ' ', c.signature, MERCHANT_CERT), false, c.name);
    const h = v3.authorization({
      mchid: '1900000109', serialNo: '3775B6A45ACD588826D15E583A95F5DD2C7A5F5F', privateKey: MERCHANT,
      method: c.method, url: c.url, body: c.body, timestamp: c.timestamp, nonceStr: c.nonce,
    });
    assert.ok(h.startsWith('WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str='), h);
    assert.ok(h.includes(`signature="${c.signature}"`), c.name);
    // node:crypto, independently, accepts the header's signature.
    const sig = /signature="([^"]+)"/.exec(h)[1];
    assert.ok(crypto.verify('sha256', Buffer.from(c.message), crypto.createPublicKey(MERCHANT_CERT), Buffer.from(sig, 'base64')));
  }
});

test('v3 verifyResponse: vectors and the policy', () => {
  for (const c of v.response_sign) {
    const headers = {
      'Wechatpay-Serial': c.serial, 'wechatpay-signature': c.signature, 'Wechatpay-Timestamp': c.timestamp,
      'Wechatpay-Nonce': c.nonce, 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
    };
    const keys = { [c.serial]: PLATFORM_CERT };
    const now = Number(c.timestamp);
    assert.equal(v3.verifyResponse(headers, c.body, keys, now + 300), true, c.name);
    assert.equal(v3.verifyResponse(new Map(Object.entries(headers).map(([k, x]) => [k.toLowerCase(), x])), c.body, keys, now), true);
    assert.throws(() => v3.verifyResponse(headers, c.body, keys, now + 301), { code: 'ERR_V3_TIMESTAMP_SKEW' });
    assert.throws(() => v3.verifyResponse(headers, c.body + ' ', keys, now), { code: 'ERR_V3_SIGNATURE_MISMATCH' });
    assert.throws(() => v3.verifyResponse(headers, c.body, { PUB_KEY_ID_X: PLATFORM_PUB }, now), { code: 'ERR_V3_UNKNOWN_SERIAL' });
    assert.throws(() => v3.verifyResponse({ ...headers, 'Wechatpay-Signature-Type': 'X' }, c.body, keys, now), { code: 'ERR_V3_UNSUPPORTED_SIGNATURE_TYPE' });
    const { 'Wechatpay-Nonce': _, ...missing } = headers;
    assert.throws(() => v3.verifyResponse(missing, c.body, keys, now), { code: 'ERR_V3_MISSING_HEADER' });
    // Public-key mode: the key is known by its PUB_KEY_ID.
    assert.equal(v3.verifyResponse({ ...headers, 'Wechatpay-Serial': 'PUB_KEY_ID_01' }, c.body, { PUB_KEY_ID_01: PLATFORM_PUB }, now), true);
  }
});

test('v3 decryptResource: vectors and error codes', () => {
  for (const c of v.resource) {
    const r = { algorithm: 'AEAD_AES_256_GCM', ciphertext: c.ciphertext, nonce: c.nonce, associated_data: c.associated_data };
    assert.equal(v3.decryptResource(r, c.api_v3_key), c.plaintext, c.name);
    assert.throws(() => v3.decryptResource({ ...r, associated_data: 'certificate' }, c.api_v3_key), { code: 'ERR_V3_RESOURCE_AUTHENTICATION' });
    assert.throws(() => v3.decryptResource({ ...r, nonce: 'short' }, c.api_v3_key), { code: 'ERR_V3_NONCE_LENGTH' });
    assert.throws(() => v3.decryptResource(r, 'short'), { code: 'ERR_V3_API_V3_KEY_LENGTH' });
    assert.throws(() => v3.decryptResource({ ...r, ciphertext: 'AAAA' }, c.api_v3_key), { code: 'ERR_V3_CIPHERTEXT_TOO_SHORT' });
    assert.throws(() => v3.decryptResource({ ...r, ciphertext: '%%%' }, c.api_v3_key), { code: 'ERR_V3_CIPHERTEXT_BASE64' });
    assert.throws(() => v3.decryptResource({ ...r, algorithm: 'AEAD_AES_128_GCM' }, c.api_v3_key), { code: 'ERR_V3_UNSUPPORTED_ALGORITHM' });
  }
});

test('v3 buildPaymentParams: vector, signType RSA, node:crypto verifies', () => {
  const c = v.pay_sign[0];
  const p = v3.buildPaymentParams({ appId: c.appId, prepayId: c.package.slice('prepay_id='.length), privateKey: MERCHANT, timeStamp: c.timeStamp, nonceStr: c.nonceStr });
  assert.deepEqual(p, { appId: c.appId, timeStamp: c.timeStamp, nonceStr: c.nonceStr, package: c.package, signType: 'RSA', paySign: c.paySign });
  const fresh = v3.buildPaymentParams({ appId: c.appId, prepayId: 'wx1', privateKey: MERCHANT });
  assert.match(fresh.timeStamp, /^\d{10}$/);
  assert.match(fresh.nonceStr, /^[0-9A-Za-z]{32}$/);
  const msg = `${fresh.appId}\n${fresh.timeStamp}\n${fresh.nonceStr}\n${fresh.package}\n`;
  assert.ok(crypto.verify('sha256', Buffer.from(msg), crypto.createPublicKey(MERCHANT_CERT), Buffer.from(fresh.paySign, 'base64')));
});

test('v3 key errors are specific', () => {
  assert.throws(() => v3.sign('m', MERCHANT_CERT), { code: 'ERR_V3_CERTIFICATE_NOT_KEY' });
  assert.throws(() => v3.sign('m', pem('weak1024_key.pem')), { code: 'ERR_V3_KEY_TOO_SMALL' });
  assert.throws(() => v3.sign('m', 'not a pem'), { code: 'ERR_V3_PEM_MALFORMED' });
  assert.throws(() => v3.verify('m', 'c2ln', MERCHANT), { code: 'ERR_V3_PRIVATE_KEY_NOT_PUBLIC' });
  assert.throws(() => v3.verify('m', 'c2ln', MERCHANT_CERT), { code: 'ERR_V3_SIGNATURE_LENGTH' });
  assert.throws(() => v3.verify('m', '%%', MERCHANT_CERT), { code: 'ERR_V3_SIGNATURE_BASE64' });
  assert.throws(() => v3.sign(1, MERCHANT), { code: 'ERR_INVALID_ARG_TYPE' });
  // The error message never carries key material.
  try { v3.sign('m', MERCHANT_CERT); } catch (e) { assert.ok(!e.message.includes('MII')); }
});

test('v3 diagnose: wrong key, host in URL, v2 paySign', () => {
  const url = '/v3/pay/transactions/jsapi';
  const body = '{"a":1}';
  const ts = '1717834061';
  const header = (key, signedUrl) => {
    const sig = crypto.sign('sha256', Buffer.from(`POST\n${signedUrl}\n${ts}\nN\n${body}\n`), crypto.createPrivateKey(key)).toString('base64');
    return `WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="N",signature="${sig}",timestamp="${ts}",serial_no="3775B6A45ACD588826D15E583A95F5DD2C7A5F5F"`;
  };
  const opts = { merchantPublicKey: MERCHANT_CERT, otherKeys: { 'platform certificate': PLATFORM_CERT } };
  const ok = v3.diagnose({ method: 'POST', url, body, authorization: header(MERCHANT, url) }, opts);
  assert.equal(ok.ok, true, ok.report);
  const wrong = v3.diagnose({ method: 'POST', url, body, authorization: header(PLATFORM, url) }, opts);
  assert.deepEqual(wrong.findings.filter((f) => f.confirmed).map((f) => f.code), ['WRONG_KEY']);
  assert.ok(!wrong.report.includes('BEGIN'));
  const host = v3.diagnose({ method: 'POST', url, body, authorization: header(MERCHANT, `https://api.mch.weixin.qq.com${url}`) }, opts);
  assert.deepEqual(host.findings.filter((f) => f.confirmed).map((f) => f.code), ['HOST_IN_URL']);
  const pay = v3.diagnose({ appId: 'wx1', timeStamp: ts, nonceStr: 'N', package: 'prepay_id=1', signType: 'MD5', paySign: 'A'.repeat(32) }, opts);
  assert.ok(pay.findings.some((f) => f.code === 'V2_PAYSIGN'), pay.report);
  assert.ok(pay.findings.some((f) => f.code === 'SIGN_TYPE_NOT_RSA'), pay.report);
});

test('v3 from require() is the same namespace', () => {
  const require = createRequire(import.meta.url);
  const cjs = require('../dist/node/index.cjs');
  assert.equal(typeof cjs.v3.verifyResponse, 'function');
  assert.equal(cjs.v3.sign(v.pay_sign[0].message, MERCHANT), v.pay_sign[0].paySign);
});
