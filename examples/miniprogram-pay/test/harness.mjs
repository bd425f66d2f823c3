// Renders the pay page with miniprogram-simulate in a jsdom window, and
// starts the mock, the example backend and the wx runtime for a test.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { JSDOM } from 'jsdom';
import { installWx } from 'wxpay-devkit/wx-runtime';
import { startBackend } from '../backend/server.mjs';

const require = createRequire(import.meta.url);
const PAGE = fileURLToPath(new URL('../miniprogram/pages/pay/pay', import.meta.url));
export const SHOP = 'https://shop.example.com';

let simulate;
let pageId;
/** miniprogram-simulate needs a DOM before it is required (jest gives it one; node --test does not). */
export function loadSimulate() {
  if (simulate) return simulate;
  const { window } = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
  globalThis.window = window;
  globalThis.document = window.document;
  // Node has its own Event; j-component dispatches jsdom events, so jsdom's must win.
  for (const k of ['Node', 'Element', 'HTMLElement', 'Event', 'CustomEvent']) globalThis[k] = window[k];
  simulate = require('miniprogram-simulate');
  return simulate;
}

/** Renders the page; `page.tap()` clicks Pay, `page.settled()` waits for the final status. */
export function renderPage() {
  const sim = loadSimulate();
  // Loaded once per process (a second load of the same path registers nothing);
  // compiler 'simulate': the pure-JS WXML compiler (the official one is a native binary).
  pageId ??= sim.load(PAGE, { compiler: 'simulate' });
  const comp = sim.render(pageId);
  comp.attach(document.createElement('parent-wrapper'));
  const text = (sel) => {
    const el = comp.querySelector(sel);
    return el ? el.dom.textContent.trim() : '';
  };
  return {
    comp,
    text,
    tap: () => comp.querySelector('.pay').dispatchEvent('tap'),
    async settled() {
      const deadline = Date.now() + 10_000;
      while (['ready', 'paying'].includes(text('.status'))) {
        if (Date.now() > deadline) throw new Error(`the page still shows "${text('.status')}" after 10 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return { status: text('.status'), message: text('.message') };
    },
  };
}

/** The backend (optionally broken) and the wx runtime, for one test; `close()` undoes both. */
export async function shop(mock, { broken = null, user = 'alice' } = {}) {
  const backend = await startBackend({ mock: mock.url, broken });
  const rt = installWx({ mock: mock.url, user, hosts: { [SHOP]: backend.url } });
  return {
    backend,
    rt,
    async close() {
      rt.uninstall();
      await backend.close();
    },
  };
}
