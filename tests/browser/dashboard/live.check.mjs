// The live view: once the indicator says live, a service record written
// through the API in the region appears on the page, and one written in
// another region does not.
export const id = 'live';

const WAIT_MS = 20_000;

async function settled(page) {
  await page.waitForFunction(() => {
    const s = document.querySelector('#view section[data-state]');
    return s && ['ready', 'empty', 'error'].includes(s.dataset.state);
  }, null, { timeout: WAIT_MS });
  return page.evaluate(() => document.querySelector('#view section[data-state]').dataset.state);
}

const RECORD = `mutation($in: [ServiceRecordInput!]!, $key: String!) {
  recordServices(input: $in, idempotencyKey: $key) { count records { code } }
}`;

export async function check({ page, base, gql, gqlWrite, shot, assert, log }) {
  // Two communities of different streets.
  const { communities } = await gql(`{ communities(first: 200, orderBy: [{field: CODE}]) { nodes { code region { code } } } }`);
  const inside = communities.nodes.find((c) => c.region);
  const outside = communities.nodes.find((c) => c.region && c.region.code !== inside.region.code);
  assert.ok(inside && outside, 'the demo has communities in two streets');
  const street = inside.region.code;
  log(`live: street ${street}, community ${inside.code}`);

  await page.goto(`${base}/dashboard/?${new URLSearchParams({ view: 'live', region: street })}`);
  assert.equal(await settled(page), 'ready');
  const indicator = page.locator('[data-live-state]');
  assert.equal(await indicator.getAttribute('aria-live'), 'polite', 'the indicator is announced');
  await page.waitForSelector('[data-live-state="live"]', { timeout: WAIT_MS });

  const now = new Date().toISOString();
  const write = (code, community, people) => gqlWrite(RECORD, {
    key: `dashboard-live-check-${code}`,
    in: [{ code, community, occurredAt: now, peopleServed: people, resolved: true }],
  });
  // graphql-transport-ws acknowledges the connection, not the subscription:
  // the server may start following the change feed a moment after the
  // indicator turns live, and a record written before that is not pushed.
  // So a record that does not show within a few seconds is followed by
  // another, within the check's overall bound.
  let here = null;
  let away = null;
  for (let attempt = 1; attempt <= 4 && !here; attempt++) {
    const stamp = `${Date.now()}-${attempt}-${Math.floor(Math.random() * 1e6)}`;
    const awayCode = `LIVE-AWAY-${stamp}`;
    const hereCode = `LIVE-HERE-${stamp}`;
    // The record elsewhere first: when the one here has arrived, the other
    // would have too, had the filter let it through.
    assert.equal((await write(awayCode, outside.code, 2)).recordServices.count, 1);
    assert.equal((await write(hereCode, inside.code, 3)).recordServices.count, 1);
    try {
      await page.locator(`[data-list="live.records"] [data-code="${hereCode}"]`).waitFor({ timeout: 5_000 });
      here = hereCode;
      away = awayCode;
    } catch {
      log(`live: ${hereCode} not pushed within 5 s (attempt ${attempt})`);
    }
  }
  assert.ok(here, 'a record written in the street appears on the page');
  const item = page.locator(`[data-list="live.records"] [data-code="${here}"]`);
  assert.equal(await item.getAttribute('data-value'), '3', 'people served of the arrived record');
  assert.equal(await page.locator(`[data-code="${away}"]`).count(), 0, 'a record of another street is not shown');
  const received = Number(await page.evaluate(() => document.querySelector('[data-metric="live.received"]')?.dataset.value));
  assert.ok(received >= 1, 'the counter counts the arrival');
  assert.equal(await indicator.getAttribute('data-live-state'), 'live');
  await shot('live');
}
