// The pay page's backend: the only place that knows the API key.
//
//   POST /api/pay     {code}  → jscode2session (openid) → unifiedorder (JSAPI,
//                               HMAC-SHA256) → the signed wx.requestPayment object
//   POST /api/notify          ← WeChat's (here the mock's) payment notify: parse,
//                               verify the sign, record, answer SUCCESS
//
// Signing and verifying use the wxpay-devkit npm package. `broken` reproduces
// two mistakes that every stub-based test lets through and a phone does not:
//   'md5-paysign'       paySign computed with MD5 for an HMAC-SHA256 order
//                       (signType still says HMAC-SHA256);
//   'number-timestamp'  timeStamp sent as a JSON number.
//
// Run alone: WXPAY_MOCK_URL=http://127.0.0.1:8787 PORT=3000 node backend/server.mjs

import http from 'node:http';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { buildPaymentParams, nonce, parseXml, sign, toXml, verify } from 'wxpay-devkit';

/** The mock's built-in merchant and app (WeChat's public documentation example: never for real money). */
export const DEMO = {
  appid: 'wxd930ea5d5a258f4f',
  mchId: '10000100',
  key: '192006250b4c09247ec02edce69f6a2d',
  secret: '7c1d0e5b2f3a4c6d8e9f0a1b2c3d4e5f',
};

const SIGN_TYPE = 'HMAC-SHA256';

function replyXml(res, status, fields) {
  res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8' });
  res.end(toXml(fields));
}

function replyJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts the backend on 127.0.0.1 (port 0 by default).
 * Returns `{ url, orders, notifies, waitForNotify(outTradeNo), close() }`.
 */
export async function startBackend({
  mock,
  appid = DEMO.appid,
  mchId = DEMO.mchId,
  key = DEMO.key,
  secret = DEMO.secret,
  broken = null,
  port = 0,
}) {
  const base = mock.replace(/\/+$/, '');
  const orders = [];
  const notifies = [];
  const waiters = [];
  let notifyUrl;

  async function createPayment(code) {
    const session = await (
      await fetch(`${base}/sns/jscode2session?appid=${appid}&secret=${secret}&js_code=${encodeURIComponent(code)}&grant_type=authorization_code`)
    ).json();
    if (!session.openid) throw new Error(`jscode2session: ${JSON.stringify(session)}`);

    const outTradeNo = `demo${Date.now()}${randomBytes(3).toString('hex')}`;
    const order = {
      appid,
      mch_id: mchId,
      nonce_str: nonce(),
      sign_type: SIGN_TYPE,
      body: 'Demo order',
      out_trade_no: outTradeNo,
      total_fee: '1',
      spbill_create_ip: '127.0.0.1',
      notify_url: notifyUrl,
      trade_type: 'JSAPI',
      openid: session.openid,
    };
    order.sign = sign(order, key, SIGN_TYPE);
    const answer = parseXml(await (await fetch(`${base}/pay/unifiedorder`, { method: 'POST', body: toXml(order) })).text());
    if (answer.return_code !== 'SUCCESS') throw new Error(`unifiedorder: ${answer.return_msg}`);
    if (!verify(answer, key, SIGN_TYPE)) throw new Error('unifiedorder: the answer\'s sign does not verify');
    if (answer.result_code !== 'SUCCESS') throw new Error(`unifiedorder: ${answer.err_code} ${answer.err_code_des}`);
    orders.push({ outTradeNo, openid: session.openid, prepayId: answer.prepay_id, paid: false });

    const pay = buildPaymentParams({ appId: appid, prepayId: answer.prepay_id, key, signType: SIGN_TYPE });
    if (broken === 'md5-paysign') {
      const { paySign: _, ...fields } = pay;
      pay.paySign = sign(fields, key, 'MD5');
    } else if (broken === 'number-timestamp') {
      pay.timeStamp = Number(pay.timeStamp);
    } else if (broken !== null) {
      throw new Error(`unknown broken mode ${broken}`);
    }
    // appId is signed but not passed to wx.requestPayment; the page picks the five fields.
    return { ...pay, outTradeNo };
  }

  function handleNotify(body) {
    let fields;
    try {
      fields = parseXml(body);
    } catch (e) {
      return { ok: false, why: `not WeChat XML: ${e.message}` };
    }
    if (!verify(fields, key)) return { ok: false, why: 'sign does not verify' };
    if (fields.return_code !== 'SUCCESS' || fields.result_code !== 'SUCCESS') return { ok: true, fields };
    const order = orders.find((o) => o.outTradeNo === fields.out_trade_no);
    if (!order || fields.total_fee !== '1') return { ok: false, why: 'unknown order or wrong amount' };
    order.paid = true; // idempotent: WeChat may deliver a notify more than once
    return { ok: true, fields };
  }

  const server = http.createServer(async (req, res) => {
    try {
      if (req.method === 'POST' && req.url === '/api/pay') {
        const { code } = JSON.parse((await readBody(req)) || '{}');
        if (typeof code !== 'string') return replyJson(res, 400, { error: 'code is required' });
        return replyJson(res, 200, await createPayment(code));
      }
      if (req.method === 'POST' && req.url === '/api/notify') {
        const body = await readBody(req);
        const result = handleNotify(body);
        notifies.push({ body, ...result });
        for (const w of waiters.splice(0)) w();
        if (!result.ok) return replyXml(res, 200, { return_code: 'FAIL', return_msg: result.why });
        return replyXml(res, 200, { return_code: 'SUCCESS', return_msg: 'OK' });
      }
      replyJson(res, 404, { error: `no route ${req.method} ${req.url}` });
    } catch (e) {
      replyJson(res, 502, { error: e.message });
    }
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${server.address().port}`;
  notifyUrl = `${url}/api/notify`;

  return {
    url,
    orders,
    notifies,
    /** Waits (up to 10 s) for a verified notify of the order. */
    async waitForNotify(outTradeNo) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const n = notifies.find((x) => x.ok && x.fields && x.fields.out_trade_no === outTradeNo);
        if (n) return n;
        if (Date.now() > deadline) throw new Error(`no verified notify for ${outTradeNo} within 10 s: ${JSON.stringify(notifies)}`);
        await new Promise((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mock = process.env.WXPAY_MOCK_URL || 'http://127.0.0.1:8787';
  const key = process.env.WXPAY_API_KEY || DEMO.key;
  const b = await startBackend({ mock, key, port: Number(process.env.PORT || 3000) });
  console.log(`backend listening on ${b.url} (mock ${mock})`);
}
