// Type-drift test (run by tsc, not executed): every export of the Node entry
// assigned to an explicitly typed const, so a change of the shipped .d.ts
// fails `tsc -p test/types`.
import {
  buildPaymentParams,
  decryptRefundInfo,
  diagnose,
  encryptRefundInfo,
  nonce,
  parseXml,
  sign,
  toXml,
  verify,
  verifyPaymentParams,
  type BuildPaymentParamsOptions,
  type DiagnoseOptions,
  type Diagnosis,
  type ErrorCode,
  type Finding,
  type Params,
  type ParamValue,
  type PaymentParams,
  type RequestPaymentObject,
  type SignType,
  type WxPayError,
} from 'wxpay-devkit';

export const _sign: (params: Params, key: string, signType?: SignType) => string = sign;
export const _verify: (params: Params, key: string, signType?: SignType) => boolean = verify;
export const _build: (options: BuildPaymentParamsOptions) => PaymentParams = buildPaymentParams;
export const _verifyPay: (obj: RequestPaymentObject | Params, key: string) => boolean = verifyPaymentParams;
export const _toXml: (params: Params) => string = toXml;
export const _parseXml: (xml: string | Uint8Array) => Record<string, string> = parseXml;
export const _diagnose: (params: Params | RequestPaymentObject, key: string, claimedSign: string, options?: DiagnoseOptions) => Diagnosis = diagnose;
export const _encrypt: (plainXmlOrParams: string | Params, key: string) => string = encryptRefundInfo;
export const _decrypt: (reqInfo: string, key: string) => Record<string, string> = decryptRefundInfo;
export const _nonce: (length?: number) => string = nonce;

// Values and shapes.
const v: ParamValue[] = ['a', 1, 2n, null, undefined];
const m: Params = new Map<string, ParamValue>([['a', '1']]);
const o: Params = { total_fee: 1, body: '测试', attach: undefined };
const p: PaymentParams = buildPaymentParams({ appId: 'wx1', prepayId: 'p', key: 'k', signType: 'HMAC-SHA256', timeStamp: 1490840662 });
const pay: RequestPaymentObject = { ...p, success() {}, fail: () => undefined };
const ok: boolean = verifyPaymentParams(pay, 'k');
const d: Diagnosis = diagnose(o, 'k', 'x', { appSecret: 's', kind: 'paySign', maxVariants: 10 });
const f: Finding | undefined = d.findings[0];
const signed: string | null | undefined = f?.signedString;
const code: ErrorCode = 'ERR_XML_DOCTYPE';
function handle(e: unknown): string | undefined {
  return (e as WxPayError).code === code ? (e as WxPayError).field : undefined;
}
export { v, m, ok, signed, handle };

// @ts-expect-error booleans are not param values
sign({ a: true }, 'k');
// @ts-expect-error nested objects are not param values
toXml({ a: { b: 1 } });
// @ts-expect-error the sign type is exact
verify({}, 'k', 'md5');
// @ts-expect-error the key is required
buildPaymentParams({ appId: 'wx1', prepayId: 'p' });
// @ts-expect-error kind is 'api' or 'paySign'
diagnose({}, 'k', 'x', { kind: 'order' });
