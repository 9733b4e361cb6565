// The demands view: counts by status equal the demands connection's counts
// (another path than the view's demandStats), the times equal demandStats,
// the slowest units are the units with the longest median response, and a
// region without demands shows the empty state.
export const id = 'demands';

// Every demo demand was raised 2021–2024; the page takes inclusive dates,
// the API half-open times.
const FROM = '2021-01-01';
const TO = '2024-12-31';
const FROM_TIME = '2021-01-01T00:00:00+08:00';
const TO_TIME = '2025-01-01T00:00:00+08:00';
const STATUSES = ['OPEN', 'ASSIGNED', 'IN_PROGRESS', 'REOPENED', 'RESOLVED', 'CLOSED'];
const WAIT_MS = 20_000;

async function open(page, base, params) {
  const q = new URLSearchParams({ view: 'demands', from: FROM, to: TO, ...params });
  await page.goto(`${base}/dashboard/?${q}`);
  await page.waitForFunction(() => {
    const s = document.querySelector('#view section[data-state]');
    return s && ['ready', 'empty', 'error'].includes(s.dataset.state);
  }, null, { timeout: WAIT_MS });
  return page.evaluate(() => document.querySelector('#view section[data-state]').dataset.state);
}

const round1 = (h) => (h == null ? null : Math.round(h * 10) / 10);

export async function check({ page, base, gql, shot, assert, log }) {
  // The street with the most demands in the period.
  const { demandStats } = await gql(`query($from: Time!, $to: Time!) {
    demandStats(groupBy: [REGION], regionLevel: STREET, from: $from, to: $to) { region { code id } demands }
  }`, { from: FROM_TIME, to: TO_TIME });
  const street = demandStats.filter((s) => s.region).sort((a, b) => b.demands - a.demands)[0];
  assert.ok(street && street.demands > 0, 'the demo has demands');
  log(`demands: street ${street.region.code} with ${street.demands} demands`);

  assert.equal(await open(page, base, { region: street.region.code }), 'ready');

  // Counts by status, through the demands connection.
  const fields = STATUSES.map((s) => `${s}: demands(where: {withinRegion: $r, status: {eq: ${s}}, raisedAt: {gte: $from, lt: $to}}) { totalCount }`);
  const counts = await gql(`query($r: ID!, $from: Time!, $to: Time!) {
    all: demands(where: {withinRegion: $r, raisedAt: {gte: $from, lt: $to}}) { totalCount }
    ${fields.join('\n')}
  }`, { r: street.region.id, from: FROM_TIME, to: TO_TIME });
  const bars = await page.evaluate(() => window.civicgraphDashboard.charts['demands.status'].series[0].data.map((d) => ({ status: d.status, value: d.value })));
  assert.deepEqual(bars.map((b) => b.status), STATUSES, 'one bar per status, in workflow order');
  for (const b of bars) assert.equal(b.value, counts[b.status].totalCount, `demands ${b.status}`);

  // Absent figures read as null (no waiting: the view has settled).
  const metric = async (name) => {
    const v = await page.evaluate((n) => document.querySelector(`[data-metric="${n}"]`)?.dataset.value ?? null, name);
    return v == null || v === '' ? null : Number(v);
  };
  assert.equal(await metric('demands.total'), counts.all.totalCount, 'total demands');
  assert.equal(await metric('demands.unresolved'),
    counts.all.totalCount - counts.RESOLVED.totalCount - counts.CLOSED.totalCount, 'unresolved demands');

  // Times: the API's percentiles.
  const times = await gql(`query($r: ID!, $from: Time!, $to: Time!) {
    total: demandStats(where: {withinRegion: $r}, groupBy: [], from: $from, to: $to) {
      medianHoursToResponse p90HoursToResponse medianHoursToResolution p90HoursToResolution
    }
    units: demandStats(where: {withinRegion: $r}, groupBy: [ORGANIZATION], from: $from, to: $to) {
      organization { code name } medianHoursToResponse
    }
  }`, { r: street.region.id, from: FROM_TIME, to: TO_TIME });
  for (const f of ['medianHoursToResponse', 'p90HoursToResponse', 'medianHoursToResolution', 'p90HoursToResolution']) {
    assert.equal(await metric(`demands.${f}`), round1(times.total[0][f]), f);
  }

  // Slowest units: the longest median response first.
  const want = times.units.filter((u) => u.organization && u.medianHoursToResponse != null)
    .sort((a, b) => b.medianHoursToResponse - a.medianHoursToResponse || a.organization.code.localeCompare(b.organization.code))
    .slice(0, 10);
  const shown = await page.$$eval('table[data-table="demands.slowest"] tbody tr', (trs) => trs.map((tr) => tr.querySelector('td').textContent.trim()));
  assert.deepEqual(shown, want.map((u) => u.organization.name), 'slowest units in order');
  const firstMedian = await page.$$eval('table[data-table="demands.slowest"] tbody tr:first-child [data-value]',
    (cells) => cells.map((c) => Number(c.dataset.value)));
  assert.ok(firstMedian.includes(round1(want[0].medianHoursToResponse)), 'the slowest unit\'s median is shown');
  await shot('demands');

  // A street without demands: the empty state.
  const { regions } = await gql(`{ regions(where: {level: {eq: STREET}}, first: 200, orderBy: [{field: CODE}]) { nodes { code demands { totalCount } } } }`);
  const bare = regions.nodes.find((r) => r.demands.totalCount === 0);
  assert.ok(bare, 'the demo has a street without demands');
  assert.equal(await open(page, base, { region: bare.code }), 'empty', `street ${bare.code} shows the empty state`);
  await shot('demands-empty');
}
