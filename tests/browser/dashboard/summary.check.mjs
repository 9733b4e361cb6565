// The summary view: every headline figure equals Region.summary and the
// coverage chart and table equal Region.coverage, for a city and for one of
// its streets; the language switch keeps the numbers and changes the words.
export const id = 'summary';

const SUMMARY = `query($code: String!) { region(code: $code) {
  summary { communities villages alliances memberOrganizations partyMembersServing studios trainees electedFromStudios peopleServed problemsSolved openDemands }
  coverage { communities withAlliance withGraduateSecretary withMarket allianceShare graduateSecretaryShare marketShare }
} }`;

async function metricsOf(page) {
  return page.evaluate(() =>
    Object.fromEntries([...document.querySelectorAll('[data-metric]')].map((el) => [el.dataset.metric, Number(el.dataset.value)])),
  );
}

async function compare({ page, gql, assert, open }, code) {
  assert.equal(await open({ view: 'summary', region: code }), 'ready', `summary of ${code} is ready`);
  const api = (await gql(SUMMARY, { code })).region;
  const shown = await metricsOf(page);
  assert.deepEqual(shown, api.summary, `headline figures of ${code}`);
  const cov = await page.evaluate(() => {
    const rows = [...document.querySelectorAll('[data-table="coverage"] tbody tr')];
    return Object.fromEntries(rows.map((tr) => [tr.dataset.key, Number(tr.querySelector('[data-key="count"]').dataset.value)]));
  });
  assert.deepEqual(cov, {
    withAlliance: api.coverage.withAlliance,
    withGraduateSecretary: api.coverage.withGraduateSecretary,
    withMarket: api.coverage.withMarket,
  }, `coverage counts of ${code}`);
  if (api.coverage.communities > 0) {
    const bars = await page.evaluate(() => window.civicgraphDashboard.charts.coverage.series[0].data);
    const pct = (x) => Math.round(x * 1000) / 10;
    assert.deepEqual(bars, [pct(api.coverage.allianceShare), pct(api.coverage.graduateSecretaryShare), pct(api.coverage.marketShare)], `coverage chart of ${code}`);
  }
  return api;
}

export async function check(t) {
  const { page, gql, assert, log, shot } = t;
  const { regions } = await gql(`{ regions(first: 50, where: {level: {eq: CITY}}, orderBy: [{field: CODE}]) {
    nodes { code children(first: 1, orderBy: [{field: CODE}]) { nodes { code children(first: 1, orderBy: [{field: CODE}]) { nodes { code } } } } } } }`);
  const city = regions.nodes.find((c) => c.children.nodes[0]?.children.nodes.length) ?? regions.nodes[0];
  const api = await compare(t, city.code);
  log(`summary: city ${city.code}: peopleServed ${api.summary.peopleServed}, communities ${api.summary.communities}`);
  await shot('summary');

  // Each chart saves as PNG.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-chart="coverage"] button.save')]);
  assert.equal(download.suggestedFilename(), 'coverage.png');
  const png = await download.createReadStream().then(async (s) => {
    const chunks = [];
    for await (const c of s) chunks.push(c);
    return Buffer.concat(chunks);
  });
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the download is a PNG');
  const street = city.children.nodes[0]?.children.nodes[0]?.code;
  if (street) await compare(t, street);

  // English: same numbers, English words.
  await page.selectOption('#lang', 'en');
  assert.equal(await t.settled(), 'ready');
  assert.match(new URL(page.url()).search, /lang=en/);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.equal(await page.locator('[data-metric="peopleServed"] .label').textContent(), 'People served');
  await page.goBack();
  assert.equal(await t.settled(), 'ready');
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN', 'back returns to Chinese');
}
