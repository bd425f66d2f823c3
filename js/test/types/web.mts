// Type-drift test for wxpay-devkit/web: the API plus init()/initDoctor().
import init, { init as namedInit, initDoctor, sign, type SignType } from 'wxpay-devkit/web';

export const _init: (input?: string | URL | Request | Response | BufferSource | WebAssembly.Module | Promise<Response>) => Promise<void> = init;
export const _same: typeof init = namedInit;
export const _doctor: (input?: string | URL | Request | Response | BufferSource | WebAssembly.Module | Promise<Response>) => Promise<void> = initDoctor;
export async function main(): Promise<string> {
  await init(new URL('https://example.invalid/wxpay_wasm_bg.wasm'));
  const t: SignType = 'MD5';
  return sign({ a: '1' }, 'k', t);
}
