#!/usr/bin/env node
// Builds the npm package into js/dist/ from the wxpay-wasm crate.
//
// Two wasm modules, each in two flavours:
//   - `wxpay_wasm`: everything but the signature doctor (default features);
//   - `wxpay_doctor`: the signature doctor only (feature `doctor`), loaded
//     on first use in Node and by `initDoctor()` elsewhere, so the module a
//     page needs for sign/verify/XML stays small;
//   - default flavour (Node, browsers): Rust's default wasm features;
//   - MVP flavour (Mini Programs): `-C target-cpu=mvp`, stripped so
//     wasm-bindgen uses no externref table, then binaryen lowers bulk
//     memory, sign-extension and non-trapping conversions away.
//
// Steps: cargo build (4×) → wasm-bindgen (the CLI at the Cargo.lock version)
// → wasm-opt from the npm package `binaryen` → dist/node (CJS + ESM
// wrapper), dist/web (ESM + init()), dist/wx (one CommonJS file for
// WXWebAssembly, .wasm and .wasm.br) → brotli (Node's zlib, quality 11).
//
// Run from anywhere: `node js/scripts/build.mjs`. Needs cargo, the
// wasm32-unknown-unknown target, wasm-bindgen on PATH and `npm ci` done in
// js/ (js/scripts/ci.sh installs all of that).

import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zc } from 'node:zlib';

const jsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(jsDir, '..');
const pkgDir = join(jsDir, 'pkg');
const dist = join(jsDir, 'dist');
const MAIN = 'wxpay_wasm';
const DOCTOR = 'wxpay_doctor';

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

// ---------------------------------------------------------------- cargo

const targetDir = JSON.parse(run('cargo', ['metadata', '--format-version', '1', '--no-deps'], { cwd: root })).target_directory;
const cargoArgs = ['build', '--profile', 'wasm-release', '--target', 'wasm32-unknown-unknown', '--locked', '-p', 'wxpay-wasm'];

// Each build has its own target dir (the cdylib's path does not depend on
// features or flags, so sharing one would relink on every switch).
const builds = {
  main: { dir: targetDir, features: [], mvp: false },
  doctor: { dir: join(targetDir, 'wasm-doctor'), features: ['--features', 'doctor'], mvp: false },
  mainMvp: { dir: join(targetDir, 'wasm-mvp'), features: [], mvp: true },
  doctorMvp: { dir: join(targetDir, 'wasm-mvp-doctor'), features: ['--features', 'doctor'], mvp: true },
};
const raw = {};
for (const [name, b] of Object.entries(builds)) {
  const env = { ...process.env };
  // The doctor is cold and large: optimise it for size (the main module
  // uses the profile's opt-level 3, for speed).
  if (b.features.length) env.CARGO_PROFILE_WASM_RELEASE_OPT_LEVEL = 'z';
  if (b.mvp) {
    // `strip = symbols` drops the target_features section, so wasm-bindgen
    // falls back to the plain JS heap instead of an externref table.
    env.RUSTFLAGS = '-C target-cpu=mvp';
    env.CARGO_PROFILE_WASM_RELEASE_STRIP = 'symbols';
  }
  run('cargo', [...cargoArgs, ...b.features, '--target-dir', b.dir], { cwd: root, stdio: 'inherit', env });
  raw[name] = join(b.dir, 'wasm32-unknown-unknown', 'wasm-release', `${MAIN}.wasm`);
  step(`cargo build (${name})`);
}

// ---------------------------------------------------------------- wasm-bindgen

const lockVersion = /name = "wasm-bindgen"\nversion = "([^"]+)"/.exec(readFileSync(join(root, 'Cargo.lock'), 'utf8'))?.[1];
const cliVersion = run('wasm-bindgen', ['--version']).trim().split(' ')[1];
if (lockVersion !== cliVersion) {
  fail(`wasm-bindgen CLI ${cliVersion} does not match the crate ${lockVersion} in Cargo.lock (js/scripts/ci.sh installs the right one)`);
}

