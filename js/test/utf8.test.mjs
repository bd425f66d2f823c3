// The UTF-8 TextEncoder/TextDecoder fallback of the Mini-Program build
// (src/utf8.js) against the platform's own, on random and edge-case input.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import vm from 'node:vm';

import { prng } from './helpers.mjs';

const src = readFileSync(new URL('../src/utf8.js', import.meta.url), 'utf8');
const { TextEncoder: PolyEncoder, TextDecoder: PolyDecoder } = vm.runInNewContext(`${src}\ncreateUtf8()`, {
  Uint8Array,
  ArrayBuffer,
  RangeError,
  TypeError,
  String,
});

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { ignoreBOM: true });
const penc = new PolyEncoder();
const pdec = new PolyDecoder('utf-8', { ignoreBOM: true });

function randomUnits(r, n) {
  let s = '';
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.4) s += String.fromCharCode(Math.floor(r() * 0x80));
    else if (x < 0.6) s += String.fromCharCode(0x80 + Math.floor(r() * 0x780));
    else if (x < 0.8) s += String.fromCharCode(0x800 + Math.floor(r() * 0xf7ff));
    else s += String.fromCodePoint(0x10000 + Math.floor(r() * 0xfffff));
  }
  return s;
}

test('encode and encodeInto match TextEncoder (Chinese, emoji, lone surrogates)', () => {
  const r = prng(7);
  const fixed = ['', 'abc', '中文', '😀', '测试😀', '\ud800', '\udc00x', 'a\ud83d', '\ud83d\ude00\ud83d', '\u0000\u007f\u0080\u07ff\u0800\uffff'];
  for (const s of [...fixed, ...Array.from({ length: 500 }, () => randomUnits(r, Math.floor(r() * 40)))]) {
    assert.deepEqual(Array.from(penc.encode(s)), Array.from(enc.encode(s)), JSON.stringify(s));
    const a = new Uint8Array(s.length * 3);
    const b = new Uint8Array(s.length * 3);
    const ra = penc.encodeInto(s, a);
    const rb = enc.encodeInto(s, b);
    assert.equal(ra.read, rb.read, JSON.stringify(s));
    assert.equal(ra.written, rb.written, JSON.stringify(s));
    assert.deepEqual(Array.from(a), Array.from(b));
  }
  // Too small a view: stops at a whole character, like TextEncoder.
  for (const s of ['中文', 'a😀b', 'abc']) {
    for (let cap = 0; cap < 8; cap++) {
      const a = new Uint8Array(cap);
      const b = new Uint8Array(cap);
      const pa = penc.encodeInto(s, a);
      assert.deepEqual({ read: pa.read, written: pa.written }, enc.encodeInto(s, b), `${s} into ${cap}`);
      assert.deepEqual(Array.from(a), Array.from(b));
    }
  }
});

test('decode matches TextDecoder, invalid bytes included', () => {
  const r = prng(11);
  for (let i = 0; i < 500; i++) {
    const s = randomUnits(r, Math.floor(r() * 40));
    const bytes = enc.encode(s);
    assert.equal(pdec.decode(bytes), dec.decode(bytes));
    assert.equal(pdec.decode(bytes), s.toWellFormed()); // lone surrogates became U+FFFD
  }
  for (let i = 0; i < 2000; i++) {
    const n = Math.floor(r() * 12);
    const bytes = new Uint8Array(n);
    for (let j = 0; j < n; j++) bytes[j] = r() < 0.5 ? 0x80 + Math.floor(r() * 0x80) : Math.floor(r() * 256);
    assert.equal(pdec.decode(bytes), dec.decode(bytes), Array.from(bytes).join(','));
  }
  assert.equal(pdec.decode(), '');
  assert.equal(pdec.decode(new Uint8Array(0)), '');
  // BOM handling follows the option.
  const bom = Uint8Array.of(0xef, 0xbb, 0xbf, 0x61);
  assert.equal(pdec.decode(bom), '\ufeffa');
  assert.equal(new PolyDecoder().decode(bom), new TextDecoder().decode(bom));
  // Large input (chunked String.fromCharCode).
  const big = '中😀a'.repeat(20000);
  assert.equal(pdec.decode(enc.encode(big)), big);
  // fatal mode.
  assert.throws(() => new PolyDecoder('utf-8', { fatal: true }).decode(Uint8Array.of(0xff)), TypeError);
});
