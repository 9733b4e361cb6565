// A mentor's lineage as a tree: studio → mentor → cohorts → trainees, and the
// trainees who became mentors themselves nest further ("头雁 → 群雁 → 雁阵").
// One request (Person.mentorLineage) draws the tree; a second
// (mentorshipStats by outcome) gives the outcome figures, so the figures come
// from the API's own aggregation rather than from counting tree nodes.
// Without ?mentor= the view is a picker of the studios' lead mentors in the
// region. Lineage spans every cohort: the period does not apply.

import { el, injectStyle } from './dom.js';

export const id = 'lineage';

// Bounds: generations drawn, and studios offered by the picker.
const MAX_DEPTH = 5;
const MAX_STUDIOS = 60;
const MAX_TABLE_ROWS = 300;

const OUTCOMES = ['IN_TRAINING', 'RESERVE_CADRE', 'ELECTED_SECRETARY', 'ELECTED_DEPUTY_SECRETARY', 'PROMOTED', 'LEFT'];
const OUTCOME_COLORS = {
  IN_TRAINING: '#5470c6',
  RESERVE_CADRE: '#91cc75',
  ELECTED_SECRETARY: '#c23531',
  ELECTED_DEPUTY_SECRETARY: '#ee6666',
  PROMOTED: '#fac858',
  LEFT: '#9aa5b1',
};

export const messages = {
  'zh-CN': {
    title: '导师传承',
    description: '工作室 → 导师 → 届次 → 学员；学员成为导师后继续向下延伸',
    chartLabel: '导师传承树',
    pick: '选择导师',
    pickHint: '选择一位工作室领衔导师查看其传承树',
    studio: '工作室',
    mentor: '导师',
    mentorships: '带教人次',
    lineageSize: '传承总人数',
    generations: '代数',
    directTrainees: '直接带教学员',
    cohort: '{year} 届',
    cohortUnknown: '届次未知',
    traineeLabel: '{name}（{detail}）',
    generation: '代',
    trainee: '学员',
    cohortYear: '届次',
    outcome: '结果',
    outcomeYear: '结果年份',
    outcome_IN_TRAINING: '培养中',
    outcome_RESERVE_CADRE: '后备干部',
    outcome_ELECTED_SECRETARY: '当选书记',
    outcome_ELECTED_DEPUTY_SECRETARY: '当选副书记',
    outcome_PROMOTED: '晋升',
    outcome_LEFT: '离开',
    outcome_NONE: '未记录',
    noStudios: '该区域没有培养工作室',
    noLineage: '{name} 没有带教记录',
    notFound: '未找到人员：{code}',
    back: '返回导师列表',
    allYears: '包含全部届次，不受所选期间影响。',
    truncatedStudios: '工作室过多：共 {total} 个，仅显示前 {shown} 个',
    truncatedRows: '学员过多：共 {total} 人，表格仅列出前 {shown} 人',
    tableCaption: '传承明细（图表的文字版）',
    hidden: '{n} 条带教记录的导师不在您的可见范围内，未画出',
    region: '街道',
  },
  en: {
    title: 'Mentor lineage',
    description: 'Studio → mentor → cohorts → trainees; trainees who became mentors nest further',
    chartLabel: 'Mentor lineage tree',
    pick: 'Choose a mentor',
    pickHint: "Choose a studio's lead mentor to see their lineage",
    studio: 'Studio',
    mentor: 'Mentor',
    mentorships: 'Mentorships',
    lineageSize: 'People in the lineage',
    generations: 'Generations',
    directTrainees: 'Trained directly',
    cohort: 'Cohort {year}',
    cohortUnknown: 'Cohort unknown',
    traineeLabel: '{name} ({detail})',
    generation: 'Generation',
    trainee: 'Trainee',
    cohortYear: 'Cohort',
    outcome: 'Outcome',
    outcomeYear: 'Outcome year',
    outcome_IN_TRAINING: 'In training',
    outcome_RESERVE_CADRE: 'Reserve cadre',
    outcome_ELECTED_SECRETARY: 'Elected secretary',
    outcome_ELECTED_DEPUTY_SECRETARY: 'Elected deputy secretary',
    outcome_PROMOTED: 'Promoted',
    outcome_LEFT: 'Left',
    outcome_NONE: 'Not recorded',
    noStudios: 'No training studio in this region',
    noLineage: '{name} has not trained anyone',
    notFound: 'No person with code {code}',
    back: 'Back to the mentors',
    allYears: 'All cohorts; the period does not apply.',
    truncatedStudios: 'Too many studios: {total} in all, showing the first {shown}',
    truncatedRows: 'Too many trainees: {total} in all, the table lists the first {shown}',
    tableCaption: 'Lineage details (text version of the chart)',
    hidden: '{n} mentorships whose mentor you may not see are not drawn',
    region: 'Street',
  },
};

