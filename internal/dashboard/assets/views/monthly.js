// Monthly: people served and problems solved per month, by service
// category, in the region's subtree over the period: one serviceStats query
// grouped by CATEGORY and PERIOD (MONTH), drawn as stacked bars (people
// served) and lines (problems solved), with the monthly totals as a table.

export const id = 'monthly';

export const messages = {
  'zh-CN': {
    title: '月度服务',
    intro: '{region}按月、按服务类别统计的服务人次与解决问题数。',
    peopleServed: '服务人次（按类别堆叠）',
    problemsSolved: '解决问题数（按类别）',
    totals: '月度合计',
    month: '月份',
    records: '服务记录',
    people: '服务人次',
    solved: '解决问题',
    rate: '解决率',
    empty: '所选期间内{region}没有服务记录。',
    uncategorized: '未分类',
  },
  en: {
    title: 'Monthly services',
    intro: 'People served and problems solved in {region}, per month and service category.',
    peopleServed: 'People served (stacked by category)',
    problemsSolved: 'Problems solved (by category)',
    totals: 'Monthly totals',
    month: 'Month',
    records: 'Records',
    people: 'People served',
    solved: 'Problems solved',
    rate: 'Resolution rate',
    empty: 'No service records in {region} for this period.',
    uncategorized: 'Uncategorized',
  },
};

export const QUERY = `query DashboardMonthly($where: ServiceRecordWhere, $relative: RelativePeriod, $from: Time, $to: Time) {
  serviceStats(where: $where, groupBy: [CATEGORY, PERIOD], period: MONTH, relative: $relative, from: $from, to: $to) {
    category { code name }
    period { label start }
    records
    peopleServed
    resolved
  }
}`;

// series turns the grouped rows into one array per category aligned with
// the months (0 where a category had no record that month: the API leaves
// empty groups out).
export function series(rows, field, uncategorized = '') {
  const months = monthRange(rows.map((r) => r.period.label));
  const index = new Map(months.map((m, i) => [m, i]));
  const byCategory = new Map();
  for (const r of rows) {
    const key = r.category?.code ?? '';
    if (!byCategory.has(key)) byCategory.set(key, { code: key, name: r.category?.name ?? uncategorized, data: months.map(() => 0) });
    byCategory.get(key).data[index.get(r.period.label)] += r[field];
  }
  // By code, the uncategorized group last.
  const cats = [...byCategory.values()].sort((a, b) => (a.code === '') - (b.code === '') || a.code.localeCompare(b.code));
  return { months, cats };
}

// monthRange is every month from the first label to the last ("YYYY-MM"):
// a month without records is a gap on the axis, not left out of it.
export function monthRange(labels) {
  const sorted = [...new Set(labels)].sort();
  if (!sorted.length) return [];
  const out = [];
  let [y, m] = sorted[0].split('-').map(Number);
  const last = sorted[sorted.length - 1];
  for (let label = sorted[0]; label <= last && out.length < 1200; ) {
    out.push(label);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
    label = `${y}-${String(m).padStart(2, '0')}`;
  }
  return out;
}

export async function render(root, ctx) {
  const { t, fmt } = ctx;
  const region = ctx.regionInfo;
  const data = await ctx.gql(QUERY, { where: { withinRegion: region.id }, ...ctx.periodArgs });
  const rows = data.serviceStats;

  const h1 = document.createElement('h1');
  h1.textContent = `${region.name} · ${t('title')}`;
  const intro = document.createElement('p');
  intro.className = 'note';
  intro.textContent = t('intro', { region: region.name });
  root.append(h1, intro);
  if (!rows.length) {
    const box = document.createElement('div');
    root.append(box);
    ctx.empty(box, t('empty', { region: region.name }));
    return 'empty';
  }

  const grid = document.createElement('div');
  grid.className = 'grid';
  const peopleEl = document.createElement('div');
  const solvedEl = document.createElement('div');
  peopleEl.className = solvedEl.className = 'card';
  grid.append(peopleEl, solvedEl);
  const tableCard = document.createElement('div');
  tableCard.className = 'card';
  root.append(grid, tableCard);

  // Records without a category form a group of their own (code '').
  const people = series(rows, 'peopleServed', t('uncategorized'));
  const solved = series(rows, 'resolved', t('uncategorized'));
  const common = {
    tooltip: { trigger: 'axis' },
    legend: { type: 'scroll', bottom: 0 },
    grid: { left: 8, right: 16, top: 40, bottom: 40, containLabel: true },
    xAxis: { type: 'category', data: people.months },
    yAxis: { type: 'value', minInterval: 1 },
  };
  ctx.chart(
    peopleEl,
    {
      ...common,
      title: { text: t('peopleServed'), left: 0 },
      series: people.cats.map((c) => ({ name: c.name, id: c.code, type: 'bar', stack: 'people', data: c.data, emphasis: { focus: 'series' } })),
    },
    'monthly.peopleServed',
  );
  ctx.chart(
    solvedEl,
    {
      ...common,
      xAxis: { type: 'category', data: solved.months },
      title: { text: t('problemsSolved'), left: 0 },
      series: solved.cats.map((c) => ({ name: c.name, id: c.code, type: 'line', data: c.data, showSymbol: solved.months.length < 40 })),
    },
    'monthly.problemsSolved',
  );

  // The text version of both charts: totals per month.
  const totals = new Map();
  for (const r of rows) {
    const m = totals.get(r.period.label) ?? { key: r.period.label, month: r.period.label, records: 0, people: 0, solved: 0 };
    m.records += r.records;
    m.people += r.peopleServed;
    m.solved += r.resolved;
    totals.set(r.period.label, m);
  }
  const h2 = document.createElement('h2');
  h2.textContent = t('totals');
  tableCard.append(h2);
  ctx.table(
    tableCard,
    [
      { key: 'month', label: t('month') },
      { key: 'records', label: t('records'), numeric: true },
      { key: 'people', label: t('people'), numeric: true },
      { key: 'solved', label: t('solved'), numeric: true },
      { key: 'rate', label: t('rate'), numeric: true, format: (v) => fmt.percent(v) },
    ],
    [...totals.values()].sort((a, b) => a.month.localeCompare(b.month)).map((m) => ({ ...m, rate: m.records ? m.solved / m.records : null })),
    { name: 'monthly.totals' },
  );
}
