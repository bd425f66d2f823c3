// wxpay-mock console. A client of the control API (/mock/…) and of the XML
// endpoints; the signature doctor and request signing run in the browser
// with the project's own wxpay-devkit/web package (served from /mock/ui/pkg/).
// No framework, no network beyond this server.

const $ = (sel) => document.querySelector(sel);
const state = {
  version: null,
  orders: [],
  selected: null, // { out_trade_no, mch_id, sandbox }
  merchants: [],
  apps: [],
  keys: new Map(), // mch_id -> API key, kept in this page's memory only
  wx: null, // the wxpay-devkit/web module once loaded
  doctorReady: false,
};
// WeChat's documentation example merchant, built into the mock; its key is
// public (the mock's README prints it). Other keys must be typed in.
// The page re-renders on every change: keep it light with many orders.
const MAX_ROWS = 200;
const MAX_NOTIFS = 50;
const DOC_MERCHANT = { mch_id: '10000100', key: '192006250b4c09247ec02edce69f6a2d' };

// ------------------------------------------------------------------ helpers

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data;
  try { data = JSON.parse(text); } catch { data = text; }
  if (!res.ok) throw new Error((data && data.error) || `${method} ${path}: HTTP ${res.status}`);
  return data;
}

function fen(n) { return `${n} 分 (¥${(n / 100).toFixed(2)})`; }
function stateBadge(s) { return el('span', { class: `state ${s}`, text: s }); }
function bj(unix) { return unix == null ? '—' : beijing(unix); }
function beijing(unix) {
  const d = new Date((unix + 8 * 3600) * 1000);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}
function setMsg(id, text, ok = false) {
  const m = $(id);
  m.textContent = text || '';
  m.classList.toggle('ok', ok);
}
function mask(key) { return key ? `${'•'.repeat(8)} (${key.length} chars)` : '(not set)'; }

// ------------------------------------------------------------------ live feed

