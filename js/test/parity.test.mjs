// Parity with the rules on random inputs (property-style): every random
// parameter set is signed by wxpay-devkit (wasm, wxpay-core) and by an
// independent implementation on node:crypto (helpers.mjs), and XML round
// trips through toXml/parseXml. Seeded: a failure prints its seed and case.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseXml, sign, toXml, verify } from 'wxpay-devkit';

import { prng, refSign, refStringToSign } from './helpers.mjs';

const SEED = Number(process.env.PARITY_SEED || 20261124);
const CASES = Number(process.env.PARITY_CASES || 400);

// Characters that stress the boundary: ASCII, separators of the signed
// string, XML specials, Chinese, emoji (surrogate pairs), NUL, a lone
// surrogate, U+FFFF and U+FF01 (whose UTF-16 and UTF-8 orders differ from
// astral characters').
const CHARS = ['a', 'Z', '0', '_', '-', '.', ' ', '=', '&', '<', '>', '"', "'", ']]>', '中', '文', '😀', '\0', '\n', '\ud800', '\uffff', '\uff01', '%', '+'];
const NAME_START = 'abcXYZ_';
const NAME_CHARS = 'abcXYZ_019.-';

function pick(r, s) {
  return s[Math.floor(r() * s.length)];
}

function randomString(r, max) {
  let s = '';
  const n = Math.floor(r() * max);
  for (let i = 0; i < n; i++) s += pick(r, CHARS);
  return s;
}

function randomName(r, xmlSafe) {
  if (!xmlSafe && r() < 0.3) return randomString(r, 6);
  let s = pick(r, NAME_START);
  const n = Math.floor(r() * 10);
  for (let i = 0; i < n; i++) s += pick(r, NAME_CHARS);
  return s;
}

function randomValue(r) {
  const x = r();
  if (x < 0.55) return randomString(r, 20);
  if (x < 0.7) return Math.floor((r() - 0.5) * 2 ** 40);
  if (x < 0.8) return BigInt(Math.floor(r() * 2 ** 50)) * 1000n;
  if (x < 0.87) return '';
  if (x < 0.93) return null;
  return undefined;
}

function asString(v) {
  if (v === null || v === undefined || v === '') return undefined;
  return typeof v === 'string' ? v : String(v);
}

function randomCase(r, xmlSafe) {
  const params = {};
  const n = Math.floor(r() * 16);
  for (let i = 0; i < n; i++) params[randomName(r, xmlSafe)] = randomValue(r);
  if (r() < 0.2) params.sign = 'SIGN';
  const pairs = Object.entries(params)
    .map(([k, v]) => [k, asString(v)])
    .filter(([, v]) => v !== undefined);
  return { params, pairs };
}

test(`sign and verify agree with node:crypto on ${CASES} random cases (seed ${SEED})`, () => {
  const r = prng(SEED);
  for (let i = 0; i < CASES; i++) {
    const { params, pairs } = randomCase(r, false);
    const key = r() < 0.1 ? randomString(r, 40) : '192006250b4c09247ec02edce69f6a2d';
    const ctx = `seed ${SEED} case ${i}: ${JSON.stringify(params, (k, v) => (typeof v === 'bigint' ? `${v}n` : v))}; string ${JSON.stringify(refStringToSign(pairs, key))}`;
    for (const type of ['MD5', 'HMAC-SHA256']) {
      const want = refSign(pairs, key, type);
      assert.equal(sign(params, key, type), want, `${type} ${ctx}`);
      assert.equal(sign(new Map(Object.entries(params)), key, type), want, `${type} Map ${ctx}`);
      assert.equal(verify({ ...params, sign: want }, key), true, `verify ${type} ${ctx}`);
      assert.equal(verify({ ...params, sign: want }, key, type), true, `verify typed ${type} ${ctx}`);
      const flipped = want.slice(1) + want[0];
      if (flipped !== want) assert.equal(verify({ ...params, sign: flipped }, key), false, `verify flipped ${ctx}`);
    }
  }
});

// XML 1.0 §2.2 Char: no C0 control but TAB/LF/CR, no U+FFFE/U+FFFF.
const FORBIDDEN_IN_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

test(`toXml then parseXml gives the params back on ${CASES} random cases (seed ${SEED})`, () => {
  const r = prng(SEED + 1);
  let forbidden = 0;
  for (let i = 0; i < CASES; i++) {
    const { params, pairs } = randomCase(r, true);
    // Lone surrogates cannot be encoded in UTF-8: they come back as U+FFFD.
    const want = Object.fromEntries(pairs.map(([k, v]) => [k, v.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')]));
    const ctx = `seed ${SEED + 1} case ${i}: ${JSON.stringify(want)}`;
    // A character XML 1.0 forbids (NUL, U+FFFF among CHARS) is refused, not written.
    if (pairs.some(([, v]) => FORBIDDEN_IN_XML.test(v))) {
      assert.throws(() => toXml(params), (e) => e.code === 'ERR_XML_CHAR', ctx);
      forbidden++;
      continue;
    }
    const xml = toXml(params);
    assert.deepEqual(parseXml(xml), want, `string ${ctx}`);
    assert.deepEqual(parseXml(Buffer.from(xml)), want, `bytes ${ctx}`);
    const signed = parseXml(toXml({ ...params, sign: sign(params, 'k') }));
    assert.equal(verify(signed, 'k'), true, `notify round trip ${ctx}`);
  }
  // Both paths were taken.
  assert.ok(forbidden > 0 && forbidden < CASES, `${forbidden} of ${CASES} refused`);
});

test('fixed cases from wxpay-core\'s own tests and docs', () => {
  // xml::decode / xml::encode doc examples and unit tests (core/src/xml.rs).
  assert.deepEqual(parseXml('<xml><a><![CDATA[x & y]]></a><b>1</b><c>&lt;&#20013;&gt;</c></xml>'), { a: 'x & y', b: '1', c: '<中>' });
  assert.equal(toXml({ total_fee: '1', body: 'a]]>b' }), '<xml><body><![CDATA[a]]]]><![CDATA[>b]]></body><total_fee>1</total_fee></xml>');
  assert.deepEqual(parseXml(toXml({ a: ']]>]]>', b: 'x]]' })), { a: ']]>]]>', b: 'x]]' });
  // canonical_string doc example (core/src/sign.rs): attach "" and sign are left out.
  const p = { mch_id: '10000100', appid: 'wxd930ea5d5a258f4f', attach: '', sign: 'X' };
  assert.equal(sign(p, 'k'), refSign([['appid', 'wxd930ea5d5a258f4f'], ['mch_id', '10000100']], 'k'));
  // sign_type_parses_exactly and lowercase_sign_is_refused (core/src/sign.rs).
  assert.equal(verify({ test1: 'test1', test2: 'test2', sign: '1e3a8d73b5a4aee787c0f68b5dab8520' }, '192006250b4c09247ec02edce69f6a2d'), false);
  assert.equal(verify({ test1: 'test1', test2: 'test2', sign: '1E3A8D73B5A4AEE787C0F68B5DAB8520' }, '192006250b4c09247ec02edce69f6a2d'), true);
  // verify_errors: missing, empty and malformed signs do not verify.
  assert.equal(verify({ a: 'b' }, 'k'), false);
  assert.equal(verify({ a: 'b', sign: '' }, 'k'), false);
  assert.equal(verify({ a: 'b', sign: 'ABC' }, 'k'), false);
  assert.equal(verify({ a: 'b', sign: sign({ a: 'b' }, 'k') }, 'k', 'HMAC-SHA256'), false);
});
