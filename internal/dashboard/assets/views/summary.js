// Summary: the region's headline figures (Region.summary, over its whole
// subtree and all time) and how much of its communities each programme
// reaches (Region.coverage), in one query.

export const id = 'summary';

export const messages = {
  'zh-CN': {
    title: '概览',
    intro: '{region}全域累计数字；覆盖率为辖区社区中被各项工作覆盖的比例。',
    headline: '核心指标',
    coverage: '社区覆盖率',
    coverageNote: '共 {communities} 个社区；市集覆盖按 {from} 至 {to} 的季度统计。',
    communities: '社区',
    villages: '行政村',
    alliances: '党建联盟',
    memberOrganizations: '联盟成员单位',
    partyMembersServing: '在岗志愿党员',
    studios: '书记工作室',
    trainees: '工作室学员',
    electedFromStudios: '学员当选书记',
    peopleServed: '服务群众人次',
    problemsSolved: '解决问题',
    openDemands: '未办结需求',
    withAlliance: '牵头联盟的社区',
    withGraduateSecretary: '书记为工作室学员',
    withMarket: '上季度开展市集',
    share: '占比',
    count: '社区数',
  },
  en: {
    title: 'Summary',
    intro: 'Totals for all of {region}; coverage is the share of its communities each programme reaches.',
    headline: 'Headline figures',
    coverage: 'Community coverage',
    coverageNote: '{communities} communities; the market figure counts the quarter {from} to {to}.',
    communities: 'Communities',
    villages: 'Villages',
    alliances: 'Alliances',
    memberOrganizations: 'Member units',
    partyMembersServing: 'Party members volunteering',
    studios: 'Secretary studios',
    trainees: 'Studio trainees',
    electedFromStudios: 'Trainees elected secretary',
    peopleServed: 'People served',
    problemsSolved: 'Problems solved',
    openDemands: 'Open demands',
    withAlliance: 'Lead an alliance',
    withGraduateSecretary: 'Secretary trained by a studio',
    withMarket: 'Held a market last quarter',
    share: 'Share',
    count: 'Communities',
  },
};

// SUMMARY_FIELDS are shown in this order; tests compare each
// [data-metric=<field>] with the API's Region.summary.<field>.
export const SUMMARY_FIELDS = [
  'peopleServed',
  'problemsSolved',
  'openDemands',
  'communities',
  'villages',
  'alliances',
  'memberOrganizations',
  'partyMembersServing',
  'studios',
  'trainees',
  'electedFromStudios',
];

const COVERAGE = ['withAlliance', 'withGraduateSecretary', 'withMarket'];
const SHARE = { withAlliance: 'allianceShare', withGraduateSecretary: 'graduateSecretaryShare', withMarket: 'marketShare' };

export const QUERY = `query DashboardSummary($code: String!) {
  region(code: $code) {
    code
    name
    summary { ${SUMMARY_FIELDS.join(' ')} }
    coverage {
      communities withAlliance withGraduateSecretary withMarket
      allianceShare graduateSecretaryShare marketShare marketFrom marketTo
    }
  }
}`;

export async function render(root, ctx) {
  const { t, fmt } = ctx;
  const data = await ctx.gql(QUERY, { code: ctx.region });
  const region = data.region;
  if (!region) return ctx.empty(root);

  const head = document.createElement('div');
  const h1 = document.createElement('h1');
  h1.textContent = `${region.name} · ${t('title')}`;
  const intro = document.createElement('p');
  intro.className = 'note';
  intro.textContent = t('intro', { region: region.name });
  head.append(h1, intro);

  const metrics = document.createElement('div');
  metrics.className = 'metrics';
  metrics.setAttribute('aria-label', t('headline'));
  for (const f of SUMMARY_FIELDS) ctx.metric(metrics, f, region.summary[f], t(f));

  const cov = region.coverage;
  const card = document.createElement('div');
  card.className = 'card';
  const h2 = document.createElement('h2');
  h2.textContent = t('coverage');
  const note = document.createElement('p');
  note.className = 'note';
  // marketTo is exclusive: the quarter's last day is the day before.
  const lastDay = new Date(new Date(cov.marketTo).getTime() - 1).toISOString();
  note.textContent = t('coverageNote', { communities: fmt.number(cov.communities), from: fmt.date(cov.marketFrom), to: fmt.date(lastDay) });
  card.append(h2, note);
  const chartEl = document.createElement('div');
  chartEl.setAttribute('aria-label', t('coverage'));
  // Three bars need less height than the shell's default.
  chartEl.style.setProperty('--chart-h', 'clamp(150px, 24vh, 380px)');
  const tableEl = document.createElement('div');
  card.append(chartEl, tableEl);
  root.append(head, metrics, card);

  if (!cov.communities) {
    ctx.empty(chartEl);
    return;
  }
  const labels = COVERAGE.map((k) => t(k));
  ctx.chart(
    chartEl,
    {
      tooltip: { trigger: 'axis', valueFormatter: (v) => `${v}%` },
      grid: { left: 8, right: 48, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', data: labels, inverse: true },
      series: [
        {
          name: t('share'),
          type: 'bar',
          data: COVERAGE.map((k) => round1(cov[SHARE[k]] * 100)),
          label: { show: true, position: 'right', formatter: '{c}%' },
          itemStyle: { color: '#c0392b' },
        },
      ],
    },
    'coverage',
  );
  ctx.table(
    tableEl,
    [
      { key: 'label', label: t('coverage') },
      { key: 'count', label: t('count'), numeric: true },
      { key: 'share', label: t('share'), numeric: true, format: (v) => fmt.percent(v) },
    ],
    COVERAGE.map((k) => ({ key: k, label: t(k), count: cov[k], share: cov[SHARE[k]] })),
    { name: 'coverage' },
  );
}

function round1(x) {
  return Math.round(x * 10) / 10;
}
