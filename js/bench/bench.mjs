#!/usr/bin/env node
// Speed and size of wxpay-devkit against what people use today. Not a test:
// it prints figures and the ratios measured in this same run.
//
//   node bench/bench.mjs            (after `node scripts/build.mjs`)
//   ROUNDS=5 CALLS=300000 node bench/bench.mjs
//
// Every competitor implements the same full operation as `sign`: filter
// empty values and `sign`, sort keys, join `k=v` with `&`, append `&key=`,
// hash, uppercase. Every result is checked against node:crypto first.

import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { brotliCompressSync, constants as zc } from 'node:zlib';

import CryptoJS from 'crypto-js';
import jsMd5 from 'js-md5';
import SparkMD5 from 'spark-md5';
import { createMD5, createHMAC, createSHA256 } from 'hash-wasm';
import { XMLParser } from 'fast-xml-parser';

const require = createRequire(import.meta.url);
const wx = require('../dist/node/index.cjs');

const ROUNDS = Number(process.env.ROUNDS || 5);
const CALLS = Number(process.env.CALLS || 200000);

// A 12-field unifiedorder request (JSAPI), as a backend would sign it.
const KEY = '192006250b4c09247ec02edce69f6a2d';
const ORDER = {
  appid: 'wxd930ea5d5a258f4f',
  mch_id: '10000100',
  nonce_str: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
  body: 'Tencent-Game',
  out_trade_no: '20150806125346',
  total_fee: '88',
  spbill_create_ip: '123.12.12.123',
  notify_url: 'https://example.com/wxpay/notify',
  trade_type: 'JSAPI',
  openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  attach: 'shop-42',
  time_expire: '20150806135346',
};

function stringToSign(p, key) {
  const keys = Object.keys(p).filter((k) => k !== 'sign' && p[k] !== '' && p[k] != null).sort();
  let s = '';
  for (const k of keys) s += (s ? '&' : '') + k + '=' + p[k];
  return s + '&key=' + key;
}

// A ~1 KB payment notify, CDATA for strings and bare integers, as WeChat sends.
const NOTIFY = [
  '<xml>',
  '<appid><![CDATA[wx2421b1c4370ec43b]]></appid>',
  '<attach><![CDATA[支付测试]]></attach>',
  '<bank_type><![CDATA[CFT]]></bank_type>',
  '<fee_type><![CDATA[CNY]]></fee_type>',
  '<is_subscribe><![CDATA[Y]]></is_subscribe>',
  '<mch_id><![CDATA[10000100]]></mch_id>',
  '<nonce_str><![CDATA[5d2b6c2a8db53831f7eda20af46e531c]]></nonce_str>',
  '<openid><![CDATA[oUpF8uMEb4qRXf22hE3X68TekukE]]></openid>',
  '<out_trade_no><![CDATA[1409811653]]></out_trade_no>',
  '<result_code><![CDATA[SUCCESS]]></result_code>',
  '<return_code><![CDATA[SUCCESS]]></return_code>',
  '<sign><![CDATA[B552ED6B279343CB493C5DD0D78AB241]]></sign>',
  '<time_end><![CDATA[20140903131540]]></time_end>',
  '<total_fee>1</total_fee>',
  '<coupon_fee><![CDATA[10]]></coupon_fee>',
  '<coupon_count><![CDATA[1]]></coupon_count>',
  '<coupon_type><![CDATA[CASH]]></coupon_type>',
  '<coupon_id><![CDATA[10000]]></coupon_id>',
  '<trade_type><![CDATA[JSAPI]]></trade_type>',
  '<transaction_id><![CDATA[1004400740201409030005092168]]></transaction_id>',
  '<device_info><![CDATA[013467007045764]]></device_info>',
  '<cash_fee><![CDATA[1]]></cash_fee>',
  '<settlement_total_fee>1</settlement_total_fee>',
  '<sign_type><![CDATA[MD5]]></sign_type>',
  '</xml>',
].join('');
const NOTIFY_BYTES = Buffer.from(NOTIFY);

// The hand-rolled parser that many projects use.
const FIELD_RE = /<([A-Za-z_][\w.-]*)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g;
function regexParse(xml) {
  const out = {};
  FIELD_RE.lastIndex = 0;
  let m;
  while ((m = FIELD_RE.exec(xml)) !== null) {
    if (m[1] === 'xml') continue;
    out[m[1]] = m[2] !== undefined ? m[2] : m[3];
  }
  return out;
}
const fxp = new XMLParser({ parseTagValue: false, trimValues: false, processEntities: true });

// Rounds are interleaved across the cases of a table, and each case keeps
// its best round, so a load spike on this shared machine hits every case
// alike instead of skewing one ratio.
function benchAll(cases) {
  const entries = Object.entries(cases);
  for (const [, fn] of entries) for (let i = 0; i < Math.min(CALLS, 20000); i++) fn();
  const best = new Map();
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, fn] of entries) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < CALLS; i++) fn();
      const ns = Number(process.hrtime.bigint() - t);
      best.set(name, Math.min(best.get(name) ?? Infinity, ns));
    }
  }
  return entries.map(([name]) => ({ name, opsPerSec: (CALLS * 1e9) / best.get(name), usPerCall: best.get(name) / CALLS / 1000 }));
}

