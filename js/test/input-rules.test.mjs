// The JS input rules, identical for every function that takes params:
// a plain object or a Map; string, finite integer number or bigint values
// (written in decimal); null, undefined and "" skipped; anything else a
// TypeError naming the key. Only the exact key `sign` is excluded; names
// sort by byte order; nothing is trimmed or URL-encoded.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import vm from 'node:vm';

import { diagnose, parseXml, sign, toXml, verify, verifyPaymentParams, encryptRefundInfo } from 'wxpay-devkit';

import { refSign, refStringToSign, thrown } from './helpers.mjs';

const KEY = '192006250b4c09247ec02edce69f6a2d';
const md5 = (pairs) => refSign(pairs, KEY, 'MD5');

test('numbers and bigints are written in decimal', () => {
  assert.equal(sign({ total_fee: 1 }, KEY), md5([['total_fee', '1']]));
  assert.equal(sign({ total_fee: 1n }, KEY), md5([['total_fee', '1']]));
  assert.equal(sign({ a: -42 }, KEY), md5([['a', '-42']]));
  assert.equal(sign({ a: -0 }, KEY), md5([['a', '0']]));
  assert.equal(sign({ a: 0 }, KEY), md5([['a', '0']]), '0 is a value, not empty');
  assert.equal(sign({ a: 2 ** 53 + 2 }, KEY), md5([['a', '9007199254740994']]));
  // String(1e21) is "1e+21": the exact decimal is signed instead.
  assert.equal(sign({ a: 1e21 }, KEY), md5([['a', '1000000000000000000000']]));
  assert.equal(sign({ a: 12345678901234567890n }, KEY), md5([['a', '12345678901234567890']]));
  assert.equal(sign({ a: -5n }, KEY), md5([['a', '-5']]));
  assert.equal(toXml({ total_fee: 88, big: 10n }), '<xml><big>10</big><total_fee>88</total_fee></xml>');
});

test('null, undefined and "" are skipped', () => {
  const want = md5([['a', '1']]);
  assert.equal(sign({ a: '1', b: null, c: undefined, d: '' }, KEY), want);
  assert.equal(sign(new Map([['a', '1'], ['b', null], ['c', undefined], ['d', '']]), KEY), want);
  assert.equal(toXml({ a: '1', b: null, c: undefined, d: '' }), '<xml><a>1</a></xml>');
  assert.equal(sign({}, KEY), md5([]));
  assert.equal(toXml({}), '<xml></xml>');
});

test('anything else throws a TypeError naming the key', () => {
  const bad = {
    boolean: true,
    float: 0.01,
    yuan: 88.5,
    nan: NaN,
    infinity: Infinity,
    object: { a: 1 },
    array: ['1'],
    date: new Date(0),
    symbol: Symbol('s'),
    fn: () => 1,
    boxed: new String('x'),
  };
  for (const [k, v] of Object.entries(bad)) {
    for (const call of [
      () => sign({ ok: '1', [k]: v }, KEY),
      () => sign(new Map([['ok', '1'], [k, v]]), KEY),
      () => verify({ [k]: v, sign: 'A'.repeat(32) }, KEY),
      () => toXml({ [k]: v }),
      () => encryptRefundInfo({ [k]: v }, KEY),
      // diagnose, like verifyPaymentParams, takes wx.requestPayment objects,
      // whose callbacks it skips.
      ...(typeof v === 'function' ? [] : [() => diagnose({ [k]: v }, KEY, 'A'.repeat(32))]),
    ]) {
      const e = thrown(call);
      assert.ok(e instanceof TypeError, `${k}: ${e}`);
      assert.equal(e.code, 'ERR_INVALID_PARAM_TYPE', k);
      assert.equal(e.param, k);
      assert.match(e.message, new RegExp(`"${k}"`), k);
      assert.ok(!e.message.includes(KEY), 'the key never appears in a message');
    }
  }
  assert.match(thrown(() => sign({ total_fee: 0.01 }, KEY)).message, /integers in fen/);
});

test('params must be a plain object or a Map', () => {
  for (const p of [null, undefined, 'a=1', 42, ['a', '1'], [['a', '1']], new Date(0), new Set(['a']), new (class P {})()]) {
    const e = thrown(() => sign(p, KEY));
    assert.ok(e instanceof TypeError, String(p));
    assert.equal(e.code, 'ERR_INVALID_ARG_TYPE');
  }
  // Null-prototype objects, objects from another realm and Maps are fine.
  const want = md5([['a', '1']]);
  const bare = Object.create(null);
  bare.a = '1';
  assert.equal(sign(bare, KEY), want);
  assert.equal(sign(vm.runInNewContext('({ a: "1" })'), KEY), want);
  assert.equal(sign(vm.runInNewContext('new Map([["a", "1"]])'), KEY), want);
  // Map keys must be strings.
  const e = thrown(() => sign(new Map([[1, 'x']]), KEY));
  assert.ok(e instanceof TypeError);
  assert.equal(e.code, 'ERR_INVALID_PARAM_TYPE');
  // Inherited and symbol-keyed properties are not params.
  const child = Object.create({ inherited: 'x' });
  assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(child)), Object.prototype);
  assert.equal(thrown(() => sign(child, KEY)).code, 'ERR_INVALID_ARG_TYPE');
  assert.equal(sign({ a: '1', [Symbol('s')]: 'x' }, KEY), want);
});

