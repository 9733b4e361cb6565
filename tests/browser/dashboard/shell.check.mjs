// The shell: the demo banner, the seven views in the navigation, labelled
// controls, and login. Logging in with a region-scoped API key shows that
// principal's region and exactly its numbers (the API's, through the same
// key); a region outside its scope is an error state, not someone else's
// data; the key lives in sessionStorage only; logging out returns to the
// demo's anonymous view. A JWT with the same scope logs in the same way.
// On a server without --demo the page asks for a login before showing
// anything.
import { createHmac } from 'node:crypto';

export const id = 'shell';

// hs256 mints a JWT the way an identity provider sharing serve's
// --jwt-secret would.
function hs256(secret, claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

const SUMMARY = `query($code: String!) { region(code: $code) { summary { peopleServed problemsSolved openDemands communities } } }`;

async function metrics(page) {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-metric]')]
        .filter((el) => ['peopleServed', 'problemsSolved', 'openDemands', 'communities'].includes(el.dataset.metric))
        .map((el) => [el.dataset.metric, Number(el.dataset.value)]),
    ),
  );
}

export async function check(t) {
  const { page, base, gql, gqlAs, keys, assert, log, shot, settled } = t;
  assert.ok(keys.scoped && keys.scopedRegion, 'the runner was given a scoped key and its region');

  // Anonymous (demo): the first top region, written into the URL.
  await page.goto(`${base}/dashboard/`);
  assert.equal(await settled(), 'ready');
  const anonRegion = new URL(page.url()).searchParams.get('region');
  assert.ok(anonRegion, 'the default region is in the URL');
  assert.ok(await page.locator('#demo-banner').isVisible(), 'demo mode shows its banner');
  assert.match(await page.locator('#demo-banner').textContent(), /演示/);
  const nav = await page.locator('#views a').evaluateAll((as) => as.map((a) => a.dataset.view));
  assert.deepEqual(nav, ['summary', 'monthly', 'regions', 'network', 'lineage', 'demands', 'live']);
  assert.equal(await page.locator('#views a[aria-current="page"]').getAttribute('data-view'), 'summary');

  // Every control has an accessible name.
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('button, select, input, a[href]')]
      .filter((el) => el.offsetParent !== null || el.closest('dialog'))
      .filter((el) => {
        if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return false;
        if (el.labels && el.labels.length) return false;
        return !(el.textContent || '').trim();
      })
      .map((el) => el.outerHTML.slice(0, 80)),
  );
  assert.deepEqual(unlabelled, [], 'controls without an accessible name');

  // A wrong key is refused in the dialog.
  await page.click('#login');
  await page.fill('#credential', 'not-a-key');
  await page.click('#login-submit');
  await page.locator('#login-error').waitFor({ state: 'visible' });
  assert.ok(await page.locator('#login-dialog').evaluate((d) => d.open), 'the dialog stays open');

  // The scoped key: its own region and its own numbers.
  await page.fill('#credential', keys.scoped);
  await page.click('#login-submit');
  await page.waitForURL(new RegExp(`region=${keys.scopedRegion}`));
  assert.equal(await settled(), 'ready');
  assert.ok(await page.locator('#logout').isVisible(), 'signed in: the logout button shows');
  const api = (await gqlAs(keys.scoped, SUMMARY, { code: keys.scopedRegion })).region.summary;
  assert.deepEqual(await metrics(page), api, 'the scoped principal sees its own summary');
  const crumbs = await page.locator('#breadcrumb [data-region]').evaluateAll((els) => els.map((e) => e.dataset.region));
  assert.deepEqual(crumbs, [keys.scopedRegion], 'the breadcrumb starts at the principal\'s region');
  const stored = await page.evaluate(() => ({ session: Object.values(sessionStorage), local: Object.values(localStorage) }));
  assert.deepEqual(stored, { session: [keys.scoped], local: [] }, 'the key is kept for the session only');
  log(`shell: scoped principal sees ${keys.scopedRegion}: peopleServed ${api.peopleServed}`);
  await shot('login-scoped');

  // A region outside its scope: an error state, never another's numbers.
  await page.goto(`${base}/dashboard/?view=summary&region=${anonRegion}`);
  assert.equal(await settled(), 'error');
  assert.equal(await page.locator('#view [data-error]').getAttribute('data-error'), 'NOT_FOUND');
  assert.equal(await page.locator('#view [data-metric]').count(), 0);

  // The session survives a reload; logging out forgets it.
  await page.goto(`${base}/dashboard/?view=summary`);
  assert.equal(await settled(), 'ready');
  assert.equal(new URL(page.url()).searchParams.get('region'), keys.scopedRegion);
  await page.click('#logout');
  await page.waitForURL(new RegExp(`region=${anonRegion}`));
  assert.equal(await settled(), 'ready');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'logout clears the session');
  const anon = (await gql(SUMMARY, { code: anonRegion })).region.summary;
  assert.deepEqual(await metrics(page), anon, 'back to the anonymous demo numbers');

  // A JWT: the same dialog, the token's scope, the token's numbers.
  assert.ok(keys.jwtSecret, 'the runner was given the server\'s --jwt-secret');
  const token = hs256(keys.jwtSecret, {
    sub: 'dashboard-check', role: 'ANALYST', scope: `region:${keys.scopedRegion}`, exp: Math.floor(Date.now() / 1000) + 600,
  });
  await page.click('#login');
  await page.fill('#credential', token);
  await page.click('#login-submit');
  await page.waitForURL(new RegExp(`region=${keys.scopedRegion}`));
  assert.equal(await settled(), 'ready');
  const viaJWT = (await gqlAs(token, SUMMARY, { code: keys.scopedRegion })).region.summary;
  assert.deepEqual(await metrics(page), viaJWT, 'the JWT\'s principal sees its own summary');
  await page.click('#logout');
  await page.waitForURL(new RegExp(`region=${anonRegion}`));
  assert.equal(await settled(), 'ready');

  // Not in demo mode: no banner, nothing shown before login, and the
  // login dialog opens by itself.
  assert.ok(t.privateBase, 'the runner was given a server without --demo');
  await page.goto(`${t.privateBase}/dashboard/?view=summary`);
  assert.equal(await settled(), 'error');
  assert.equal(await page.locator('#view [data-error]').getAttribute('data-error'), 'UNAUTHENTICATED');
  assert.ok(await page.locator('#demo-banner').isHidden(), 'no demo banner without demo mode');
  assert.equal(await page.locator('#view [data-metric]').count(), 0);
  assert.ok(await page.locator('#login-dialog').evaluate((d) => d.open), 'the login dialog opens');
  await page.fill('#credential', keys.scoped);
  await page.click('#login-submit');
  await page.waitForURL(new RegExp(`region=${keys.scopedRegion}`));
  assert.equal(await settled(), 'ready');
  assert.deepEqual(await metrics(page), api, 'signed in: the scoped principal\'s numbers');
}