function check(name, got, want) {
  if (got !== want) {
    console.error(`bench: ${name} gave ${got}, expected ${want}`);
    process.exit(1);
  }
}

const md5Hasher = await createMD5();
const hmacHasher = await createHMAC(createSHA256(), KEY);

const md5Cases = {
  'wxpay-devkit sign (wasm)': () => wx.sign(ORDER, KEY),
  'node:crypto': () => createHash('md5').update(stringToSign(ORDER, KEY)).digest('hex').toUpperCase(),
  'hash-wasm': () => {
    md5Hasher.init();
    md5Hasher.update(stringToSign(ORDER, KEY));
    return md5Hasher.digest('hex').toUpperCase();
  },
  'js-md5': () => jsMd5(stringToSign(ORDER, KEY)).toUpperCase(),
  'spark-md5': () => SparkMD5.hash(stringToSign(ORDER, KEY)).toUpperCase(),
  'crypto-js': () => CryptoJS.MD5(stringToSign(ORDER, KEY)).toString().toUpperCase(),
};
const hmacCases = {
  'wxpay-devkit sign HMAC (wasm)': () => wx.sign(ORDER, KEY, 'HMAC-SHA256'),
  'node:crypto': () => createHmac('sha256', KEY).update(stringToSign(ORDER, KEY)).digest('hex').toUpperCase(),
  'hash-wasm': () => {
    hmacHasher.init();
    hmacHasher.update(stringToSign(ORDER, KEY));
    return hmacHasher.digest('hex').toUpperCase();
  },
  'crypto-js': () => CryptoJS.HmacSHA256(stringToSign(ORDER, KEY), KEY).toString().toUpperCase(),
};
const xmlCases = {
  'wxpay-devkit parseXml(string) (wasm)': () => wx.parseXml(NOTIFY),
  'wxpay-devkit parseXml(Buffer) (wasm)': () => wx.parseXml(NOTIFY_BYTES),
  'regex': () => regexParse(NOTIFY),
  'fast-xml-parser': () => fxp.parse(NOTIFY).xml,
};

// Correctness first.
const md5Want = createHash('md5').update(stringToSign(ORDER, KEY)).digest('hex').toUpperCase();
for (const [n, f] of Object.entries(md5Cases)) check(n, f(), md5Want);
const hmacWant = createHmac('sha256', KEY).update(stringToSign(ORDER, KEY)).digest('hex').toUpperCase();
for (const [n, f] of Object.entries(hmacCases)) check(n, f(), hmacWant);
const xmlWant = JSON.stringify(regexParse(NOTIFY));
for (const [n, f] of Object.entries(xmlCases)) {
  const got = f();
  const sorted = JSON.stringify(Object.fromEntries(Object.keys(got).map((k) => [k, got[k]])));
  check(n, sorted, xmlWant);
}

function table(title, cases, baselines) {
  console.log(`\n${title}`);
  const results = benchAll(cases);
  const ours = results[0];
  for (const r of results) {
    console.log(`  ${r.name.padEnd(40)} ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(11)} ops/s  ${r.usPerCall.toFixed(2).padStart(6)} µs`);
  }
  for (const b of baselines) {
    const base = results.find((r) => r.name === b);
    console.log(`  ratio ${ours.name} / ${b}: ${(ours.opsPerSec / base.opsPerSec).toFixed(2)}×`);
  }
  return results;
}

console.log(`wxpay-devkit bench: node ${process.version}, ${CALLS} calls × best of ${ROUNDS} rounds`);
console.log(`string to sign: ${stringToSign(ORDER, KEY).length} bytes; notify: ${NOTIFY_BYTES.length} bytes`);
table('sign, MD5 (12-field unifiedorder, full operation)', md5Cases, ['hash-wasm', 'node:crypto', 'js-md5', 'spark-md5', 'crypto-js']);
table('sign, HMAC-SHA256 (same object)', hmacCases, ['node:crypto', 'hash-wasm', 'crypto-js']);
table('parseXml (1 KB payment notify)', xmlCases, ['regex', 'fast-xml-parser']);

console.log('\nsize');
for (const [label, file] of [
  ['main, default (node, web)', '../dist/node/wxpay_wasm_bg.wasm'],
  ['main, MVP (wx)', '../dist/wx/wxpay_wasm_bg.wasm'],
  ['doctor, default (node, web)', '../dist/node/wxpay_doctor_bg.wasm'],
  ['doctor, MVP (wx)', '../dist/wx/wxpay_doctor_bg.wasm'],
]) {
  const bytes = readFileSync(new URL(file, import.meta.url));
  const br = brotliCompressSync(bytes, { params: { [zc.BROTLI_PARAM_QUALITY]: 11 } }).length;
  console.log(`  ${label.padEnd(28)} ${bytes.length} B raw, ${br} B brotli (${(br / 1024).toFixed(1)} KiB)`);
}
