// Node: require() and import of the same package share one wasm instance.
'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');

const NAMES = [
  'sign', 'verify', 'buildPaymentParams', 'verifyPaymentParams', 'toXml', 'parseXml',
  'diagnose', 'encryptRefundInfo', 'decryptRefundInfo', 'nonce',
];

test('require("wxpay-devkit") exposes the API', () => {
  const w = require('wxpay-devkit');
  assert.deepEqual(Object.keys(w).sort(), [...NAMES, 'v3'].sort());
  for (const n of NAMES) assert.equal(typeof w[n], 'function', n);
  assert.equal(typeof w.v3, 'object', 'v3 namespace');
  const p = { appid: 'wxd930ea5d5a258f4f', mch_id: '10000100', device_info: '1000', body: 'test', nonce_str: 'ibuaiVcKdpRxkhJA' };
  assert.equal(w.sign(p, '192006250b4c09247ec02edce69f6a2d'), '9A0A8659F005D6984697E2CA0A9CF3B7');
});

test('import("wxpay-devkit") gives the very same functions', async () => {
  const esm = await import('wxpay-devkit');
  const cjs = require('wxpay-devkit');
  for (const n of NAMES) assert.equal(esm[n], cjs[n], n);
  assert.equal(esm.v3, cjs.v3, 'v3');
  assert.equal(esm.default, undefined);
});

test('the package.json subpath is exported', () => {
  assert.equal(require('wxpay-devkit/package.json').name, 'wxpay-devkit');
});
