// Regions: the region's children (districts, streets, or a street's
// communities) with their figures for the period, as a table and a bar
// chart. Clicking a child drills down into it (the breadcrumb goes back
// up); a community opens its alliance network. One query: the children,
// then serviceStats and demandStats grouped by the children's level, so the
// figures cost three grouped scans, not one request per row.

export const id = 'regions';

export const messages = {
  'zh-CN': {
    title: '下级区域',
    intro: '{region}的{level}及其在所选期间的数字。点击一行进入下一级。',
    introCommunities: '{region}的社区及其在所选期间的数字。点击社区查看其联盟网络。',
    name: '名称',
    code: '代码',
    records: '服务记录',
    peopleServed: '服务人次',
    problemsSolved: '解决问题',
    rate: '解决率',
    demands: '新增需求',
    chart: '各{level}服务人次',
    table: '{level}列表',
    empty: '{region}没有下级区域。',
    truncated: '共 {total} 个，显示前 {shown} 个。',
  },
  en: {
    title: 'Sub-regions',
    intro: 'The {level} of {region} with their figures for the period. Click a row to drill down.',
    introCommunities: 'The communities of {region} with their figures for the period. Click one for its alliance network.',
    name: 'Name',
    code: 'Code',
    records: 'Records',
    peopleServed: 'People served',
    problemsSolved: 'Problems solved',
    rate: 'Resolution rate',
    demands: 'Demands raised',
    chart: 'People served per {level}',
    table: '{level} list',
    empty: '{region} has no sub-regions.',
    truncated: '{shown} of {total} shown.',
  },
};

// CHILD_LEVEL is the level below each region level; a street's children
// are its communities.
export const CHILD_LEVEL = { PROVINCE: 'CITY', CITY: 'DISTRICT', DISTRICT: 'STREET', STREET: 'COMMUNITY' };
const MAX_ROWS = 500;

const PERIOD_VARS = '$relative: RelativePeriod, $from: Time, $to: Time';
const PERIOD_ARGS = 'relative: $relative, from: $from, to: $to';

// query is the view's one request for a region of the given level.
export function query(level) {
  if (level === 'STREET') {
    return `query DashboardCommunities($code: String!, $id: ID!, ${PERIOD_VARS}) {
      region(code: $code) { communities(first: ${MAX_ROWS}, orderBy: [{field: CODE}]) { totalCount nodes { code name } } }
      services: serviceStats(where: {withinRegion: $id}, groupBy: [COMMUNITY], ${PERIOD_ARGS}) { community { code } records peopleServed resolved }
      demands: demandStats(where: {withinRegion: $id}, groupBy: [COMMUNITY], ${PERIOD_ARGS}) { community { code } demands }
    }`;
  }
  return `query DashboardChildRegions($code: String!, $id: ID!, $level: RegionLevel!, ${PERIOD_VARS}) {
    region(code: $code) { children(first: ${MAX_ROWS}, orderBy: [{field: CODE}]) { totalCount nodes { code name } } }
    services: serviceStats(where: {withinRegion: $id}, groupBy: [REGION], regionLevel: $level, ${PERIOD_ARGS}) { region { code } records peopleServed resolved }
    demands: demandStats(where: {withinRegion: $id}, groupBy: [REGION], regionLevel: $level, ${PERIOD_ARGS}) { region { code } demands }
  }`;
}

// rows joins the children with their figures (zero when a child has none:
// the API leaves out empty groups).
export function rows(data, level) {
  const street = level === 'STREET';
  const conn = street ? data.region.communities : data.region.children;
  const keyOf = (s) => (street ? s.community?.code : s.region?.code);
  const services = new Map(data.services.map((s) => [keyOf(s), s]));
  const demands = new Map(data.demands.map((d) => [keyOf(d), d]));
  return {
    total: conn.totalCount,
    rows: conn.nodes.map((n) => {
      const s = services.get(n.code);
      const records = s?.records ?? 0;
      const resolved = s?.resolved ?? 0;
      return {
        key: n.code,
        code: n.code,
        name: n.name,
        records,
        peopleServed: s?.peopleServed ?? 0,
        problemsSolved: resolved,
        rate: records ? resolved / records : null,
        demands: demands.get(n.code)?.demands ?? 0,
      };
    }),
  };
}

export async function render(root, ctx) {
  const { t, fmt } = ctx;
  const region = ctx.regionInfo;
  const childLevel = CHILD_LEVEL[region.level];
  const levelName = t('level.' + childLevel);
  const vars = { code: region.code, id: region.id, ...ctx.periodArgs };
  if (region.level !== 'STREET') vars.level = childLevel;
  const data = await ctx.gql(query(region.level), vars);
  if (!data.region) throw Object.assign(new Error(t('noRegion', { code: region.code })), { code: 'NOT_FOUND' });
  const { total, rows: list } = rows(data, region.level);

  const h1 = document.createElement('h1');
  h1.textContent = `${region.name} · ${t('title')}`;
  const intro = document.createElement('p');
  intro.className = 'note';
  intro.textContent = region.level === 'STREET' ? t('introCommunities', { region: region.name }) : t('intro', { region: region.name, level: levelName });
  root.append(h1, intro);
  if (!list.length) {
    const box = document.createElement('div');
    root.append(box);
    ctx.empty(box, t('empty', { region: region.name }));
    return 'empty';
  }

  const chartCard = document.createElement('div');
  chartCard.className = 'card';
  const tableCard = document.createElement('div');
  tableCard.className = 'card';
  root.append(chartCard, tableCard);

  const open = (row) => {
    if (region.level === 'STREET') ctx.navigate({ view: 'network', community: row.code });
    else ctx.navigate({ region: row.code });
  };
  const chart = ctx.chart(
    chartCard,
    {
      title: { text: t('chart', { level: levelName }), left: 0 },
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: list.map((r) => r.name), axisLabel: { interval: 0, rotate: list.length > 8 ? 35 : 0 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: t('peopleServed'), type: 'bar', data: list.map((r) => r.peopleServed), itemStyle: { color: '#c0392b' }, cursor: 'pointer' },
        { name: t('problemsSolved'), type: 'bar', data: list.map((r) => r.problemsSolved), itemStyle: { color: '#2f6fb3' }, cursor: 'pointer' },
      ],
      legend: { top: 0, right: 80 },
    },
    'regions',
  );
  chart.on('click', (p) => open(list[p.dataIndex]));

  const h2 = document.createElement('h2');
  h2.textContent = t('table', { level: levelName });
  tableCard.append(h2);
  if (total > list.length) {
    const note = document.createElement('p');
    note.className = 'note';
    note.textContent = t('truncated', { total: fmt.number(total), shown: fmt.number(list.length) });
    tableCard.append(note);
  }
  ctx.table(
    tableCard,
    [
      { key: 'name', label: t('name') },
      { key: 'code', label: t('code') },
      { key: 'records', label: t('records'), numeric: true },
      { key: 'peopleServed', label: t('peopleServed'), numeric: true },
      { key: 'problemsSolved', label: t('problemsSolved'), numeric: true },
      { key: 'rate', label: t('rate'), numeric: true, format: (v) => fmt.percent(v) },
      { key: 'demands', label: t('demands'), numeric: true },
    ],
    list,
    { name: 'regions', onRowClick: open },
  );
}