rmSync(pkgDir, { recursive: true, force: true });
function bindgen(input, target, out, name) {
  run('wasm-bindgen', [
    input, '--out-dir', join(pkgDir, out), '--out-name', name, '--target', target,
    '--no-typescript', '--remove-name-section', '--remove-producers-section',
  ]);
}
for (const [build, name] of [['main', MAIN], ['doctor', DOCTOR]]) {
  bindgen(raw[build], 'nodejs', 'nodejs', name);
  bindgen(raw[build], 'web', 'web', name);
  bindgen(raw[`${build}Mvp`], 'web', 'wx', name);
  // wasm-bindgen writes the same .wasm for every target; one optimised copy serves both.
  if (!readFileSync(join(pkgDir, 'nodejs', `${name}_bg.wasm`)).equals(readFileSync(join(pkgDir, 'web', `${name}_bg.wasm`)))) {
    fail(`wasm-bindgen produced different .wasm files for nodejs and web (${name})`);
  }
}
step(`wasm-bindgen ${cliVersion} (nodejs, web, wx × ${MAIN}, ${DOCTOR})`);

// ---------------------------------------------------------------- wasm-opt

const wasmOptBin = join(jsDir, 'node_modules', 'binaryen', 'bin', 'wasm-opt');
if (!existsSync(wasmOptBin)) fail('node_modules/binaryen is missing: run `npm ci` in js/');
function wasmOpt(args) {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [wasmOptBin, ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) fail(`wasm-opt ${args.join(' ')} failed:\n${stderr}`);
      resolvePromise();
    });
  });
}
// The default flavour keeps the features Rust enables by default.
const defaultFeatures = [
  '--enable-reference-types', '--enable-multivalue', '--enable-bulk-memory', '--enable-bulk-memory-opt',
  '--enable-sign-ext', '--enable-nontrapping-float-to-int', '--enable-mutable-globals',
];
const optLevel = '-O3';
const opt = {};
// Two chains at a time (the machine has two cores); each module's MVP
// lowering and optimisation run in sequence.
const jobs = [];
for (const name of [MAIN, DOCTOR]) {
  opt[name] = join(pkgDir, `${name}.opt.wasm`);
  jobs.push(() => wasmOpt([...defaultFeatures, optLevel, join(pkgDir, 'nodejs', `${name}_bg.wasm`), '-o', opt[name]]));
  const lowered = join(pkgDir, `${name}.lowered.wasm`);
  opt[`${name}Mvp`] = join(pkgDir, `${name}.mvp.wasm`);
  jobs.push(async () => {
    await wasmOpt([
      '--enable-bulk-memory', '--enable-bulk-memory-opt', '--enable-sign-ext', '--enable-nontrapping-float-to-int',
      '--llvm-memory-copy-fill-lowering', '--signext-lowering', '--llvm-nontrapping-fptoint-lowering',
      join(pkgDir, 'wx', `${name}_bg.wasm`), '-o', lowered,
    ]);
    await wasmOpt(['--mvp-features', '--enable-mutable-globals', optLevel, lowered, '-o', opt[`${name}Mvp`]]);
  });
}
await Promise.all([0, 1].map(async () => {
  while (jobs.length) await jobs.shift()();
}));
step(`wasm-opt ${optLevel} (default) and lowering + ${optLevel} (MVP)`);

// ---------------------------------------------------------------- dist

const api = readFileSync(join(jsDir, 'src', 'api.js'), 'utf8') + '\n' + readFileSync(join(jsDir, 'src', 'v3.js'), 'utf8');
const utf8 = readFileSync(join(jsDir, 'src', 'utf8.js'), 'utf8');
const types = readFileSync(join(jsDir, 'src', 'index.d.ts'), 'utf8') + readFileSync(join(jsDir, 'src', 'v3.d.ts'), 'utf8');
const API_NAMES = [
  'sign', 'verify', 'buildPaymentParams', 'verifyPaymentParams', 'toXml', 'parseXml',
  'diagnose', 'encryptRefundInfo', 'decryptRefundInfo', 'nonce', 'v3',
];
const banner = '// wxpay-devkit: generated by scripts/build.mjs from src/ and the wxpay-wasm crate. Do not edit.\n';
const webCodecs = `  encoder: new TextEncoder(),\n  decoder: new TextDecoder('utf-8', { ignoreBOM: true }),\n`;

/** Replaces `from` in `text`, exactly `count` times, or fails the build. */
function patch(text, from, to, count = 1) {
  const n = text.split(from).length - 1;
  if (n !== count) fail(`glue patch: expected ${count} × ${JSON.stringify(from)}, found ${n} (wasm-bindgen output changed?)`);
  return text.split(from).join(to);
}

