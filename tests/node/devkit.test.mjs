// The npm package wxpay-devkit (the wasm build of wxpay-core, from js/dist)
// against the mock server and the shared vectors:
// - it gives the shared known answers (signatures, paySign, req_info), the
//   same vectors wxpay-core is tested with;
// - a merchant backend written with it alone runs the mini-program flow:
//   its requests verify at the mock, the mock's answers verify with it, its
//   paySign is accepted by the mock's /mock/requestPayment (where wxpay-core
//   recomputes it) and equals tenpay's for the same inputs; a tampered or
//   reused paySign is refused, and its signature doctor names the mistake;
// - it verifies the mock's payment notifies (HMAC-SHA256 without sign_type:
//   the type comes from the sign's length) and refuses tampered ones;
// - it decrypts the mock's refund req_info, production and sandbox.

import assert from 'node:assert/strict';
import test from 'node:test';
import Tenpay from 'tenpay';
import { APPID, KEY, MCH_ID, flow, loadDevkit, loginOpenid, startReceiver, vectors, waitAttempts } from './helpers.mjs';

const devkit = await loadDevkit();
const { sign, verify, buildPaymentParams, toXml, parseXml, diagnose, decryptRefundInfo, nonce } = devkit;

const SUCCESS_REPLY = '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>';

/** A signed request body, as a backend using only wxpay-devkit builds it. */
function signedXml(params, key, signType) {
  const p = { nonce_str: nonce(), ...params };
  if (signType === 'HMAC-SHA256') p.sign_type = 'HMAC-SHA256';
  for (const [k, v] of Object.entries(p)) if (v === '') delete p[k];
  return toXml({ ...p, sign: sign(p, key, signType) });
}

/** Calls the mock; the answer, checked like a careful SDK: signed with our key and type when SUCCESS. */
async function call(mock, path, params, key, signType) {
  const r = await mock.call('POST', path, signedXml(params, key, signType));
  assert.equal(r.status, 200, r.text);
  const answer = parseXml(r.text);
  if (answer.return_code === 'SUCCESS') {
    assert.equal(verify(answer, key, signType), true, `the answer's sign does not verify: ${r.text}`);
  }
  return answer;
}

/** Notify verification as a merchant writes it with wxpay-devkit. */
function checkPaymentNotify(body, key) {
  const n = parseXml(body);
  return verify(n, key) ? SUCCESS_REPLY : toXml({ return_code: 'FAIL', return_msg: '签名失败' });
}

test('wxpay-devkit gives the shared known answers (the vectors wxpay-core is tested with)', () => {
  const v = vectors();
  assert.ok(v.signatures.length >= 10);
  for (const c of v.signatures) {
    assert.equal(sign(c.params, c.key, c.sign_type), c.sign, c.name);
    assert.equal(verify({ ...c.params, sign: c.sign }, c.key), true, c.name);
  }
  const paySigns = v.signatures.filter((c) => 'package' in c.params);
  assert.equal(paySigns.length, 2);
  for (const c of paySigns) {
    const p = buildPaymentParams({
      appId: c.params.appId,
      prepayId: c.params.package,
      key: c.key,
      signType: c.sign_type,
      timeStamp: c.params.timeStamp,
      nonceStr: c.params.nonceStr,
    });
    assert.equal(p.paySign, c.sign, c.name);
  }
  // The official mini-program paySign example, as wxpay-core's own test checks it.
  const official = buildPaymentParams({
    appId: 'wxd678efh567hg6787',
    prepayId: 'wx2017033010242291fcfe0db70013231072',
    key: 'qazwsxedcrfvtgbyhnujmikolp111111',
    signType: 'MD5',
    timeStamp: '1490840662',
    nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
  });
  assert.equal(official.paySign, '22D9B4E54AB1950F51E0649E8810ACD6');
  for (const c of v.refund_req_info) {
    const fields = decryptRefundInfo(c.req_info, c.api_key);
    assert.deepEqual(fields, parseXml(c.plaintext.replace(/^<root>/, '<xml>').replace(/<\/root>$/, '</xml>')), c.name);
  }
});

