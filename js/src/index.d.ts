// Type declarations of wxpay-devkit (shared by every entry point).

/** The v2 signature algorithms, spelled exactly as WeChat does (case-sensitive). */
export type SignType = 'MD5' | 'HMAC-SHA256';

/**
 * A parameter value. Strings are signed as they are; finite **integer** numbers
 * and bigints are written in decimal; `null`, `undefined` and `""` are skipped.
 * Anything else (booleans, objects, non-integer numbers such as a `total_fee`
 * in yuan) throws a `TypeError` naming the key.
 */
export type ParamValue = string | number | bigint | null | undefined;

/** Parameters: a plain object or a `Map`. Keys sort by byte order; only `sign` is excluded. */
export type Params = { readonly [key: string]: ParamValue } | ReadonlyMap<string, ParamValue>;

/** The object for `wx.requestPayment`, plus the `appId` it was signed with. All strings. */
export interface PaymentParams {
  appId: string;
  /** Unix time in seconds, 10 digits. */
  timeStamp: string;
  nonceStr: string;
  /** `prepay_id=…` */
  package: string;
  signType: SignType;
  /** Uppercase hex. */
  paySign: string;
}

export interface BuildPaymentParamsOptions {
  /** The appid used for unifiedorder (capital `I`). */
  appId: string;
  /** The prepay_id, bare (`wx2017…`) or as a package (`prepay_id=wx2017…`). */
  prepayId: string;
  /** The merchant's API key. Only on a trusted backend, never in a Mini Program. */
  key: string;
  /** Must equal the sign type of the unifiedorder call. Default `"MD5"`. */
  signType?: SignType;
  /** 10-digit Unix seconds. Default: now. */
  timeStamp?: string | number | bigint;
  /** Default: 32 random `[0-9A-Za-z]` characters. */
  nonceStr?: string;
}

/** What `wx.requestPayment` receives, plus `appId`. Callbacks are ignored. */
export interface RequestPaymentObject {
  appId: ParamValue;
  timeStamp: ParamValue;
  nonceStr: ParamValue;
  package: ParamValue;
  signType: ParamValue;
  paySign: ParamValue;
  [extra: string]: ParamValue | ((...args: any[]) => unknown);
}

/**
 * Stable error codes: the `code` property of every error the package throws.
 * Exactly wxpay-core's `Error::ALL_CODES` (sign type, paySign values, XML,
 * req_info) but the three that `verify` reports as `false` (no sign, a
 * malformed sign, a mismatch), plus the codes of the JS layer: `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` /
 * `ERR_INVALID_PARAM_TYPE` (a JS argument of the wrong type or value),
 * `ERR_NOT_INITIALIZED` (web/Mini Program: a call before `init()` or
 * `initDoctor()`), `ERR_NO_RANDOM` (no synchronous random source for `nonce()`),
 * `ERR_NO_WASM` (Mini Program: no `WXWebAssembly`, base library < 2.13.0) and
 * `ERR_INTERNAL` (a malformed call into the wasm module: a bug in the package).
 * A test in the repository fails when this list and the code drift apart.
 */
export type ErrorCode =
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_INVALID_PARAM_TYPE'
  | 'ERR_INVALID_VALUE'
  | 'ERR_UNSUPPORTED_SIGN_TYPE'
  | 'ERR_XML_TOO_LARGE'
  | 'ERR_XML_NOT_UTF8'
  | 'ERR_XML_EMPTY'
  | 'ERR_XML_DOCTYPE'
  | 'ERR_XML_ENTITY'
  | 'ERR_XML_CHAR_REF'
  | 'ERR_XML_CHAR'
  | 'ERR_XML_PI'
  | 'ERR_XML_ATTRIBUTE'
  | 'ERR_XML_ROOT'
  | 'ERR_XML_NESTED'
  | 'ERR_XML_DUPLICATE'
  | 'ERR_XML_MISMATCHED_TAG'
  | 'ERR_XML_TEXT'
  | 'ERR_XML_EOF'
  | 'ERR_XML_SYNTAX'
  | 'ERR_XML_NAME'
  | 'ERR_REQ_INFO_BASE64'
  | 'ERR_REQ_INFO_LENGTH'
  | 'ERR_REQ_INFO_PADDING'
  | 'ERR_REQ_INFO_UTF8'
  | 'ERR_NOT_INITIALIZED'
  | 'ERR_NO_RANDOM'
  | 'ERR_NO_WASM'
  | 'ERR_INTERNAL';

