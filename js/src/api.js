// The public API of wxpay-devkit, shared by every entry point (Node, web,
// WeChat Mini Program). scripts/build.mjs pastes this file into each entry
// and calls createApi(raw, platform) with the wasm-bindgen exports.
//
// Only boundary conversion lives here: JS types become strings, results
// become JS objects. Every WeChat Pay rule (which fields are signed, their
// order, the hashes, the XML grammar, the paySign fields, req_info) is in
// wxpay-core, reached through the wasm exports. See wasm/src/lib.rs for the
// packed form used on the hot paths.

/* eslint-disable no-var */
function createApi(raw, platform) {
  'use strict';

  var NUL = '\0';
  var objectProto = Object.prototype;
  var getProto = Object.getPrototypeOf;
  var objectKeys = Object.keys;
  var isInteger = Number.isInteger;
  var isSafeInteger = Number.isSafeInteger;
  var toStringTag = Object.prototype.toString;
  var ready = platform.ready;

  // ------------------------------------------------------------ errors

  function withCode(err, code, extra) {
    err.code = code;
    if (extra) {
      for (var k in extra) err[k] = extra[k];
    }
    return err;
  }

  function argType(what, expected) {
    return withCode(new TypeError(what + ' must be ' + expected), 'ERR_INVALID_ARG_TYPE');
  }

  function describe(v) {
    if (v === null) return 'null';
    if (Array.isArray(v)) return 'an array';
    var t = typeof v;
    if (t === 'number') return 'the number ' + String(v);
    if (t === 'boolean') return 'the boolean ' + String(v);
    if (t === 'object') return 'an object';
    return 'a ' + t;
  }

  function paramType(key, v) {
    var msg =
      'parameter "' + key + '" must be a string, an integer number or a bigint ' +
      '(null, undefined and "" are skipped), got ' + describe(v);
    if (typeof v === 'number' && isFinite(v)) {
      msg += ': WeChat Pay amounts are integers in fen (0.01 yuan is 1), so convert before signing';
    }
    return withCode(new TypeError(msg), 'ERR_INVALID_PARAM_TYPE', { param: key });
  }

  function mapKeyType(k) {
    return withCode(
      new TypeError('a Map of params must have string keys, got ' + describe(k)),
      'ERR_INVALID_PARAM_TYPE',
      { param: String(k) }
    );
  }

  // ------------------------------------------------------------ input rules

  // A param value as the string that is signed, or undefined when skipped.
  // string → itself; finite integer number → decimal; bigint → decimal;
  // null, undefined, "" → skipped; anything else → TypeError naming the key.
  function valueString(key, v) {
    if (typeof v === 'string') return v === '' ? undefined : v;
    if (typeof v === 'number') {
      if (!isInteger(v)) throw paramType(key, v);
      // Beyond 2^53 String() would switch to exponent form at 1e21: write
      // the exact decimal of the double instead.
      return isSafeInteger(v) ? '' + v : BigInt(v).toString();
    }
    if (typeof v === 'bigint') return v.toString();
    if (v === null || v === undefined) return undefined;
    throw paramType(key, v);
  }

  // 0: plain object, 1: Map, otherwise throws.
  function paramsKind(params, what) {
    if (typeof params === 'object' && params !== null) {
      var proto = getProto(params);
      if (proto === objectProto || proto === null) return 0;
      if (params instanceof Map || toStringTag.call(params) === '[object Map]') return 1;
      // A plain object from another realm (vm context, iframe).
      if (
        !Array.isArray(params) &&
        proto !== null &&
        getProto(proto) === null &&
        typeof proto.constructor === 'function' &&
        proto.constructor.name === 'Object'
      ) {
        return 0;
      }
    }
    throw argType(what, 'a plain object or a Map, got ' + describe(params));
  }

  // Appends "k\0v\0" for every kept pair to `s`; sets `packedCount`.
  var packedCount = 0;
  function packPairs(params, s, what, skipFunctions) {
    var n = 0;
    if (paramsKind(params, what) === 0) {
      var keys = objectKeys(params);
      for (var i = 0; i < keys.length; i++) {
        var k = keys[i];
        var v = params[k];
        if (typeof v === 'string') {
          if (v === '') continue;
        } else {
          if (skipFunctions && typeof v === 'function') continue;
          v = valueString(k, v);
          if (v === undefined) continue;
        }
        s += k + NUL + v + NUL;
        n++;
      }
    } else {
      params.forEach(function (v, k) {
        if (typeof k !== 'string') throw mapKeyType(k);
        if (skipFunctions && typeof v === 'function') return;
        v = valueString(k, v);
        if (v === undefined) return;
        s += k + NUL + v + NUL;
        n++;
      });
    }
    packedCount = n * 2;
    return s;
  }

  // Pushes k, v for every kept pair onto `items`.
  function listPairs(params, items, what, skipFunctions) {
    if (paramsKind(params, what) === 0) {
      var keys = objectKeys(params);
      for (var i = 0; i < keys.length; i++) {
        var k = keys[i];
        var v = params[k];
        if (skipFunctions && typeof v === 'function') continue;
        v = valueString(k, v);
        if (v !== undefined) items.push(k, v);
      }
    } else {
      params.forEach(function (v, k) {
        if (typeof k !== 'string') throw mapKeyType(k);
        if (skipFunctions && typeof v === 'function') return;
        v = valueString(k, v);
        if (v !== undefined) items.push(k, v);
      });
    }
    return items;
  }

  function checkKey(key) {
    // Never echo the key's value.
    if (typeof key !== 'string') throw argType('key (the API key)', 'a string, got ' + describe(key));
  }

  function checkSignType(signType) {
    if (typeof signType !== 'string') {
      throw argType('signType', '"MD5" or "HMAC-SHA256", got ' + describe(signType));
    }
  }

  // Fields [k1, v1, …] or "k1\0v1\0…" (never empty names) → a plain object.
  function fieldsObject(items) {
    var out = {};
    for (var i = 0; i + 1 < items.length; i += 2) {
      var k = items[i];
      if (k === '__proto__') {
        Object.defineProperty(out, k, { value: items[i + 1], enumerable: true, writable: true, configurable: true });
      } else {
        out[k] = items[i + 1];
      }
    }
    return out;
  }

  function unpackFields(packed) {
    return packed === '' ? {} : fieldsObject(packed.split(NUL));
  }

  // ------------------------------------------------------------ API

  function sign(params, key, signType) {
    ready();
    if (signType === undefined) signType = 'MD5';
    else checkSignType(signType);
    checkKey(key);
    var s = packPairs(params, signType + NUL + key + NUL, 'params');
    var r = raw.signPacked(s, packedCount + 2);
    if (r === undefined) {
      r = raw.signList(listPairs(params, [signType, key], 'params'));
    }
    return r;
  }

  function verify(params, key, signType) {
    ready();
    var typed = signType !== undefined && signType !== null;
    if (typed) checkSignType(signType);
    else signType = '';
    checkKey(key);
    var s = packPairs(params, signType + NUL + key + NUL, 'params');
    var r = raw.verifyPacked(s, packedCount + 2, typed);
    if (r === undefined) {
      r = raw.verifyList(listPairs(params, [signType, key], 'params'), typed);
    }
    return r;
  }

  function optionalValue(opts, name) {
    return valueString(name, opts[name]);
  }

  function buildPaymentParams(opts) {
    ready();
    if (typeof opts !== 'object' || opts === null) {
      throw argType('buildPaymentParams options', 'an object { appId, prepayId, key, signType?, timeStamp?, nonceStr? }');
    }
    checkKey(opts.key);
    var signType = opts.signType;
    if (signType === undefined || signType === null) signType = 'MD5';
    else checkSignType(signType);
    var timeStamp = optionalValue(opts, 'timeStamp');
    if (timeStamp === undefined) timeStamp = String(Math.floor(Date.now() / 1000));
    return raw.buildPaymentParams(
      optionalValue(opts, 'appId') || '',
      optionalValue(opts, 'prepayId') || '',
      opts.key,
      signType,
      timeStamp,
      optionalValue(opts, 'nonceStr'),
      platform.fill
    );
  }

  function verifyPaymentParams(obj, key) {
    ready();
    checkKey(key);
    // Callbacks (success/fail/complete) ride along in a wx.requestPayment
    // object: they are skipped; every other value follows the input rules.
    return raw.verifyPaymentParamsList(listPairs(obj, [key], 'obj', true));
  }

  function toXml(params) {
    ready();
    var s = packPairs(params, '', 'params');
    var r = raw.toXmlPacked(s, packedCount);
    if (r === undefined) r = raw.toXmlList(listPairs(params, [], 'params'));
    return r;
  }

  function isBytes(x) {
    return x instanceof Uint8Array || toStringTag.call(x) === '[object Uint8Array]';
  }

  function parseXml(xml) {
    ready();
    var r;
    if (typeof xml === 'string') {
      r = raw.parseXmlPacked(xml);
      return r === undefined ? fieldsObject(raw.parseXmlList(xml)) : unpackFields(r);
    }
    if (isBytes(xml)) {
      r = raw.parseXmlBytesPacked(xml);
      return r === undefined ? fieldsObject(raw.parseXmlBytesList(xml)) : unpackFields(r);
    }
    throw argType('xml', 'a string or a Uint8Array/Buffer, got ' + describe(xml));
  }

  function encryptRefundInfo(plainXmlOrParams, key) {
    ready();
    checkKey(key);
    if (typeof plainXmlOrParams === 'string') return raw.encryptRefundInfoText(plainXmlOrParams, key);
    return raw.encryptRefundInfoList(listPairs(plainXmlOrParams, [key], 'plainXmlOrParams'));
  }

  function decryptRefundInfo(reqInfo, key) {
    ready();
    if (typeof reqInfo !== 'string') throw argType('reqInfo', 'a base64 string, got ' + describe(reqInfo));
    checkKey(key);
    return fieldsObject(raw.decryptRefundInfoList(reqInfo, key));
  }

  var MAX_NONCE = 1024;
  function nonce(length) {
    ready();
    if (length === undefined) length = 32;
    if (typeof length !== 'number' || !isInteger(length) || length < 1 || length > MAX_NONCE) {
      throw withCode(
        new RangeError('length must be an integer from 1 to ' + MAX_NONCE + ', got ' + describe(length)),
        'ERR_INVALID_ARG_VALUE'
      );
    }
    return raw.nonce(length, platform.fill);
  }

  return {
    sign: sign,
    verify: verify,
    buildPaymentParams: buildPaymentParams,
    verifyPaymentParams: verifyPaymentParams,
    toXml: toXml,
    parseXml: parseXml,
    encryptRefundInfo: encryptRefundInfo,
    decryptRefundInfo: decryptRefundInfo,
    nonce: nonce,
  };
}
