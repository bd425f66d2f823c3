// Errors are real Error objects with a stable `code` (and `offset`/`field`
// where known), never thrown strings, and never carry the API key.

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
  verifyPaymentParams,
} from 'wxpay-devkit';

import { thrown } from './helpers.mjs';

const KEY = '192006250b4c09247ec02edce69f6a2d';

function expectCode(fn, code, props = {}) {
  const e = thrown(fn);
  assert.ok(e instanceof Error, `${code}: not an Error: ${String(e)}`);
  assert.equal(typeof e.message, 'string');
  assert.equal(e.code, code, e.message);
  for (const [k, v] of Object.entries(props)) assert.equal(e[k], v, `${code}.${k}`);
  assert.ok(!e.message.includes(KEY) && !String(e.stack).includes(KEY), `${code}: the key leaked`);
  return e;
}

const XML_CASES = [
  ['ERR_XML_DOCTYPE', '<!DOCTYPE xml [<!ENTITY x "y">]><xml><a>&x;</a></xml>', { offset: 0 }],
  ['ERR_XML_DOCTYPE', '<xml><a><!ENTITY x "y"></a></xml>', { field: 'a' }],
  ['ERR_XML_ENTITY', '<xml><a>&xxe;</a></xml>', { offset: 8, field: 'a' }],
  ['ERR_XML_NESTED', '<xml><a><b>1</b></a></xml>', { field: 'a' }],
  ['ERR_XML_DUPLICATE', '<xml><a>1</a><a>2</a></xml>', { field: 'a' }],
  ['ERR_XML_ATTRIBUTE', '<xml><a x="1">1</a></xml>', {}],
  ['ERR_XML_ROOT', '<root><a>1</a></root>', {}],
  ['ERR_XML_PI', '<xml><?php x ?><a>1</a></xml>', {}],
  ['ERR_XML_MISMATCHED_TAG', '<xml><a>1</b></xml>', { field: 'a' }],
  ['ERR_XML_TEXT', '<xml>junk<a>1</a></xml>', {}],
  ['ERR_XML_EOF', '<xml><a>1', { field: 'a' }],
  ['ERR_XML_CHAR_REF', '<xml><a>&#0;</a></xml>', { field: 'a' }],
  ['ERR_XML_CHAR_REF', '<xml><a>x&#xFFFF;</a></xml>', { field: 'a', offset: 9 }],
  // XML 1.0 §2.2: raw controls (but TAB/LF/CR), U+FFFE and U+FFFF are refused.
  ['ERR_XML_CHAR', '<xml><a>a\u0001b</a></xml>', { field: 'a', offset: 9 }],
  ['ERR_XML_CHAR', '<xml><a><![CDATA[\u0000]]></a></xml>', { field: 'a', offset: 17 }],
  ['ERR_XML_CHAR', '<xml><a>\uFFFF</a></xml>', { field: 'a', offset: 8 }],
  ['ERR_XML_EMPTY', '', {}],
  ['ERR_XML_SYNTAX', '<xml><a>1 & 2</a></xml>', { field: 'a' }],
  ['ERR_XML_TOO_LARGE', `<xml><a>${'x'.repeat(1 << 20)}</a></xml>`, {}],
];

test('parseXml: every rejection has its code, for strings and bytes', () => {
  for (const [code, xml, props] of XML_CASES) {
    expectCode(() => parseXml(xml), code, props);
    expectCode(() => parseXml(Buffer.from(xml)), code, props);
    expectCode(() => parseXml(new TextEncoder().encode(xml)), code, props);
  }
  expectCode(() => parseXml(Buffer.from([0x3c, 0x78, 0x6d, 0x6c, 0x3e, 0xff])), 'ERR_XML_NOT_UTF8', { offset: 5 });
  for (const x of [undefined, null, 42, {}, ['<xml/>']]) expectCode(() => parseXml(x), 'ERR_INVALID_ARG_TYPE');
});

test('the billion laughs and external entities are refused before any expansion', () => {
  const lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><xml><a>&lol2;</a></xml>';
  expectCode(() => parseXml(lol), 'ERR_XML_DOCTYPE');
  const xxe = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><a>&xxe;</a></xml>';
  expectCode(() => parseXml(xxe), 'ERR_XML_DOCTYPE');
});

test('toXml refuses names the codec cannot write', () => {
  for (const name of ['1a', 'a b', 'a<b', '', 'é']) expectCode(() => toXml({ [name]: 'x' }), 'ERR_XML_NAME', { field: name });
});

