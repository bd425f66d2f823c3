// Type-drift test for CommonJS consumers (require through the "require"
// condition and its index.d.cts).
import w = require('wxpay-devkit');

export const s: string = w.sign({ a: '1' }, 'k', 'MD5');
export const x: Record<string, string> = w.parseXml(new Uint8Array(0));
export const n: string = w.nonce(16);
export const t: w.SignType = 'MD5';
