// wxpay-devkit/web in a real browser: headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core) loads the ES module from a
// tiny HTTP server on 127.0.0.1, awaits init(), and checks the official
// vectors in the page.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const jsDir = fileURLToPath(new URL('..', import.meta.url));
const vectorsFile = fileURLToPath(new URL('../../vectors/wxpay-v2.json', import.meta.url));
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };

// The page: runs everything and leaves the outcome in window.__result.
const PAGE = `<!doctype html><meta charset="utf-8"><title>wxpay-devkit/web</title>
<script type="module">
const out = { checks: [], errors: [] };
function check(name, got, want) { out.checks.push({ name, got, want, ok: got === want }); }
try {
  const wx = await import('/dist/web/index.js');
  try { wx.sign({ a: '1' }, 'k'); out.errors.push('no error before init'); }
  catch (e) { check('before init', e.code, 'ERR_NOT_INITIALIZED'); }
  await wx.init();
  await wx.init(); // idempotent
  const vectors = await (await fetch('/vectors.json')).json();
  for (const c of vectors.signatures) {
    check(c.name + ' sign', wx.sign(c.params, c.key, c.sign_type), c.sign);
    check(c.name + ' verify', wx.verify({ ...c.params, sign: c.sign }, c.key), true);
  }
  for (const c of vectors.refund_req_info) {
    check(c.name + ' encrypt', wx.encryptRefundInfo(c.plaintext, c.api_key), c.req_info);
    check(c.name + ' decrypt', wx.decryptRefundInfo(c.req_info, c.api_key).refund_recv_accout, '支付用户零钱');
  }
  const xml = '<xml><a><![CDATA[测试😀]]></a><b>x &lt; y</b></xml>';
  check('parseXml', JSON.stringify(wx.parseXml(xml)), JSON.stringify({ a: '测试😀', b: 'x < y' }));
  check('parseXml bytes', JSON.stringify(wx.parseXml(new TextEncoder().encode(xml))), JSON.stringify({ a: '测试😀', b: 'x < y' }));
  check('toXml', wx.toXml({ b: 1, a: '测试😀' }), '<xml><a><![CDATA[测试😀]]></a><b>1</b></xml>');
  try { wx.parseXml('<!DOCTYPE x><xml/>'); out.errors.push('DOCTYPE accepted'); }
  catch (e) { check('doctype error', e instanceof Error && e.code, 'ERR_XML_DOCTYPE'); }
  try { wx.sign({ total_fee: 0.01 }, 'k'); out.errors.push('float accepted'); }
  catch (e) { check('float error', e instanceof TypeError && e.code, 'ERR_INVALID_PARAM_TYPE'); }
  const p = wx.buildPaymentParams({ appId: 'wxd678efh567hg6787', prepayId: 'wx2017033010242291fcfe0db70013231072', key: 'qazwsxedcrfvtgbyhnujmikolp111111' });
  check('buildPaymentParams verifies', wx.verifyPaymentParams(p, 'qazwsxedcrfvtgbyhnujmikolp111111'), true);
  check('nonce', /^[0-9A-Za-z]{32}$/.test(wx.nonce()), true);
  try { wx.diagnose({ a: '1' }, 'k', 'x'); out.errors.push('diagnose before initDoctor'); }
  catch (e) { check('diagnose before initDoctor', e.code, 'ERR_NOT_INITIALIZED'); }
  await wx.initDoctor();
  const d = wx.diagnose(vectors.signatures[0].params, vectors.signatures[0].key, vectors.signatures[0].sign.toLowerCase());
  check('diagnose', d.findings.map((f) => f.code).join(','), 'LOWERCASE_HEX');
  out.userAgent = navigator.userAgent;
} catch (e) {
  out.errors.push(String(e && e.stack || e));
}
window.__result = out;
</script>`;

let server;
let base;

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let body;
    let type;
    if (url.pathname === '/') {
      body = PAGE;
      type = TYPES['.html'];
    } else if (url.pathname === '/vectors.json') {
      body = readFileSync(vectorsFile);
      type = TYPES['.json'];
    } else {
      const file = normalize(join(jsDir, url.pathname));
      if (!file.startsWith(join(jsDir, 'dist')) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      body = readFileSync(file);
      type = TYPES[extname(file)] || 'application/octet-stream';
    }
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => server?.close());

test('wxpay-devkit/web in headless Chromium', { timeout: 120_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (js/scripts/ci.sh does)`);
  const profile = mkdtempSync(join(tmpdir(), 'wxpay-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const page = await context.newPage();
    const logs = [];
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    await page.goto(`${base}/`);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 });
    const r = await page.evaluate(() => window.__result);
    assert.deepEqual(r.errors, [], `errors in the page; console: ${logs.join('\n')}`);
    const failed = r.checks.filter((c) => !c.ok);
    assert.deepEqual(failed, [], 'failed checks in the page');
    // Every vector was checked in the page.
    const vectors = JSON.parse(readFileSync(vectorsFile, 'utf8'));
    for (const c of vectors.signatures) assert.ok(r.checks.some((x) => x.name === `${c.name} sign`), c.name);
    assert.match(r.userAgent, /Chrome/);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
