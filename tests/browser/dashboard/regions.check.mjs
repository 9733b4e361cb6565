// The regions view: the table of a city's districts equals the API's
// children and their serviceStats/demandStats grouped at that level; a
// click drills down to the district's streets, another to a street's
// communities; the breadcrumb goes back up to the city and the browser's
// back button returns to the street.
export const id = 'regions';

const CHILDREN = `query($code: String!) { region(code: $code) { id level children(first: 500, orderBy: [{field: CODE}]) { nodes { code name } } } }`;
const STATS = `query($id: ID!, $level: RegionLevel) {
  services: serviceStats(where: {withinRegion: $id}, groupBy: [REGION], regionLevel: $level) { region { code } records peopleServed resolved }
  demands: demandStats(where: {withinRegion: $id}, groupBy: [REGION], regionLevel: $level) { region { code } demands }
}`;
const COMMUNITIES = `query($code: String!) { region(code: $code) { id communities(first: 500, orderBy: [{field: CODE}]) { nodes { code name } } } }`;
const COMMUNITY_STATS = `query($id: ID!) {
  services: serviceStats(where: {withinRegion: $id}, groupBy: [COMMUNITY]) { community { code } records peopleServed resolved }
  demands: demandStats(where: {withinRegion: $id}, groupBy: [COMMUNITY]) { community { code } demands }
}`;

async function table(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-table="regions"] tbody tr')].map((tr) => {
      const v = (k) => tr.querySelector(`[data-key="${k}"]`).dataset.value;
      return { code: v('code'), records: Number(v('records')), peopleServed: Number(v('peopleServed')), problemsSolved: Number(v('problemsSolved')), demands: Number(v('demands')) };
    }),
  );
}

function join(nodes, services, demands, key) {
  const s = new Map(services.map((x) => [x[key].code, x]));
  const d = new Map(demands.map((x) => [x[key].code, x]));
  return nodes.map((n) => ({
    code: n.code,
    records: s.get(n.code)?.records ?? 0,
    peopleServed: s.get(n.code)?.peopleServed ?? 0,
    problemsSolved: s.get(n.code)?.resolved ?? 0,
    demands: d.get(n.code)?.demands ?? 0,
  }));
}

const CHILD = { PROVINCE: 'CITY', CITY: 'DISTRICT', DISTRICT: 'STREET' };

async function expectRegion(t, code) {
  const { page, gql, assert } = t;
  const r = (await gql(CHILDREN, { code })).region;
  const st = await gql(STATS, { id: r.id, level: CHILD[r.level] });
  const want = join(r.children.nodes, st.services, st.demands, 'region');
  assert.deepEqual(await table(page), want, `children of ${code} and their figures`);
  assert.deepEqual(
    await page.evaluate(() => window.civicgraphDashboard.charts.regions.series[0].data),
    want.map((w) => w.peopleServed),
    `chart of ${code}`,
  );
  assert.equal(await page.locator('#breadcrumb [aria-current="page"]').getAttribute('data-region'), code, 'the breadcrumb ends at the region');
  return want;
}

async function expectStreet(t, code) {
  const { page, gql, assert } = t;
  const r = (await gql(COMMUNITIES, { code })).region;
  const st = await gql(COMMUNITY_STATS, { id: r.id });
  const want = join(r.communities.nodes, st.services, st.demands, 'community');
  assert.deepEqual(await table(page), want, `communities of ${code} and their figures`);
  return want;
}

async function drill(t, code) {
  await t.page.click(`[data-table="regions"] tbody tr[data-key="${code}"]`);
  await t.page.waitForURL(new RegExp(`region=${code}`));
  t.assert.equal(await t.settled(), 'ready', `drilled into ${code}`);
}

export async function check(t) {
  const { page, gql, assert, log, shot, open } = t;
  const { serviceStats } = await gql(`{ serviceStats(groupBy: [REGION], regionLevel: CITY) { region { code } peopleServed } }`);
  const city = serviceStats.sort((a, b) => b.peopleServed - a.peopleServed)[0].region.code;
  assert.equal(await open({ view: 'regions', region: city }), 'ready');
  const districts = await expectRegion(t, city);
  await shot('regions-city');

  // Down: the busiest district, then its busiest street.
  const district = [...districts].sort((a, b) => b.peopleServed - a.peopleServed)[0].code;
  await drill(t, district);
  const streets = await expectRegion(t, district);
  const street = [...streets].sort((a, b) => b.peopleServed - a.peopleServed)[0].code;
  // This time with the keyboard: rows are focusable and open with Enter.
  await page.focus(`[data-table="regions"] tbody tr[data-key="${street}"]`);
  await page.keyboard.press('Enter');
  await page.waitForURL(new RegExp(`region=${street}`));
  assert.equal(await t.settled(), 'ready', `drilled into ${street} with the keyboard`);
  const communities = await expectStreet(t, street);
  log(`regions: ${city} → ${district} (${streets.length} streets) → ${street} (${communities.length} communities)`);
  await shot('regions-street');
  const crumbs = await page.locator('#breadcrumb [data-region]').evaluateAll((els) => els.map((e) => e.dataset.region));
  assert.deepEqual(crumbs.slice(-3), [city, district, street], 'the breadcrumb shows the path down');

  // Up through the breadcrumb, then back with the browser.
  await page.click(`#breadcrumb button[data-region="${city}"]`);
  await page.waitForURL(new RegExp(`region=${city}(&|$)`));
  assert.equal(await t.settled(), 'ready');
  await expectRegion(t, city);
  await page.goBack();
  await page.waitForURL(new RegExp(`region=${street}`));
  assert.equal(await t.settled(), 'ready');
  await expectStreet(t, street);

  // A community opens its alliance network.
  const community = communities[0].code;
  await page.click(`[data-table="regions"] tbody tr[data-key="${community}"]`);
  await page.waitForURL(/view=network/);
  assert.equal(new URL(page.url()).searchParams.get('community'), community);
  assert.notEqual(await t.settled(), 'loading');
}
