// Interop with a real third-party SDK: tenpay 2.1.18 (npm, befinal/node-tenpay)
// as the merchant's client, unchanged except for its URLs. tenpay hard-codes
// absolute URLs in `this.urls` (docs/protocol.md §1.3); pointAt() rewrites their
// origin to the mock's. Its notify parsing is its own Koa middleware, run by
// a tiny http receiver that hands it the raw body.
//
// Flows: the mini-program payment with MD5 (getPayParams → wx.requestPayment
// → notify through tenpay's middleware → orderQuery → refund → refund notify
// decrypted by tenpay → refundQuery → downloadBill parsed by tenpay →
// closeOrder on another order); the same with HMAC-SHA256 (tenpay's
// middleware verifies notifies as MD5 when they carry no sign_type — the
// production behaviour — so it refuses them, as it would against WeChat,
// until the mock's notify_sign_type switch adds sign_type); and
// tenpay.sandbox() against the mock's sandbox paths.

import assert from 'node:assert/strict';
import { format } from 'node:util';
import Tenpay from 'tenpay';
import { APPID, KEY, MCH_ID, flow, loginOpenid, startReceiver, waitAttempts } from './helpers.mjs';

/** Rewrites the origin of every URL tenpay hard-codes; nothing else changes. */
function pointAt(api, origin) {
  for (const [name, url] of Object.entries(api.urls)) {
    api.urls[name] = url.replace(/^https:\/\/[^/]+/, origin);
  }
  return api;
}

/** tenpay's own debug log (post data / receive data) goes to the transcript. */
function observe(api, transcript) {
  api.log = (...args) => transcript.note('tenpay: %s', format(...args));
  return api;
}

/**
 * A receiver that runs tenpay's Koa middleware on the raw body, as a Koa
 * app with a text body parser would: `/pay` and `/refund`. `seen` collects
 * what tenpay parsed (`ctx.request.weixin`).
 */
async function tenpayReceiver(getApi, transcript) {
  const seen = { pay: [], refund: [] };
  const run = (type) => async (raw) => {
    const ctx = { request: { body: raw } };
    await getApi().middleware(type)(ctx, async () => {
      seen[type].push(ctx.request.weixin);
      ctx.reply();
    });
    return { status: 200, type: ctx.type, body: ctx.body };
  };
  const receiver = await startReceiver({ '/pay': run('pay'), '/refund': run('refund') }, transcript);
  return { receiver, seen };
}

/** What the mini program passes to wx.requestPayment (tenpay also adds appId and timestamp: ignored). */
async function requestPayment(mock, params) {
  const r = await mock.json('POST', '/mock/requestPayment', params);
  return r.errMsg;
}

const beijingDate = (clock) => clock.now_beijing.slice(0, 10).replaceAll('-', '');

