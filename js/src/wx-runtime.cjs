'use strict';
// wxpay-devkit/wx-runtime: a `wx` object for Node, so a Mini-Program page's
// login-and-pay flow runs end to end against the wxpay-mock server in tests.
//
// - wx.login asks the mock for a real single-use code (POST /mock/login), so
//   the page's backend can call jscode2session against the mock;
// - wx.request does real HTTP to the page's backend, production hosts mapped
//   to local ones by a table;
// - wx.requestPayment forwards the object exactly as the page passes it
//   (callbacks dropped) to the mock's POST /mock/requestPayment, which makes
//   the client's parameter checks (timeStamp as a String, package
//   "prepay_id=…", exact field names), verifies paySign with the order's key
//   and the declared signType (the signature doctor explains a mismatch) and
//   pays, cancels or fails as the configured user. The runtime itself does not
//   look at signType, so API v3's "RSA" objects go to the mock unchanged.
// - anything not implemented throws, naming the API: no silent stubs.
//
// For tests only. The API key never belongs in a Mini Program: signing happens
// on the page's backend.

var IMPLEMENTED = [
  'login', 'checkSession', 'request', 'requestPayment',
  'getStorageSync', 'setStorageSync', 'removeStorageSync', 'clearStorageSync',
  'showToast', 'hideToast', 'showLoading', 'hideLoading',
];

/** Ends in a code, like every error of the package. */
function runtimeError(Ctor, code, message) {
  var e = new Ctor('wxpay-devkit/wx-runtime: ' + message);
  e.code = code;
  return e;
}

function isObject(v) {
  return v !== null && typeof v === 'object';
}

function hasCallback(o) {
  return isObject(o) && ['success', 'fail', 'complete'].some(function (k) { return typeof o[k] === 'function'; });
}

/**
 * Runs an asynchronous API as WeChat does: `work()` resolves to a `res` whose
 * errMsg is `<api>:ok` or `<api>:fail …`; with any of success/fail/complete
 * the callbacks are called (complete last) and nothing is returned, else a
 * Promise resolves with `res` or rejects with it (base library ≥ 2.10.2).
 */
function settle(api, o, work) {
  var p = Promise.resolve()
    .then(work)
    .catch(function (e) { return { errMsg: api + ':fail ' + (e && e.message ? e.message : String(e)) }; });
  var okMsg = api + ':ok';
  if (hasCallback(o)) {
    p.then(function (res) {
      if (res.errMsg === okMsg) { if (typeof o.success === 'function') o.success(res); }
      else if (typeof o.fail === 'function') o.fail(res);
      if (typeof o.complete === 'function') o.complete(res);
    });
    return undefined;
  }
  return p.then(function (res) {
    if (res.errMsg === okMsg) return res;
    throw res;
  });
}

/** The fields of an API object, without its callbacks (what is recorded or forwarded). */
function withoutCallbacks(o) {
  var out = {};
  if (!isObject(o)) return out;
  Object.keys(o).forEach(function (k) {
    if (typeof o[k] !== 'function') out[k] = o[k];
  });
  return out;
}

/** application/x-www-form-urlencoded, as wx.request encodes an object for GET and form posts. */
function formEncode(data) {
  return Object.keys(data)
    .map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(data[k] === undefined ? '' : String(data[k])); })
    .join('&');
}

function headerValue(header, name) {
  var found;
  Object.keys(header).forEach(function (k) { if (k.toLowerCase() === name) found = header[k]; });
  return found;
}

/**
 * Installs a `wx` for Node tests. See wx-runtime.d.ts for the options.
 * Returns the runtime: `{ wx, calls, ui, requests, payments, storage, setUser, expireSession, uninstall }`.
 */
