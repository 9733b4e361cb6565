#!/usr/bin/env node
// Runs the dashboard's browser checks in Debian's headless Chromium against a
// running `civicgraph serve --demo`. The Go test TestDashboardInABrowser
// (cmd/civicgraph/dashboard_test.go) starts the server and calls:
//
//   node dashboard.mjs --base http://127.0.0.1:PORT --shots DIR
//        [--write-key KEY] [--scoped-key KEY --scoped-region CODE]
//        [--city CODE] [--only id,id] [--private-base URL]
//
// --private-base is a second server on the same database without --demo
// (anonymous visitors refused), for the shell check's login-first path.
//
// with DASHBOARD_JWT_SECRET set to serve's --jwt-secret, for the JWT login
// (an environment variable: arguments show in process lists).
//
// Every tests/browser/dashboard/<id>.check.mjs exports id and
// check({ page, base, gql, gqlWrite, gqlAs, keys, shot, assert, log, settled,
// open }) and runs on a fresh page at 1366x768 (the demo's anonymous reader:
// page and gql see the same); then the city view is shot at 1366x768
// (dashboard-city.png, the README's) and at 2560x1440 (the wall screen).
//
// The whole run fails when any request goes anywhere but 127.0.0.1 or
// localhost, when the page logs a console error or throws, or when a check
// fails. It prints one line per check and exits 0 only if all passed.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { readdir, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHECK_TIMEOUT_MS = 90_000;
const SETTLE_MS = 30_000;
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--font-render-hinting=none',
];
const LAPTOP = { width: 1366, height: 768 };
const WALL = { width: 2560, height: 1440 };

const args = parseArgs(process.argv.slice(2));
if (!args.base || !args.shots) {
  console.error('usage: node dashboard.mjs --base URL --shots DIR [--write-key KEY] [--scoped-key KEY --scoped-region CODE] [--city CODE] [--only id,id]');
  process.exit(2);
}
const base = args.base.replace(/\/$/, '');
const privateBase = (args['private-base'] || '').replace(/\/$/, '');
const keys = {
  write: args['write-key'] || '',
  scoped: args['scoped-key'] || '',
  scopedRegion: args['scoped-region'] || '',
  jwtSecret: process.env.DASHBOARD_JWT_SECRET || '',
};

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const [k, v] = a.slice(2).split('=', 2);
    out[k] = v ?? argv[++i];
  }
  return out;
}

function log(msg) {
  console.log(msg);
}

// gqlAs sends one GraphQL request as the given credential ('' for the
// demo's anonymous reader) and returns its data, throwing on errors.
async function gqlAs(key, query, variables = {}) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await res.json().catch(() => null);
  if (!body || body.errors?.length || !body.data) {
    throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body?.errors ?? body)}`);
  }
  return body.data;
}
const gql = (q, v) => gqlAs('', q, v);
const gqlWrite = (q, v) => {
  if (!keys.write) throw new Error('no --write-key given: this check needs a key that can write');
  return gqlAs(keys.write, q, v);
};

// settled waits until the view's section has settled and returns its
// data-state ("ready", "empty" or "error").
async function settled(page, timeout = SETTLE_MS) {
  await page.waitForFunction(
    () => {
      const s = document.querySelector('#view section[data-state]');
      return s && ['ready', 'empty', 'error'].includes(s.dataset.state);
    },
    null,
    { timeout },
  );
  return page.evaluate(() => document.querySelector('#view section[data-state]').dataset.state);
}

// open goes to the dashboard with the given query parameters and waits for
// the view to settle; it returns the state.
async function open(page, params) {
  await page.goto(`${base}/dashboard/?${new URLSearchParams(params)}`);
  return settled(page);
}

let browser;
const problems = []; // page-level failures: off-host requests, console errors

// newPage opens a fresh context and page with every guard attached;
// problems found there are charged to the check named by owner.
async function newPage(owner, viewport = LAPTOP) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.protocol === 'blob:' || LOCAL_HOSTS.has(url.hostname)) {
      return route.continue();
    }
    problems.push(`${owner}: the page requested a non-local host: ${url.href}`);
    return route.abort('blockedbyclient');
  });
  // Websockets do not pass route(): watch them separately.
  context.on('page', (p) => watchSockets(p, owner));
  const page = await context.newPage();
  watchSockets(page, owner);
  page.on('pageerror', (err) => problems.push(`${owner}: uncaught page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // Chromium logs every 4xx answer as "Failed to load resource". From
    // /graphql that is the API refusing something (a wrong key in the login
    // check): the page shows it, and the checks assert what it shows.
    if (/^Failed to load resource/.test(msg.text()) && /\/graphql$/.test(msg.location()?.url ?? '')) return;
    problems.push(`${owner}: console error: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.request().method() === 'GET' && res.status() >= 400) problems.push(`${owner}: HTTP ${res.status()} for ${res.url()}`);
  });
  return { context, page };
}

function watchSockets(page, owner) {
  page.on('websocket', (ws) => {
    const url = new URL(ws.url());
    if (!LOCAL_HOSTS.has(url.hostname)) problems.push(`${owner}: websocket to a non-local host: ${ws.url()}`);
  });
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms / 1000} s`)), ms);
    }),
  ]);
}

