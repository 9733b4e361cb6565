// The monthly view: the stacked people-served bars and the problems-solved
// lines equal serviceStats grouped by CATEGORY and PERIOD (MONTH) for the
// same region and period, first for all time, then for a custom period set
// through the period picker (inclusive dates in the page, [from, to) in the
// API).
export const id = 'monthly';

const STATS = `query($where: ServiceRecordWhere, $from: Time, $to: Time) {
  serviceStats(where: $where, groupBy: [CATEGORY, PERIOD], period: MONTH, from: $from, to: $to) {
    category { code } period { label } records peopleServed resolved
  }
}`;

// expected is, per category code, month label → value, without zeros.
function expected(rows, field) {
  const out = {};
  for (const r of rows) {
    if (!r[field]) continue;
    (out[r.category?.code ?? ''] ??= {})[r.period.label] = r[field];
  }
  return out;
}

async function shown(page, chart) {
  return page.evaluate((name) => {
    const opt = window.civicgraphDashboard.charts[name];
    const months = opt.xAxis.data;
    const out = {};
    for (const s of opt.series) {
      s.data.forEach((v, i) => {
        if (v) (out[s.id] ??= {})[months[i]] = v;
      });
    }
    return out;
  }, chart);
}

async function compare({ page, gql, assert }, regionId, period, what) {
  const rows = (await gql(STATS, { where: { withinRegion: regionId }, ...period })).serviceStats;
  assert.ok(rows.length > 0, `${what}: the demo has service records`);
  assert.deepEqual(await shown(page, 'monthly.peopleServed'), expected(rows, 'peopleServed'), `${what}: people served per category and month`);
  assert.deepEqual(await shown(page, 'monthly.problemsSolved'), expected(rows, 'resolved'), `${what}: problems solved per category and month`);
  const totals = await page.evaluate(() =>
    [...document.querySelectorAll('[data-table="monthly.totals"] tbody tr')].reduce((n, tr) => n + Number(tr.querySelector('[data-key="people"]').dataset.value), 0),
  );
  assert.equal(totals, rows.reduce((n, r) => n + r.peopleServed, 0), `${what}: the totals table adds up`);
  return rows;
}

export async function check(t) {
  const { page, gql, assert, log, shot, open } = t;
  const { serviceStats } = await gql(`{ serviceStats(groupBy: [REGION], regionLevel: CITY) { region { id code } peopleServed } }`);
  const city = serviceStats.sort((a, b) => b.peopleServed - a.peopleServed)[0].region;
  assert.equal(await open({ view: 'monthly', region: city.code }), 'ready');
  const all = await compare(t, city.id, {}, 'all time');
  log(`monthly: city ${city.code}, ${all.length} category-month groups`);
  await shot('monthly');

  // A custom period through the picker: 2023-03-01 to 2023-08-31 inclusive.
  await page.selectOption('#period-relative', 'CUSTOM');
  await page.fill('#period-from', '2023-03-01');
  await page.fill('#period-to', '2023-08-31');
  await page.click('#period-apply');
  await page.waitForURL(/from=2023-03-01/);
  assert.equal(await t.settled(), 'ready');
  const params = new URL(page.url()).searchParams;
  assert.equal(params.get('to'), '2023-08-31');
  const part = await compare(t, city.id, { from: '2023-03-01T00:00:00+08:00', to: '2023-09-01T00:00:00+08:00' }, 'March to August 2023');
  const labels = new Set(part.map((r) => r.period.label));
  assert.deepEqual([...labels].sort(), ['2023-03', '2023-04', '2023-05', '2023-06', '2023-07', '2023-08'].filter((m) => labels.has(m)));
  assert.ok(labels.has('2023-08') && !labels.has('2023-09'), 'the end date is inclusive and no further');

  // A preset: the picker writes relative= and the page shows what the API
  // has for it (the demo's data is older: an empty state, not a blank chart).
  await page.selectOption('#period-relative', 'THIS_MONTH');
  await page.waitForURL(/relative=THIS_MONTH/);
  const st = await t.settled();
  const now = (await gql(`query($w: ServiceRecordWhere) { serviceStats(where: $w, groupBy: [PERIOD], period: MONTH, relative: THIS_MONTH) { records } }`, { w: { withinRegion: city.id } })).serviceStats;
  assert.equal(st, now.length ? 'ready' : 'empty', 'this month: data or the empty state');
  if (st === 'empty') assert.ok(await page.locator('#view [data-empty]').isVisible(), 'the empty state is shown');
}
