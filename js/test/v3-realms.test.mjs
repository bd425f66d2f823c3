// API v3 in the other two realms: headless Chromium (wxpay-devkit/web) and a
// simulated Mini-Program realm (wxpay-devkit/wx: no WebAssembly global, no
// TextEncoder/TextDecoder/crypto, eval disabled, WXWebAssembly taking a
// package path). Only public-key operations are exercised in the Mini
// Program: the merchant private key and the APIv3 key never belong there.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { brotliDecompressSync } from 'node:zlib';

import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const jsDir = fileURLToPath(new URL('..', import.meta.url));
const wxDir = join(jsDir, 'dist', 'wx');
const vectorsFile = fileURLToPath(new URL('../../vectors/wxpay-v3.json', import.meta.url));
const v = JSON.parse(readFileSync(vectorsFile, 'utf8'));
const PLATFORM_CERT = readFileSync(new URL('../../vectors/v3-test-keys/platform_cert.pem', import.meta.url), 'utf8');
const MERCHANT_CERT = readFileSync(new URL('../../vectors/v3-test-keys/merchant_cert.pem', import.meta.url), 'utf8');

/** Runs the v3 checks against an entry's exports; returns [name, got, want] triples. */
const CHECKS = `async function v3Checks(w, v, platformCert, merchantCert, doctorPath) {
  const out = [];
  try { w.v3.verify('m', 'c2ln', platformCert); out.push(['before initDoctor', 'no error', 'ERR_NOT_INITIALIZED']); }
  catch (e) { out.push(['before initDoctor', e.code, 'ERR_NOT_INITIALIZED']); }
  await w.initDoctor(doctorPath);
  for (const c of v.response_sign) {
    const h = { 'Wechatpay-Serial': c.serial, 'Wechatpay-Signature': c.signature, 'Wechatpay-Timestamp': c.timestamp,
      'Wechatpay-Nonce': c.nonce, 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048' };
    out.push([c.name + ' verifyResponse', w.v3.verifyResponse(h, c.body, { [c.serial]: platformCert }, Number(c.timestamp)), true]);
    try { w.v3.verifyResponse(h, c.body + 'x', { [c.serial]: platformCert }, Number(c.timestamp)); out.push([c.name + ' tampered', 'accepted', 'ERR_V3_SIGNATURE_MISMATCH']); }
    catch (e) { out.push([c.name + ' tampered', e.code, 'ERR_V3_SIGNATURE_MISMATCH']); }
  }
  for (const c of v.request_sign) out.push([c.name + ' verify', w.v3.verify(c.message, c.signature, merchantCert), true]);
  const p = v.pay_sign[0];
  const d = w.v3.diagnose({ appId: p.appId, timeStamp: p.timeStamp, nonceStr: p.nonceStr, package: p.package, signType: 'RSA', paySign: p.paySign }, { merchantPublicKey: merchantCert });
  out.push(['diagnose paySign ok', d.ok, true]);
  return out;
}`;

test('v3 in headless Chromium (wxpay-devkit/web)', { timeout: 120_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (js/scripts/ci.sh does)`);
  const page = `<!doctype html><meta charset="utf-8"><script type="module">
${CHECKS}
const out = { checks: [], errors: [] };
try {
  const w = await import('/dist/web/index.js');
  await w.init();
  const data = await (await fetch('/data.json')).json();
  out.checks = await v3Checks(w, data.v, data.platformCert, data.merchantCert, undefined);
  for (const c of data.v.resource) {
    const r = { algorithm: 'AEAD_AES_256_GCM', ciphertext: c.ciphertext, nonce: c.nonce, associated_data: c.associated_data };
    out.checks.push([c.name + ' decryptResource', w.v3.decryptResource(r, c.api_v3_key), c.plaintext]);
  }
} catch (e) { out.errors.push(String(e && e.stack || e)); }
window.__result = out;
</script>`;
  const data = JSON.stringify({ v, platformCert: PLATFORM_CERT, merchantCert: MERCHANT_CERT });
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    if (url.pathname === '/data.json') return res.writeHead(200, { 'content-type': 'application/json' }).end(data);
    const file = normalize(join(jsDir, url.pathname));
    if (!file.startsWith(join(jsDir, 'dist')) || !existsSync(file)) return res.writeHead(404).end();
    const type = { '.js': 'text/javascript', '.wasm': 'application/wasm' }[extname(file)] || 'application/octet-stream';
    return res.writeHead(200, { 'content-type': type }).end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const profile = mkdtempSync(join(tmpdir(), 'wxpay-v3-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  try {
    const p = await context.newPage();
    await p.goto(`http://127.0.0.1:${server.address().port}/`);
    await p.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 });
    const r = await p.evaluate(() => window.__result);
    assert.deepEqual(r.errors, []);
    assert.ok(r.checks.length >= v.response_sign.length * 2 + v.resource.length);
    for (const [name, got, want] of r.checks) assert.deepEqual(got, want, name);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    server.close();
  }
});

test('v3 in the simulated Mini-Program realm (wxpay-devkit/wx)', async () => {
  const WXWebAssembly = {
    instantiate(path, imports) {
      let bytes = readFileSync(join(wxDir, path.replace(/^\/?(lib\/)?/, '')));
      if (path.endsWith('.br')) bytes = brotliDecompressSync(bytes);
      return WebAssembly.instantiate(bytes, imports);
    },
  };
  const context = vm.createContext({ WXWebAssembly }, { codeGeneration: { strings: false, wasm: false } });
  vm.runInContext('delete globalThis.WebAssembly;', context);
  const module = vm.runInContext('({ exports: {} })', context);
  const source = readFileSync(join(wxDir, 'index.js'), 'utf8');
  vm.runInContext(`(function (module, exports) {\n${source}\n})`, context, { filename: 'wx/index.js' })(module, module.exports);
  const w = module.exports;
  await w.init('lib/wxpay_wasm_bg.wasm.br');
  const run = vm.runInContext(`(${CHECKS})`, context);
  const checks = await run(w, v, PLATFORM_CERT, MERCHANT_CERT, 'lib/wxpay_doctor_bg.wasm.br');
  assert.ok(checks.length >= v.response_sign.length * 2 + v.request_sign.length);
  for (const [name, got, want] of checks) assert.deepEqual(got, want, name);
});
