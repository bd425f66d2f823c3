// WeChat Pay API v3 for wxpay-devkit: pasted by scripts/build.mjs after
// api.js into every entry. Boundary conversion only; every v3 rule is in
// wxpay-core (wasm/src/v3.rs). The RSA code lives in the doctor's module,
// loaded on first use in Node and by initDoctor() on the web and in Mini
// Programs.
//
// The merchant private key never belongs in a Mini Program (or a browser):
// sign on the merchant's server. In a Mini Program only verifying with
// public keys and diagnosing make sense.

/* eslint-disable no-var */
function createV3(v2, platform) {
  'use strict';

  function withCode(e, code) {
    e.code = code;
    return e;
  }
  function argType(name, what) {
    return withCode(new TypeError(name + ' must be ' + what), 'ERR_INVALID_ARG_TYPE');
  }
  function str(v, name) {
    if (typeof v !== 'string') throw argType(name, 'a string, got ' + (v === null ? 'null' : typeof v));
    return v;
  }
  function optStr(v, name, fallback) {
    return v === undefined || v === null ? fallback() : str(v, name);
  }
  function obj(v, name) {
    if (v === null || typeof v !== 'object') throw argType(name, 'an object');
    return v;
  }
  function seconds() {
    return String(Math.floor(Date.now() / 1000));
  }
  function mod() {
    return platform.doctor();
  }

  // A header by name, case-insensitively, from a plain object or anything
  // with get() (Headers, Map).
  function header(headers, name) {
    if (typeof headers.get === 'function') {
      var g = headers.get(name);
      if (g === undefined || g === null) g = headers.get(name.toLowerCase());
      return g === undefined || g === null ? undefined : String(g);
    }
    var lower = name.toLowerCase();
    var keys = Object.keys(headers);
    for (var i = 0; i < keys.length; i++) {
      if (keys[i].toLowerCase() === lower) {
        var v = headers[keys[i]];
        if (Array.isArray(v)) v = v[0];
        return v === undefined || v === null ? undefined : String(v);
      }
    }
    return undefined;
  }

  function sign(message, privateKey) {
    return mod().v3Sign(str(privateKey, 'privateKey'), str(message, 'message'));
  }

  function verify(message, signature, publicKey) {
    return mod().v3Verify(str(publicKey, 'publicKey'), str(message, 'message'), str(signature, 'signature'));
  }

  function authorization(o) {
    obj(o, 'options');
    return mod().v3Authorization([
      str(o.privateKey, 'options.privateKey'),
      str(o.mchid, 'options.mchid'),
      str(o.serialNo, 'options.serialNo'),
      str(o.method, 'options.method'),
      str(o.url, 'options.url'),
      optStr(o.timestamp, 'options.timestamp', seconds),
      optStr(o.nonceStr, 'options.nonceStr', function () { return v2.nonce(32); }),
      optStr(o.body, 'options.body', function () { return ''; }),
    ]);
  }

  var HEADERS = ['Wechatpay-Serial', 'Wechatpay-Signature', 'Wechatpay-Timestamp', 'Wechatpay-Nonce', 'Wechatpay-Signature-Type'];

  function verifyResponse(headers, body, publicKeys, now) {
    obj(headers, 'headers');
    obj(publicKeys, 'publicKeys');
    var values = [];
    for (var i = 0; i < HEADERS.length; i++) {
      var v = header(headers, HEADERS[i]);
      if (v === undefined) {
        throw withCode(new Error('missing header `' + HEADERS[i] + '`'), 'ERR_V3_MISSING_HEADER');
      }
      values.push(v);
    }
    var serials = Object.keys(publicKeys);
    var pems = serials.map(function (s) { return str(publicKeys[s], 'publicKeys[' + JSON.stringify(s) + ']'); });
    if (now === undefined || now === null) now = Math.floor(Date.now() / 1000);
    if (typeof now !== 'number' || !Number.isSafeInteger(now)) throw argType('now', 'an integer number of Unix seconds');
    mod().v3VerifyResponse(serials, pems, values, body === undefined || body === null ? '' : str(body, 'body'), now);
    return true;
  }

  function decryptResource(resource, apiV3Key) {
    obj(resource, 'resource');
    return mod().v3DecryptResource([
      str(resource.algorithm, 'resource.algorithm'),
      str(apiV3Key, 'apiV3Key'),
      str(resource.nonce, 'resource.nonce'),
      optStr(resource.associated_data, 'resource.associated_data', function () { return ''; }),
      str(resource.ciphertext, 'resource.ciphertext'),
    ]);
  }

  function buildPaymentParams(o) {
    obj(o, 'options');
    return mod().v3BuildPaymentParams([
      str(o.privateKey, 'options.privateKey'),
      str(o.appId, 'options.appId'),
      str(o.prepayId, 'options.prepayId'),
      optStr(o.timeStamp, 'options.timeStamp', seconds),
      optStr(o.nonceStr, 'options.nonceStr', function () { return v2.nonce(32); }),
    ]);
  }

  function diagnose(input, options) {
    obj(input, 'input');
    var o = obj(options, 'options');
    var others = o.otherKeys === undefined || o.otherKeys === null ? {} : obj(o.otherKeys, 'options.otherKeys');
    var labels = Object.keys(others);
    var pems = labels.map(function (l) { return str(others[l], 'options.otherKeys[' + JSON.stringify(l) + ']'); });
    var kind;
    var items;
    if (input.authorization !== undefined) {
      kind = 'request';
      items = [
        str(input.method, 'input.method'),
        str(input.url, 'input.url'),
        optStr(input.body, 'input.body', function () { return ''; }),
        str(input.authorization, 'input.authorization'),
      ];
    } else if (input.paySign !== undefined) {
      kind = 'paySign';
      items = [
        str(input.appId, 'input.appId'),
        str(input.timeStamp, 'input.timeStamp'),
        str(input.nonceStr, 'input.nonceStr'),
        str(input.package, 'input.package'),
        optStr(input.signType, 'input.signType', function () { return ''; }),
        str(input.paySign, 'input.paySign'),
      ];
    } else {
      throw argType('input', 'a request ({method, url, body, authorization}) or a wx.requestPayment object with paySign');
    }
    var v2Key = o.v2ApiKey === undefined || o.v2ApiKey === null ? undefined : str(o.v2ApiKey, 'options.v2ApiKey');
    return mod().v3Diagnose(kind, items, str(o.merchantPublicKey, 'options.merchantPublicKey'), labels, pems, v2Key);
  }

  return {
    sign: sign,
    verify: verify,
    authorization: authorization,
    verifyResponse: verifyResponse,
    decryptResource: decryptResource,
    buildPaymentParams: buildPaymentParams,
    diagnose: diagnose,
  };
}

// Every entry calls createApi(raw, platform); the v3 namespace joins the
// object it returns.
var createApiV2 = createApi;
// eslint-disable-next-line no-func-assign
createApi = function (raw, platform) {
  var api = createApiV2(raw, platform);
  api.v3 = createV3(api, platform);
  return api;
};