async function live() {
  for (;;) {
    try {
      const q = state.version === null ? '' : `?since=${state.version}`;
      const { version } = await api('GET', `/mock/ui/events${q}`);
      const changed = version !== state.version;
      state.version = version;
      $('#live').textContent = `● live · v${version}`;
      if (changed) await refresh();
    } catch (e) {
      $('#live').textContent = `○ disconnected (${e.message}); retrying`;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

let refreshing = null;
async function refresh() {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    try {
      await Promise.all([loadOrders(), loadNotifications(), loadClock()]);
      if (state.selected) await loadOrderDetail();
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

// ------------------------------------------------------------------ orders

function orderQuery(o) { return `mch_id=${encodeURIComponent(o.mch_id)}&sandbox=${o.sandbox ? 'true' : 'false'}`; }

async function loadOrders() {
  const orders = await api('GET', '/mock/orders');
  orders.sort((a, b) => b.created_at - a.created_at);
  state.orders = orders;
  $('#orders-count').textContent = orders.length > MAX_ROWS ? `(newest ${MAX_ROWS} of ${orders.length})` : `(${orders.length})`;
  const rows = orders.slice(0, MAX_ROWS).map((o) => {
    const sel = state.selected && state.selected.out_trade_no === o.out_trade_no && state.selected.mch_id === o.mch_id;
    return el('tr', { class: sel ? 'sel' : '', 'data-out-trade-no': o.out_trade_no },
      el('td', {}, el('button', { type: 'button', class: 'link', 'aria-pressed': sel ? 'true' : 'false',
        onclick: () => { state.selected = { out_trade_no: o.out_trade_no, mch_id: o.mch_id, sandbox: o.sandbox }; refresh(); } },
      o.out_trade_no), o.sandbox ? el('span', { class: 'muted', text: ' sandbox' }) : null),
      el('td', {}, stateBadge(o.trade_state)),
      el('td', { text: o.total_fee }),
      el('td', { class: 'muted', text: beijing(o.created_at).slice(5) }));
  });
  const list = $('#orders-list');
  list.replaceChildren(orders.length
    ? el('table', {}, el('thead', {}, el('tr', {}, el('th', { text: 'out_trade_no' }), el('th', { text: '状态 state' }),
      el('th', { text: '金额 fen' }), el('th', { text: '创建 created' }))), el('tbody', {}, rows))
    : el('p', { class: 'muted', style: 'padding:.5rem', text: '还没有订单 · No orders yet: call /pay/unifiedorder.' }));
}

async function loadOrderDetail() {
  const s = state.selected;
  let o;
  try {
    o = await api('GET', `/mock/orders/${encodeURIComponent(s.out_trade_no)}?${orderQuery(s)}`);
  } catch (e) {
    $('#order-detail').replaceChildren(el('p', { class: 'msg', text: e.message }));
    return;
  }
  const exchanges = await api('GET', `/mock/ui/exchanges?out_trade_no=${encodeURIComponent(s.out_trade_no)}`);
  const unpaid = o.trade_state === 'NOTPAY';
  const payable = o.trade_state === 'SUCCESS' || o.trade_state === 'REFUND';
  const refundLeft = o.total_fee - o.refunded_fee;
  const act = (label, fn, opts = {}) => el('button', { type: 'button', class: opts.cls, disabled: opts.disabled, onclick: fn, 'data-action': opts.action }, label);
  const refundFee = el('input', { id: 'refund-fee', type: 'number', min: '1', max: String(Math.max(refundLeft, 1)), value: String(Math.max(refundLeft, 1)), style: 'width:7rem' });
  const d = el('div', {},
    el('h3', {}, o.out_trade_no, ' ', stateBadge(o.trade_state), ' ', el('span', { class: 'muted', text: o.trade_state_desc })),
    el('dl', { class: 'kv' },
      el('dt', { text: '金额 total_fee' }), el('dd', { text: fen(o.total_fee) }),
      el('dt', { text: '已退 refunded' }), el('dd', { text: fen(o.refunded_fee) }),
      el('dt', { text: 'mch_id / appid' }), el('dd', { text: `${o.mch_id} / ${o.appid}${o.sandbox ? ' (sandbox)' : ''}` }),
      el('dt', { text: 'sign_type' }), el('dd', { text: o.sign_type }),
      el('dt', { text: 'prepay_id' }), el('dd', { class: 'mono', text: o.prepay_id }),
      el('dt', { text: 'transaction_id' }), el('dd', { class: 'mono', text: o.transaction_id || '—' }),
      el('dt', { text: 'openid' }), el('dd', { class: 'mono', text: o.fields.openid || '—' }),
      el('dt', { text: 'expire_at' }), el('dd', { text: bj(o.expire_at) })),
    el('div', { class: 'row', role: 'group', 'aria-label': 'Order actions' },
      act('用户支付 Pay as the user', () => payAction(o, 'pay'), { disabled: !unpaid, action: 'pay' }),
      act('用户取消 Cancel', () => payAction(o, 'cancel'), { disabled: !unpaid, cls: 'secondary', action: 'cancel' }),
      act('支付失败 Fail', () => payAction(o, 'fail'), { disabled: !unpaid, cls: 'secondary', action: 'fail' }),
      act('关单 Close', () => closeOrder(o), { disabled: !unpaid, cls: 'danger', action: 'close' })),
    el('div', { class: 'row', role: 'group', 'aria-label': 'Refund' },
      el('label', { for: 'refund-fee', text: '退款金额 refund_fee (fen)' }), refundFee,
      act('退款 Refund', () => refund(o, Number(refundFee.value)), { disabled: !payable || refundLeft <= 0, cls: 'secondary', action: 'refund' })),
    el('p', { id: 'order-msg', class: 'msg', role: 'alert' }),
    el('h3', { text: 'trade_state 历史 History' }),
    el('table', {}, el('tbody', {}, o.events.map((e) => el('tr', {}, el('td', { class: 'muted', text: e.at_beijing }), el('td', { text: e.event }), el('td', { class: 'mono', text: e.detail == null ? '' : String(e.detail) }))))),
    o.refunds.length ? [el('h3', { text: `退款 Refunds (${o.refunds.length})` }),
      el('table', {}, el('thead', {}, el('tr', {}, el('th', { text: 'out_refund_no' }), el('th', { text: 'refund_fee' }), el('th', { text: 'status' }), el('th', { text: 'success' }))),
        el('tbody', {}, o.refunds.map((r) => el('tr', {}, el('td', { class: 'mono', text: r.out_refund_no }), el('td', { text: r.refund_fee }), el('td', {}, stateBadge(r.refund_status)), el('td', { text: bj(r.success_at) })))))] : null,
    el('h3', { text: `原始报文 Raw XML (${exchanges.length})` }),
    exchanges.length ? exchanges.map((x) => el('details', { class: 'exchange' },
      el('summary', {}, `${x.at_beijing}  POST ${x.path} → HTTP ${x.status}`),
      el('div', { class: 'muted', text: 'request' }), el('pre', { text: x.request || '(empty)' }),
      el('div', { class: 'muted', text: 'response' }), el('pre', { text: x.response }))) : el('p', { class: 'muted', text: 'none recorded (the mock keeps the last 1000)' }));
  $('#order-detail').replaceChildren(d);
}

async function payAction(o, action) {
  try {
    const r = await api('POST', `/mock/orders/${encodeURIComponent(o.out_trade_no)}/pay?${orderQuery(o)}`, { action });
    setMsg('#orders-msg', `${o.out_trade_no}: ${r.errMsg}`, r.errMsg === 'requestPayment:ok');
  } catch (e) {
    setMsg('#orders-msg', e.message);
  }
  await refresh();
}

// close and refund are merchant calls: the console signs them in the browser
// with the merchant's key and posts them to the mock's XML endpoints.
function keyFor(mchId) {
  const k = state.keys.get(mchId);
  if (!k) throw new Error(`需要商户 ${mchId} 的 API 密钥 · type the API key of merchant ${mchId} under Setup first (it stays in this page)`);
  return k;
}
async function signedCall(o, path, fields) {
  if (!state.wx) throw new Error('wxpay-devkit/web is not embedded in this binary, so the console cannot sign close/refund calls (see the doctor panel)');
  if (o.sandbox) throw new Error('sandbox orders: call the sandbox endpoints from your SDK (the console signs with the production key only)');
  const params = { appid: o.appid, mch_id: o.mch_id, nonce_str: state.wx.nonce(), sign_type: o.sign_type, ...fields };
  params.sign = state.wx.sign(params, keyFor(o.mch_id), o.sign_type);
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: state.wx.toXml(params) });
  const a = state.wx.parseXml(await res.text());
  if (a.return_code !== 'SUCCESS') return `return_code=FAIL ${a.return_msg || ''}`;
  if (a.result_code !== 'SUCCESS') return `${a.err_code}: ${a.err_code_des || ''}`;
  return 'SUCCESS';
}
async function closeOrder(o) {
  try {
    const r = await signedCall(o, '/pay/closeorder', { out_trade_no: o.out_trade_no });
    setMsg('#orders-msg', `closeorder ${o.out_trade_no}: ${r}`, r === 'SUCCESS');
  } catch (e) { setMsg('#orders-msg', e.message); }
  await refresh();
}
async function refund(o, fee) {
  try {
    if (!Number.isInteger(fee) || fee <= 0) throw new Error('refund_fee must be a positive whole number of fen');
    const out_refund_no = `R${Date.now()}`;
    const r = await signedCall(o, '/secapi/pay/refund', { out_trade_no: o.out_trade_no, out_refund_no, total_fee: String(o.total_fee), refund_fee: String(fee) });
    setMsg('#orders-msg', `refund ${out_refund_no}: ${r}`, r === 'SUCCESS');
  } catch (e) { setMsg('#orders-msg', e.message); }
  await refresh();
}

// ------------------------------------------------------------------ notifications

async function loadNotifications() {
  const list = await api('GET', '/mock/notifications');
  list.sort((a, b) => b.id - a.id);
  $('#notif-count').textContent = list.length > MAX_NOTIFS ? `(newest ${MAX_NOTIFS} of ${list.length})` : `(${list.length})`;
  const box = $('#notif-list');
  if (!list.length) {
    box.replaceChildren(el('p', { class: 'muted', text: '还没有通知 · No notifications yet: they start when an order is paid or refunded.' }));
    return;
  }
  box.replaceChildren(...list.slice(0, MAX_NOTIFS).map((n) => el('div', { class: 'card notification', 'data-id': n.id, 'data-state': n.state },
    el('div', { class: 'row' },
      el('strong', {}, `#${n.id} ${n.kind === 'payment' ? '支付 payment' : '退款 refund'}`), stateBadge(n.state),
      el('span', { class: 'mono', text: `${n.out_trade_no}${n.out_refund_no ? ' / ' + n.out_refund_no : ''}` }),
      el('span', { class: 'muted', text: `→ ${n.url}` }),
      el('span', { text: n.next_attempt_at_beijing ? `下次重试 next retry: ${n.next_attempt_at_beijing}` : '' }),
      el('button', { type: 'button', class: 'secondary', onclick: () => redeliver(n.id) }, '重发 Redeliver')),
    el('div', { class: 'scroll' }, el('table', { class: 'attempts' }, el('thead', {}, el('tr', {}, el('th', { text: '#' }), el('th', { text: 'at (Beijing)' }), el('th', { text: 'HTTP' }), el('th', { text: 'accepted' }), el('th', { text: '诊断 diagnosis' }), el('th', { text: 'response excerpt' }))),
      el('tbody', {}, n.attempts.map((a, i) => el('tr', {},
        el('td', { text: String(i + 1) + (a.duplicate ? ' dup' : '') }), el('td', { text: a.at_beijing }),
        el('td', { text: a.http_status == null ? '—' : String(a.http_status) }),
        el('td', {}, a.accepted ? stateBadge('SUCCESS') : el('span', { class: 'state CLOSED', text: 'refused' })),
        el('td', { text: a.reason }), el('td', { class: 'mono', text: a.response_excerpt })))))),
    el('details', {}, el('summary', { text: '通知报文 body' }), el('pre', { text: n.body })))));
}

async function redeliver(id) {
  try {
    const n = await api('POST', `/mock/notifications/${id}/redeliver`);
    setMsg('#notif-msg', `#${id}: ${n.state}`, n.state === 'acknowledged');
  } catch (e) { setMsg('#notif-msg', e.message); }
  await refresh();
}

// ------------------------------------------------------------------ clock

async function loadClock() {
  const c = await api('GET', '/mock/clock');
  $('#clock-now').textContent = c.now_beijing;
  $('#clock-offset').textContent = c.offset_seconds ? `(+${c.offset_seconds} s ahead of real time)` : '(real time)';
}

async function snapshot() {
  const [notifs, orders] = await Promise.all([api('GET', '/mock/notifications'), api('GET', '/mock/orders')]);
  return { attempts: new Map(notifs.map((n) => [n.id, n])), orders: new Map(orders.map((o) => [`${o.mch_id}/${o.out_trade_no}`, o])) };
}

async function advance(seconds, button) {
  const box = $('#clock-due');
  const buttons = document.querySelectorAll('[data-advance]');
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const before = await snapshot();
    const c = await api('POST', '/mock/clock/advance', { seconds });
    const after = await snapshot();
    const lines = [];
    for (const [id, n] of after.attempts) {
      const old = before.attempts.get(id);
      for (const a of n.attempts.slice(old ? old.attempts.length : 0)) {
        lines.push(`通知 #${id} (${n.kind}) attempt at ${a.at_beijing}: ${a.http_status ?? 'no answer'} ${a.accepted ? 'accepted' : 'refused — ' + a.reason}`);
      }
      if (old && old.state !== n.state) lines.push(`通知 #${id}: ${old.state} → ${n.state}`);
    }
    for (const [k, o] of after.orders) {
      const old = before.orders.get(k);
      if (old && old.refunded_fee !== o.refunded_fee) lines.push(`订单 ${o.out_trade_no}: refunded ${old.refunded_fee} → ${o.refunded_fee}`);
      if (old && old.trade_state !== o.trade_state) lines.push(`订单 ${o.out_trade_no}: ${old.trade_state} → ${o.trade_state}`);
    }
    box.replaceChildren(el('p', {}, `+${seconds} s → ${c.now_beijing}. 到期 Became due: ${lines.length ? '' : 'nothing'}`),
      lines.length ? el('ul', {}, lines.map((l) => el('li', { text: l }))) : null);
  } catch (e) {
    box.replaceChildren(el('p', { class: 'msg', text: e.message }));
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
    button.focus();
  }
  await refresh();
}

// ------------------------------------------------------------------ doctor

function parseParams(text) {
  const t = text.trim();
  if (!t) throw new Error('paste the parameters first (XML, JSON or k=v&…)');
  if (t.startsWith('<')) return state.wx.parseXml(t);
  if (t.startsWith('{')) {
    let v;
    try { v = JSON.parse(t); } catch (e) { throw new Error(`not valid JSON: ${e.message}`); }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('the JSON must be an object of parameters');
    return v;
  }
  const out = {};
  for (const part of t.split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    if (i <= 0) throw new Error(`"${part.slice(0, 40)}" is not k=v`);
    out[part.slice(0, i)] = part.slice(i + 1); // kept as written: the doctor detects URL-encoding
  }
  return out;
}

function runDoctor(ev) {
  ev.preventDefault();
  const out = $('#doctor-out');
  try {
    if (!state.doctorReady) throw new Error($('#doctor-status').textContent);
    const params = parseParams($('#doc-params').value);
    const key = $('#doc-key').value;
    if (!key) throw new Error('type the key the signer used (it stays in this page)');
    const claimed = $('#doc-sign').value.trim() || params.sign || params.paySign || '';
    if (!claimed) throw new Error('no claimed sign: fill "Claimed sign" or include a sign/paySign field');
    const opts = {};
    if ($('#doc-type').value) opts.signType = $('#doc-type').value;
    const d = state.wx.diagnose(params, key, claimed, opts);
    out.replaceChildren(
      el('div', { class: `finding ${d.ok ? 'okay' : ''}`, id: 'doctor-verdict' }, d.ok ? '✔ 签名正确 The claimed sign verifies.' : '✘ 签名错误 The claimed sign does not verify.'),
      el('dl', { class: 'kv' },
        el('dt', { text: 'kind / sign type' }), el('dd', { text: `${d.kind} / ${d.signType}` }),
        el('dt', { text: '声称 claimed' }), el('dd', { class: 'mono', id: 'doctor-claimed', text: claimed }),
        el('dt', { text: '正确 expected' }), el('dd', { class: 'mono', id: 'doctor-expected', text: d.expectedSign }),
        el('dt', { text: 'variants tried' }), el('dd', { text: `${d.variantsTried}${d.searchComplete ? '' : ' (search stopped by a cap)'}` })),
      el('label', { text: '待签名串 Canonical string (key masked)' }), el('pre', { id: 'doctor-canonical', text: d.stringToSignMasked }),
      el('h3', { text: `发现 Findings (${d.findings.length})` }),
      ...(d.findings.length ? d.findings.map((f) => el('div', { class: `finding ${f.confirmed ? '' : 'hint'}`, 'data-code': f.code },
        el('div', {}, el('code', { text: f.code }), f.confirmed ? ' — confirmed (reproduces the claimed sign)' : ' — hint'),
        el('div', { text: f.summaryZh }), el('div', { text: f.summary }),
        f.signedString ? el('pre', { text: f.signedString }) : null,
        el('div', {}, el('strong', { text: 'Fix: ' }), f.fix)))
        : [el('p', { class: 'muted', text: d.ok ? 'nothing to fix' : 'no known mistake reproduces the claimed sign: check the key (WRONG_KEY) and the exact parameters sent' })]));
  } catch (e) {
    out.replaceChildren(el('p', { class: 'msg', id: 'doctor-error', text: e.message }));
  }
}

async function loadWeb() {
  const status = $('#doctor-status');
  let info;
  try { info = await api('GET', '/mock/ui/pkg'); } catch (e) { status.textContent = e.message; return; }
  if (!info.embedded.length) {
    status.textContent = '此构建未包含 wxpay-devkit/web · This binary was built without the wxpay-devkit/web package, so the doctor (and signed close/refund) are unavailable. Build it with `bash js/scripts/ci.sh`, then rebuild the mock (`cargo build -p wxpay-mock`).';
    status.className = 'warn';
    return;
  }
  try {
    const wx = await import('/mock/ui/pkg/index.js');
    await wx.init();
    await wx.initDoctor();
    state.wx = wx;
    state.doctorReady = true;
    const kb = info.embedded.reduce((s, f) => s + f.bytes, 0) / 1024;
    status.textContent = `wxpay-devkit/web loaded (${kb.toFixed(0)} KiB, runs locally).`;
  } catch (e) {
    status.textContent = `cannot load wxpay-devkit/web: ${e.message}`;
    status.className = 'msg';
  }
}

// ------------------------------------------------------------------ setup

async function loadSetup() {
  const info = await api('GET', '/mock/');
  state.merchants = info.merchants;
  const base = location.origin;
  const box = $('#setup-merchants');
  box.replaceChildren(el('p', { class: 'muted', text: `${info.server} · base URL ${base}` }),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', { text: 'mch_id' }), el('th', { text: 'appids' }), el('th', { text: 'API 密钥 key (this page only)' }))),
      el('tbody', {}, info.merchants.map((m) => {
        if (m.mch_id === DOC_MERCHANT.mch_id && !state.keys.has(m.mch_id)) state.keys.set(m.mch_id, DOC_MERCHANT.key);
        const id = `key-${m.mch_id}`;
        const shown = el('span', { class: 'mono', text: mask(state.keys.get(m.mch_id)) });
        const input = el('input', { id, type: 'password', autocomplete: 'off', placeholder: 'type to set', 'aria-label': `API key of ${m.mch_id}`,
          onchange: () => { if (input.value) { state.keys.set(m.mch_id, input.value); input.value = ''; shown.textContent = mask(state.keys.get(m.mch_id)); } } });
        return el('tr', {}, el('td', { class: 'mono nowrap', text: m.mch_id }), el('td', { class: 'mono', text: m.appids.join(', ') }), el('td', {}, shown, input));
      }))),
    el('p', { class: 'muted', text: 'Keys are masked and never sent anywhere but into the signature of close/refund calls made from this page. The built-in merchant uses the public documentation key.' }));

  const sw = await api('GET', '/mock/switches');
  $('#setup-switches').replaceChildren(...Object.entries(sw).map(([name, v]) => {
    const id = `sw-${name}`;
    if (typeof v === 'boolean') {
      return el('label', { for: id }, el('input', { id, type: 'checkbox', checked: v, onchange: (e) => setSwitch(name, e.target.checked) }), el('span', { class: 'mono', text: name }));
    }
    return el('label', { for: id }, el('span', { class: 'mono', text: name }),
      el('input', { id, type: 'number', min: '0', value: String(v), style: 'width:6rem', onchange: (e) => setSwitch(name, Number(e.target.value)) }));
  }));

  const m = info.merchants[0] || { mch_id: 'MCH_ID', appids: ['APPID'] };
  const appid = m.appids[0] || 'APPID';
  const snippets = [
    ['wechatpy (Python)', `from wechatpy.pay import WeChatPay\nWeChatPay.API_BASE_URL = "${base}/"\npay = WeChatPay(appid="${appid}", api_key=API_KEY, mch_id="${m.mch_id}")`],
    ['tenpay (Node)', `const tenpay = require('tenpay');\nconst api = new tenpay({ appid: '${appid}', mchid: '${m.mch_id}', partnerKey: API_KEY, notify_url: 'http://127.0.0.1:3000/notify' });\n// tenpay has no base-URL option: rewrite the origin of every endpoint\nfor (const k of Object.keys(api.urls)) api.urls[k] = api.urls[k].replace(/^https:\\/\\/[^/]+/, '${base}');`],
    ['wechatpay-axios-plugin (Node)', `const { Wechatpay } = require('wechatpay-axios-plugin');\nconst wxpay = new Wechatpay({ mchid: '${m.mch_id}', secret: API_KEY, baseURL: '${base}/' /* + the v3 fields the constructor requires */ });\nawait wxpay.v2.pay.unifiedorder.post({ appid: '${appid}', /* … */ });`],
    ['WeChat Pay Java SDK (com.github.wxpay.sdk)', `// WXPayRequest hard-codes https://: put a TLS proxy in front of ${base}\n// and return its host from your IWXPayDomain; disable the auto reporter:\nWXPay wxpay = new WXPay(config, notifyUrl, false /* autoReport */, false /* useSandbox */);`],
  ];
  $('#setup-snippets').replaceChildren(...snippets.map(([title, code]) => el('div', {},
    el('div', { class: 'row' }, el('strong', { text: title }), el('button', { type: 'button', class: 'secondary', onclick: (e) => copy(code, e.target) }, '复制 Copy')),
    el('pre', { text: code }))));
}

async function setSwitch(name, value) {
  try {
    await api('POST', '/mock/switches', { [name]: value });
    setMsg('#switch-msg', `${name} = ${value}`, true);
  } catch (e) {
    setMsg('#switch-msg', e.message);
    await loadSetup();
  }
}

async function copy(text, button) {
  try { await navigator.clipboard.writeText(text); button.textContent = '已复制 Copied'; } catch { button.textContent = 'select and copy by hand'; }
}

// ------------------------------------------------------------------ start

document.querySelectorAll('[data-advance]').forEach((b) => b.addEventListener('click', () => advance(Number(b.dataset.advance), b)));
$('#doctor-form').addEventListener('submit', runDoctor);
loadSetup().catch((e) => setMsg('#switch-msg', e.message));
loadWeb();
live();
