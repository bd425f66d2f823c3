#!/usr/bin/env node
// Builds the npm package into js/dist/ from the wxpay-wasm crate:
//
//   1. cargo build of wxpay-wasm for wasm32-unknown-unknown (profile
//      wasm-release), and a second, MVP-only build for Mini Programs
//      (-C target-cpu=mvp, stripped so wasm-bindgen uses no externref);
//   2. wasm-bindgen (the CLI at the Cargo.lock version) → nodejs + web glue,
//      and web glue for the MVP build;
//   3. wasm-opt from the npm package `binaryen`: -O3 for the default build;
//      for the MVP build, lowering of bulk-memory/sign-ext/non-trapping
//      conversions, then -O3 with MVP features only;
//   4. dist/node (CJS + ESM wrapper), dist/web (ESM + init()), dist/wx
//      (one CommonJS file for WXWebAssembly, .wasm and .wasm.br);
//   5. brotli of every .wasm (Node's zlib, quality 11).
//
// Run from anywhere: `node js/scripts/build.mjs`. Needs cargo, the
// wasm32-unknown-unknown target, wasm-bindgen on PATH and `npm ci` done
// (js/scripts/ci.sh installs all of that).

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zc } from 'node:zlib';

const jsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(jsDir, '..');
const pkgDir = join(jsDir, 'pkg');
const dist = join(jsDir, 'dist');
const CRATE = 'wxpay_wasm';