const REGION_QUERY = `query LineageRegion($code: String!) {
  region(code: $code) { id code name }
}`;

const STUDIOS_QUERY = `query LineageStudios($where: StudioWhere, $first: Int!) {
  studios(where: $where, first: $first, orderBy: [{field: CODE}]) {
    totalCount
    nodes {
      code name
      region { name }
      leadMentor { code name }
      mentorships { totalCount }
    }
  }
}`;

const LINEAGE_QUERY = `query Lineage($code: String!, $depth: Int!) {
  person(code: $code) {
    code name
    mentorLineage(depth: $depth) {
      depth
      mentor { code name }
      trainee { code name }
      mentorship { code studio { code name } cohortYear outcome outcomeYear }
    }
  }
}`;

const OUTCOME_QUERY = `query LineageOutcomes($mentor: String!) {
  mentorshipStats(where: {mentor: {code: {eq: $mentor}}}, groupBy: [OUTCOME]) {
    outcome mentorships trainees
  }
}`;

const STYLE = `
.cg-lineage .cg-lineage-metrics { display: flex; flex-wrap: wrap; gap: 1rem; margin-bottom: .75rem; }
.cg-lineage .cg-lineage-note { color: #666; font-size: .875rem; }
.cg-lineage .cg-lineage-notes { color: #8a5a00; }
.cg-lineage .cg-lineage-pick { display: flex; gap: .5rem; align-items: center; margin-bottom: .75rem; flex-wrap: wrap; }
.cg-lineage details { margin-top: 1rem; }
`;

// shortStudio keeps nested cohort labels from running over the column to
// their left: the demo's studio names repeat a long fixed title.
function shortStudio(name) {
  const short = name.replace('优秀社区党委书记培养工作室', '工作室');
  return short.length > 14 ? `${short.slice(0, 13)}…` : short;
}

function outcomeLabel(ctx, outcome) {
  return ctx.t(`outcome_${outcome || 'NONE'}`);
}

async function renderPicker(root, ctx) {
  let where = null;
  if (ctx.region) {
    // The shell has usually looked the region up already (ctx.regionInfo).
    const region = ctx.regionInfo?.id ? ctx.regionInfo : (await ctx.gql(REGION_QUERY, { code: ctx.region })).region;
    if (!region) {
      ctx.empty(root, ctx.t('noStudios'));
      return 'empty';
    }
    where = { withinRegion: region.id };
  }
  const { studios } = await ctx.gql(STUDIOS_QUERY, { where, first: MAX_STUDIOS });
  const rows = studios.nodes.filter((s) => s.leadMentor);
  if (rows.length === 0) {
    ctx.empty(root, ctx.t('noStudios'));
    return 'empty';
  }

  const pick = el('div', { class: 'cg-lineage-pick' });
  const label = el('label', { for: 'cg-lineage-mentor' }, ctx.t('pick'));
  const select = el('select', { id: 'cg-lineage-mentor', name: 'mentor' });
  select.appendChild(el('option', { value: '' }, `— ${ctx.t('pick')} —`));
  for (const s of rows) {
    select.appendChild(el('option', { value: s.leadMentor.code }, `${s.leadMentor.name} · ${s.name}`));
  }
  select.addEventListener('change', () => { if (select.value) ctx.navigate({ mentor: select.value }); });
  pick.append(label, select);
  root.appendChild(pick);
  root.appendChild(el('p', { class: 'cg-lineage-note' }, ctx.t('pickHint')));
  if (studios.totalCount > studios.nodes.length) {
    root.appendChild(el('p', { class: 'cg-lineage-notes', role: 'status' },
      ctx.t('truncatedStudios', { total: studios.totalCount, shown: studios.nodes.length })));
  }
  const tableBox = el('div');
  root.appendChild(tableBox);
  ctx.table(tableBox, [
    { key: 'mentor', label: ctx.t('mentor') },
    { key: 'studio', label: ctx.t('studio') },
    { key: 'region', label: ctx.t('region') },
    { key: 'mentorships', label: ctx.t('mentorships'), numeric: true },
  ], rows.map((s) => ({
    code: s.leadMentor.code,
    mentor: s.leadMentor.name,
    studio: s.name,
    region: s.region ? s.region.name : '',
    mentorships: s.mentorships.totalCount,
  })), { name: 'lineage.mentors', onRowClick: (row) => ctx.navigate({ mentor: row.code }) });
  return 'ready';
}