for (const signType of ['MD5', 'HMAC-SHA256']) {
  flow(`wxpay-devkit as the merchant's backend: the mini-program flow, ${signType}`, async ({ transcript, mock }) => {
    const receiver = await startReceiver(
      {
        '/pay': (body) => ({ body: checkPaymentNotify(body, KEY) }),
        '/refund': () => ({ body: SUCCESS_REPLY }),
      },
      transcript,
    );
    try {
      const openid = await loginOpenid(mock, `devkit-${signType}`);
      const no = `devkit-${signType === 'MD5' ? 'md5' : 'hmac'}-0001`;
      const order = await call(
        mock,
        '/pay/unifiedorder',
        {
          appid: APPID,
          mch_id: MCH_ID,
          body: 'wxpay-devkit 商品',
          out_trade_no: no,
          total_fee: 2500,
          spbill_create_ip: '127.0.0.1',
          notify_url: receiver.url('/pay'),
          trade_type: 'JSAPI',
          openid,
        },
        KEY,
        signType,
      );
      assert.equal(order.result_code, 'SUCCESS', JSON.stringify(order));
      assert.equal(order.sign.length, signType === 'MD5' ? 32 : 64);

      // paySign: wxpay-devkit and tenpay agree for the same inputs...
      const fromTenpay = new Tenpay({ appid: APPID, mchid: MCH_ID, partnerKey: KEY }).getPayParamsByPrepay(
        { prepay_id: order.prepay_id },
        signType,
      );
      const pay = buildPaymentParams({
        appId: APPID,
        prepayId: order.prepay_id,
        key: KEY,
        signType,
        timeStamp: fromTenpay.timeStamp,
        nonceStr: fromTenpay.nonceStr,
      });
      assert.equal(pay.paySign, fromTenpay.paySign);
      assert.equal(pay.package, `prepay_id=${order.prepay_id}`);
      const wxObject = { timeStamp: pay.timeStamp, nonceStr: pay.nonceStr, package: pay.package, signType, paySign: pay.paySign };

      // ...a changed character and the order's own sign are refused...
      const flipped = pay.paySign.startsWith('A') ? `B${pay.paySign.slice(1)}` : `A${pay.paySign.slice(1)}`;
      const refused = await mock.json('POST', '/mock/requestPayment', { ...wxObject, paySign: flipped });
      assert.match(refused.errMsg, /^requestPayment:fail 支付验证签名失败/);
      const reused = await mock.json('POST', '/mock/requestPayment', { ...wxObject, paySign: order.sign });
      assert.match(reused.errMsg, /^requestPayment:fail 支付验证签名失败/);
      const d = diagnose({ ...wxObject, appId: APPID, paySign: order.sign }, KEY, order.sign, { orderSign: order.sign });
      assert.equal(d.ok, false);
      assert.ok(
        d.findings.some((f) => f.code === 'ORDER_SIGN_REUSED_AS_PAYSIGN' && f.confirmed),
        JSON.stringify(d.findings.map((f) => f.code)),
      );
      assert.equal(d.expectedSign, pay.paySign, 'the doctor computes the same paySign');

      // ...and wxpay-core in the mock accepts the package's paySign.
      const ok = await mock.json('POST', '/mock/requestPayment', wxObject);
      assert.equal(ok.errMsg, 'requestPayment:ok');

      // The notify, verified by wxpay-devkit in the receiver.
      const [n] = await receiver.waitFor('/pay', 1);
      assert.equal(n.reply.body, SUCCESS_REPLY, `the receiver refused: ${n.reply.body}`);
      const fields = parseXml(n.body);
      assert.equal(fields.total_fee, '2500');
      assert.equal(fields.out_trade_no, no);
      assert.equal('sign_type' in fields, false, 'production notifies carry no sign_type');
      assert.equal(verify(fields, KEY), true);
      assert.equal(verify(fields, KEY, signType), true);
      assert.equal(verify(fields, KEY, signType === 'MD5' ? 'HMAC-SHA256' : 'MD5'), false);
      assert.equal(verify({ ...fields, total_fee: '1' }, KEY), false, 'a changed amount');
      assert.equal(verify(fields, '0123456789abcdef0123456789abcdef'), false, 'another key');
      const rec = await waitAttempts(mock, `out_trade_no=${no}&kind=payment`, 1);
      assert.equal(rec.state, 'acknowledged');

      // orderquery, refund, the refund notify decrypted by wxpay-devkit.
      const q = await call(mock, '/pay/orderquery', { appid: APPID, mch_id: MCH_ID, out_trade_no: no }, KEY, signType);
      assert.equal(q.trade_state, 'SUCCESS');
      assert.equal(q.transaction_id, fields.transaction_id);
      const r = await call(
        mock,
        '/secapi/pay/refund',
        {
          appid: APPID,
          mch_id: MCH_ID,
          out_trade_no: no,
          out_refund_no: `${no}-r1`,
          total_fee: 2500,
          refund_fee: 700,
          notify_url: receiver.url('/refund'),
        },
        KEY,
        signType,
      );
      assert.equal(r.result_code, 'SUCCESS', JSON.stringify(r));
      const [rn] = await receiver.waitFor('/refund', 1);
      const outer = parseXml(rn.body);
      assert.equal(outer.return_code, 'SUCCESS');
      assert.equal('sign' in outer, false);
      const info = decryptRefundInfo(outer.req_info, KEY);
      assert.equal(info.out_refund_no, `${no}-r1`);
      assert.equal(info.refund_id, r.refund_id);
      assert.equal(info.refund_fee, '700');
      assert.equal(info.total_fee, '2500');
      assert.equal(info.refund_status, 'SUCCESS');
      assert.equal(info.transaction_id, fields.transaction_id);
      assert.throws(() => decryptRefundInfo(outer.req_info, '0123456789abcdef0123456789abcdef'), (e) =>
        /^ERR_REQ_INFO_(PADDING|UTF8)$/.test(e.code),
      );
    } finally {
      await receiver.close();
    }
  });
}