test('only the exact key `sign` is excluded', () => {
  const p = { a: '1', sign: 'X', Sign: 'Y', SIGN: 'Z', sign_type: 'MD5', paySign: 'P', ' sign': 'S' };
  assert.equal(sign(p, KEY), md5(Object.entries(p)));
  assert.ok(refStringToSign(Object.entries(p), KEY).includes('Sign=Y&'));
  assert.ok(!refStringToSign(Object.entries(p), KEY).includes('sign=X'));
});

test('names sort by byte order, case-sensitively', () => {
  // UTF-16 order (a plain JS sort) and UTF-8 byte order disagree on these.
  const p = { '\uff01': 'fullwidth', '\u{1f600}': 'emoji', B: '1', a: '2', _: '3', A1: '4', a_: '5', 'é': '6', '1': '7' };
  const got = sign(p, KEY);
  assert.equal(got, md5(Object.entries(p)));
  const jsOrder = Object.keys(p).sort().map((k) => [k, p[k]]);
  const naive = `${jsOrder.map(([k, v]) => `${k}=${v}`).join('&')}&key=${KEY}`;
  assert.notEqual(refStringToSign(Object.entries(p), KEY), naive, 'the case really tells the orders apart');
});

test('values are signed raw: no trimming, no URL-encoding, no escaping', () => {
  const p = { body: ' a b ', url: 'https://x/?a=1&b=2', xml: '<![CDATA[x]]>', pct: '100%', plus: 'a+b', nl: 'l1\nl2' };
  assert.equal(sign(p, KEY), md5(Object.entries(p)));
  assert.equal(sign(p, KEY, 'HMAC-SHA256'), refSign(Object.entries(p), KEY, 'HMAC-SHA256'));
});

test('keys and values containing NUL take the array path and sign the same', () => {
  const p = { 'a\0b': 'c', d: 'e\0f', g: '\0' };
  assert.equal(sign(p, KEY), md5(Object.entries(p)));
  assert.equal(verify({ ...p, sign: md5(Object.entries(p)) }, KEY), true);
  assert.equal(verify({ ...p, sign: md5(Object.entries(p)) }, KEY, 'MD5'), true);
  assert.equal(sign({ x: '1' }, 'k\0ey'), refSign([['x', '1']], 'k\0ey'));
  // XML 1.0 has no NUL: toXml refuses what no parser could read back.
  assert.throws(() => toXml({ a: 'x\0y' }), (e) => e.code === 'ERR_XML_CHAR' && e.field === 'a');
});

test('large inputs (beyond the scratch buffer) sign the same', () => {
  const big = '中'.repeat(70000);
  const p = { a: big, b: 'x'.repeat(100000) };
  assert.equal(sign(p, KEY), md5(Object.entries(p)));
  assert.equal(verify({ ...p, sign: md5(Object.entries(p)) }, KEY), true);
  const xml = toXml(p);
  assert.deepEqual(parseXml(xml), p);
  assert.deepEqual(parseXml(Buffer.from(xml)), p);
});

test('the key and sign type are checked', () => {
  for (const key of [undefined, null, 42, Buffer.from(KEY), { key: KEY }]) {
    const e = thrown(() => sign({ a: '1' }, key));
    assert.ok(e instanceof TypeError);
    assert.equal(e.code, 'ERR_INVALID_ARG_TYPE');
  }
  for (const t of ['md5', 'hmac-sha256', 'SHA256', '', ' MD5', 'MD5\0']) {
    const e = thrown(() => sign({ a: '1' }, KEY, t));
    assert.ok(e instanceof Error);
    assert.equal(e.code, 'ERR_UNSUPPORTED_SIGN_TYPE', JSON.stringify(t));
    assert.equal(thrown(() => verify({ a: '1', sign: 'A'.repeat(32) }, KEY, t)).code, 'ERR_UNSUPPORTED_SIGN_TYPE');
  }
  assert.equal(thrown(() => sign({ a: '1' }, KEY, null)).code, 'ERR_INVALID_ARG_TYPE');
});

test('wx.requestPayment objects: callbacks are ignored, other values follow the rules', () => {
  const o = {
    appId: 'wxd678efh567hg6787',
    timeStamp: '1490840662',
    nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
    package: 'prepay_id=wx2017033010242291fcfe0db70013231072',
    signType: 'MD5',
    paySign: '22D9B4E54AB1950F51E0649E8810ACD6',
    success() {},
    fail: () => {},
    complete: function () {},
  };
  assert.equal(verifyPaymentParams(o, 'qazwsxedcrfvtgbyhnujmikolp111111'), true);
  assert.equal(verifyPaymentParams({ ...o, timeStamp: 1490840662 }, 'qazwsxedcrfvtgbyhnujmikolp111111'), true);
  assert.equal(thrown(() => verifyPaymentParams({ ...o, extra: true }, 'k')).code, 'ERR_INVALID_PARAM_TYPE');
});
