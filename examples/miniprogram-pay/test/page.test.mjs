// The pay page as a user sees it: rendered with miniprogram-simulate, Pay
// clicked, wx backed by the mock through wxpay-devkit/wx-runtime, the
// example backend signing with wxpay-devkit.

import assert from 'node:assert/strict';
import { flow } from '../../../tests/node/helpers.mjs';
import { loadSimulate, renderPage, shop } from './harness.mjs';

flow('the runtime\'s wx wins over miniprogram-simulate\'s stubs when installed first', async ({ mock }) => {
  const s = await shop(mock);
  try {
    loadSimulate(); // first require: it assigns global.wx = Object.assign(itsStubs, global.wx)
    assert.equal(globalThis.wx, s.rt.wx);
    assert.equal(s.rt.overridden.length, 1, 'simulate assigned its merged stub object once (ignored)');
    assert.throws(() => globalThis.wx.getSystemInfoSync, { code: 'ERR_WX_API_MISSING', message: /wx\.getSystemInfoSync/ });
  } finally {
    await s.close();
  }
});

flow('pay: the user pays, the page shows "paid", the backend verified the notify', async ({ mock }) => {
  const s = await shop(mock);
  try {
    const page = renderPage();
    assert.equal(page.text('.status'), 'ready');
    page.tap();
    const shown = await page.settled();
    assert.deepEqual(shown, { status: 'paid', message: '' });
    const [order] = s.backend.orders;
    const notify = await s.backend.waitForNotify(order.outTradeNo);
    assert.equal(notify.fields.result_code, 'SUCCESS');
    assert.equal(notify.fields.openid, order.openid);
    assert.ok(order.paid);
    assert.equal(s.rt.payments.length, 1);
    assert.equal(s.rt.payments[0].errMsg, 'requestPayment:ok');
    assert.deepEqual(Object.keys(s.rt.payments[0].object).sort(), ['nonceStr', 'package', 'paySign', 'signType', 'timeStamp']);
    assert.equal(s.rt.ui.toast.title, 'Paid');
    assert.equal(s.rt.ui.loading, null);
    const state = await mock.json('GET', `/mock/orders/${order.outTradeNo}`);
    assert.equal(state.trade_state, 'SUCCESS');
  } finally {
    await s.close();
  }
});

flow('broken backend: MD5 paySign for an HMAC-SHA256 order fails as on a phone, with the doctor\'s reason', async ({ mock }) => {
  const s = await shop(mock, { broken: 'md5-paysign' });
  try {
    const page = renderPage();
    page.tap();
    const shown = await page.settled();
    assert.equal(shown.status, 'failed');
    assert.match(shown.message, /^requestPayment:fail 支付验证签名失败 \(paySign does not verify: .*the doctor says: \[WRONG_SIGN_TYPE\] The sign was computed with MD5, but WeChat checks it with HMAC-SHA256/);
    const state = await mock.json('GET', `/mock/orders/${s.backend.orders[0].outTradeNo}`);
    assert.equal(state.trade_state, 'NOTPAY');
    assert.equal(s.backend.notifies.length, 0);
  } finally {
    await s.close();
  }
});

flow('broken backend: timeStamp as a number fails as the client does', async ({ mock }) => {
  const s = await shop(mock, { broken: 'number-timestamp' });
  try {
    const page = renderPage();
    page.tap();
    const shown = await page.settled();
    assert.deepEqual(shown, {
      status: 'failed',
      message: 'requestPayment:fail parameter error: parameter.timeStamp should be String instead of Number;',
    });
    assert.equal(typeof s.rt.payments[0].object.timeStamp, 'number', 'forwarded as the page passed it');
  } finally {
    await s.close();
  }
});

flow('the user cancels: requestPayment:fail cancel, the order stays unpaid', async ({ mock }) => {
  const s = await shop(mock, { user: { name: 'bob', onPay: 'cancel' } });
  try {
    const page = renderPage();
    page.tap();
    assert.deepEqual(await page.settled(), { status: 'cancelled', message: 'requestPayment:fail cancel' });
    const state = await mock.json('GET', `/mock/orders/${s.backend.orders[0].outTradeNo}`);
    assert.equal(state.trade_state, 'NOTPAY');
    assert.ok(state.events.some((e) => JSON.stringify(e).includes('payment_cancelled')), JSON.stringify(state.events));
  } finally {
    await s.close();
  }
});

flow('the payment fails for the user (e.g. the bank declines): the page shows WeChat\'s failure', async ({ mock }) => {
  const s = await shop(mock, { user: { name: 'carol', onPay: 'fail' } });
  try {
    const page = renderPage();
    page.tap();
    const shown = await page.settled();
    assert.equal(shown.status, 'failed');
    assert.match(shown.message, /^requestPayment:fail \S/);
    assert.notEqual(shown.message, 'requestPayment:fail cancel');
    assert.equal(s.backend.notifies.length, 0);
  } finally {
    await s.close();
  }
});