function fail(msg) {
  console.error(`build.mjs: error: ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...opts });
  } catch (e) {
    if (e.code === 'ENOENT') fail(`'${cmd}' was not found on PATH (js/scripts/ci.sh installs it)`);
    fail(`${cmd} ${args.join(' ')} failed with status ${e.status}`);
  }
}

let t0 = Date.now();
function step(name) {
  const now = Date.now();
  console.log(`  [${((now - t0) / 1000).toFixed(1)}s] ${name}`);
  t0 = now;
}

const targetDir = JSON.parse(run('cargo', ['metadata', '--format-version', '1', '--no-deps'], { cwd: root })).target_directory;

// ---------------------------------------------------------------- cargo

const cargoArgs = ['build', '--profile', 'wasm-release', '--target', 'wasm32-unknown-unknown', '--locked', '-p', 'wxpay-wasm'];
run('cargo', cargoArgs, { cwd: root, stdio: 'inherit' });
const rawWasm = join(targetDir, 'wasm32-unknown-unknown', 'wasm-release', `${CRATE}.wasm`);
step('cargo build (default features)');

// MVP flavour: its own target dir so the flags don't invalidate the main
// build. `strip = symbols` drops the target_features section, so
// wasm-bindgen falls back to the plain JS heap instead of an externref table.
const mvpTarget = join(targetDir, 'wasm-mvp');
run('cargo', [...cargoArgs, '--target-dir', mvpTarget], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, RUSTFLAGS: '-C target-cpu=mvp', CARGO_PROFILE_WASM_RELEASE_STRIP: 'symbols' },
});
const mvpWasm = join(mvpTarget, 'wasm32-unknown-unknown', 'wasm-release', `${CRATE}.wasm`);
step('cargo build (MVP, for Mini Programs)');

// ---------------------------------------------------------------- wasm-bindgen

const lockVersion = /name = "wasm-bindgen"\nversion = "([^"]+)"/.exec(readFileSync(join(root, 'Cargo.lock'), 'utf8'))?.[1];
const cliVersion = run('wasm-bindgen', ['--version']).trim().split(' ')[1];
if (lockVersion !== cliVersion) {
  fail(`wasm-bindgen CLI ${cliVersion} does not match the crate ${lockVersion} in Cargo.lock (js/scripts/ci.sh installs the right one)`);
}

rmSync(pkgDir, { recursive: true, force: true });
function bindgen(input, target, out) {
  run('wasm-bindgen', [input, '--out-dir', join(pkgDir, out), '--target', target, '--no-typescript', '--remove-name-section', '--remove-producers-section']);
}
bindgen(rawWasm, 'nodejs', 'nodejs');
bindgen(rawWasm, 'web', 'web');
bindgen(mvpWasm, 'web', 'wx');
step(`wasm-bindgen ${cliVersion} (nodejs, web, wx)`);

// ---------------------------------------------------------------- wasm-opt

const wasmOptBin = join(jsDir, 'node_modules', 'binaryen', 'bin', 'wasm-opt');
if (!existsSync(wasmOptBin)) fail('node_modules/binaryen is missing: run `npm ci` in js/');
function wasmOpt(args) {
  run(process.execPath, [wasmOptBin, ...args]);
}
// The default build keeps the features Rust enables by default.
const defaultFeatures = [
  '--enable-reference-types', '--enable-multivalue', '--enable-bulk-memory', '--enable-bulk-memory-opt',
  '--enable-sign-ext', '--enable-nontrapping-float-to-int', '--enable-mutable-globals',
];
const optLevel = '-O3';
const bgWasm = join(pkgDir, 'nodejs', `${CRATE}_bg.wasm`);
const optWasm = join(pkgDir, `${CRATE}_bg.opt.wasm`);
wasmOpt([...defaultFeatures, optLevel, bgWasm, '-o', optWasm]);
// The glue of both targets loads the same module (wasm-bindgen emits
// byte-identical .wasm files for them).
if (!readFileSync(bgWasm).equals(readFileSync(join(pkgDir, 'web', `${CRATE}_bg.wasm`)))) {
  fail('wasm-bindgen produced different .wasm files for nodejs and web');
}
step(`wasm-opt ${optLevel} (default)`);

const wxBg = join(pkgDir, 'wx', `${CRATE}_bg.wasm`);
const wxLowered = join(pkgDir, `${CRATE}_bg.lowered.wasm`);
const wxOpt = join(pkgDir, `${CRATE}_bg.mvp.wasm`);
wasmOpt([
  '--enable-bulk-memory', '--enable-bulk-memory-opt', '--enable-sign-ext', '--enable-nontrapping-float-to-int',
  '--llvm-memory-copy-fill-lowering', '--signext-lowering', '--llvm-nontrapping-fptoint-lowering',
  wxBg, '-o', wxLowered,
]);
wasmOpt(['--mvp-features', '--enable-mutable-globals', optLevel, wxLowered, '-o', wxOpt]);
step(`wasm-opt lowering + ${optLevel} (MVP)`);

// ---------------------------------------------------------------- dist

const api = readFileSync(join(jsDir, 'src', 'api.js'), 'utf8');
const utf8 = readFileSync(join(jsDir, 'src', 'utf8.js'), 'utf8');
const types = readFileSync(join(jsDir, 'src', 'index.d.ts'), 'utf8');
const API_NAMES = [
  'sign', 'verify', 'buildPaymentParams', 'verifyPaymentParams', 'toXml', 'parseXml',
  'diagnose', 'encryptRefundInfo', 'decryptRefundInfo', 'nonce',
];
const banner = '// wxpay-devkit: generated by scripts/build.mjs from src/ and the wxpay-wasm crate. Do not edit.\n';

/** Replaces `from` in `text`, exactly `count` times, or fails the build. */
function patch(text, from, to, count = 1, what = from) {
  const n = text.split(from).length - 1;
  if (n !== count) fail(`glue patch: expected ${count} × ${JSON.stringify(what)}, found ${n} (wasm-bindgen output changed?)`);
  return text.split(from).join(to);
}

rmSync(dist, { recursive: true, force: true });
for (const d of ['node', 'web', 'wx']) mkdirSync(join(dist, d), { recursive: true });

// --- Node: the nodejs glue (CJS, sync init) + the API; an ESM wrapper over
// the same instance, so require() and import share one module.
writeFileSync(join(dist, 'node', `${CRATE}.cjs`), readFileSync(join(pkgDir, 'nodejs', `${CRATE}.js`)));
copyFileSync(optWasm, join(dist, 'node', `${CRATE}_bg.wasm`));
writeFileSync(
  join(dist, 'node', 'index.cjs'),
  `${banner}'use strict';\n${api}\n` +
    `module.exports = createApi(require('./${CRATE}.cjs'), {\n` +
    `  ready: function () {},\n` +
    `  fill: require('node:crypto').randomFillSync,\n` +
    `});\n`
);
writeFileSync(
  join(dist, 'node', 'index.mjs'),
  `${banner}import api from './index.cjs';\nexport const { ${API_NAMES.join(', ')} } = api;\n`
);
writeFileSync(join(dist, 'node', 'index.d.ts'), types);
writeFileSync(join(dist, 'node', 'index.d.cts'), types);

// --- Web: the web glue (ESM) + the API + init().
copyFileSync(join(pkgDir, 'web', `${CRATE}.js`), join(dist, 'web', `${CRATE}.js`));
copyFileSync(optWasm, join(dist, 'web', `${CRATE}_bg.wasm`));
writeFileSync(
  join(dist, 'web', 'index.js'),
  `${banner}import __wbg_init, * as raw from './${CRATE}.js';\n${api}\n` +
    `let initialized = false;\n` +
    `function notInitialized() {\n` +
    `  const e = new Error('wxpay-devkit/web: call and await init() before using the API');\n` +
    `  e.code = 'ERR_NOT_INITIALIZED';\n  return e;\n}\n` +
    `const api = createApi(raw, {\n` +
    `  ready() { if (!initialized) throw notInitialized(); },\n` +
    `  fill(bytes) { globalThis.crypto.getRandomValues(bytes); },\n` +
    `});\n` +
    `/** Loads the wasm module: by default from next to this file; or pass a URL, a Response, bytes or a WebAssembly.Module. */\n` +
    `export async function init(input) {\n` +
    `  if (initialized) return;\n` +
    `  await __wbg_init(input === undefined ? undefined : { module_or_path: input });\n` +
    `  initialized = true;\n}\n` +
    `export default init;\n` +
    `export const { ${API_NAMES.join(', ')} } = api;\n`
);
writeFileSync(
  join(dist, 'web', 'index.d.ts'),
  `${types}\n/** Loads the wasm module (default: \`wxpay_wasm_bg.wasm\` next to this file). Await it before any other call. */\n` +
    `export function init(input?: string | URL | Request | Response | BufferSource | WebAssembly.Module | Promise<Response>): Promise<void>;\nexport default init;\n`
);

// --- WeChat Mini Program: the web glue of the MVP build, rewritten to
// CommonJS, loaded through WXWebAssembly.instantiate(path), with a UTF-8
// TextEncoder/TextDecoder fallback and no eval/new Function/import.meta.
let wx = readFileSync(join(pkgDir, 'wx', `${CRATE}.js`), 'utf8');
const exportedFns = wx.split('export function ').length - 1;
if (exportedFns < 10) fail(`glue patch: expected the glue to export functions, found ${exportedFns}`);
wx = wx.split('export function ').join('function ');
wx = patch(wx, 'export { initSync, __wbg_init as default };', '');
const loadAt = wx.indexOf('async function __wbg_load(');
if (loadAt < 0) fail('glue patch: __wbg_load not found');
wx = wx.slice(0, loadAt); // drops __wbg_load, initSync, __wbg_init: fetch, import.meta, WebAssembly.*
wx = patch(wx, 'new TextDecoder(', 'new WxTextDecoder(', 2);
wx = patch(wx, 'new TextEncoder(', 'new WxTextEncoder(', 1);
if (/\bimport\.meta\b|\bWebAssembly\.|\beval\(|new Function\b|\bfetch\(/.test(wx)) {
  fail('glue patch: the wx glue still refers to import.meta, WebAssembly, eval, Function or fetch');
}
if (!wx.includes('function __wbg_finalize_init(') || !wx.includes('function __wbg_get_imports(')) {
  fail('glue patch: __wbg_finalize_init/__wbg_get_imports not found');
}
writeFileSync(
  join(dist, 'wx', 'index.js'),
  `${banner}'use strict';\n${utf8}\n` +
    `var WxUtf8 = createUtf8();\n` +
    `var WxTextEncoder = typeof TextEncoder === 'function' ? TextEncoder : WxUtf8.TextEncoder;\n` +
    `var WxTextDecoder = typeof TextDecoder === 'function' ? TextDecoder : WxUtf8.TextDecoder;\n` +
    `// ---- wasm-bindgen ${cliVersion} glue (web target, MVP build), patched\n${wx}\n` +
    `// ---- API\n${api}\n` +
    `var wxInitialized = false;\n` +
    `function wxError(message, code) { var e = new Error(message); e.code = code; return e; }\n` +
    `var wxApi = createApi({\n` +
    API_NAMES.concat(['signPacked', 'signList', 'verifyPacked', 'verifyList', 'toXmlPacked', 'toXmlList', 'parseXmlPacked', 'parseXmlList',
      'parseXmlBytesPacked', 'parseXmlBytesList', 'verifyPaymentParamsList', 'encryptRefundInfoText', 'encryptRefundInfoList',
      'decryptRefundInfoList', 'buildPaymentParams', 'nonce', 'diagnoseList'])
      .filter((n, i, a) => a.indexOf(n) === i && new RegExp(`^function ${n}\\(`, 'm').test(wx))
      .map((n) => `  ${n}: ${n},\n`).join('') +
    `}, {\n` +
    `  ready: function () {\n` +
    `    if (!wxInitialized) throw wxError('wxpay-devkit/wx: call and await init(path) before using the API', 'ERR_NOT_INITIALIZED');\n` +
    `  },\n` +
    `  fill: function (bytes) {\n` +
    `    var c = typeof crypto !== 'undefined' ? crypto : undefined;\n` +
    `    if (c && typeof c.getRandomValues === 'function') { c.getRandomValues(bytes); return; }\n` +
    `    throw wxError('no synchronous random source here: pass nonceStr explicitly (and never sign in a Mini Program: it needs the API key)', 'ERR_NO_RANDOM');\n` +
    `  },\n` +
    `});\n` +
    `/**\n * Loads the wasm through WXWebAssembly.instantiate(path): \`path\` is a file in the\n` +
    ` * code package (.wasm, or .wasm.br from base library 2.14.0), e.g. 'lib/wxpay-devkit/${CRATE}_bg.wasm.br'.\n */\n` +
    `function init(path) {\n` +
    `  if (wxInitialized) return Promise.resolve();\n` +
    `  if (typeof path !== 'string' || path === '') {\n` +
    `    return Promise.reject(wxError('init(path): pass the package path of ${CRATE}_bg.wasm or .wasm.br', 'ERR_INVALID_ARG_TYPE'));\n` +
    `  }\n` +
    `  if (typeof WXWebAssembly === 'undefined') {\n` +
    `    return Promise.reject(wxError('WXWebAssembly is not available (base library >= 2.13.0 is needed)', 'ERR_NO_WASM'));\n` +
    `  }\n` +
    `  return WXWebAssembly.instantiate(path, __wbg_get_imports()).then(function (r) {\n` +
    `    __wbg_finalize_init(r.instance, r.module);\n` +
    `    wxInitialized = true;\n` +
    `  });\n` +
    `}\n` +
    `module.exports = { init: init${API_NAMES.map((n) => `, ${n}: wxApi.${n}`).join('')} };\n`
);
copyFileSync(wxOpt, join(dist, 'wx', `${CRATE}_bg.wasm`));
writeFileSync(join(dist, 'wx', 'package.json'), '{\n  "type": "commonjs"\n}\n');
writeFileSync(
  join(dist, 'wx', 'index.d.ts'),
  `${types}\n/** Loads the MVP wasm through WXWebAssembly.instantiate(path); \`path\` is the package path of \`${CRATE}_bg.wasm\` or \`${CRATE}_bg.wasm.br\`. */\n` +
    `export function init(path: string): Promise<void>;\n`
);
step('dist/node, dist/web, dist/wx');

// ---------------------------------------------------------------- brotli

function brotli(file) {
  const out = brotliCompressSync(readFileSync(file), {
    params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_MODE]: zc.BROTLI_MODE_GENERIC },
  });
  return out;
}
writeFileSync(join(dist, 'wx', `${CRATE}_bg.wasm.br`), brotli(join(dist, 'wx', `${CRATE}_bg.wasm`)));
const sizes = {
  default: { raw: statSync(optWasm).size, brotli: brotli(optWasm).length },
  mvp: { raw: statSync(wxOpt).size, brotli: statSync(join(dist, 'wx', `${CRATE}_bg.wasm.br`)).size },
};
writeFileSync(join(pkgDir, 'sizes.json'), JSON.stringify(sizes, null, 2) + '\n');
step('brotli');
console.log(
  `  wasm sizes: default ${sizes.default.raw} B (brotli ${sizes.default.brotli} B), ` +
    `MVP ${sizes.mvp.raw} B (brotli ${sizes.mvp.brotli} B)`
);
