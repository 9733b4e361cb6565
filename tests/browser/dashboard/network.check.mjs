// The alliance network view: nodes and their figures equal what the API
// answers, through other paths than the view's own query (each node's
// serviceRecords aggregate rather than serviceStats), memberships that ended
// are left out, the community scope narrows the graph, and a region without
// alliances shows the empty state.
export const id = 'network';

// The demo's service data ends in 2024; a whole year of it gives every node a
// figure. The page takes inclusive dates; the API half-open times.
const FROM = '2024-01-01';
const TO = '2024-12-31';
const FROM_TIME = '2024-01-01T00:00:00+08:00';
const TO_TIME = '2025-01-01T00:00:00+08:00';

const WAIT_MS = 20_000;

async function open(page, base, params) {
  const q = new URLSearchParams({ view: 'network', from: FROM, to: TO, ...params });
  await page.goto(`${base}/dashboard/?${q}`);
  await page.waitForFunction(() => {
    const s = document.querySelector('#view section[data-state]');
    return s && ['ready', 'empty', 'error'].includes(s.dataset.state);
  }, null, { timeout: WAIT_MS });
  return page.evaluate(() => document.querySelector('#view section[data-state]').dataset.state);
}

function graphNodes(page) {
  return page.evaluate(() => {
    const chart = window.civicgraphDashboard.charts.network;
    return chart.series[0].data.map((d) => ({ id: d.id, value: d.value, records: d.records }));
  });
}

// served sums people served per node, one aliased aggregate per node.
async function served(gql, kind, codes, allianceCodes) {
  if (codes.length === 0) return new Map();
  const root = { alliance: 'alliance', organization: 'organization', community: 'community' }[kind];
  const where = kind === 'organization'
    ? '{occurredAt: {gte: $from, lt: $to}, alliance: {code: {in: $alliances}}}'
    : '{occurredAt: {gte: $from, lt: $to}}';
  const fields = codes.map((c, i) => `n${i}: ${root}(code: ${JSON.stringify(c)}) { serviceRecords(where: ${where}) { totalCount aggregate { sum { peopleServed } } } }`);
  const vars = kind === 'organization' ? ', $alliances: [String!]!' : '';
  const data = await gql(`query($from: Time!, $to: Time!${vars}) { ${fields.join('\n')} }`,
    { from: FROM_TIME, to: TO_TIME, ...(vars ? { alliances: allianceCodes } : {}) });
  return new Map(codes.map((c, i) => [c, {
    peopleServed: data[`n${i}`].serviceRecords.aggregate.sum.peopleServed ?? 0,
    records: data[`n${i}`].serviceRecords.totalCount,
  }]));
}

