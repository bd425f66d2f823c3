// Shared test helpers: the vectors file, an independent reference
// implementation of the v2 signature rules on node:crypto, and a seeded PRNG.

import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The repository's known-answer vectors (read in place, never copied). */
export const vectors = JSON.parse(readFileSync(new URL('../../vectors/wxpay-v2.json', import.meta.url), 'utf8'));

/** Byte (UTF-8) order of two strings, as WeChat sorts names. */
export function byteOrder(a, b) {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The rules, written independently of wxpay-core: every pair whose value is
 * not "" and whose name is not exactly "sign", sorted by name bytes, joined
 * as k=v with &, then &key=KEY; MD5 or HMAC-SHA256 (keyed with KEY), hex,
 * uppercase. `pairs` are [name, value] strings.
 */
export function refStringToSign(pairs, key) {
  const kept = pairs.filter(([k, v]) => v !== '' && k !== 'sign');
  kept.sort((a, b) => byteOrder(a[0], b[0]));
  return kept.map(([k, v]) => `${k}=${v}`).concat(`key=${key}`).join('&');
}

export function refSign(pairs, key, signType = 'MD5') {
  const s = refStringToSign(pairs, key);
  const h = signType === 'MD5' ? createHash('md5') : createHmac('sha256', key);
  return h.update(s, 'utf8').digest('hex').toUpperCase();
}

/** mulberry32: a small seeded PRNG, so a failing random case can be replayed. */
export function prng(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Asserts that `fn` throws an Error (not a string) with `code`, and returns it. */
export function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an exception');
}