// buildTree nests the flat lineage links: the mentor's own trainees grouped
// by studio and cohort; below each trainee who mentored in turn, their
// trainees directly (cohort and studio in the label and tooltip: another
// level of cohort nodes would crowd the columns of a deep tree).
function buildTree(ctx, person, links) {
  const byMentor = new Map();
  for (const l of links) {
    if (!l.mentor || !l.trainee) continue;
    if (!byMentor.has(l.mentor.code)) byMentor.set(l.mentor.code, []);
    byMentor.get(l.mentor.code).push(l);
  }
  const byCohort = (a, b) => (a.mentorship.cohortYear ?? 0) - (b.mentorship.cohortYear ?? 0)
    || a.mentorship.studio.code.localeCompare(b.mentorship.studio.code)
    || a.trainee.code.localeCompare(b.trainee.code);
  const cohortLabel = (year) => (year == null ? ctx.t('cohortUnknown') : ctx.t('cohort', { year }));

  const traineeNode = (l, nestedLabel, seen) => {
    const code = l.trainee.code;
    const m = l.mentorship;
    const outcome = outcomeLabel(ctx, m.outcome) + (m.outcomeYear ? ` ${m.outcomeYear}` : '');
    const detail = nestedLabel ? `${cohortLabel(m.cohortYear)} · ${outcome}` : outcome;
    // A cycle in the data must not hang the page: each person nests once.
    const own = seen.has(code) ? [] : (byMentor.get(code) || []).slice().sort(byCohort);
    const next = new Set([...seen, code]);
    return {
      name: ctx.t('traineeLabel', { name: l.trainee.name, detail }),
      kind: 'trainee',
      code,
      depth: l.depth,
      outcome: m.outcome,
      tip: [l.trainee.name, `${m.studio.name} · ${cohortLabel(m.cohortYear)}`, outcome],
      itemStyle: { color: OUTCOME_COLORS[m.outcome] || '#ccc' },
      children: own.map((c) => traineeNode(c, true, next)),
    };
  };

  // The mentor's own cohorts; the studio is named when there are several.
  const studios = new Map();
  for (const l of byMentor.get(person.code) || []) studios.set(l.mentorship.studio.code, l.mentorship.studio);
  const groups = new Map();
  for (const l of (byMentor.get(person.code) || []).slice().sort(byCohort)) {
    const key = `${l.mentorship.studio.code}|${l.mentorship.cohortYear ?? ''}`;
    if (!groups.has(key)) groups.set(key, { studio: l.mentorship.studio, year: l.mentorship.cohortYear, links: [] });
    groups.get(key).links.push(l);
  }
  const seen = new Set([person.code]);
  const cohorts = [...groups.values()].map((g) => ({
    name: studios.size > 1 ? `${cohortLabel(g.year)} · ${shortStudio(g.studio.name)}` : cohortLabel(g.year),
    kind: 'cohort',
    tip: [g.studio.name, cohortLabel(g.year)],
    itemStyle: { color: '#d48265' },
    children: g.links.map((l) => traineeNode(l, false, seen)),
  }));
  const mentorNode = { name: person.name, kind: 'mentor', code: person.code, itemStyle: { color: '#2f4554' }, children: cohorts };
  if (studios.size === 1) {
    const [studio] = studios.values();
    return { name: shortStudio(studio.name), tip: [studio.name], kind: 'studio', itemStyle: { color: '#c23531' }, children: [mentorNode] };
  }
  return mentorNode;
}

// escapeHTML: ECharts tooltips are HTML, names are data.
function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function countLeaves(node) {
  if (!node.children || node.children.length === 0) return 1;
  return node.children.reduce((s, c) => s + countLeaves(c), 0);
}

