// wxpay-devkit/wx in a simulated Mini-Program realm: a `vm` context with no
// WebAssembly, TextEncoder, TextDecoder or crypto, where eval and
// new Function are disabled, and a fake WXWebAssembly whose instantiate()
// takes only a package path (.wasm or .wasm.br), as WeChat's does. The
// Chinese and emoji vectors must come out right through the UTF-8 fallback.
// The Mini-Program modules must validate with baseline (MVP) features only.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { brotliDecompressSync } from 'node:zlib';

import { vectors } from './helpers.mjs';

const wxDir = fileURLToPath(new URL('../dist/wx/', import.meta.url));
const nodeDir = fileURLToPath(new URL('../dist/node/', import.meta.url));
const source = readFileSync(join(wxDir, 'index.js'), 'utf8');

/** A fresh Mini-Program-like realm with the wx entry loaded; returns its exports. */
function loadWx() {
  const loaded = [];
  const WXWebAssembly = {
    instantiate(path, imports) {
      if (typeof path !== 'string') return Promise.reject(new TypeError('WXWebAssembly.instantiate takes a package path'));
      const file = join(wxDir, path.replace(/^\/?(lib\/)?/, ''));
      loaded.push(path);
      let bytes = readFileSync(file);
      if (path.endsWith('.br')) bytes = brotliDecompressSync(bytes);
      return WebAssembly.instantiate(bytes, imports);
    },
    Memory: WebAssembly.Memory,
    Table: WebAssembly.Table,
    Global: WebAssembly.Global,
  };
  const context = vm.createContext(
    { WXWebAssembly, console },
    { codeGeneration: { strings: false, wasm: false } }
  );
  vm.runInContext('delete globalThis.WebAssembly;', context);
  const probe = vm.runInContext(
    `({
      wasm: typeof WebAssembly, te: typeof TextEncoder, td: typeof TextDecoder, crypto: typeof crypto,
      evalBlocked: (() => { try { eval('1'); return false; } catch (e) { return e instanceof EvalError; } })(),
      fnBlocked: (() => { try { new Function('return 1'); return false; } catch (e) { return e instanceof EvalError; } })(),
    })`,
    context
  );
  assert.deepEqual({ ...probe }, { wasm: 'undefined', te: 'undefined', td: 'undefined', crypto: 'undefined', evalBlocked: true, fnBlocked: true });
  const module = vm.runInContext('({ exports: {} })', context);
  const wrapper = vm.runInContext(`(function (module, exports, require) {\n${source}\n})`, context, { filename: 'wx/index.js' });
  wrapper(module, module.exports, () => {
    throw new Error('the wx entry must not require anything');
  });
  return { wx: module.exports, loaded, context };
}

function md5(s) {
  return createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();
}

