// Helpers for the interop flows: start the wxpay-mock binary on a free
// loopback port, a merchant notify receiver, JSON calls to the mock, and a
// transcript of every body seen, appended to the error of a failing flow.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import test from 'node:test';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The built-in merchant of the mock (WeChat's documentation example). */
export const APPID = 'wxd930ea5d5a258f4f';
export const MCH_ID = '10000100';
export const KEY = '192006250b4c09247ec02edce69f6a2d';
export const SECRET = '7c1d0e5b2f3a4c6d8e9f0a1b2c3d4e5f';

const BODY_CHARS = 3000;
const cut = (s) => (s.length > BODY_CHARS ? `${s.slice(0, BODY_CHARS)}… (${s.length} chars)` : s);

/** Every exchange of one flow; printed when the flow fails. */
export class Transcript {
  constructor() {
    this.entries = [];
  }
  note(...args) {
    const e = format(...args);
    const last = this.entries[this.entries.length - 1];
    if (last && last.text === e) last.times += 1;
    else this.entries.push({ text: e, times: 1 });
  }
  dump() {
    return this.entries
      .map((e, i) => `--- #${i + 1}${e.times > 1 ? ` (${e.times} times)` : ''} ${cut(e.text)}`)
      .join('\n');
  }
}

/**
 * A `node:test` test whose failure carries the transcript of the flow:
 * `flow(name, async (ctx) => …)` where `ctx = { t, transcript, mock }`,
 * the mock being started for the flow and stopped after it.
 */
export function flow(name, fn, { mockArgs = [] } = {}) {
  test(name, async (t) => {
    const transcript = new Transcript();
    const mock = await startMock(mockArgs, transcript);
    try {
      await fn({ t, transcript, mock });
    } catch (e) {
      const dump = `\n===== the flow failed; the exchanges it saw =====\n${transcript.dump()}\n----- mock log -----\n${mock.log()}\n===== end =====`;
      if (e && typeof e === 'object') {
        e.message = `${e.message}${dump}`;
        throw e;
      }
      throw new Error(`${String(e)}${dump}`);
    } finally {
      await mock.stop();
    }
  });
}

/** The mock binary: $WXPAY_MOCK_BIN, else the workspace's debug build. */
export function mockBinary() {
  const bin =
    process.env.WXPAY_MOCK_BIN ||
    `${process.env.CARGO_TARGET_DIR || `${ROOT}target`}/debug/wxpay-mock`;
  if (!existsSync(bin)) {
    throw new Error(
      `the mock binary ${bin} is missing: run "cargo build -p wxpay-mock" (tests/node/run.sh does), or set WXPAY_MOCK_BIN`,
    );
  }
  return bin;
}

/**
 * Starts `wxpay-mock serve --port 0`, reads the URL it prints, and returns
 * `{ url, call, stop, log }`. `call(method, path, body?)` sends JSON (or a
 * string as is) and records it in the transcript.
 */
export async function startMock(args, transcript) {
  const proc = spawn(mockBinary(), ['serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (d) => {
    stderr += d;
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the mock printed no URL within 20 s: ${stdout}${stderr}`)), 20_000);
    proc.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the mock exited (${code}) before listening: ${stdout}${stderr}`));
    });
  });
  const call = async (method, path, body) => {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers['content-type'] = typeof body === 'string' ? 'text/xml' : 'application/json';
    }
    const res = await fetch(`${url}${path}`, init);
    const text = await res.text();
    transcript.note('%s %s\n%s\n=> HTTP %d\n%s', method, path, init.body ?? '', res.status, text);
    return { status: res.status, text, json: () => JSON.parse(text) };
  };
  return {
    url,
    call,
    async json(method, path, body) {
      const r = await call(method, path, body);
      if (r.status !== 200) throw new Error(`${method} ${path}: HTTP ${r.status} ${r.text}`);
      return r.json();
    },
    // eslint-disable-next-line no-control-regex
    log: () => stderr.replace(/\x1b\[[0-9;]*m/g, ''),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await once(proc, 'exit');
      }
    },
  };
}

/**
 * The merchant's notify endpoint: `handlers[path](rawBody) → {status?, type?, body}`
 * (sync or async). Records `{ path, contentType, body, reply }` for every request.
 */
export async function startReceiver(handlers, transcript) {
  const received = [];
  const waiters = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const handler = handlers[req.url] ?? (() => ({ status: 404, body: 'no handler' }));
      let reply;
      try {
        reply = await handler(body);
      } catch (e) {
        reply = { status: 500, body: String(e) };
      }
      const status = reply.status ?? 200;
      res.writeHead(status, { 'content-type': reply.type ?? 'text/xml; charset=utf-8' });
      res.end(reply.body ?? '');
      transcript.note('notify receiver got POST %s (%s)\n%s\n=> replied HTTP %d\n%s', req.url, req.headers['content-type'], body, status, reply.body ?? '');
      received.push({ path: req.url, contentType: req.headers['content-type'], body, reply: { status, body: reply.body ?? '' } });
      for (const w of waiters.splice(0)) w();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    on: (path) => received.filter((r) => r.path === path),
    /** Waits (up to 10 s) for `n` requests on `path`. */
    async waitFor(path, n) {
      const deadline = Date.now() + 10_000;
      while (received.filter((r) => r.path === path).length < n) {
        if (Date.now() > deadline) {
          throw new Error(`waited 10 s for ${n} notifies on ${path}, got ${received.filter((r) => r.path === path).length}`);
        }
        await new Promise((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return received.filter((r) => r.path === path);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Waits (up to 10 s) until the mock has recorded `n` attempts of a notification. */
export async function waitAttempts(mock, query, n) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const list = await mock.json('GET', `/mock/notifications?${query}`);
    if (list.length === 1 && list[0].attempts.length >= n) return list[0];
    if (Date.now() > deadline) throw new Error(`waited 10 s for ${n} attempts (${query}): ${JSON.stringify(list)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `wx.login` then `jscode2session`, as the mini program and its backend do: the openid. */
export async function loginOpenid(mock, user) {
  const { code, openid } = await mock.json('POST', '/mock/login', { appid: APPID, user });
  const s = await mock.json(
    'GET',
    `/sns/jscode2session?appid=${APPID}&secret=${SECRET}&js_code=${code}&grant_type=authorization_code`,
  );
  if (s.openid !== openid) throw new Error(`jscode2session gave ${JSON.stringify(s)}, login said ${openid}`);
  return openid;
}

/** The shared known-answer vectors (vectors/wxpay-v2.json). */
export function vectors() {
  return JSON.parse(readFileSync(`${ROOT}vectors/wxpay-v2.json`, 'utf8'));
}

/** Loads the built npm package (js/dist), with a clear error when it is not built. */
export async function loadDevkit() {
  const entry = `${ROOT}js/dist/node/index.mjs`;
  if (!existsSync(entry)) {
    throw new Error(`the npm package is not built (${entry} is missing): run "bash js/scripts/ci.sh" first`);
  }
  return import(entry);
}
