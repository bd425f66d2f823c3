// wxpay-devkit/wx-runtime: a `wx` object for Node tests of Mini-Program pages,
// backed by the wxpay-mock server. For tests only: the API key never belongs in
// a Mini Program (signing happens on the page's backend).

/** What the configured user does when the payment sheet opens. */
export type PayAction = 'pay' | 'cancel' | 'fail';

export interface WxUser {
  /** The user's name at the mock (the same name always gets the same openid). Default `"user"`. */
  name?: string;
  /** Register this openid instead of the one the mock derives from the name. */
  openid?: string;
  /** Pay (default), cancel, fail, or decide per payment object. */
  onPay?: PayAction | ((object: Record<string, unknown>) => PayAction);
}

export interface InstallWxOptions {
  /** The mock's base URL, e.g. `http://127.0.0.1:8787`. */
  mock: string;
  /** The mini program's appid at the mock (default: the mock's built-in appid). */
  appid?: string;
  /** Who is using the phone: a name or a {@link WxUser}. */
  user?: string | WxUser;
  /**
   * Production URL prefixes mapped to local base URLs, e.g.
   * `{ 'https://shop.example.com': 'http://127.0.0.1:3000' }`. Loopback URLs pass as they are;
   * any other URL fails with `request:fail url not in domain list …`, as WeChat answers for a host
   * outside the request domain list.
   */
  hosts?: Record<string, string>;
  /** wx.request timeout in ms (default 60000, WeChat's default). */
  requestTimeout?: number;
  /** Install as `globalThis.wx` (default true). The global is pinned: later assignments are ignored until `uninstall()`. */
  global?: boolean;
}

export interface WxResult {
  errMsg: string;
}

/** success/fail/complete, or a Promise when none is given (it rejects with the `{ errMsg }` result). */
export interface WxCallbacks<R extends WxResult> {
  success?: (res: R) => void;
  fail?: (res: WxResult) => void;
  complete?: (res: R | WxResult) => void;
}

export interface RequestSuccess extends WxResult {
  /** Parsed JSON when `dataType` is `"json"` (default) and the body parses, else the text (or an ArrayBuffer). */
  data: unknown;
  statusCode: number;
  header: Record<string, string>;
  cookies: string[];
}

export interface RequestOptions extends WxCallbacks<RequestSuccess> {
  url: string;
  data?: string | object | ArrayBuffer;
  header?: Record<string, string>;
  method?: string;
  dataType?: string;
  responseType?: 'text' | 'arraybuffer';
}

export interface RequestTask {
  abort(): void;
}

/**
 * The object a page passes to `wx.requestPayment`. Typed loosely on purpose: it is forwarded to the
 * mock exactly as given, so that a Number `timeStamp` or a misspelt field fails as on a phone.
 * `signType` is `"MD5"` or `"HMAC-SHA256"` for API v2 (`"RSA"` is API v3).
 */
export interface RequestPaymentOptions extends WxCallbacks<WxResult> {
  timeStamp?: unknown;
  nonceStr?: unknown;
  package?: unknown;
  signType?: unknown;
  paySign?: unknown;
  [extra: string]: unknown;
}

export interface Wx {
  login(o: WxCallbacks<WxResult & { code: string }>): void;
  login(o?: {}): Promise<WxResult & { code: string }>;
  checkSession(o: WxCallbacks<WxResult>): void;
  checkSession(o?: {}): Promise<WxResult>;
  request(o: RequestOptions): RequestTask | (Promise<RequestSuccess> & RequestTask);
  requestPayment(o: RequestPaymentOptions): void | Promise<WxResult>;
  getStorageSync(key: string): any;
  setStorageSync(key: string, data: unknown): void;
  removeStorageSync(key: string): void;
  clearStorageSync(): void;
  showToast(o: { title: string; icon?: string; duration?: number; [k: string]: unknown }): void | Promise<WxResult>;
  hideToast(o?: object): void | Promise<WxResult>;
  showLoading(o: { title: string; mask?: boolean; [k: string]: unknown }): void | Promise<WxResult>;
  hideLoading(o?: object): void | Promise<WxResult>;
}

export interface WxRuntime {
  /** The `wx` object (a Proxy: any API not listed in {@link Wx} throws `ERR_WX_API_MISSING` naming it). */
  wx: Wx;
  /** Every wx.* call, in order (callbacks left out). */
  calls: Array<{ api: string; args: unknown }>;
  /** Toasts and loading indicators: the log, and what is shown now. */
  ui: { log: Array<{ api: string; args: Record<string, unknown> }>; toast: Record<string, unknown> | null; loading: Record<string, unknown> | null };
  /** Every wx.request, with the local URL it went to and the `res` it produced. */
  requests: Array<{ url: string; mappedUrl?: string; method: string; res?: RequestSuccess }>;
  /** Every wx.requestPayment: the object as passed, the user's action, the resulting errMsg. */
  payments: Array<{ object: Record<string, unknown>; action: PayAction; errMsg?: string }>;
  /** The in-memory storage behind get/set/removeStorageSync. */
  storage: Map<string, unknown>;
  /** Switch user (also forgets the login, so checkSession fails until the next wx.login). */
  setUser(user: string | WxUser): void;
  /** Make checkSession fail, as when the session_key expired. */
  expireSession(): void;
  /** Values something else assigned to `globalThis.wx` while this runtime was pinned there. */
  overridden?: unknown[];
  /** Restore the previous `globalThis.wx`. */
  uninstall(): void;
}

/** Installs a `wx` for Node tests of a Mini-Program page, backed by the mock. */
export function installWx(options: InstallWxOptions): WxRuntime;

/** The names of the wx APIs the runtime provides. */
export const WX_RUNTIME_APIS: readonly string[];
