// The mentor lineage view: the picker lists the region's studios and leads
// to a mentor; the tree holds every step of the lineage the API reports; the
// outcome figures equal the mentorships connection's counts (another path
// than the view's mentorshipStats).
export const id = 'lineage';

const OUTCOMES = ['IN_TRAINING', 'RESERVE_CADRE', 'ELECTED_SECRETARY', 'ELECTED_DEPUTY_SECRETARY', 'PROMOTED', 'LEFT'];
const WAIT_MS = 20_000;

async function settled(page) {
  await page.waitForFunction(() => {
    const s = document.querySelector('#view section[data-state]');
    return s && ['ready', 'empty', 'error'].includes(s.dataset.state);
  }, null, { timeout: WAIT_MS });
  return page.evaluate(() => document.querySelector('#view section[data-state]').dataset.state);
}

async function open(page, base, params) {
  await page.goto(`${base}/dashboard/?${new URLSearchParams({ view: 'lineage', ...params })}`);
  return settled(page);
}

export async function check({ page, base, gql, shot, assert, log }) {
  // A mentor whose trainees trained others: a lineage of two generations or more.
  const { people } = await gql(`{ people(where: {traineeships: {}, mentorships: {}}, first: 1, orderBy: [{field: CODE}]) {
    nodes { code mentors { code name } traineeships(first: 1) { nodes { studio { region { code id } } } } } } }`);
  assert.ok(people.nodes.length > 0, 'the demo has a trainee who became a mentor');
  const mentor = people.nodes[0].mentors[0];
  const street = people.nodes[0].traineeships.nodes[0].studio.region;
  log(`lineage: mentor ${mentor.code}, street ${street.code}`);

  // The picker: one row per studio of the street.
  assert.equal(await open(page, base, { region: street.code }), 'ready');
  const { studios } = await gql(`query($r: ID!) { studios(where: {withinRegion: $r}, first: 100) { totalCount nodes { leadMentor { code } } } }`, { r: street.id });
  const rows = await page.$$('table[data-table="lineage.mentors"] tbody tr');
  assert.equal(rows.length, studios.nodes.filter((s) => s.leadMentor).length, 'one picker row per studio with a lead mentor');
  assert.ok(await page.getByLabel(/选择导师|Choose a mentor/).first().isVisible(), 'the picker has a labelled select');
  await shot('lineage-picker');

  // Clicking a row opens that mentor's lineage (and puts it in the URL).
  await rows[0].click();
  await page.waitForURL(/mentor=/, { timeout: WAIT_MS });
  assert.ok(['ready', 'empty'].includes(await settled(page)), 'the picked mentor renders');

  // The deep lineage.
  assert.equal(await open(page, base, { mentor: mentor.code }), 'ready');
  const { person } = await gql(`query($c: String!) { person(code: $c) {
    mentees { totalCount }
    mentorLineage(depth: 5) { depth mentor { code } trainee { code } }
  } }`, { c: mentor.code });
  const visible = person.mentorLineage.filter((l) => l.mentor && l.trainee);

  // Every step of the lineage is a trainee node in the tree.
  const treeTrainees = await page.evaluate(() => {
    const out = [];
    const walk = (n) => {
      if (n.kind === 'trainee') out.push(n.code);
      for (const c of n.children || []) walk(c);
    };
    for (const root of window.civicgraphDashboard.charts.lineage.series[0].data) walk(root);
    return out;
  });
  assert.equal(treeTrainees.length, visible.length, 'one tree node per lineage step');
  assert.deepEqual([...new Set(treeTrainees)].sort(), [...new Set(visible.map((l) => l.trainee.code))].sort(), 'tree trainees');

  // Absent figures read as null (no waiting: the view has settled).
  const metric = async (name) => {
    const v = await page.evaluate((n) => document.querySelector(`[data-metric="${n}"]`)?.dataset.value ?? null, name);
    return v == null || v === '' ? null : Number(v);
  };
  assert.equal(await metric('lineage.directTrainees'), person.mentees.totalCount, 'direct trainees');
  assert.equal(await metric('lineage.generations'), Math.max(...visible.map((l) => l.depth)), 'generations');
  assert.ok(await metric('lineage.generations') >= 2, 'the chosen lineage nests');

  // Outcomes, through the mentorships connection.
  const fields = OUTCOMES.map((o) => `${o}: mentorships(where: {mentor: {code: {eq: $c}}, outcome: {eq: ${o}}}) { totalCount }`);
  const outcomes = await gql(`query($c: String!) { ${fields.join('\n')} }`, { c: mentor.code });
  for (const o of OUTCOMES) {
    const want = outcomes[o].totalCount;
    assert.equal(await metric(`lineage.outcome.${o}`), want === 0 ? null : want, `outcome ${o}`);
  }
  await shot('lineage');

  // An unknown mentor: the empty state.
  assert.equal(await open(page, base, { mentor: 'NO-SUCH-PERSON' }), 'empty');
}
