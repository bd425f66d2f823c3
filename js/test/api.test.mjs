// The API beyond the vectors: paySign defaults, XML both ways, req_info,
// nonce and the signature doctor.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  buildPaymentParams,
  decryptRefundInfo,
  diagnose,
  encryptRefundInfo,
  nonce,
  parseXml,
  sign,
  toXml,
  verify,
  verifyPaymentParams,
} from 'wxpay-devkit';

import { createHash } from 'node:crypto';

import { refSign } from './helpers.mjs';

const KEY = '192006250b4c09247ec02edce69f6a2d';
const PAY_KEY = 'qazwsxedcrfvtgbyhnujmikolp111111';

test('buildPaymentParams: the official example, all strings', () => {
  const p = buildPaymentParams({
    appId: 'wxd678efh567hg6787',
    prepayId: 'wx2017033010242291fcfe0db70013231072',
    key: PAY_KEY,
    timeStamp: 1490840662,
    nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
  });
  assert.deepEqual(p, {
    appId: 'wxd678efh567hg6787',
    timeStamp: '1490840662',
    nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
    package: 'prepay_id=wx2017033010242291fcfe0db70013231072',
    signType: 'MD5',
    paySign: '22D9B4E54AB1950F51E0649E8810ACD6',
  });
  for (const v of Object.values(p)) assert.equal(typeof v, 'string');
});

test('buildPaymentParams: defaults and a verifiable result', () => {
  const before = Math.floor(Date.now() / 1000);
  const p = buildPaymentParams({ appId: 'wx123', prepayId: 'prepay_id=wx456', key: KEY, signType: 'HMAC-SHA256' });
  const after = Math.floor(Date.now() / 1000);
  assert.match(p.timeStamp, /^\d{10}$/);
  assert.ok(Number(p.timeStamp) >= before && Number(p.timeStamp) <= after);
  assert.match(p.nonceStr, /^[0-9A-Za-z]{32}$/);
  assert.equal(p.package, 'prepay_id=wx456');
  assert.equal(p.signType, 'HMAC-SHA256');
  assert.equal(p.paySign.length, 64);
  const fields = ['appId', 'timeStamp', 'nonceStr', 'package', 'signType'].map((k) => [k, p[k]]);
  assert.equal(p.paySign, refSign(fields, KEY, 'HMAC-SHA256'));
  assert.equal(verifyPaymentParams(p, KEY), true);
  assert.equal(verifyPaymentParams({ ...p, nonceStr: p.nonceStr + 'x' }, KEY), false);
  assert.equal(verifyPaymentParams({ ...p, paySign: undefined }, KEY), false);
  assert.equal(verifyPaymentParams({ ...p, paySign: 'ABC' }, KEY), false);
  // Extra fields (and the wrong-case timestamp of wx.chooseWXPay) are not signed.
  assert.equal(verifyPaymentParams({ ...p, timestamp: '1', extra: 'x' }, KEY), true);
});

test('toXml: sorted, integers bare, everything else in CDATA, ]]> split', () => {
  assert.equal(
    toXml({ total_fee: '1', body: 'a]]>b', attach: '<x & y>', n: -3 }),
    '<xml><attach><![CDATA[<x & y>]]></attach><body><![CDATA[a]]]]><![CDATA[>b]]></body><n>-3</n><total_fee>1</total_fee></xml>'
  );
  assert.equal(toXml(new Map([['b', '2'], ['a', '中文']])), '<xml><a><![CDATA[中文]]></a><b>2</b></xml>');
});

test('parseXml: CDATA, entities, numeric references, BOM, declaration, comments', () => {
  assert.deepEqual(parseXml('<xml><a><![CDATA[x & y]]></a><b>1</b><c>&lt;&#20013;&gt;</c></xml>'), { a: 'x & y', b: '1', c: '<中>' });
  assert.deepEqual(
    parseXml('\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n <!-- c -->\n <a>x<![CDATA[<y>]]>&amp;&#x4e2d;</a>\n <b/>\n <c></c>\n</xml>\n'),
    { a: 'x<y>&中', b: '', c: '' }
  );
  const notify = '<xml><return_code><![CDATA[SUCCESS]]></return_code><total_fee>1</total_fee><attach><![CDATA[😀 支付]]></attach></xml>';
  const want = { return_code: 'SUCCESS', total_fee: '1', attach: '😀 支付' };
  assert.deepEqual(parseXml(notify), want);
  assert.deepEqual(parseXml(Buffer.from(notify)), want);
  assert.deepEqual(parseXml(new TextEncoder().encode(notify)), want);
  // Twice in a row with the same fields: the second result is cloned from the first's shape.
  assert.deepEqual(parseXml(notify), want);
  assert.deepEqual(parseXml(notify.replace('SUCCESS', 'FAIL')), { ...want, return_code: 'FAIL' });
});

test('parseXml: a field named __proto__ is an own property, not a prototype', () => {
  const o = parseXml('<xml><__proto__><![CDATA[x]]></__proto__><a>1</a></xml>');
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
  assert.deepEqual(Object.keys(o), ['__proto__', 'a']);
  assert.equal(Object.getOwnPropertyDescriptor(o, '__proto__').value, 'x');
  const again = parseXml('<xml><__proto__><![CDATA[y]]></__proto__><a>1</a></xml>');
  assert.equal(Object.getOwnPropertyDescriptor(again, '__proto__').value, 'y');
  assert.equal(Object.getPrototypeOf(again), Object.prototype);
});