rmSync(dist, { recursive: true, force: true });
for (const d of ['node', 'web', 'wx']) mkdirSync(join(dist, d), { recursive: true });

// --- Node: the nodejs glue (CJS, sync init) + the API; an ESM wrapper over
// the same instance, so require() and import share one module. The doctor's
// module is required on first use.
for (const name of [MAIN, DOCTOR]) {
  copyFileSync(join(pkgDir, 'nodejs', `${name}.js`), join(dist, 'node', `${name}.cjs`));
  copyFileSync(opt[name], join(dist, 'node', `${name}_bg.wasm`));
}
writeFileSync(
  join(dist, 'node', 'index.cjs'),
  `${banner}'use strict';\n${api}\n` +
    `var doctor;\n` +
    `module.exports = createApi(require('./${MAIN}.cjs'), {\n` +
    `  ready: function () {},\n` +
    `  doctor: function () { return doctor || (doctor = require('./${DOCTOR}.cjs')); },\n` +
    `  fill: require('node:crypto').randomFillSync,\n` +
    webCodecs +
    `});\n`
);
writeFileSync(
  join(dist, 'node', 'index.mjs'),
  `${banner}import api from './index.cjs';\nexport const { ${API_NAMES.join(', ')} } = api;\n`
);
writeFileSync(join(dist, 'node', 'index.d.ts'), types);
writeFileSync(join(dist, 'node', 'index.d.cts'), types);

// --- Web: the web glue (ESM) + the API + init() / initDoctor().
for (const name of [MAIN, DOCTOR]) {
  copyFileSync(join(pkgDir, 'web', `${name}.js`), join(dist, 'web', `${name}.js`));
  copyFileSync(opt[name], join(dist, 'web', `${name}_bg.wasm`));
}
writeFileSync(
  join(dist, 'web', 'index.js'),
  `${banner}import initMain, * as raw from './${MAIN}.js';\nimport initDoctorModule, * as doctorRaw from './${DOCTOR}.js';\n${api}\n` +
    `let initialized = false;\nlet doctorInitialized = false;\n` +
    `function notInitialized(what) {\n` +
    `  const e = new Error('wxpay-devkit/web: call and await ' + what + ' first');\n` +
    `  e.code = 'ERR_NOT_INITIALIZED';\n  return e;\n}\n` +
    `const api = createApi(raw, {\n` +
    `  ready() { if (!initialized) throw notInitialized('init()'); },\n` +
    `  doctor() { if (!doctorInitialized) throw notInitialized('initDoctor() (the signature doctor is a separate module)'); return doctorRaw; },\n` +
    `  fill(bytes) { globalThis.crypto.getRandomValues(bytes); },\n` +
    webCodecs +
    `});\n` +
    `function moduleArg(input) { return input === undefined ? undefined : { module_or_path: input }; }\n` +
    `/** Loads the main wasm module: by default \`${MAIN}_bg.wasm\` next to this file; or pass a URL, a Response, bytes or a WebAssembly.Module. */\n` +
    `export async function init(input) {\n` +
    `  if (initialized) return;\n  await initMain(moduleArg(input));\n  initialized = true;\n}\n` +
    `/** Loads the signature doctor's module (\`${DOCTOR}_bg.wasm\` by default), needed by diagnose() only. */\n` +
    `export async function initDoctor(input) {\n` +
    `  if (doctorInitialized) return;\n  await initDoctorModule(moduleArg(input));\n  doctorInitialized = true;\n}\n` +
    `export default init;\n` +
    `export const { ${API_NAMES.join(', ')} } = api;\n`
);
writeFileSync(
  join(dist, 'web', 'index.d.ts'),
  `${types}\ntype WasmSource = string | URL | Request | Response | BufferSource | WebAssembly.Module | Promise<Response>;\n` +
    `/** Loads the main wasm module (default: \`${MAIN}_bg.wasm\` next to this file). Await it before any other call. */\n` +
    `export function init(input?: WasmSource): Promise<void>;\n` +
    `/** Loads the signature doctor's module (default: \`${DOCTOR}_bg.wasm\` next to this file); needed by diagnose() only. */\n` +
    `export function initDoctor(input?: WasmSource): Promise<void>;\n` +
    `export default init;\n`
);

