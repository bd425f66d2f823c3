// wxpay-devkit/wx-runtime through the `wx` a page calls: each API's res
// shape, callbacks and Promise form, the client-side payment checks, and the
// refusal of any API it does not provide.

import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { flow } from '../../../tests/node/helpers.mjs';
import { installWx } from 'wxpay-devkit/wx-runtime';
import { loadSimulate } from './harness.mjs';

// Required first here, so installWx runs after simulate's global.wx exists.
loadSimulate();

async function site() {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url.startsWith('/text')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('not json');
      }
      res.writeHead(201, { 'content-type': 'application/json', 'x-shop': 'yes', 'set-cookie': ['a=1; Path=/', 'b=2'] });
      res.end(JSON.stringify({ method: req.method, url: req.url, type: req.headers['content-type'] ?? null, body }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

flow('an unknown wx API throws naming it; the installed wx replaces simulate\'s stubs', async ({ mock }) => {
  const rt = installWx({ mock: mock.url });
  try {
    assert.equal(globalThis.wx, rt.wx);
    assert.throws(() => wx.foo(), (e) => e.code === 'ERR_WX_API_MISSING' && /\bwx\.foo\b/.test(e.message));
    assert.throws(() => wx.getUserProfile({}), /wx\.getUserProfile is not provided/);
    assert.equal(wx.then, undefined, 'await-probing is not an API call');
    assert.throws(() => { wx.login = () => {}; }, { code: 'ERR_WX_READONLY' });
  } finally {
    rt.uninstall();
  }
});

flow('wx.login gives a single-use code jscode2session accepts; checkSession follows the login', async ({ mock }) => {
  const rt = installWx({ mock: mock.url, user: 'dave' });
  try {
    await assert.rejects(wx.checkSession(), { errMsg: 'checkSession:fail session time out, need relogin' });
    const { code, errMsg } = await wx.login();
    assert.equal(errMsg, 'login:ok');
    const q = `/sns/jscode2session?appid=wxd930ea5d5a258f4f&secret=7c1d0e5b2f3a4c6d8e9f0a1b2c3d4e5f&js_code=${code}&grant_type=authorization_code`;
    const first = await mock.json('GET', q);
    assert.match(first.openid, /^o/);
    const again = (await mock.call('GET', q)).json();
    assert.ok(again.errcode, `a code is single-use: ${JSON.stringify(again)}`);
    const second = await wx.login();
    assert.notEqual(second.code, code);
    assert.equal((await mock.json('GET', q.replace(code, second.code))).openid, first.openid, 'same user, same openid');
    const res = await new Promise((resolve) => wx.checkSession({ success: resolve }));
    assert.equal(res.errMsg, 'checkSession:ok');
  } finally {
    rt.uninstall();
  }
  const other = installWx({ mock: mock.url, appid: 'wx0000000000000000' });
  try {
    const res = await new Promise((resolve) => wx.login({ fail: resolve }));
    assert.match(res.errMsg, /^login:fail .*HTTP 400.*wx0000000000000000/s);
  } finally {
    other.uninstall();
  }
});

flow('wx.request: real HTTP through the hosts table, WeChat\'s res shape, callbacks and Promise', async ({ mock }) => {
  const s = await site();
  const rt = installWx({ mock: mock.url, hosts: { 'https://api.shop.example': s.url } });
  try {
    const res = await wx.request({ url: 'https://api.shop.example/items?x=1', method: 'POST', data: { a: 'b' } });
    assert.equal(res.errMsg, 'request:ok');
    assert.equal(res.statusCode, 201);
    assert.deepEqual(res.data, { method: 'POST', url: '/items?x=1', type: 'application/json', body: '{"a":"b"}' });
    assert.equal(res.header['x-shop'], 'yes');
    assert.deepEqual(res.cookies, ['a=1; Path=/', 'b=2']);
    assert.equal(rt.requests[0].mappedUrl, `${s.url}/items?x=1`);

    const got = await new Promise((resolve) => {
      const order = [];
      const task = wx.request({
        url: 'https://api.shop.example/q',
        data: { k: 'v w' },
        success: (r) => order.push(['success', r]),
        complete: (r) => resolve({ order, r }),
      });
      assert.equal(typeof task.abort, 'function');
    });
    assert.equal(got.order.length, 1);
    assert.equal(got.r.data.url, '/q?k=v%20w');

    const form = await wx.request({ url: `${s.url}/f`, method: 'POST', header: { 'Content-Type': 'application/x-www-form-urlencoded' }, data: { a: 1, b: 'x y' } });
    assert.equal(form.data.body, 'a=1&b=x%20y');
    const text = await wx.request({ url: `${s.url}/text` });
    assert.equal(text.data, 'not json');

    await assert.rejects(wx.request({ url: 42 }), { errMsg: 'request:fail parameter error: parameter.url should be String instead of Number;' });
    await assert.rejects(wx.request({ url: 'https://elsewhere.example/x' }), (e) => /^request:fail url not in domain list/.test(e.errMsg));
    await s.close();
    const down = await new Promise((resolve) => wx.request({ url: `${s.url}/gone`, fail: resolve }));
    assert.match(down.errMsg, /^request:fail \S/);
  } finally {
    rt.uninstall();
    await s.close().catch(() => {});
  }
});

flow('wx.requestPayment: the client\'s type checks, as the mock reports them', async ({ mock }) => {
  const rt = installWx({ mock: mock.url });
  try {
    const base = { timeStamp: '1700000000', nonceStr: 'n', package: 'prepay_id=wx1', signType: 'HMAC-SHA256', paySign: 'X' };
    const fail = (o) => new Promise((resolve) => wx.requestPayment({ ...o, fail: resolve, success: () => resolve({ errMsg: 'unexpected success' }) }));
    assert.equal((await fail({ ...base, timeStamp: 1700000000 })).errMsg, 'requestPayment:fail parameter error: parameter.timeStamp should be String instead of Number;');
    const { timeStamp, ...lower } = base;
    assert.equal((await fail({ ...lower, timestamp: timeStamp })).errMsg, 'requestPayment:fail parameter error: parameter.timeStamp should be String instead of Undefined;');
    assert.match((await fail({ ...base, package: 'wx1' })).errMsg, /^requestPayment:fail package "wx1" must be "prepay_id=/);
    assert.match((await fail(base)).errMsg, /^requestPayment:fail prepay_id wx1 is unknown to this mock/);
    assert.deepEqual(rt.payments.map((p) => p.action), ['pay', 'pay', 'pay', 'pay']);
    await assert.rejects(wx.requestPayment(base), (e) => /^requestPayment:fail /.test(e.errMsg));
  } finally {
    rt.uninstall();
  }
});

flow('storage in memory, toasts and loading recorded', async ({ mock }) => {
  const rt = installWx({ mock: mock.url });
  try {
    assert.equal(wx.getStorageSync('token'), '');
    wx.setStorageSync('token', { v: 1 });
    const got = wx.getStorageSync('token');
    assert.deepEqual(got, { v: 1 });
    got.v = 2;
    assert.deepEqual(wx.getStorageSync('token'), { v: 1 }, 'a copy, as WeChat serialises');
    wx.removeStorageSync('token');
    assert.equal(wx.getStorageSync('token'), '');
    wx.showLoading({ title: 'Paying' });
    assert.equal(rt.ui.loading.title, 'Paying');
    wx.hideLoading();
    const r = await wx.showToast({ title: 'Done', icon: 'success' });
    assert.equal(r.errMsg, 'showToast:ok');
    assert.deepEqual(rt.ui.log.map((e) => e.api), ['showLoading', 'hideLoading', 'showToast']);
    assert.deepEqual(rt.ui.toast, { title: 'Done', icon: 'success' });
  } finally {
    rt.uninstall();
  }
});