function installWx(options) {
  if (!isObject(options)) throw runtimeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'installWx(options): options must be an object');
  if (typeof options.mock !== 'string' || !/^https?:\/\//.test(options.mock)) {
    throw runtimeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'installWx: options.mock must be the mock\'s base URL (http://127.0.0.1:<port>)');
  }
  var mockBase = options.mock.replace(/\/+$/, '');
  var appid = options.appid;
  var hosts = options.hosts || {};
  if (!isObject(hosts)) throw runtimeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'installWx: options.hosts must map production origins to local base URLs');
  var requestTimeout = options.requestTimeout === undefined ? 60000 : options.requestTimeout;
  var user;
  var loggedIn = false;

  function setUser(u) {
    var next = typeof u === 'string' || u === undefined ? { name: u === undefined ? 'user' : u } : Object.assign({}, u);
    if (!isObject(next) || (next.name !== undefined && typeof next.name !== 'string')) {
      throw runtimeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'installWx: user must be a name or { name, openid?, onPay? }');
    }
    if (next.name === undefined) next.name = 'user';
    var onPay = next.onPay === undefined ? 'pay' : next.onPay;
    if (typeof onPay !== 'function' && ['pay', 'cancel', 'fail'].indexOf(onPay) < 0) {
      throw runtimeError(RangeError, 'ERR_INVALID_VALUE', 'installWx: user.onPay must be "pay", "cancel", "fail" or a function returning one');
    }
    next.onPay = onPay;
    user = next;
    loggedIn = false;
  }
  setUser(options.user);

  var rt = {
    /** Every wx.* call, in order: `{ api, args }` (callbacks left out). */
    calls: [],
    /** showToast/hideToast/showLoading/hideLoading calls, and what is on screen now. */
    ui: { log: [], toast: null, loading: null },
    /** Every wx.request: `{ url, mappedUrl, method, res }`. */
    requests: [],
    /** Every wx.requestPayment: `{ object (as the page passed it, callbacks left out), action, errMsg }`. */
    payments: [],
    storage: new Map(),
    setUser: setUser,
    /** Makes the next wx.checkSession fail, as when the session_key expired. */
    expireSession: function () { loggedIn = false; },
    uninstall: function () {},
  };

  async function mockCall(path, body) {
    var res = await fetch(mockBase + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    var text = await res.text();
    var json;
    try { json = JSON.parse(text); } catch (e) { json = undefined; }
    if (res.status !== 200 || !isObject(json)) {
      throw new Error('the mock answered ' + path + ' with HTTP ' + res.status + ': ' + text.slice(0, 300));
    }
    return json;
  }

  /** The local URL for a page URL: the longest matching prefix of the hosts table, or loopback as is. */
  function mapUrl(url) {
    var best = '';
    Object.keys(hosts).forEach(function (from) {
      var prefix = from.replace(/\/+$/, '');
      if ((url === prefix || url.indexOf(prefix + '/') === 0 || url.indexOf(prefix + '?') === 0) && prefix.length > best.length) best = prefix;
    });
    if (best) return String(hosts[best]).replace(/\/+$/, '') + url.slice(best.length);
    var u = new URL(url);
    if (u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]') return url;
    // WeChat refuses hosts outside the mini program's request domain list with this errMsg;
    // here the list is the hosts table (tests never reach the internet).
    throw new Error('url not in domain list (' + u.origin + ' is not in installWx({ hosts }))');
  }

  var impl = {
    login: function (o) {
      record('login', o);
      return settle('login', o, async function () {
        var body = { user: user.name };
        if (appid !== undefined) body.appid = appid;
        if (user.openid !== undefined) body.openid = user.openid;
        var r = await mockCall('/mock/login', body);
        loggedIn = true;
        return { code: r.code, errMsg: 'login:ok' };
      });
    },

    checkSession: function (o) {
      record('checkSession', o);
      return settle('checkSession', o, function () {
        return { errMsg: loggedIn ? 'checkSession:ok' : 'checkSession:fail session time out, need relogin' };
      });
    },

    request: function (o) {
      record('request', o);
      var controller = new AbortController();
      var p = settle('request', o, async function () {
        if (!isObject(o) || typeof o.url !== 'string') {
          // The client's parameter check, in its wording (as for wx.requestPayment).
          throw new Error('parameter error: parameter.url should be String instead of ' +
            (isObject(o) && o.url !== undefined ? (typeof o.url === 'number' ? 'Number' : 'Object') : 'Undefined') + ';');
        }
        var method = (o.method || 'GET').toUpperCase();
        var header = Object.assign({}, o.header || {});
        var entry = { url: o.url, mappedUrl: undefined, method: method, res: undefined };
        rt.requests.push(entry);
        var target = mapUrl(o.url);
        var body;
        var data = o.data;
        if (method === 'GET' || method === 'HEAD') {
          if (isObject(data) && !(data instanceof ArrayBuffer)) {
            var q = formEncode(data);
            if (q) target += (target.indexOf('?') < 0 ? '?' : '&') + q;
          }
        } else if (data !== undefined) {
          var type = headerValue(header, 'content-type');
          if (type === undefined) header['content-type'] = type = 'application/json';
          if (typeof data === 'string' || data instanceof ArrayBuffer || ArrayBuffer.isView(data)) body = data;
          else if (/x-www-form-urlencoded/i.test(type)) body = formEncode(data);
          else body = JSON.stringify(data);
        }
        entry.mappedUrl = target;
        var timer = setTimeout(function () { controller.abort(new Error('timeout')); }, requestTimeout);
        var res;
        var raw;
        try {
          res = await fetch(target, { method: method, headers: header, body: body, signal: controller.signal });
          raw = o.responseType === 'arraybuffer' ? await res.arrayBuffer() : await res.text();
        } catch (e) {
          var reason = controller.signal.aborted ? (controller.signal.reason && controller.signal.reason.message) || 'abort' : (e.cause && e.cause.message) || e.message;
          throw new Error(reason);
        } finally {
          clearTimeout(timer);
        }
        var out = raw;
        if (o.responseType !== 'arraybuffer' && (o.dataType === undefined || o.dataType === 'json')) {
          // WeChat parses JSON when it can and otherwise hands the text over.
          try { out = JSON.parse(raw); } catch (e) { out = raw; }
        }
        var headerOut = {};
        res.headers.forEach(function (v, k) { headerOut[k] = v; });
        var cookies = typeof res.headers.getSetCookie === 'function' ? res.headers.getSetCookie() : [];
        // Any HTTP status is a success of the request itself, as in WeChat.
        entry.res = { data: out, statusCode: res.status, header: headerOut, cookies: cookies, errMsg: 'request:ok' };
        return entry.res;
      });
      var task = { abort: function () { controller.abort(new Error('abort')); } };
      if (p === undefined) return task;
      p.abort = task.abort;
      return p;
    },

    requestPayment: function (o) {
      record('requestPayment', o);
      var object = withoutCallbacks(o);
      return settle('requestPayment', o, async function () {
        var action = typeof user.onPay === 'function' ? user.onPay(object) : user.onPay;
        var entry = { object: object, action: action, errMsg: undefined };
        rt.payments.push(entry);
        // Forwarded as passed: a Number timeStamp stays a Number, a missing
        // field stays missing, so the mock's client-side checks see it all.
        var r = await mockCall('/mock/requestPayment', Object.assign({}, object, { action: action }));
        entry.errMsg = r.errMsg;
        return { errMsg: r.errMsg };
      });
    },

    getStorageSync: function (key) {
      record('getStorageSync', key);
      // WeChat returns an empty string for a key never stored.
      return rt.storage.has(String(key)) ? structuredClone(rt.storage.get(String(key))) : '';
    },
    setStorageSync: function (key, data) {
      record('setStorageSync', key);
      rt.storage.set(String(key), structuredClone(data));
    },
    removeStorageSync: function (key) {
      record('removeStorageSync', key);
      rt.storage.delete(String(key));
    },
    clearStorageSync: function () {
      record('clearStorageSync');
      rt.storage.clear();
    },

    showToast: ui('showToast', function (args) { rt.ui.toast = args; rt.ui.loading = null; }),
    hideToast: ui('hideToast', function () { rt.ui.toast = null; }),
    showLoading: ui('showLoading', function (args) { rt.ui.loading = args; rt.ui.toast = null; }),
    hideLoading: ui('hideLoading', function () { rt.ui.loading = null; }),
  };

  function record(api, arg) {
    rt.calls.push({ api: api, args: isObject(arg) ? withoutCallbacks(arg) : arg });
  }

  function ui(api, apply) {
    return function (o) {
      record(api, o);
      var args = withoutCallbacks(o);
      apply(args);
      rt.ui.log.push({ api: api, args: args });
      return settle(api, o, function () { return { errMsg: api + ':ok' }; });
    };
  }

  var allowedMissing = { then: true, toJSON: true };
  var target = {};
  IMPLEMENTED.forEach(function (k) { target[k] = impl[k]; });
  var wx = new Proxy(target, {
    get: function (t, key) {
      if (typeof key === 'symbol' || Object.prototype.hasOwnProperty.call(t, key)) return t[key];
      // `await`/JSON probing must not trip the guard.
      if (allowedMissing[key]) return undefined;
      throw runtimeError(
        Error,
        'ERR_WX_API_MISSING',
        'wx.' + key + ' is not provided by this runtime (it provides wx.' + IMPLEMENTED.join(', wx.') +
          '). Mock it in your test explicitly if the page needs it.'
      );
    },
    set: function (t, key) {
      throw runtimeError(TypeError, 'ERR_WX_READONLY', 'wx.' + String(key) + ' cannot be assigned: the runtime\'s wx is read-only');
    },
    deleteProperty: function (t, key) {
      throw runtimeError(TypeError, 'ERR_WX_READONLY', 'wx.' + String(key) + ' cannot be deleted: the runtime\'s wx is read-only');
    },
  });
  rt.wx = wx;

  if (options.global !== false) {
    // Pinned: a later `global.wx = …` (miniprogram-simulate assigns its stub
    // object, merged with the existing wx, when it is first required) leaves
    // this wx in place, so the page sees this one whichever comes first.
    var previous = Object.getOwnPropertyDescriptor(globalThis, 'wx');
    var replaced = [];
    Object.defineProperty(globalThis, 'wx', {
      configurable: true,
      enumerable: true,
      get: function () { return wx; },
      set: function (v) { if (v !== wx) replaced.push(v); },
    });
    rt.overridden = replaced;
    rt.uninstall = function () {
      if (previous) Object.defineProperty(globalThis, 'wx', previous);
      else delete globalThis.wx;
    };
  }
  return rt;
}

module.exports = { installWx: installWx, WX_RUNTIME_APIS: IMPLEMENTED.slice() };