// --- WeChat Mini Program: the web glue of the MVP builds, rewritten to
// CommonJS (each in its own function scope), loaded through
// WXWebAssembly.instantiate(path), with a UTF-8 TextEncoder/TextDecoder
// fallback, and without eval, new Function, import.meta, fetch or the
// WebAssembly global.
function wxGlue(name) {
  let g = readFileSync(join(pkgDir, 'wx', `${name}.js`), 'utf8');
  const exported = [...g.matchAll(/^export function ([A-Za-z]\w*)\(/gm)].map((m) => m[1]);
  if (exported.length === 0) fail(`glue patch: ${name} exports no function`);
  g = g.split('export function ').join('function ');
  g = patch(g, 'export { initSync, __wbg_init as default };', '');
  const loadAt = g.indexOf('async function __wbg_load(');
  if (loadAt < 0) fail('glue patch: __wbg_load not found');
  g = g.slice(0, loadAt); // drops __wbg_load, initSync, __wbg_init: fetch, import.meta, WebAssembly.*
  g = patch(g, 'new TextDecoder(', 'new WxTextDecoder(', 2);
  g = patch(g, 'new TextEncoder(', 'new WxTextEncoder(', 1);
  if (/\bimport\.meta\b|\bWebAssembly\.|\beval\(|new Function\b|\bfetch\(/.test(g)) {
    fail(`glue patch: the wx glue of ${name} still refers to import.meta, WebAssembly, eval, Function or fetch`);
  }
  if (!g.includes('function __wbg_finalize_init(') || !g.includes('function __wbg_get_imports(')) {
    fail('glue patch: __wbg_finalize_init/__wbg_get_imports not found');
  }
  return (
    `// ---- wasm-bindgen ${cliVersion} glue of ${name} (web target, MVP build), patched\n` +
    `var ${name} = (function () {\n${g}\n` +
    `return {\n  raw: { ${exported.map((n) => `${n}: ${n}`).join(', ')} },\n` +
    `  imports: __wbg_get_imports,\n  finalize: __wbg_finalize_init,\n};\n})();\n`
  );
}
writeFileSync(
  join(dist, 'wx', 'index.js'),
  `${banner}'use strict';\n${utf8}\n` +
    `var WxUtf8 = createUtf8();\n` +
    `var WxTextEncoder = typeof TextEncoder === 'function' ? TextEncoder : WxUtf8.TextEncoder;\n` +
    `var WxTextDecoder = typeof TextDecoder === 'function' ? TextDecoder : WxUtf8.TextDecoder;\n` +
    wxGlue(MAIN) +
    wxGlue(DOCTOR) +
    `// ---- API\n${api}\n` +
    `var wxReady = { main: false, doctor: false };\n` +
    `function wxError(message, code) { var e = new Error(message); e.code = code; return e; }\n` +
    `var wxApi = createApi(${MAIN}.raw, {\n` +
    `  ready: function () {\n` +
    `    if (!wxReady.main) throw wxError('wxpay-devkit/wx: call and await init(path) first', 'ERR_NOT_INITIALIZED');\n` +
    `  },\n` +
    `  doctor: function () {\n` +
    `    if (!wxReady.doctor) throw wxError('wxpay-devkit/wx: call and await initDoctor(path) first (the signature doctor is a separate module)', 'ERR_NOT_INITIALIZED');\n` +
    `    return ${DOCTOR}.raw;\n` +
    `  },\n` +
    `  fill: function (bytes) {\n` +
    `    var c = typeof crypto !== 'undefined' ? crypto : undefined;\n` +
    `    if (c && typeof c.getRandomValues === 'function') { c.getRandomValues(bytes); return; }\n` +
    `    throw wxError('no synchronous random source here: pass nonceStr explicitly (and never sign in a Mini Program: it needs the API key)', 'ERR_NO_RANDOM');\n` +
    `  },\n` +
    `  encoder: new WxTextEncoder(),\n` +
    `  decoder: new WxTextDecoder('utf-8', { ignoreBOM: true }),\n` +
    `});\n` +
    `function wxLoad(glue, which, path, file) {\n` +
    `  if (wxReady[which]) return Promise.resolve();\n` +
    `  if (typeof path !== 'string' || path === '') {\n` +
    `    return Promise.reject(wxError('pass the package path of ' + file + '.wasm or ' + file + '.wasm.br', 'ERR_INVALID_ARG_TYPE'));\n` +
    `  }\n` +
    `  if (typeof WXWebAssembly === 'undefined') {\n` +
    `    return Promise.reject(wxError('WXWebAssembly is not available (base library 2.13.0 or later is needed)', 'ERR_NO_WASM'));\n` +
    `  }\n` +
    `  return WXWebAssembly.instantiate(path, glue.imports()).then(function (r) {\n` +
    `    glue.finalize(r.instance, r.module);\n` +
    `    wxReady[which] = true;\n` +
    `  });\n` +
    `}\n` +
    `/** Loads the main module: \`path\` is the package path of ${MAIN}_bg.wasm or ${MAIN}_bg.wasm.br (base library 2.14.0+). */\n` +
    `function init(path) { return wxLoad(${MAIN}, 'main', path, '${MAIN}_bg'); }\n` +
    `/** Loads the signature doctor's module (${DOCTOR}_bg.wasm or .wasm.br); needed by diagnose() only. */\n` +
    `function initDoctor(path) { return wxLoad(${DOCTOR}, 'doctor', path, '${DOCTOR}_bg'); }\n` +
    `module.exports = { init: init, initDoctor: initDoctor${API_NAMES.map((n) => `, ${n}: wxApi.${n}`).join('')} };\n`
);
for (const name of [MAIN, DOCTOR]) copyFileSync(opt[`${name}Mvp`], join(dist, 'wx', `${name}_bg.wasm`));
writeFileSync(join(dist, 'wx', 'package.json'), '{\n  "type": "commonjs"\n}\n');
writeFileSync(
  join(dist, 'wx', 'index.d.ts'),
  `${types}\n/** Loads the main (MVP) module through WXWebAssembly.instantiate(path): the package path of \`${MAIN}_bg.wasm\` or \`${MAIN}_bg.wasm.br\`. */\n` +
    `export function init(path: string): Promise<void>;\n` +
    `/** Loads the signature doctor's module (\`${DOCTOR}_bg.wasm\` or \`.wasm.br\`); needed by diagnose() only. */\n` +
    `export function initDoctor(path: string): Promise<void>;\n`
);
// --- wx-runtime: a `wx` object for Node tests of Mini-Program pages (plain
// JS, no wasm): CommonJS source, an ESM wrapper, the declarations.
mkdirSync(join(dist, 'wx-runtime'));
writeFileSync(join(dist, 'wx-runtime', 'index.cjs'), `${banner}${readFileSync(join(jsDir, 'src', 'wx-runtime.cjs'), 'utf8')}`);
writeFileSync(
  join(dist, 'wx-runtime', 'index.mjs'),
  `${banner}import runtime from './index.cjs';\nexport const { installWx, WX_RUNTIME_APIS } = runtime;\n`
);
const wxRuntimeTypes = readFileSync(join(jsDir, 'src', 'wx-runtime.d.ts'), 'utf8');
writeFileSync(join(dist, 'wx-runtime', 'index.d.ts'), wxRuntimeTypes);
writeFileSync(join(dist, 'wx-runtime', 'index.d.cts'), wxRuntimeTypes);
step('dist/node, dist/web, dist/wx, dist/wx-runtime');

// ---------------------------------------------------------------- brotli

function brotli(file) {
  return brotliCompressSync(readFileSync(file), { params: { [zc.BROTLI_PARAM_QUALITY]: 11 } });
}
const sizes = {};
for (const name of [MAIN, DOCTOR]) {
  const br = brotli(join(dist, 'wx', `${name}_bg.wasm`));
  writeFileSync(join(dist, 'wx', `${name}_bg.wasm.br`), br);
  sizes[name] = {
    default: { raw: statSync(opt[name]).size, brotli: brotli(opt[name]).length },
    mvp: { raw: statSync(opt[`${name}Mvp`]).size, brotli: br.length },
  };
}
writeFileSync(join(pkgDir, 'sizes.json'), JSON.stringify(sizes, null, 2) + '\n');
step('brotli');
for (const [name, s] of Object.entries(sizes)) {
  console.log(
    `  ${name}_bg.wasm: default ${s.default.raw} B (brotli ${s.default.brotli} B), ` +
      `MVP ${s.mvp.raw} B (brotli ${s.mvp.brotli} B)`
  );
}
