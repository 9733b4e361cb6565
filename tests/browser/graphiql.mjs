#!/usr/bin/env node
// Smoke-tests the embedded GraphiQL page in Debian's headless Chromium.
// Go tests call it as:
//
//   node graphiql.mjs <pageUrl> <screenshotPath> [query]
//
// It opens the page, refuses any request to a host other than 127.0.0.1 or
// localhost (the page must work on an intranet with no internet), puts the
// query (default "{ __typename }") into the editor, presses the run button
// and waits until the result pane shows JSON with a "data" entry. Then it
// saves a screenshot, prints the result text and exits 0. Any failure, or
// 30 s without success, prints the reason and exits 1.
import { chromium } from 'playwright-core';

const TIMEOUT_MS = 30_000;
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
];

const [pageUrl, screenshotPath, query = '{ __typename }'] = process.argv.slice(2);
if (!pageUrl || !screenshotPath) {
  console.error('usage: node graphiql.mjs <pageUrl> <screenshotPath> [query]');
  process.exit(1);
}

let browser;
let failing = false;

// fail prints why the check failed and exits 1, closing Chromium if it can.
// Only the first failure is reported; later ones are its consequences.
async function fail(message) {
  if (failing) return;
  failing = true;
  console.error(`graphiql: FAIL: ${message}`);
  if (browser) {
    await Promise.race([browser.close().catch(() => {}), sleep(3000)]);
  }
  process.exit(1);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const deadline = setTimeout(() => {
  fail(`no GraphiQL result within ${TIMEOUT_MS / 1000} s (${step})`);
}, TIMEOUT_MS);

let step = 'launching chromium';

// problem fails the run at once: waiting for the editor after, say, a
// blocked asset would only turn a precise message into a timeout.
function problem(message) {
  fail(`${message} (while ${step})`);
}

try {
  // launch's own user data dir is a fresh temporary directory, i.e. the
  // empty --user-data-dir the CI rules ask for.
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    timeout: TIMEOUT_MS,
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });

  // Every request is checked; off-host ones are aborted so that nothing
  // leaves the machine, and the run fails.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.protocol === 'blob:' || LOCAL_HOSTS.has(url.hostname)) {
      return route.continue();
    }
    route.abort('blockedbyclient').catch(() => {});
    problem(`the page requested a non-local host: ${url.href}`);
  });

  const page = await context.newPage();
  page.on('pageerror', (err) => problem(`uncaught page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    console.error(`browser console: ${msg.text()}`);
    if (/Content Security Policy|Refused to/i.test(msg.text())) {
      problem(`blocked by the page's CSP: ${msg.text()}`);
    }
  });
  page.on('requestfailed', (req) => {
    // ERR_ABORTED is the page cancelling its own request (GraphiQL does
    // that when a newer request supersedes one), not a server failure.
    const url = new URL(req.url());
    const reason = req.failure()?.errorText ?? '';
    if (LOCAL_HOSTS.has(url.hostname) && !reason.includes('ERR_ABORTED')) {
      problem(`request failed: ${req.url()} (${reason})`);
    }
  });
  page.on('response', (res) => {
    // The GraphQL endpoint may legitimately answer 4xx for a bad query;
    // anything else the page loads (HTML, JS, CSS) must be 200 or 304.
    const isGraphQL = res.request().method() === 'POST';
    if (!isGraphQL && res.status() >= 400) {
      problem(`HTTP ${res.status()} for ${res.url()}`);
    }
  });

  step = `opening ${pageUrl}`;
  const nav = await page.goto(pageUrl, { waitUntil: 'load' });
  if (!nav || !nav.ok()) {
    await fail(`page answered HTTP ${nav?.status()} for ${pageUrl}`);
  }

  step = 'waiting for the GraphiQL query editor';
  const editor = page.locator('.graphiql-query-editor .CodeMirror').first();
  await editor.waitFor({ state: 'visible' });

  step = 'entering the query';
  const usedApi = await page.evaluate((q) => {
    const cm = document.querySelector('.graphiql-query-editor .CodeMirror')?.CodeMirror;
    if (!cm) return false;
    cm.setValue(q);
    return true;
  }, query);
  if (!usedApi) {
    // Fall back to typing, for editors without a CodeMirror 5 handle.
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(query);
  }

  step = 'running the query';
  await page.locator('button.graphiql-execute-button').first().click();

  step = 'waiting for a result with "data"';
  const result = await waitForResult(page);
  if (!result.includes('"data"')) {
    await fail(`result pane shows no "data" entry:\n${result}`);
  }

  step = 'saving the screenshot';
  await page.screenshot({ path: screenshotPath });
  console.log(result);
  clearTimeout(deadline);
  await browser.close();
  process.exit(0);
} catch (err) {
  await fail(`${step}: ${err?.message || err}`);
}

// waitForResult polls the result pane until it holds text; GraphiQL shows a
// spinner (and an empty editor) while the request is in flight.
async function waitForResult(page) {
  for (;;) {
    const text = await page.evaluate(() => {
      const el = document.querySelector('.result-window .CodeMirror');
      return el?.CodeMirror ? el.CodeMirror.getValue() : (el?.innerText ?? '');
    });
    if (text.trim() !== '') return text;
    await sleep(100);
  }
}