test('toXml refuses values no XML parser could read back, and keeps a CR', () => {
  for (const v of ['a\u0000b', '\u0001', 'x\u001f', '\uFFFE', 'a\uFFFF']) {
    expectCode(() => toXml({ attach: v, b: '1' }), 'ERR_XML_CHAR', { field: 'attach' });
  }
  const xml = toXml({ attach: 'a\r\nb' });
  assert.ok(!xml.includes('\r'), xml);
  assert.equal(parseXml(xml).attach, 'a\r\nb');
  // A raw CR LF reads as LF, as in every conforming parser (XML 1.0 §2.11).
  assert.equal(parseXml('<xml><a>a\r\nb</a></xml>').a, 'a\nb');
});

test('sign types are exact', () => {
  expectCode(() => sign({ a: '1' }, KEY, 'md5'), 'ERR_UNSUPPORTED_SIGN_TYPE');
  expectCode(() => buildPaymentParams({ appId: 'wx1', prepayId: 'p', key: KEY, signType: 'hmac-sha256' }), 'ERR_UNSUPPORTED_SIGN_TYPE');
  expectCode(() => diagnose({ a: '1' }, KEY, 'A'.repeat(32), { signType: 'sha1' }), 'ERR_UNSUPPORTED_SIGN_TYPE');
});

test('paySign values are checked by the core rules', () => {
  const base = { appId: 'wxd678efh567hg6787', prepayId: 'wx2017033010242291fcfe0db70013231072', key: KEY };
  expectCode(() => buildPaymentParams({ ...base, timeStamp: '1490840662000' }), 'ERR_INVALID_VALUE', { field: 'timeStamp' });
  expectCode(() => buildPaymentParams({ ...base, timeStamp: 1490840662000 }), 'ERR_INVALID_VALUE', { field: 'timeStamp' });
  expectCode(() => buildPaymentParams({ ...base, nonceStr: 'x'.repeat(33) }), 'ERR_INVALID_VALUE', { field: 'nonceStr' });
  expectCode(() => buildPaymentParams({ ...base, appId: undefined }), 'ERR_INVALID_VALUE', { field: 'appId' });
  expectCode(() => buildPaymentParams({ ...base, prepayId: '' }), 'ERR_INVALID_VALUE', { field: 'prepayId' });
  expectCode(() => buildPaymentParams({ ...base, appId: 1.5 }), 'ERR_INVALID_PARAM_TYPE', { param: 'appId' });
  expectCode(() => buildPaymentParams({ ...base, key: undefined }), 'ERR_INVALID_ARG_TYPE');
  expectCode(() => buildPaymentParams(null), 'ERR_INVALID_ARG_TYPE');
  const obj = { timeStamp: '1490840662', nonceStr: 'n', package: 'prepay_id=x', signType: 'MD5', paySign: 'A'.repeat(32) };
  expectCode(() => verifyPaymentParams(obj, KEY), 'ERR_INVALID_VALUE', { field: 'appId' });
  expectCode(() => verifyPaymentParams({ ...obj, appId: 'wx1', signType: 'md5' }, KEY), 'ERR_UNSUPPORTED_SIGN_TYPE');
});

test('req_info failures have their codes', () => {
  expectCode(() => decryptRefundInfo('!!!', KEY), 'ERR_REQ_INFO_BASE64');
  expectCode(() => decryptRefundInfo('AAAA', KEY), 'ERR_REQ_INFO_LENGTH');
  const other = encryptRefundInfo('<root><a>1</a></root>', 'another key');
  const e = expectCode(() => decryptRefundInfo(other, KEY), 'ERR_REQ_INFO_PADDING');
  assert.match(e.message, /API key is probably wrong/);
  expectCode(() => decryptRefundInfo(encryptRefundInfo('<xml><a><b/></a></xml>', KEY), KEY), 'ERR_XML_NESTED');
  expectCode(() => decryptRefundInfo(42, KEY), 'ERR_INVALID_ARG_TYPE');
  expectCode(() => encryptRefundInfo({ '1bad': 'x' }, KEY), 'ERR_XML_NAME');
});

test('nonce length is checked', () => {
  for (const n of [0, -1, 1.5, 1025, NaN, '32', null]) expectCode(() => nonce(n), 'ERR_INVALID_ARG_VALUE');
  assert.ok(thrown(() => nonce(0)) instanceof RangeError);
});

test('diagnose options are checked', () => {
  expectCode(() => diagnose({ a: '1' }, KEY, 'A'.repeat(32), { kind: 'order' }), 'ERR_INVALID_ARG_VALUE');
  expectCode(() => diagnose({ a: '1' }, KEY, 'A'.repeat(32), { maxVariants: -1 }), 'ERR_INVALID_ARG_VALUE');
  expectCode(() => diagnose({ a: '1' }, KEY, 42), 'ERR_INVALID_ARG_TYPE');
  expectCode(() => diagnose({ a: '1' }, KEY, 'A'.repeat(32), 'MD5'), 'ERR_INVALID_ARG_TYPE');
  expectCode(() => diagnose({ a: '1' }, KEY, 'A'.repeat(32), { appSecret: 1 }), 'ERR_INVALID_ARG_TYPE');
});
