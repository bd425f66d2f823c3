// The published shape: `npm pack`, then a tiny consumer project installs the
// tarball and uses it through require() (CJS), import (ESM), the /web and
// /wx subpaths, and TypeScript (tsc on the shipped declarations).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const jsDir = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(jsDir, 'node_modules', 'typescript', 'bin', 'tsc');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let dir;
let packed;

function sh(cmd, args, cwd) {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wxpay-pack-'));
  [packed] = JSON.parse(sh(npm, ['pack', '--json', '--pack-destination', dir], jsDir));
  const consumer = join(dir, 'consumer');
  sh('mkdir', ['-p', consumer], dir);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
  sh(npm, ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', join(dir, packed.filename)], consumer);
});

after(() => dir && rmSync(dir, { recursive: true, force: true }));

test('the tarball holds the built package and nothing else', () => {
  const files = packed.files.map((f) => f.path).sort();
  for (const f of [
    'package.json', 'README.md',
    'dist/node/index.cjs', 'dist/node/index.mjs', 'dist/node/index.d.ts', 'dist/node/index.d.cts',
    'dist/node/wxpay_wasm.cjs', 'dist/node/wxpay_wasm_bg.wasm', 'dist/node/wxpay_doctor.cjs', 'dist/node/wxpay_doctor_bg.wasm',
    'dist/web/index.js', 'dist/web/index.d.ts', 'dist/web/wxpay_wasm.js', 'dist/web/wxpay_wasm_bg.wasm', 'dist/web/wxpay_doctor_bg.wasm',
    'dist/wx/index.js', 'dist/wx/index.d.ts', 'dist/wx/package.json',
    'dist/wx/wxpay_wasm_bg.wasm', 'dist/wx/wxpay_wasm_bg.wasm.br', 'dist/wx/wxpay_doctor_bg.wasm.br',
  ]) {
    assert.ok(files.includes(f), `${f} is missing from the tarball`);
  }
  for (const f of files) assert.match(f, /^(package\.json|README\.md|dist\/)/, `${f} should not be published`);
  assert.equal(packed.name, 'wxpay-devkit');
});

const PARAMS = "{ appid: 'wxd930ea5d5a258f4f', mch_id: '10000100', device_info: '1000', body: 'test', nonce_str: 'ibuaiVcKdpRxkhJA' }";
const KEY = "'192006250b4c09247ec02edce69f6a2d'";

test('a CommonJS consumer require()s the tarball', () => {
  const consumer = join(dir, 'consumer');
  writeFileSync(
    join(consumer, 'main.cjs'),
    `const w = require('wxpay-devkit');\n` +
      `const wx = require('wxpay-devkit/wx');\n` +
      `const p = ${PARAMS};\n` +
      `console.log(JSON.stringify({ sign: w.sign(p, ${KEY}), hmac: w.sign(p, ${KEY}, 'HMAC-SHA256'),\n` +
      `  xml: w.parseXml('<xml><a>中</a></xml>').a, doctor: w.diagnose(p, ${KEY}, '9A0A8659F005D6984697E2CA0A9CF3B7').ok,\n` +
      `  wx: typeof wx.init + typeof wx.initDoctor + typeof wx.sign }));\n`
  );
  const out = JSON.parse(sh(process.execPath, ['main.cjs'], consumer));
  assert.deepEqual(out, {
    sign: '9A0A8659F005D6984697E2CA0A9CF3B7',
    hmac: '6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6',
    xml: '中',
    doctor: true,
    wx: 'functionfunctionfunction',
  });
});

test('an ES module consumer imports the tarball (and /web)', () => {
  const consumer = join(dir, 'consumer');
  writeFileSync(
    join(consumer, 'main.mjs'),
    `import { sign, verify, parseXml } from 'wxpay-devkit';\n` +
      `import init, * as web from 'wxpay-devkit/web';\n` +
      `import { readFile } from 'node:fs/promises';\n` +
      `import { createRequire } from 'node:module';\n` +
      `const p = ${PARAMS};\n` +
      `const s = sign(p, ${KEY});\n` +
      `const wasm = await readFile(createRequire(import.meta.url).resolve('wxpay-devkit/package.json').replace('package.json', 'dist/web/wxpay_wasm_bg.wasm'));\n` +
      `await init(wasm);\n` +
      `console.log(JSON.stringify({ sign: s, verified: verify({ ...p, sign: s }, ${KEY}), web: web.sign(p, ${KEY}), same: init === web.init }));\n`
  );
  const out = JSON.parse(sh(process.execPath, ['main.mjs'], consumer));
  assert.deepEqual(out, { sign: '9A0A8659F005D6984697E2CA0A9CF3B7', verified: true, web: '9A0A8659F005D6984697E2CA0A9CF3B7', same: true });
});

test('TypeScript consumers (ESM and CJS) type-check against the shipped declarations', () => {
  const consumer = join(dir, 'consumer');
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: [], lib: ['es2022', 'dom'] }, files: ['a.mts', 'b.cts'] })
  );
  writeFileSync(
    join(consumer, 'a.mts'),
    `import { sign, parseXml, diagnose, type Diagnosis, type SignType } from 'wxpay-devkit';\n` +
      `import { init, initDoctor } from 'wxpay-devkit/web';\n` +
      `const t: SignType = 'HMAC-SHA256';\n` +
      `const s: string = sign({ a: '1', n: 1, b: 2n, x: null }, 'k', t);\n` +
      `const f: Record<string, string> = parseXml('<xml/>');\n` +
      `const d: Diagnosis = diagnose({ a: '1' }, 'k', s);\n` +
      `const p: Promise<void> = init();\nconst q: Promise<void> = initDoctor();\n` +
      `// @ts-expect-error booleans are not param values\n` +
      `sign({ a: true }, 'k');\n` +
      `// @ts-expect-error lowercase sign types do not exist\n` +
      `sign({ a: '1' }, 'k', 'md5');\n` +
      `export { f, d, p, q };\n`
  );
  writeFileSync(
    join(consumer, 'b.cts'),
    `import w = require('wxpay-devkit');\n` +
      `import wx = require('wxpay-devkit/wx');\n` +
      `const v: boolean = w.verify({ a: '1', sign: 'x' }, 'k');\n` +
      `const pp: w.PaymentParams = w.buildPaymentParams({ appId: 'wx1', prepayId: 'p', key: 'k' });\n` +
      `const i: Promise<void> = wx.init('lib/wxpay_wasm_bg.wasm.br');\n` +
      `export = { v, pp, i };\n`
  );
  try {
    sh(process.execPath, [tsc, '-p', 'tsconfig.json'], consumer);
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});