flow('tenpay 2.1.18: mini-program payment, MD5, refund, bill, close', async ({ transcript, mock }) => {
  let api;
  const { receiver, seen } = await tenpayReceiver(() => api, transcript);
  try {
    api = observe(
      pointAt(
        new Tenpay(
          {
            appid: APPID,
            mchid: MCH_ID,
            partnerKey: KEY,
            notify_url: receiver.url('/pay'),
            refund_url: receiver.url('/refund'),
          },
          true,
        ),
        mock.url,
      ),
      transcript,
    );
    const openid = await loginOpenid(mock, 'tenpay-md5');
    const no = 'tenpay-md5-0001';

    // unifiedorder + paySign in one call; tenpay checks the answer's appid, mch_id and sign.
    const params = await api.getPayParams({ out_trade_no: no, body: 'tenpay 测试', total_fee: 301, openid, attach: 'a&b' });
    assert.equal(params.signType, 'MD5');
    assert.match(params.package, /^prepay_id=wx\d{14}[0-9a-f]{20}$/);
    assert.equal(params.timestamp, params.timeStamp);
    assert.equal(await requestPayment(mock, params), 'requestPayment:ok');

    // The notify, parsed and verified by tenpay's middleware, acknowledged.
    const [notify] = await receiver.waitFor('/pay', 1);
    assert.equal(seen.pay.length, 1, `tenpay refused the notify: ${notify.reply.body}`);
    const paid = seen.pay[0];
    assert.equal(paid.out_trade_no, no);
    assert.equal(paid.total_fee, '301');
    assert.equal(paid.attach, 'a&b');
    assert.equal(paid.openid, openid);
    assert.match(paid.transaction_id, /^4200\d{24}$/);
    const rec = await waitAttempts(mock, `out_trade_no=${no}&kind=payment`, 1);
    assert.equal(rec.state, 'acknowledged', JSON.stringify(rec));

    // orderQuery.
    const q = await api.orderQuery({ out_trade_no: no });
    assert.equal(q.trade_state, 'SUCCESS');
    assert.equal(q.transaction_id, paid.transaction_id);
    assert.equal(q.total_fee, '301');

    // The day's bill, parsed by tenpay (before the clock moves).
    const clock = await mock.json('GET', '/mock/clock');
    const bill = await api.downloadBill({ bill_date: beijingDate(clock) }, true);
    const row = bill.list_data.find((r) => r.includes(no));
    assert.ok(row, `the bill lists ${no}: ${JSON.stringify(bill)}`);
    assert.ok(row.includes(paid.transaction_id), JSON.stringify(row));
    assert.equal(bill.total_data.length, bill.total_title.length, JSON.stringify(bill));

    // refund (tenpay sends op_user_id and the refund notify_url), its notify decrypted by tenpay.
    const r = await api.refund({ out_trade_no: no, out_refund_no: 'tenpay-r1', total_fee: 301, refund_fee: 100 });
    assert.equal(r.refund_fee, '100');
    assert.match(r.refund_id, /^\d{29}$/);
    await receiver.waitFor('/refund', 1);
    assert.equal(seen.refund.length, 1, `tenpay refused the refund notify: ${receiver.on('/refund')[0].reply.body}`);
    const info = seen.refund[0].req_info;
    assert.equal(info.out_refund_no, 'tenpay-r1');
    assert.equal(info.refund_id, r.refund_id);
    assert.equal(info.refund_fee, '100');
    assert.equal(info.refund_status, 'SUCCESS');
    assert.equal(info.transaction_id, paid.transaction_id);
    assert.match(info.success_time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    // refundQuery.
    const rq = await api.refundQuery({ out_trade_no: no });
    assert.equal(rq.refund_count, '1');
    assert.equal(rq.out_refund_no_0, 'tenpay-r1');
    assert.equal(rq.refund_status_0, 'SUCCESS');

    // closeOrder on another order: refused within 5 minutes (tenpay throws the err_code), then closed.
    const other = await api.unifiedOrder({ out_trade_no: 'tenpay-md5-0002', body: 'x', total_fee: 1, openid });
    assert.match(other.prepay_id, /^wx/);
    await assert.rejects(api.closeOrder({ out_trade_no: 'tenpay-md5-0002' }), { message: 'TRADE_STATE_ERROR' });
    await mock.json('POST', '/mock/clock/advance', { seconds: 300 });
    const closed = await api.closeOrder({ out_trade_no: 'tenpay-md5-0002' });
    assert.equal(closed.result_code, 'SUCCESS');
    const q2 = await api.orderQuery({ out_trade_no: 'tenpay-md5-0002' });
    assert.equal(q2.trade_state, 'CLOSED');
    // Business failures reach tenpay as its errors.
    await assert.rejects(api.orderQuery({ out_trade_no: 'tenpay-none-01' }), { message: 'ORDERNOTEXIST' });
    await assert.rejects(api.unifiedOrder({ out_trade_no: no, body: 'tenpay 测试', total_fee: 301, openid, attach: 'a&b' }), {
      message: 'ORDERPAID',
    });
  } finally {
    await receiver.close();
  }
});

flow('tenpay 2.1.18: HMAC-SHA256 orders; notifies without sign_type, as production sends them', async ({ transcript, mock }) => {
  let api;
  const { receiver, seen } = await tenpayReceiver(() => api, transcript);
  try {
    api = observe(
      pointAt(new Tenpay({ appid: APPID, mchid: MCH_ID, partnerKey: KEY, notify_url: receiver.url('/pay') }, true), mock.url),
      transcript,
    );
    const openid = await loginOpenid(mock, 'tenpay-hmac');

    // unifiedorder with sign_type HMAC-SHA256: tenpay verifies the HMAC answer.
    const params = await api.getPayParams({
      out_trade_no: 'tenpay-hmac-0001',
      body: 'hmac',
      total_fee: 5,
      openid,
      sign_type: 'HMAC-SHA256',
    });
    assert.equal(params.signType, 'HMAC-SHA256');
    assert.equal(params.paySign.length, 64);
    assert.equal(await requestPayment(mock, params), 'requestPayment:ok');

    // Production HMAC notifies carry no sign_type; tenpay's middleware then
    // verifies as MD5 and refuses (the known SDK bug, docs/protocol.md §2.8).
    const [n1] = await receiver.waitFor('/pay', 1);
    assert.doesNotMatch(n1.body, /<sign_type>/);
    assert.match(n1.body, /<sign><!\[CDATA\[[0-9A-F]{64}\]\]><\/sign>/);
    assert.equal(seen.pay.length, 0);
    assert.match(n1.reply.body, /sign签名错误/);
    const rec = await waitAttempts(mock, 'out_trade_no=tenpay-hmac-0001&kind=payment', 1);
    assert.equal(rec.state, 'pending');
    assert.equal(rec.attempts[0].reason, 'the receiver answered FAIL: sign签名错误');

    // With the mock's notify_sign_type switch the notify carries sign_type and tenpay accepts it.
    await mock.json('POST', '/mock/switches', { notify_sign_type: true });
    const p2 = await api.getPayParams({ out_trade_no: 'tenpay-hmac-0002', body: 'hmac', total_fee: 6, openid, sign_type: 'HMAC-SHA256' });
    assert.equal(await requestPayment(mock, p2), 'requestPayment:ok');
    await receiver.waitFor('/pay', 2);
    assert.equal(seen.pay.length, 1);
    assert.equal(seen.pay[0].out_trade_no, 'tenpay-hmac-0002');
    assert.equal(seen.pay[0].sign_type, 'HMAC-SHA256');
    const rec2 = await waitAttempts(mock, 'out_trade_no=tenpay-hmac-0002&kind=payment', 1);
    assert.equal(rec2.state, 'acknowledged');

    // orderQuery with HMAC.
    const q = await api.orderQuery({ out_trade_no: 'tenpay-hmac-0002', sign_type: 'HMAC-SHA256' });
    assert.equal(q.trade_state, 'SUCCESS');
  } finally {
    await receiver.close();
  }
});

flow('tenpay 2.1.18: tenpay.sandbox() and the whole flow on the sandbox paths', async ({ transcript, mock }) => {
  let api;
  const { receiver, seen } = await tenpayReceiver(() => api, transcript);
  const config = {
    appid: APPID,
    mchid: MCH_ID,
    partnerKey: KEY,
    notify_url: receiver.url('/pay'),
    refund_url: receiver.url('/refund'),
  };
  // tenpay.sandbox() builds its own instances; point each at the mock as it is made.
  const init = Tenpay.init;
  Tenpay.init = (...args) => observe(pointAt(new Tenpay(...args), mock.url), transcript);
  try {
    api = observe(pointAt(await Tenpay.sandbox(config, true), mock.url), transcript);
  } finally {
    Tenpay.init = init;
  }
  try {
    assert.equal(api.partnerKey.length, 32);
    assert.notEqual(api.partnerKey, KEY);
    assert.match(api.urls.unifiedorder, /\/sandboxnew\/pay\/unifiedorder$/);
    const openid = await loginOpenid(mock, 'tenpay-sandbox');
    const no = 'tenpay-sandbox-01';
    const params = await api.getPayParams({ out_trade_no: no, body: 'sandbox', total_fee: 101, openid });
    assert.equal(await requestPayment(mock, params), 'requestPayment:ok');
    await receiver.waitFor('/pay', 1);
    assert.equal(seen.pay.length, 1, `tenpay refused the sandbox notify: ${receiver.on('/pay')[0].reply.body}`);
    assert.equal(seen.pay[0].total_fee, '101');
    const q = await api.orderQuery({ out_trade_no: no });
    assert.equal(q.trade_state, 'SUCCESS');
    const r = await api.refund({ out_trade_no: no, out_refund_no: 'tenpay-sb-r1', total_fee: 101, refund_fee: 101 });
    assert.equal(r.refund_fee, '101');
    await receiver.waitFor('/refund', 1);
    assert.equal(seen.refund.length, 1, `tenpay refused the sandbox refund notify: ${receiver.on('/refund')[0].reply.body}`);
    assert.equal(seen.refund[0].req_info.refund_status, 'SUCCESS');
    const rq = await api.refundQuery({ out_refund_no: 'tenpay-sb-r1' });
    assert.equal(rq.refund_status_0, 'SUCCESS');
    // The production instance does not see sandbox orders.
    const prod = observe(pointAt(new Tenpay(config), mock.url), transcript);
    await assert.rejects(prod.orderQuery({ out_trade_no: no }), { message: 'ORDERNOTEXIST' });
  } finally {
    await receiver.close();
  }
});
