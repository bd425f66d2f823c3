// Browser test of the wxpay-mock console: headless Debian Chromium driven by
// playwright-core. Starts the mock binary and a notify receiver that refuses
// once then accepts, creates an order through the API, and drives the page:
// the order appears without reload, pay, the notify attempts, the clock, a
// refund signed in the browser, and the signature doctor on a wrong sign.
//
//   node console.test.mjs <path of the wxpay-mock binary>
//
// Needs js/dist (bash js/scripts/ci.sh) and /usr/bin/chromium (or
// $CHROMIUM). Screenshots go to ./artifacts/ (not committed).

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const bin = process.argv[2];
if (!bin) {
  console.error('usage: node console.test.mjs <path of the wxpay-mock binary>');
  process.exit(2);
}
const wx = await import(join(root, 'js', 'dist', 'node', 'index.mjs')).catch((e) => {
  console.error(`console test: js/dist is missing (${e.message}); run bash js/scripts/ci.sh first`);
  process.exit(2);
});
const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });
rmSync(join(artifacts, 'failure.png'), { force: true });

const KEY = '192006250b4c09247ec02edce69f6a2d'; // the built-in documentation merchant
const APPID = 'wxd930ea5d5a258f4f';
const MCH_ID = '10000100';
const cleanups = [];
let step = 'start';
const log = (s) => { step = s; console.log(`  - ${s}`); };

// ------------------------------------------------------------ notify receiver
const received = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    received.push(body);
    if (received.length === 1) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('refused once on purpose');
    } else {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end('<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>');
    }
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
cleanups.push(() => receiver.close());
const notifyUrl = `http://127.0.0.1:${receiver.address().port}/notify`;

// ------------------------------------------------------------ mock
const mock = spawn(bin, ['serve', '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
cleanups.push(() => mock.kill('SIGTERM'));
const base = await new Promise((res, rej) => {
  let out = '';
  const t = setTimeout(() => rej(new Error(`the mock printed no URL within 20 s: ${out}`)), 20000);
  mock.stdout.on('data', (c) => {
    out += c;
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m) { clearTimeout(t); res(m[1]); }
  });
  mock.on('exit', (code) => rej(new Error(`the mock exited with ${code}: ${out}`)));
});
console.log(`mock at ${base}, receiver at ${notifyUrl}`);

async function post(path, body, type = 'application/json') {
  const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': type }, body });
  return r.text();
}

// ------------------------------------------------------------ browser
const userDataDir = mkdtempSync(join(tmpdir(), 'wxpay-console-chromium-'));
cleanups.push(() => rmSync(userDataDir, { recursive: true, force: true }));
const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
  viewport: { width: 1280, height: 800 },
});
cleanups.push(() => browser.close());
const page = browser.pages()[0] || (await browser.newPage());
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
const outside = [];
page.on('request', (r) => { if (!r.url().startsWith(base)) outside.push(r.url()); });

