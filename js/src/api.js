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
  var encoder = platform.encoder; // TextEncoder (or the UTF-8 fallback in wx)
  var decoder = platform.decoder; // TextDecoder('utf-8', { ignoreBOM: true })

  // ------------------------------------------------------------ scratch I/O
  // Hot paths encode one string straight into wasm memory and read results
  // out of it (see wasm/src/io.rs): no per-string crossing, no decoding of
  // parsed values (they are sliced out of the caller's own string).

  var IO_MAX_CHARS = 65536; // larger inputs cross through wasm-bindgen instead
  var SIDE = 0x80000000;
  var NO_ID = 0xffffffff;
  var memory = null;
  var heapU8 = null;
  var heapU32 = null;
  var signAddr = -1;

  function u8() {
    // A view goes stale (byteLength 0) when the memory grows.
    if (heapU8 === null || heapU8.byteLength === 0) {
      if (memory === null) memory = raw.ioMemory();
      heapU8 = new Uint8Array(memory.buffer);
      heapU32 = new Uint32Array(memory.buffer);
    }
    return heapU8;
  }

  // Encodes `s` into the scratch input; its byte length, or -1 if too long.
  function putString(s) {
    var n = s.length;
    if (n > IO_MAX_CHARS) return -1;
    var cap = n * 3;
    var ptr = raw.ioInput(cap);
    return encoder.encodeInto(s, u8().subarray(ptr, ptr + cap)).written;
  }

  // The sign as a string: 32 or 64 ASCII hex bytes. Explicit arguments:
  // four times faster than String.fromCharCode.apply on a subarray.
  function hex32(h, p) {
    return String.fromCharCode(
      h[p], h[p + 1], h[p + 2], h[p + 3], h[p + 4], h[p + 5], h[p + 6], h[p + 7],
      h[p + 8], h[p + 9], h[p + 10], h[p + 11], h[p + 12], h[p + 13], h[p + 14], h[p + 15],
      h[p + 16], h[p + 17], h[p + 18], h[p + 19], h[p + 20], h[p + 21], h[p + 22], h[p + 23],
      h[p + 24], h[p + 25], h[p + 26], h[p + 27], h[p + 28], h[p + 29], h[p + 30], h[p + 31]
    );
  }

  function readSign(n) {
    if (signAddr < 0) signAddr = raw.ioSign();
    var h = u8();
    return n === 32 ? hex32(h, signAddr) : hex32(h, signAddr) + hex32(h, signAddr + 32);
  }

  // Field names by the id parseXmlIo gives them, interned once: property
  // stores with interned keys are several times faster than with fresh ones.
  var keyNames = [];
  function intern(s) {
    var o = {};
    Object.defineProperty(o, s, { value: 0, enumerable: true }); // "__proto__" too
    return objectKeys(o)[0];
  }

  function setField(out, k, v) {
    if (k === '__proto__') {
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    } else {
      out[k] = v;
    }
  }

  // When two documents in a row have the same fields in the same order (as
  // WeChat's notifies do), later results are cloned from a fast-mode object
  // of that shape rather than grown key by key into a slow dictionary.
  var shape = null;
  var shapeSeen = false;

  // The field table of parseXmlIo (wasm/src/lib.rs, write_fields) → a plain
  // object whose values are slices of `text`, the caller's own string.
  function readFields(addr, text) {
    u8();
    var h = heapU32;
    var i = addr >>> 2;
    var n = h[i];
    var sideLen = h[i + 2];
    var side = sideLen === 0 ? '' : decoder.decode(heapU8.subarray(h[i + 1], h[i + 1] + sideLen));
    var same = h[i + 3] === 1;
    var out;
    if (!same) {
      shape = null;
      shapeSeen = false;
      out = {};
    } else if (shape !== null) {
      out = { ...shape };
    } else {
      out = {};
      shapeSeen = true;
    }
    for (var j = 0, b = i + 4; j < n; j++, b += 5) {
      var id = h[b];
      var k;
      if (id < SIDE) k = keyNames[id];
      else if (id === NO_ID) k = text.slice(h[b + 1], h[b + 2]);
      else k = keyNames[id - SIDE] = intern(text.slice(h[b + 1], h[b + 2]));
      var vs = h[b + 3];
      var v = vs >= SIDE ? side.slice(vs - SIDE, h[b + 4] - SIDE) : text.slice(vs, h[b + 4]);
      setField(out, k, v);
    }
    if (shapeSeen && shape === null) shape = JSON.parse(JSON.stringify(out));
    return out;
  }

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

  // Pushes k, v for every kept pair onto `items`, in the caller's order.
  // `keepEmpty` keeps "" values (for the signature doctor, which replays
  // signers that wrongly include them).
  function listPairs(params, items, what, skipFunctions, keepEmpty) {
    function add(v, k) {
      if (skipFunctions && typeof v === 'function') return;
      if (keepEmpty && v === '') {
        items.push(k, v);
        return;
      }
      v = valueString(k, v);
      if (v !== undefined) items.push(k, v);
    }
    if (paramsKind(params, what) === 0) {
      var keys = objectKeys(params);
      for (var i = 0; i < keys.length; i++) add(params[keys[i]], keys[i]);
    } else {
      params.forEach(function (v, k) {
        if (typeof k !== 'string') throw mapKeyType(k);
        add(v, k);
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

  // Fields [k1, v1, …] → a plain object.
  function fieldsObject(items) {
    var out = {};
    for (var i = 0; i + 1 < items.length; i += 2) setField(out, items[i], items[i + 1]);
    return out;
  }

  // ------------------------------------------------------------ API

  function sign(params, key, signType) {
    ready();
    if (signType === undefined) signType = 'MD5';
    else checkSignType(signType);
    checkKey(key);
    var len = putString(packPairs(params, signType + NUL + key + NUL, 'params'));
    if (len >= 0) {
      var n = raw.signIo(len, packedCount + 2);
      if (n !== 0) return readSign(n);
    }
    // A NUL inside a key or value (or a huge input): the array form.
    return raw.signList(listPairs(params, [signType, key], 'params'));
  }

  function verify(params, key, signType) {
    ready();
    var typed = signType !== undefined && signType !== null;
    if (typed) checkSignType(signType);
    else signType = '';
    checkKey(key);
    var len = putString(packPairs(params, signType + NUL + key + NUL, 'params'));
    if (len >= 0) {
      var r = raw.verifyIo(len, packedCount + 2, typed);
      if (r !== 0) return r === 1;
    }
    return raw.verifyList(listPairs(params, [signType, key], 'params'), typed);
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
    var len = putString(packPairs(params, '', 'params'));
    var r = len >= 0 ? raw.toXmlIo(len, packedCount) : undefined;
    return r === undefined ? raw.toXmlList(listPairs(params, [], 'params')) : r;
  }

  function isBytes(x) {
    return x instanceof Uint8Array || toStringTag.call(x) === '[object Uint8Array]';
  }

  function parseXml(xml) {
    ready();
    if (typeof xml === 'string') {
      var len = putString(xml);
      if (len < 0) return fieldsObject(raw.parseXmlList(xml));
      return readFields(raw.parseXmlIo(len), xml);
    }
    if (isBytes(xml)) {
      var n = xml.length;
      if (n > IO_MAX_CHARS * 3) return fieldsObject(raw.parseXmlBytesList(xml));
      var ptr = raw.ioInput(n);
      u8().set(xml, ptr);
      var addr = raw.parseXmlIo(n);
      // Valid UTF-8 (or parseXmlIo threw): the offsets index its decoding.
      return readFields(addr, decoder.decode(xml));
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

  function optionString(o, name) {
    var v = o[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw argType('options.' + name, 'a string, got ' + describe(v));
    return v;
  }

  function optionCount(o, name) {
    var v = o[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !isInteger(v) || v < 0 || v > 0xffffffff) {
      throw withCode(
        new RangeError('options.' + name + ' must be an integer from 0 to 4294967295, got ' + describe(v)),
        'ERR_INVALID_ARG_VALUE'
      );
    }
    return v;
  }

  function diagnose(params, key, claimedSign, options) {
    ready();
    checkKey(key);
    if (claimedSign === undefined || claimedSign === null) claimedSign = '';
    else if (typeof claimedSign !== 'string') throw argType('claimedSign', 'a string, got ' + describe(claimedSign));
    var o = options === undefined || options === null ? {} : options;
    if (typeof o !== 'object') throw argType('options', 'an object, got ' + describe(o));
    return platform.doctor().diagnoseList(
      listPairs(params, [key], 'params', true, true),
      claimedSign,
      optionString(o, 'signType'),
      optionString(o, 'appSecret'),
      optionString(o, 'orderSign'),
      optionString(o, 'kind'),
      optionString(o, 'appId'),
      optionCount(o, 'maxVariants'),
      optionCount(o, 'maxWorkBytes')
    );
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
    diagnose: diagnose,
    encryptRefundInfo: encryptRefundInfo,
    decryptRefundInfo: decryptRefundInfo,
    nonce: nonce,
  };
}