test('parseXml then verify: a notify round trip', () => {
  const fields = { appid: 'wx2421b1c4370ec43b', attach: '支付测试', mch_id: '10000100', total_fee: '1', result_code: 'SUCCESS' };
  const xml = toXml({ ...fields, sign: sign(fields, KEY) });
  const parsed = parseXml(xml);
  assert.equal(verify(parsed, KEY), true);
  assert.equal(verify({ ...parsed, total_fee: '2' }, KEY), false);
});

test('encryptRefundInfo / decryptRefundInfo round trip', () => {
  const fields = { out_refund_no: 'R1', refund_status: 'SUCCESS', refund_recv_accout: '支付用户零钱', refund_fee: 1 };
  const enc = encryptRefundInfo(fields, KEY);
  assert.match(enc, /^[A-Za-z0-9+/]+=*$/);
  assert.deepEqual(decryptRefundInfo(enc, KEY), { ...fields, refund_fee: '1' });
  assert.deepEqual(decryptRefundInfo(encryptRefundInfo('<root><a>&lt;1&gt;</a></root>', KEY), KEY), { a: '<1>' });
});

test('nonce: [0-9A-Za-z], the requested length, not repeated', () => {
  const seen = new Set();
  for (let i = 0; i < 200; i++) {
    const n = nonce();
    assert.match(n, /^[0-9A-Za-z]{32}$/);
    seen.add(n);
  }
  assert.equal(seen.size, 200);
  assert.equal(nonce(1).length, 1);
  assert.equal(nonce(1024).length, 1024);
  const all = nonce(1024 * 1).split('');
  assert.ok(new Set(all).size > 50, 'uses the whole alphabet');
});

test('diagnose: lowercase hex is found and replayed, the key never shows', () => {
  const p = { appid: 'wxd930ea5d5a258f4f', mch_id: '10000100', device_info: '1000', body: 'test', nonce_str: 'ibuaiVcKdpRxkhJA' };
  const d = diagnose(p, KEY, '9a0a8659f005d6984697e2ca0a9cf3b7');
  assert.equal(d.ok, false);
  assert.equal(d.expectedSign, '9A0A8659F005D6984697E2CA0A9CF3B7');
  assert.equal(d.kind, 'api');
  assert.equal(d.signType, 'MD5');
  const f = d.findings.find((x) => x.code === 'LOWERCASE_HEX');
  assert.ok(f, JSON.stringify(d.findings.map((x) => x.code)));
  assert.equal(f.confirmed, true);
  assert.equal(
    f.signedString,
    // The key shows as its fingerprint (sha256: + 4 bytes of its SHA-256), no character of it.
    'appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key=sha256:4ad1bc7c'
  );
  assert.equal(typeof f.summary, 'string');
  assert.equal(typeof f.summaryZh, 'string');
  assert.equal(typeof f.fix, 'string');
  assert.ok(Array.isArray(f.related));
  assert.ok(!JSON.stringify(d).includes(KEY));
  assert.ok(d.report.includes('LOWERCASE_HEX'));
});

test('diagnose: empty values reach the doctor, which replays signers that include them', () => {
  const p = { appid: 'wx1', attach: '', body: 'x' };
  // A signer that kept the empty attach (the rules skip it).
  const claimed = createHash('md5').update(`appid=wx1&attach=&body=x&key=${KEY}`).digest('hex').toUpperCase();
  const d = diagnose(p, KEY, claimed);
  assert.equal(d.ok, false);
  assert.ok(d.findings.some((x) => x.code === 'EMPTY_VALUES_INCLUDED' && x.confirmed), JSON.stringify(d.findings.map((x) => x.code)));
  assert.equal(diagnose(p, KEY, sign(p, KEY)).ok, true);
});

test('diagnose: AppSecret used as the key, masked everywhere', () => {
  const secret = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
  const p = { appid: 'wx1', body: 'x' };
  const d = diagnose(p, KEY, sign(p, secret), { appSecret: secret });
  assert.ok(d.findings.some((x) => x.code === 'APP_SECRET_AS_KEY' && x.confirmed), JSON.stringify(d.findings.map((x) => x.code)));
  assert.ok(!JSON.stringify(d).includes(secret));
});

test('diagnose: paySign objects, with callbacks, and the unifiedorder sign reused', () => {
  const o = {
    appId: 'wxd678efh567hg6787',
    timeStamp: '1490840662',
    nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
    package: 'prepay_id=wx2017033010242291fcfe0db70013231072',
    signType: 'MD5',
    success() {},
  };
  assert.equal(diagnose(o, PAY_KEY, '22D9B4E54AB1950F51E0649E8810ACD6').ok, true);
  assert.equal(diagnose(o, PAY_KEY, '22D9B4E54AB1950F51E0649E8810ACD6').kind, 'paySign');
  const orderSign = 'C380BEC2BFD727A4B6845133519F3AD6';
  const d = diagnose(o, PAY_KEY, orderSign, { orderSign });
  assert.ok(d.findings.some((x) => x.code === 'ORDER_SIGN_REUSED_AS_PAYSIGN'), JSON.stringify(d.findings.map((x) => x.code)));
});