try {
  log('open the console at /');
  await page.goto(`${base}/`);
  await page.waitForSelector('#live:has-text("live")');
  await page.waitForSelector('#doctor-status:has-text("loaded")');
  assert.match(await page.textContent('#orders-list'), /No orders yet/);

  log('create an order through the API; it appears without reload');
  const { openid } = JSON.parse(await post('/mock/login', JSON.stringify({ appid: APPID, user: 'alice' })));
  const outTradeNo = `T${Date.now()}`;
  const order = { appid: APPID, mch_id: MCH_ID, nonce_str: wx.nonce(), body: 'console test', out_trade_no: outTradeNo,
    total_fee: '101', spbill_create_ip: '127.0.0.1', notify_url: notifyUrl, trade_type: 'JSAPI', openid, sign_type: 'MD5' };
  order.sign = wx.sign(order, KEY, 'MD5');
  const answer = wx.parseXml(await post('/pay/unifiedorder', wx.toXml(order), 'text/xml'));
  assert.equal(answer.result_code, 'SUCCESS', JSON.stringify(answer));
  const row = page.locator(`#orders-list tr[data-out-trade-no="${outTradeNo}"]`);
  await row.waitFor({ timeout: 10000 });
  assert.match(await row.textContent(), /NOTPAY/);
  await page.screenshot({ path: join(artifacts, '1-order-appeared-1280.png') });

  log('open the order: history and the raw XML of unifiedorder');
  await row.locator('button').click();
  await page.waitForSelector(`#order-detail h3:has-text("${outTradeNo}")`);
  await page.locator('#order-detail details.exchange summary').first().click();
  const raw = await page.locator('#order-detail details.exchange').first().textContent();
  assert.match(raw, /\/pay\/unifiedorder/);
  assert.match(raw, /<prepay_id>|prepay_id/);

  log('click pay (keyboard: focus + Enter)');
  const pay = page.locator('#order-detail button[data-action="pay"]');
  await pay.focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('#orders-msg:has-text("requestPayment:ok")');
  await page.waitForSelector(`#orders-list tr[data-out-trade-no="${outTradeNo}"] .state.SUCCESS`);

  log('the notify attempts: refused once, next retry shown');
  const card = page.locator('#notif-list .notification').first();
  await card.locator('.attempts tbody tr').first().waitFor({ timeout: 10000 });
  await page.waitForFunction(() => document.querySelector('#notif-list .notification')?.textContent.includes('next retry'));
  const cardText = await card.textContent();
  assert.match(cardText, /500/);
  assert.match(cardText, /refused/);
  assert.match(cardText, /pending/);
  assert.equal(received.length, 1);

  log('advance the clock 15 s: the retry becomes due and is accepted');
  await page.click('button[data-advance="15"]');
  await page.waitForSelector('#clock-due li');
  const due = await page.textContent('#clock-due');
  assert.match(due, /attempt at .* 200 accepted/, due);
  assert.match(due, /pending → acknowledged/, due);
  await page.waitForSelector('#notif-list .notification[data-state="acknowledged"]');
  assert.equal(received.length, 2);
  assert.match(await page.textContent('#clock-offset'), /\+15 s/);

  log('a second order: cancel, then close it after 5 minutes (signed in the browser)');
  const second = { ...order, nonce_str: wx.nonce(), out_trade_no: `${outTradeNo}b` };
  delete second.sign;
  second.sign = wx.sign(second, KEY, 'MD5');
  assert.equal(wx.parseXml(await post('/pay/unifiedorder', wx.toXml(second), 'text/xml')).result_code, 'SUCCESS');
  const row2 = page.locator(`#orders-list tr[data-out-trade-no="${second.out_trade_no}"]`);
  await row2.locator('button').click();
  await page.waitForSelector(`#order-detail h3:has-text("${second.out_trade_no}")`);
  await page.click('#order-detail button[data-action="cancel"]');
  await page.waitForSelector('#orders-msg:has-text("requestPayment:fail cancel")');
  await page.click('#order-detail button[data-action="close"]');
  await page.waitForSelector('#orders-msg:has-text("TRADE_STATE_ERROR")'); // too early: core's 5-minute rule
  await page.click('button[data-advance="300"]');
  await page.waitForSelector('#clock-due:has-text("+300 s")');
  await page.click('#order-detail button[data-action="close"]');
  await page.waitForFunction(() => /closeorder \S+: SUCCESS/.test(document.querySelector('#orders-msg').textContent));
  await page.waitForSelector(`#orders-list tr[data-out-trade-no="${second.out_trade_no}"] .state.CLOSED`);
  await page.waitForSelector('#order-detail :text("payment_cancelled")');
  await row.locator('button').click();
  await page.waitForSelector(`#order-detail h3:has-text("${outTradeNo}")`);

  log('refund from the console (signed in the browser)');
  await page.fill('#refund-fee', '40');
  await page.click('#order-detail button[data-action="refund"]');
  await page.waitForSelector('#orders-msg:has-text("SUCCESS")');
  await page.waitForSelector('#order-detail :text("Refunds (1)")');
  await page.screenshot({ path: join(artifacts, '2-paid-notified-refunded-1280.png'), fullPage: true });

  log('the doctor on a wrong sign (lowercase hex)');
  const wrong = { appid: APPID, mch_id: MCH_ID, nonce_str: 'ibuaiVcKdpRxkhJA', body: 'test', out_trade_no: 'X1', total_fee: '1' };
  const good = wx.sign(wrong, KEY, 'MD5');
  await page.fill('#doc-params', wx.toXml({ ...wrong, sign: good.toLowerCase() }));
  await page.fill('#doc-key', KEY);
  await page.click('#doc-run');
  await page.waitForSelector('#doctor-out .finding[data-code]');
  const finding = await page.locator('#doctor-out .finding[data-code]').first();
  assert.equal(await finding.getAttribute('data-code'), 'LOWERCASE_HEX');
  assert.match(await finding.textContent(), /confirmed/);
  assert.equal(await page.textContent('#doctor-expected'), good);
  assert.match(await page.textContent('#doctor-canonical'), /appid=wxd930ea5d5a258f4f&body=test/);
  assert.doesNotMatch(await page.textContent('#doctor-out'), new RegExp(KEY));
  await page.locator('#doctor-out').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(artifacts, '3-doctor-1280.png') });

  log('the doctor on bad input says what is wrong');
  await page.fill('#doc-params', '{not json');
  await page.click('#doc-run');
  assert.match(await page.textContent('#doctor-error'), /not valid JSON/);

  log('setup: keys masked, snippets point at this server');
  const setup = await page.textContent('#setup');
  assert.doesNotMatch(setup, new RegExp(KEY));
  assert.match(setup, /••••/);
  assert.ok(setup.includes(`WeChatPay.API_BASE_URL = "${base}/"`));
  assert.ok(setup.includes(String.raw`api.urls[k] = api.urls[k].replace(/^https:\/\/[^/]+/, '` + base + "');"), 'the tenpay snippet rewrites api.urls to this server');

  log('narrow window (400 px): no horizontal scrolling of the page');
  await page.setViewportSize({ width: 400, height: 800 });
  await page.goto(`${base}/mock/ui`);
  await page.waitForSelector(`#orders-list tr[data-out-trade-no="${outTradeNo}"]`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px at 400px`);
  await page.screenshot({ path: join(artifacts, '4-narrow-400.png'), fullPage: true });

  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  assert.deepEqual(outside, [], 'the page requests nothing outside the mock');
  console.log(`console test: ok (screenshots in ${artifacts})`);
} catch (e) {
  await page.screenshot({ path: join(artifacts, 'failure.png'), fullPage: true }).catch(() => {});
  console.error(`console test: FAILED at "${step}": ${e.stack || e}`);
  if (pageErrors.length) console.error(`page errors: ${pageErrors.join('; ')}`);
  process.exitCode = 1;
} finally {
  for (const c of cleanups.reverse()) {
    try { await c(); } catch { /* already gone */ }
  }
}