/** Every error thrown is an `Error` (a `TypeError`/`RangeError` for bad arguments) with these properties. */
export interface WxPayError extends Error {
  code: ErrorCode;
  /** The field concerned (XML element, paySign field), when known. */
  field?: string;
  /** Byte offset into the XML input, for `ERR_XML_*`. */
  offset?: number;
  /** The parameter whose value has the wrong type, for `ERR_INVALID_PARAM_TYPE`. */
  param?: string;
}

/** Signs parameters: uppercase hex, 32 characters (MD5) or 64 (HMAC-SHA256). */
export function sign(params: Params, key: string, signType?: SignType): string;

/**
 * Verifies the `sign` inside `params` (constant-time, case-sensitive). The sign
 * type is inferred from the sign's length (32 → MD5, 64 → HMAC-SHA256) when omitted.
 * Returns false for a missing, malformed or wrong sign.
 */
export function verify(params: Params, key: string, signType?: SignType): boolean;

/** Builds and signs the `wx.requestPayment` object. Backend only: it needs the API key. */
export function buildPaymentParams(options: BuildPaymentParamsOptions): PaymentParams;

/** Verifies `paySign` of a `wx.requestPayment` object plus `appId`. Throws `ERR_INVALID_VALUE` for a missing field. */
export function verifyPaymentParams(obj: RequestPaymentObject | Params, key: string): boolean;

/** Encodes parameters as WeChat XML under `<xml>` (integers bare, everything else in CDATA). */
export function toXml(params: Params): string;

/** Decodes a WeChat XML body. Throws `ERR_XML_*` on DOCTYPE, entities, nesting, oversize, etc. */
export function parseXml(xml: string | Uint8Array): Record<string, string>;

/** Options of {@link diagnose}. */
export interface DiagnoseOptions {
  /** The type WeChat checks with. Default: the `sign_type`/`signType` field, else the claimed sign's length, else MD5. */
  signType?: SignType;
  /** The mini program's AppSecret, to detect it being used as the key (never shown: masked in every string). */
  appSecret?: string;
  /** The unifiedorder response's `sign`, to detect it reused as `paySign`. */
  orderSign?: string;
  /** Force the kind of signature; detected from `package`/`paySign` when omitted. */
  kind?: 'api' | 'paySign';
  /** paySign only: the appId to sign with when the object has none. */
  appId?: string;
  /** Cap on the number of distinct strings hashed (default 512). */
  maxVariants?: number;
  /** Cap on the bytes built and hashed (default 16 MiB). */
  maxWorkBytes?: number;
}

/** One explanation (or hint) of a mismatch. */
export interface Finding {
  /** A stable code, e.g. `LOWERCASE_HEX`, `EMPTY_VALUES_INCLUDED`, `WRONG_KEY`. */
  code: string;
  /** `true` when the doctor reproduced the claimed sign exactly under this mistake; `false` for a hint. */
  confirmed: boolean;
  summary: string;
  /** The summary in Chinese. */
  summaryZh: string;
  /** The string the caller probably signed, key masked; `null` when unknown. */
  signedString: string | null;
  /** What to change. */
  fix: string;
  /** The other codes of the same replayed combination. */
  related: string[];
}

/** The signature doctor's answer. No string in it contains the key or the AppSecret. */
export interface Diagnosis {
  /** The claimed sign verifies under the correct rules. */
  ok: boolean;
  findings: Finding[];
  kind: 'api' | 'paySign';
  signType: SignType;
  /** The sign under the correct rules. */
  expectedSign: string;
  /** The correct string to sign, key masked. */
  stringToSignMasked: string;
  variantsTried: number;
  /** `false` when a cap stopped the search before it found anything. */
  searchComplete: boolean;
  /** The whole diagnosis as readable text. */
  report: string;
}

/**
 * Explains why `claimedSign` does (not) match `params` under `key` ("签名错误"):
 * replays the mistakes integrators make (wrong type, lowercase hex, empty values
 * included, URL-encoded values, AppSecret as key, …) and reports the ones that
 * reproduce the claimed sign exactly. Unlike the other functions, `""` values are
 * passed to the doctor (they are still not signed) so it can detect signers that
 * include them.
 */
export function diagnose(params: Params | RequestPaymentObject, key: string, claimedSign: string, options?: DiagnoseOptions): Diagnosis;

/** Encrypts a refund-notify `req_info` from a plaintext (`<root>…</root>`) or from fields. */
export function encryptRefundInfo(plainXmlOrParams: string | Params, key: string): string;

/** Decrypts a refund-notify `req_info` into its fields. */
export function decryptRefundInfo(reqInfo: string, key: string): Record<string, string>;

/** A random `[0-9A-Za-z]` string, 32 characters by default (1 to 1024). */
export function nonce(length?: number): string;