flow('wxpay-devkit in the sandbox: getsignkey, then notify and req_info under the sandbox key', async ({ transcript, mock }) => {
  let sandboxKey;
  const receiver = await startReceiver(
    {
      '/pay': (body) => ({ body: checkPaymentNotify(body, sandboxKey) }),
      '/refund': () => ({ body: SUCCESS_REPLY }),
    },
    transcript,
  );
  try {
    const k = parseXml((await mock.call('POST', '/sandboxnew/pay/getsignkey', signedXml({ mch_id: MCH_ID }, KEY, 'MD5'))).text);
    assert.equal(k.return_code, 'SUCCESS', JSON.stringify(k));
    assert.equal(verify(k, KEY, 'MD5'), true, 'getsignkey answers with the production key');
    sandboxKey = k.sandbox_signkey;
    assert.equal(sandboxKey.length, 32);
    const openid = await loginOpenid(mock, 'devkit-sandbox');
    const no = 'devkit-sandbox-01';
    const base = { appid: APPID, mch_id: MCH_ID };
    const order = await call(
      mock,
      '/sandboxnew/pay/unifiedorder',
      {
        ...base,
        body: 'sandbox',
        out_trade_no: no,
        total_fee: 101,
        spbill_create_ip: '127.0.0.1',
        notify_url: receiver.url('/pay'),
        trade_type: 'JSAPI',
        openid,
      },
      sandboxKey,
      'MD5',
    );
    assert.equal(order.result_code, 'SUCCESS', JSON.stringify(order));
    const pay = buildPaymentParams({ appId: APPID, prepayId: order.prepay_id, key: sandboxKey, signType: 'MD5' });
    const ok = await mock.json('POST', '/mock/requestPayment', pay);
    assert.equal(ok.errMsg, 'requestPayment:ok');
    const [n] = await receiver.waitFor('/pay', 1);
    assert.equal(n.reply.body, SUCCESS_REPLY);
    assert.equal(verify(parseXml(n.body), sandboxKey), true);
    assert.equal(verify(parseXml(n.body), KEY), false);
    const r = await call(
      mock,
      '/sandboxnew/secapi/pay/refund',
      { ...base, out_trade_no: no, out_refund_no: 'devkit-sb-r1', total_fee: 101, refund_fee: 101, notify_url: receiver.url('/refund') },
      sandboxKey,
      'MD5',
    );
    assert.equal(r.result_code, 'SUCCESS', JSON.stringify(r));
    const [rn] = await receiver.waitFor('/refund', 1);
    const reqInfo = parseXml(rn.body).req_info;
    assert.equal(decryptRefundInfo(reqInfo, sandboxKey).out_refund_no, 'devkit-sb-r1');
    assert.throws(() => decryptRefundInfo(reqInfo, KEY), (e) => e.code.startsWith('ERR_REQ_INFO_'));
  } finally {
    await receiver.close();
  }
});
