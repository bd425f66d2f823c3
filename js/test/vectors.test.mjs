// Every case of vectors/wxpay-v2.json, as a test named after it.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  buildPaymentParams,
  decryptRefundInfo,
  diagnose,
  encryptRefundInfo,
  sign,
  verify,
  verifyPaymentParams,
} from 'wxpay-devkit';

import { refSign, vectors } from './helpers.mjs';

const PAYSIGN_FIELDS = ['appId', 'timeStamp', 'nonceStr', 'package', 'signType'];

for (const c of vectors.signatures) {
  test(`signature vector: ${c.name}`, () => {
    const { params, key, sign_type: type, sign: expected } = c;
    const ctx = `case ${c.name}, params ${JSON.stringify(params)}`;
    assert.equal(refSign(Object.entries(params), key, type), expected, `reference implementation, ${ctx}`);
    assert.equal(sign(params, key, type), expected, ctx);
    assert.equal(sign(new Map(Object.entries(params)), key, type), expected, `Map, ${ctx}`);
    if (type === 'MD5') assert.equal(sign(params, key), expected, `default type, ${ctx}`);

    const signed = { ...params, sign: expected };
    assert.equal(verify(signed, key, type), true, `verify, ${ctx}`);
    assert.equal(verify(signed, key), true, `verify, type inferred, ${ctx}`);
    const other = type === 'MD5' ? 'HMAC-SHA256' : 'MD5';
    assert.equal(verify(signed, key, other), false, `verify with the other type, ${ctx}`);
    const tampered = expected.slice(0, -1) + (expected.endsWith('0') ? '1' : '0');
    assert.equal(verify({ ...params, sign: tampered }, key), false, `tampered sign, ${ctx}`);
    assert.equal(verify({ ...params, sign: expected.toLowerCase() }, key), false, `lowercase sign, ${ctx}`);
    assert.equal(verify(signed, key + 'x'), false, `wrong key, ${ctx}`);

    const d = diagnose(params, key, expected, { signType: type });
    assert.equal(d.ok, true, `diagnose, ${ctx}`);
    assert.equal(d.expectedSign, expected, `diagnose expectedSign, ${ctx}`);

    if (PAYSIGN_FIELDS.every((f) => f in params)) {
      assert.equal(verifyPaymentParams({ ...params, paySign: expected }, key), true, `verifyPaymentParams, ${ctx}`);
      const built = buildPaymentParams({
        appId: params.appId,
        prepayId: params.package,
        key,
        signType: params.signType,
        timeStamp: params.timeStamp,
        nonceStr: params.nonceStr,
      });
      assert.deepEqual(built, { ...params, paySign: expected }, `buildPaymentParams, ${ctx}`);
    }
  });
}

for (const c of vectors.refund_req_info) {
  test(`refund req_info vector: ${c.name}`, () => {
    assert.equal(encryptRefundInfo(c.plaintext, c.api_key), c.req_info);
    const fields = decryptRefundInfo(c.req_info, c.api_key);
    assert.equal(fields.refund_recv_accout, '支付用户零钱');
    assert.equal(fields.transaction_id, '4200000215201811190261405420');
    assert.equal(Object.keys(fields).length, 13);
    // From fields: wxpay-core encodes them under <root>; decrypting gives them back.
    assert.deepEqual(decryptRefundInfo(encryptRefundInfo(fields, c.api_key), c.api_key), fields);
    assert.deepEqual(decryptRefundInfo(encryptRefundInfo(new Map(Object.entries(fields)), c.api_key), c.api_key), fields);
  });
}

test('the vectors file still holds the cases named in the Rust tests', () => {
  const names = vectors.signatures.map((c) => c.name);
  for (const n of [
    'wechat_v2_doc_md5',
    'wechat_v2_doc_hmac_sha256',
    'wechat_v2_paysign_doc_md5',
    'paysign_hmac_sha256_derived',
    'wechatpy_unit_md5',
    'wechatpy_unit_hmac_sha256',
    'rule_empty_value_and_sign_field_skipped',
    'rule_case_sensitive_keys_ascii_order',
    'rule_utf8_values',
    'rule_utf8_values_hmac',
    'rule_whitespace_is_kept',
  ]) {
    assert.ok(names.includes(n), `vector ${n} is missing`);
  }
  assert.deepEqual(vectors.refund_req_info.map((c) => c.name), ['refund_notify_req_info_derived']);
});