export async function check({ page, base, gql, shot, assert, log }) {
  // The street whose alliance served most people in the year.
  const { serviceStats } = await gql(`query($from: Time!, $to: Time!) {
    serviceStats(groupBy: [ALLIANCE], from: $from, to: $to) { alliance { code leadCommunity { code region { code id } } } peopleServed }
  }`, { from: FROM_TIME, to: TO_TIME });
  const best = serviceStats.filter((s) => s.alliance && s.alliance.leadCommunity)
    .sort((a, b) => b.peopleServed - a.peopleServed)[0];
  assert.ok(best, 'the demo has service delivered through an alliance in 2024');
  const street = best.alliance.leadCommunity.region;
  log(`network: street ${street.code}`);

  assert.equal(await open(page, base, { region: street.code }), 'ready');
  const nodes = await graphNodes(page);
  const byKind = (k) => nodes.filter((n) => n.id.startsWith(`${k}:`)).map((n) => n.id.slice(k.length + 1));

  // Alliances: every alliance led in the street, none other.
  const { alliances } = await gql(`query($r: ID!) { alliances(where: {withinRegion: $r}, first: 100) { nodes { code leadCommunity { code } } } }`, { r: street.id });
  const allianceCodes = alliances.nodes.map((a) => a.code).sort();
  assert.deepEqual(byKind('alliance').sort(), allianceCodes, 'alliance nodes');
  assert.deepEqual(byKind('community').sort(), [...new Set(alliances.nodes.map((a) => a.leadCommunity.code))].sort(), 'community nodes');

  // Members: current memberships only.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  const { memberships } = await gql(`query($a: [String!]!) { memberships(where: {alliance: {code: {in: $a}}}, first: 1000) { nodes { leftOn organization { code } } } }`, { a: allianceCodes });
  const current = new Set(memberships.nodes.filter((m) => !m.leftOn || m.leftOn > today).map((m) => m.organization.code));
  const left = memberships.nodes.filter((m) => m.leftOn && m.leftOn <= today && !current.has(m.organization.code));
  assert.deepEqual(byKind('organization').sort(), [...current].sort(), 'member unit nodes are the current members');
  for (const m of left) assert.ok(!byKind('organization').includes(m.organization.code), `${m.organization.code} left and is not drawn`);
  log(`network: ${allianceCodes.length} alliances, ${current.size} current members, ${left.length} former left out`);

  // Figures, per node.
  const figures = new Map();
  for (const [kind, codes] of [['alliance', byKind('alliance')], ['community', byKind('community')], ['organization', byKind('organization')]]) {
    for (const [code, f] of await served(gql, kind, codes, allianceCodes)) figures.set(`${kind}:${code}`, f);
  }
  let total = 0;
  for (const n of nodes) {
    const want = figures.get(n.id);
    assert.equal(n.value, want.peopleServed, `people served of ${n.id}`);
    assert.equal(n.records, want.records, `records of ${n.id}`);
    total += n.value;
  }
  assert.ok(total > 0, 'the chosen street has service in the period');

  // The table alternative lists the same nodes and figures.
  const rows = await page.$$eval('table[data-table="network"] tbody tr', (trs) => trs.length);
  assert.equal(rows, nodes.length, 'one table row per node');
  const metric = async (name) => Number(await page.evaluate((n) => document.querySelector(`[data-metric="${n}"]`)?.dataset.value, name));
  assert.equal(await metric('network.alliances'), allianceCodes.length);
  assert.equal(await metric('network.members'), current.size);
  await shot('network');

  // A community narrows the graph to the alliances it leads.
  const community = best.alliance.leadCommunity.code;
  assert.equal(await open(page, base, { region: street.code, community }), 'ready');
  const narrowed = await graphNodes(page);
  const led = alliances.nodes.filter((a) => a.leadCommunity.code === community).map((a) => a.code).sort();
  assert.deepEqual(narrowed.filter((n) => n.id.startsWith('alliance:')).map((n) => n.id.slice(9)).sort(), led, 'community scope');

  // A region with more alliances than the view draws: it says so, and draws
  // the ones that served most people (ties in code order).
  const { crowded } = await gql(`{ crowded: regions(where: {level: {in: [PROVINCE, CITY, DISTRICT]}}, first: 100) { nodes { code id alliances(first: 100) { totalCount nodes { code } } } } }`);
  const big = crowded.nodes.sort((a, b) => b.alliances.totalCount - a.alliances.totalCount)[0];
  assert.equal(await open(page, base, { region: big.code }), 'ready');
  const shownAlliances = (await graphNodes(page)).filter((n) => n.id.startsWith('alliance:')).map((n) => n.id.slice(9));
  if (shownAlliances.length < big.alliances.totalCount) {
    const note = await page.locator('.cg-network-notes').textContent();
    assert.ok(note.includes(String(big.alliances.totalCount)), `the page says it shows part of ${big.alliances.totalCount} alliances`);
    const all = await served(gql, 'alliance', big.alliances.nodes.map((a) => a.code));
    const ranked = [...all.entries()]
      .sort(([ca, a], [cb, b]) => (b.peopleServed > 0) - (a.peopleServed > 0) || b.peopleServed - a.peopleServed || ca.localeCompare(cb))
      .map(([c]) => c);
    assert.deepEqual(shownAlliances.sort(), ranked.slice(0, shownAlliances.length).sort(), 'the top alliances by people served');
    log(`network: ${big.code} shows ${shownAlliances.length} of ${big.alliances.totalCount} alliances`);
  } else {
    log(`network: ${big.code} has only ${big.alliances.totalCount} alliances; nothing to cut`);
  }

  // A region with no alliance: the empty state, not a blank chart.
  const { regions } = await gql(`{ regions(where: {level: {eq: DISTRICT}}, first: 100) { nodes { code alliances { totalCount } } } }`);
  const bare = regions.nodes.find((r) => r.alliances.totalCount === 0);
  assert.ok(bare, 'the demo has a district without alliances');
  assert.equal(await open(page, base, { region: bare.code }), 'empty', `district ${bare.code} shows the empty state`);
  await shot('network-empty');
}