async function renderLineage(root, ctx, code) {
  const [{ person }, { mentorshipStats }] = await Promise.all([
    ctx.gql(LINEAGE_QUERY, { code, depth: MAX_DEPTH }),
    ctx.gql(OUTCOME_QUERY, { mentor: code }),
  ]);
  const back = el('p');
  const backButton = el('button', { type: 'button' }, ctx.t('back'));
  backButton.addEventListener('click', () => ctx.navigate({ mentor: null }));
  back.appendChild(backButton);

  // ctx.empty replaces the section's content: the way back goes in after.
  if (!person) {
    ctx.empty(root, ctx.t('notFound', { code }));
    root.appendChild(back);
    return 'empty';
  }
  const links = person.mentorLineage;
  const direct = links.filter((l) => l.depth === 1);
  if (direct.length === 0) {
    ctx.empty(root, ctx.t('noLineage', { name: person.name }));
    root.appendChild(back);
    return 'empty';
  }
  root.appendChild(back);

  const metrics = el('div', { class: 'cg-lineage-metrics' });
  root.appendChild(metrics);
  const distinct = (ls) => new Set(ls.filter((l) => l.trainee).map((l) => l.trainee.code)).size;
  const figures = [
    ['lineage.directTrainees', distinct(direct), ctx.t('directTrainees')],
    ['lineage.size', distinct(links), ctx.t('lineageSize')],
    ['lineage.generations', Math.max(...links.map((l) => l.depth)), ctx.t('generations')],
  ];
  // Outcomes of the mentor's own trainees, as the API aggregates them.
  const byOutcome = new Map(mentorshipStats.map((s) => [s.outcome, s.mentorships]));
  for (const o of OUTCOMES) {
    if (byOutcome.has(o)) figures.push([`lineage.outcome.${o}`, byOutcome.get(o), outcomeLabel(ctx, o)]);
  }
  for (const [name, value, label] of figures) {
    const box = el('div');
    metrics.appendChild(box);
    ctx.metric(box, name, value, label);
  }

  const hidden = links.filter((l) => !l.mentor || !l.trainee).length;
  if (hidden > 0) root.appendChild(el('p', { class: 'cg-lineage-notes', role: 'status' }, ctx.t('hidden', { n: hidden })));

  const tree = buildTree(ctx, person, links);
  const leaves = countLeaves(tree);
  const chartBox = el('div');
  // Height follows the number of leaves so names do not overlap (the shell
  // sizes charts by --chart-h).
  chartBox.style.setProperty('--chart-h', `${Math.max(420, Math.min(4000, leaves * 24 + 80))}px`);
  root.appendChild(chartBox);
  ctx.chart(chartBox, {
    // The title also names the chart for screen readers and its PNG.
    title: { text: `${ctx.t('chartLabel')} · ${person.name}`, left: 'center', textStyle: { fontSize: 14 } },
    aria: { enabled: true },
    tooltip: {
      trigger: 'item',
      triggerOn: 'mousemove',
      formatter: (p) => (p.data.tip || [p.name]).map(escapeHTML).join('<br>'),
    },
    series: [{
      type: 'tree',
      name: ctx.t('title'),
      data: [tree],
      orient: 'LR',
      top: 48,
      bottom: 20,
      left: 160,
      right: 260,
      symbolSize: 9,
      initialTreeDepth: -1,
      expandAndCollapse: true,
      label: { position: 'left', verticalAlign: 'middle', align: 'right', fontSize: 12 },
      leaves: { label: { position: 'right', verticalAlign: 'middle', align: 'left' } },
      animationDuration: 300,
    }],
  }, 'lineage');
  root.appendChild(el('p', { class: 'cg-lineage-note' }, ctx.t('allYears')));

  const details = el('details');
  details.appendChild(el('summary', {}, ctx.t('tableCaption')));
  const tableBox = el('div');
  details.appendChild(tableBox);
  root.appendChild(details);
  const visible = links.filter((l) => l.mentor && l.trainee);
  if (visible.length > MAX_TABLE_ROWS) {
    details.appendChild(el('p', { class: 'cg-lineage-notes' }, ctx.t('truncatedRows', { total: visible.length, shown: MAX_TABLE_ROWS })));
  }
  ctx.table(tableBox, [
    { key: 'depth', label: ctx.t('generation'), numeric: true },
    { key: 'mentor', label: ctx.t('mentor') },
    { key: 'trainee', label: ctx.t('trainee') },
    { key: 'studio', label: ctx.t('studio') },
    { key: 'cohortYear', label: ctx.t('cohortYear'), numeric: true },
    { key: 'outcome', label: ctx.t('outcome') },
    { key: 'outcomeYear', label: ctx.t('outcomeYear'), numeric: true },
  ], visible.slice(0, MAX_TABLE_ROWS).map((l) => ({
    code: l.trainee.code,
    depth: l.depth,
    mentor: l.mentor.name,
    trainee: l.trainee.name,
    studio: l.mentorship.studio.name,
    cohortYear: l.mentorship.cohortYear,
    outcome: outcomeLabel(ctx, l.mentorship.outcome),
    outcomeYear: l.mentorship.outcomeYear,
  })), {
    name: 'lineage',
    // A trainee who mentors others becomes the root of their own tree.
    onRowClick: (row) => ctx.navigate({ mentor: row.code }),
  });
  return 'ready';
}

export async function render(root, ctx) {
  injectStyle(id, STYLE);
  root.classList.add('cg-lineage');
  const mentor = ctx.params.get('mentor');
  return mentor ? renderLineage(root, ctx, mentor) : renderPicker(root, ctx);
}