for (const file of ['wxpay_wasm_bg.wasm.br', 'wxpay_wasm_bg.wasm']) {
  test(`wx: loads ${file} through WXWebAssembly and signs Chinese and emoji right`, async () => {
    const { wx, loaded, context } = loadWx();
    const ctxError = vm.runInContext('Error', context);
    assert.throws(() => wx.sign({ a: '1' }, 'k'), (e) => e.code === 'ERR_NOT_INITIALIZED');
    await assert.rejects(wx.init(new Uint8Array(4)), (e) => e.code === 'ERR_INVALID_ARG_TYPE');
    await wx.init(`lib/${file}`);
    assert.deepEqual(loaded, [`lib/${file}`]);

    for (const c of vectors.signatures) {
      assert.equal(wx.sign(c.params, c.key, c.sign_type), c.sign, c.name);
      assert.equal(wx.verify({ ...c.params, sign: c.sign }, c.key), true, c.name);
    }
    const utf8 = vectors.signatures.find((c) => c.name === 'rule_utf8_values');
    assert.match(utf8.params.body, /中国/, 'the vector file still has a Chinese body');

    // Emoji (surrogate pairs) and Chinese through the fallback encoder.
    const key = '192006250b4c09247ec02edce69f6a2d';
    const p = { body: '测试😀', attach: '支付👍🏽 ok', total_fee: 1 };
    assert.equal(wx.sign(p, key), md5(`attach=支付👍🏽 ok&body=测试😀&total_fee=1&key=${key}`));
    const xml = wx.toXml(p);
    assert.equal(xml, '<xml><attach><![CDATA[支付👍🏽 ok]]></attach><body><![CDATA[测试😀]]></body><total_fee>1</total_fee></xml>');
    assert.deepEqual({ ...wx.parseXml(xml) }, { attach: '支付👍🏽 ok', body: '测试😀', total_fee: '1' });
    assert.deepEqual({ ...wx.parseXml('<xml><a>中文</a><b>x &lt; y</b><c>&#x1F600;</c></xml>') }, { a: '中文', b: 'x < y', c: '😀' });
    const refund = vectors.refund_req_info[0];
    assert.equal(wx.decryptRefundInfo(refund.req_info, refund.api_key).refund_recv_accout, '支付用户零钱');
    assert.equal(wx.encryptRefundInfo(refund.plaintext, refund.api_key), refund.req_info);

    // Errors are real Errors of the realm, with codes.
    const e = (() => { try { wx.parseXml('<!DOCTYPE x><xml/>'); } catch (err) { return err; } })();
    assert.ok(e instanceof ctxError, 'an Error of the Mini-Program realm');
    assert.equal(e.code, 'ERR_XML_DOCTYPE');
    // No CSPRNG in this realm: nonce() says so; an explicit nonceStr works.
    assert.throws(() => wx.nonce(), (err) => err.code === 'ERR_NO_RANDOM');
    const pay = wx.buildPaymentParams({
      appId: 'wxd678efh567hg6787',
      prepayId: 'wx2017033010242291fcfe0db70013231072',
      key: 'qazwsxedcrfvtgbyhnujmikolp111111',
      timeStamp: '1490840662',
      nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
    });
    assert.equal(pay.paySign, '22D9B4E54AB1950F51E0649E8810ACD6');

    // The doctor is a second module, loaded the same way.
    assert.throws(() => wx.diagnose({ a: '1' }, key, 'x'), (err) => err.code === 'ERR_NOT_INITIALIZED');
    await wx.initDoctor(`lib/${file.replace('wxpay_wasm', 'wxpay_doctor')}`);
    const d = wx.diagnose(p, key, md5(`attach=支付👍🏽 ok&body=测试😀&total_fee=1&key=${key}`).toLowerCase());
    assert.equal(d.findings.map((f) => f.code).join(','), 'LOWERCASE_HEX');
  });
}

test('wx: the bundle uses no eval, new Function, import.meta, fetch or WebAssembly global', () => {
  assert.doesNotMatch(source, /\beval\(|new Function\b|\bimport\.meta\b|\bfetch\(|\bWebAssembly\./);
});

test('wx: the modules use baseline (MVP) WebAssembly only; the default ones do not', () => {
  const validate = (file) =>
    execFileSync('wasm-validate', [
      '--disable-bulk-memory', '--disable-sign-extension', '--disable-reference-types',
      '--disable-saturating-float-to-int', '--disable-multi-value', file,
    ], { stdio: 'pipe' });
  try {
    execFileSync('wasm-validate', ['--version'], { stdio: 'pipe' });
  } catch {
    assert.fail("wasm-validate is missing: install Debian's wabt (js/scripts/ci.sh does)");
  }
  for (const f of ['wxpay_wasm_bg.wasm', 'wxpay_doctor_bg.wasm']) {
    assert.ok(existsSync(join(wxDir, f)));
    validate(join(wxDir, f));
    // The default flavour uses newer features, so the check really checks.
    assert.throws(() => validate(join(nodeDir, f)), /./, `${f}: the default build unexpectedly passed the MVP check`);
  }
});