async function runCheck(file) {
  const mod = await import(pathToFileURL(file).href);
  const id = mod.id || path.basename(file, '.check.mjs');
  const { context, page } = await newPage(id);
  const before = problems.length;
  const started = Date.now();
  const shot = async (name) => {
    await page.screenshot({ path: path.join(args.shots, `${name}.png`) });
  };
  try {
    await withTimeout(
      mod.check({ page, base, privateBase, gql, gqlWrite, gqlAs, keys, shot, assert, log, settled: (p = page) => settled(p), open: (params) => open(page, params) }),
      CHECK_TIMEOUT_MS,
      id,
    );
    if (problems.length > before) throw new Error(problems.slice(before).join('\n'));
    log(`PASS ${id} (${Date.now() - started} ms)`);
    return true;
  } catch (err) {
    log(`FAIL ${id}: ${err?.stack || err}`);
    await page.screenshot({ path: path.join(args.shots, `FAILED-${id}.png`) }).catch(() => {});
    return false;
  } finally {
    await context.close().catch(() => {});
  }
}

// cityShots opens the city's summary cold (a fresh context: nothing
// cached), logs how long the first view took, and saves the README's
// screenshot at 1366x768 and the wall-screen one at 2560x1440.
async function cityShots(city) {
  let ok = true;
  for (const [name, viewport] of [['dashboard-city', LAPTOP], ['dashboard-city-wall', WALL]]) {
    const { context, page } = await newPage(name, viewport);
    const before = problems.length;
    try {
      const t0 = Date.now();
      const st = await open(page, { view: 'summary', region: city });
      const wall = Date.now() - t0;
      const inPage = await page.evaluate(() => window.civicgraphDashboard.timings.firstViewMs);
      assert.equal(st, 'ready', `the city view of ${city} is ready`);
      // Logged, not asserted: wall-clock times depend on the machine.
      log(`first view ${name} (${viewport.width}x${viewport.height}): ${wall} ms from goto to ready, ${inPage} ms from navigation start in the page`);
      await page.screenshot({ path: path.join(args.shots, `${name}.png`) });
      if (problems.length > before) throw new Error(problems.slice(before).join('\n'));
      log(`PASS ${name}`);
    } catch (err) {
      ok = false;
      log(`FAIL ${name}: ${err?.stack || err}`);
    } finally {
      await context.close().catch(() => {});
    }
  }
  return ok;
}

async function main() {
  await mkdir(args.shots, { recursive: true });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 30_000 });
  const dir = path.join(here, 'dashboard');
  const only = args.only ? new Set(args.only.split(',')) : null;
  const files = (await readdir(dir))
    .filter((f) => f.endsWith('.check.mjs'))
    .filter((f) => !only || only.has(f.replace(/\.check\.mjs$/, '')))
    .sort();
  if (!files.length) throw new Error(`no checks in ${dir}`);
  let failed = 0;
  // The city view first: a cold server, as a user meets it.
  const city = args.city || (await gql('{ regions(first: 1, where: {level: {eq: CITY}}, orderBy: [{field: CODE}]) { nodes { code } } }')).regions.nodes[0]?.code;
  if (!only || only.has('city')) {
    if (!(await cityShots(city))) failed++;
  }
  for (const f of files) {
    if (!(await runCheck(path.join(dir, f)))) failed++;
  }
  await browser.close();
  log(failed ? `dashboard: ${failed} failed` : `dashboard: all ${files.length + (only && !only.has('city') ? 0 : 1)} passed`);
  process.exit(failed ? 1 : 0);
}

main().catch(async (err) => {
  console.error(`dashboard: ${err?.stack || err}`);
  if (browser) await browser.close().catch(() => {});
  process.exit(1);
});
