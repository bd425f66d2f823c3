
// ---- API v3 (appended to index.d.ts by scripts/build.mjs) ----------------

/** The `wx.requestPayment` object of a v3 order (`signType` is always "RSA"). */
export interface V3PaymentParams {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}

/** An encrypted v3 resource (`resource` of a notify). */
export interface V3EncryptedResource {
  algorithm: string;
  ciphertext: string;
  nonce: string;
  associated_data?: string;
  original_type?: string;
}

/** One finding of {@link V3Api.diagnose}. */
export interface V3Finding {
  code: string;
  /** `true` when the signature was reproduced exactly under this mistake. */
  confirmed: boolean;
  summary: string;
  fix: string;
}

/** The answer of {@link V3Api.diagnose}. No key material is ever included. */
export interface V3Diagnosis {
  ok: boolean;
  findings: V3Finding[];
  variantsTried: number;
  report: string;
}

/** Response/notify headers: a plain object (any case) or anything with `get()`. */
export type V3Headers = { readonly [name: string]: string | string[] | undefined } | { get(name: string): string | null | undefined };

/**
 * WeChat Pay API v3. Its RSA code is in the doctor's module: in Node it
 * loads on first use; on the web and in Mini Programs await `initDoctor()`
 * first. **The merchant private key never belongs in a Mini Program or a
 * browser**: sign on your server; clients only verify and diagnose.
 */
export interface V3Api {
  /** Base64 SHA256withRSA (PKCS#1 v1.5) of `message` with a PEM private key (PKCS#8 or PKCS#1). */
  sign(message: string, privateKey: string): string;
  /** `true` if `signature` verifies with the PEM public key or certificate, `false` on a mismatch; throws `ERR_V3_*` on malformed input. */
  verify(message: string, signature: string, publicKey: string): boolean;
  /** The `Authorization` header value for a request (`url` = path + query, no host; `body` = exact bytes sent). */
  authorization(options: {
    mchid: string;
    serialNo: string;
    privateKey: string;
    method: string;
    url: string;
    body?: string;
    timestamp?: string;
    nonceStr?: string;
  }): string;
  /**
   * Accepts a response or notify (returns `true`) or throws an `ERR_V3_*` error: the key named by
   * `Wechatpay-Serial` in `publicKeys` ({serial or PUB_KEY_ID: PEM}), `Wechatpay-Signature-Type`
   * `WECHATPAY2-SHA256-RSA2048`, `Wechatpay-Timestamp` within 300 s of `now` (Unix seconds, default: this clock).
   */
  verifyResponse(headers: V3Headers, body: string, publicKeys: { readonly [serial: string]: string }, now?: number): true;
  /** Decrypts an AEAD_AES_256_GCM resource with the 32-byte APIv3 key; returns the plaintext (JSON text). */
  decryptResource(resource: V3EncryptedResource, apiV3Key: string): string;
  /** Signs the v3 `wx.requestPayment` object on your server. */
  buildPaymentParams(options: { appId: string; prepayId: string; privateKey: string; timeStamp?: string; nonceStr?: string }): V3PaymentParams;
  /** Replays common v3 signing mistakes; reports only those that reproduce the failing signature exactly. */
  diagnose(
    input:
      | { method: string; url: string; body?: string; authorization: string }
      | { appId: string; timeStamp: string; nonceStr: string; package: string; signType?: string; paySign: string },
    options: { merchantPublicKey: string; otherKeys?: { readonly [label: string]: string }; v2ApiKey?: string }
  ): V3Diagnosis;
}

/** WeChat Pay API v3. */
export declare const v3: V3Api;
