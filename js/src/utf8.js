// UTF-8 TextEncoder/TextDecoder stand-ins for the WeChat Mini Program build.
// Some devices have neither, and the wasm-bindgen glue needs both at load
// time. They follow the WHATWG Encoding Standard for UTF-8: lone surrogates
// encode as U+FFFD, and invalid byte sequences decode as U+FFFD per maximal
// subpart. An ASCII-only stand-in would corrupt Chinese values and signs.
// scripts/build.mjs pastes this file into dist/wx/index.js; the platform's
// own classes are used wherever they exist.

/* eslint-disable no-var */
function createUtf8() {
  'use strict';

  function encodeInto(str, view) {
    var n = str.length;
    var cap = view.length;
    var read = 0;
    var w = 0;
    while (read < n) {
      var c = str.charCodeAt(read);
      var units = 1;
      if (c >= 0xd800 && c <= 0xdbff && read + 1 < n) {
        var d = str.charCodeAt(read + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          units = 2;
        } else {
          c = 0xfffd;
        }
      } else if (c >= 0xd800 && c <= 0xdfff) {
        c = 0xfffd;
      }
      if (c < 0x80) {
        if (w + 1 > cap) break;
        view[w++] = c;
      } else if (c < 0x800) {
        if (w + 2 > cap) break;
        view[w++] = 0xc0 | (c >> 6);
        view[w++] = 0x80 | (c & 0x3f);
      } else if (c < 0x10000) {
        if (w + 3 > cap) break;
        view[w++] = 0xe0 | (c >> 12);
        view[w++] = 0x80 | ((c >> 6) & 0x3f);
        view[w++] = 0x80 | (c & 0x3f);
      } else {
        if (w + 4 > cap) break;
        view[w++] = 0xf0 | (c >> 18);
        view[w++] = 0x80 | ((c >> 12) & 0x3f);
        view[w++] = 0x80 | ((c >> 6) & 0x3f);
        view[w++] = 0x80 | (c & 0x3f);
      }
      read += units;
    }
    return { read: read, written: w };
  }

  function Utf8Encoder() {}
  Utf8Encoder.prototype.encoding = 'utf-8';
  Utf8Encoder.prototype.encode = function (str) {
    str = str === undefined ? '' : String(str);
    var buf = new Uint8Array(str.length * 3);
    var r = encodeInto(str, buf);
    return buf.slice(0, r.written);
  };
  Utf8Encoder.prototype.encodeInto = function (str, view) {
    return encodeInto(String(str), view);
  };

  function Utf8Decoder(label, options) {
    var l = label === undefined ? 'utf-8' : String(label).toLowerCase();
    if (l !== 'utf-8' && l !== 'utf8') throw new RangeError('only utf-8 is supported');
    this.ignoreBOM = !!(options && options.ignoreBOM);
    this.fatal = !!(options && options.fatal);
  }
  Utf8Decoder.prototype.encoding = 'utf-8';
  Utf8Decoder.prototype.decode = function (input) {
    if (input === undefined) return '';
    var b;
    if (input instanceof Uint8Array) b = input;
    else if (ArrayBuffer.isView(input)) b = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    else b = new Uint8Array(input);
    var n = b.length;
    var i = 0;
    if (!this.ignoreBOM && n >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3;
    var fatal = this.fatal;
    var out = '';
    var units = [];
    function bad() {
      if (fatal) throw new TypeError('The encoded data was not valid utf-8');
      units.push(0xfffd);
    }
    while (i < n) {
      var c = b[i];
      if (c < 0x80) {
        units.push(c);
        i++;
      } else {
        // Number of continuation bytes and the valid range of the first one.
        var need = 0;
        var lo = 0x80;
        var hi = 0xbf;
        var cp = 0;
        if (c >= 0xc2 && c <= 0xdf) {
          need = 1;
          cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
          need = 2;
          cp = c & 0x0f;
          if (c === 0xe0) lo = 0xa0;
          if (c === 0xed) hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
          need = 3;
          cp = c & 0x07;
          if (c === 0xf0) lo = 0x90;
          if (c === 0xf4) hi = 0x8f;
        } else {
          bad();
          i++;
          continue;
        }
        i++;
        var ok = true;
        for (var k = 0; k < need; k++) {
          var d = b[i];
          if (i >= n || d < lo || d > hi) {
            ok = false;
            break;
          }
          lo = 0x80;
          hi = 0xbf;
          cp = (cp << 6) | (d & 0x3f);
          i++;
        }
        if (!ok) {
          bad();
        } else if (cp >= 0x10000) {
          cp -= 0x10000;
          units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
        } else {
          units.push(cp);
        }
      }
      if (units.length >= 4096) {
        out += String.fromCharCode.apply(null, units);
        units = [];
      }
    }
    if (units.length) out += String.fromCharCode.apply(null, units);
    return out;
  };

  return { TextEncoder: Utf8Encoder, TextDecoder: Utf8Decoder };
}
