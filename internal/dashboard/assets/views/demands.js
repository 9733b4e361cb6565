// Residents' demands raised in the region and period: how many sit in each
// status, how fast units respond and resolve (median and p90, computed by the
// API in demandStats), and the slowest units by median response time. One
// lookup of the region's id, then one request with three groupings.

import { el, injectStyle } from './dom.js';

export const id = 'demands';

const SLOWEST = 10;

// The workflow order; the first four are still being worked on.
const STATUSES = ['OPEN', 'ASSIGNED', 'IN_PROGRESS', 'REOPENED', 'RESOLVED', 'CLOSED'];
const UNRESOLVED = new Set(['OPEN', 'ASSIGNED', 'IN_PROGRESS', 'REOPENED']);

export const messages = {
  'zh-CN': {
    title: '群众需求',
    description: '所选期间提出的需求：按状态统计、响应与办结时长、响应最慢的单位',
    statusChart: '需求按状态',
    status_OPEN: '待分派',
    status_ASSIGNED: '已分派',
    status_IN_PROGRESS: '办理中',
    status_REOPENED: '重新打开',
    status_RESOLVED: '已解决',
    status_CLOSED: '已关闭',
    demands: '需求总数',
    unresolved: '未办结',
    medianResponse: '响应时长中位数（小时）',
    p90Response: '响应时长 P90（小时）',
    medianResolution: '办结时长中位数（小时）',
    p90Resolution: '办结时长 P90（小时）',
    slowest: '响应最慢的单位（按响应时长中位数，前 {n} 个）',
    unit: '单位',
    count: '需求数',
    empty: '所选区域和期间没有群众需求',
    noUnits: '没有已分派给单位的需求',
    notFound: '未找到区域：{code}',
    source: '时长为从提出需求起算的小时数，由 API 的 demandStats 计算（中位数与第 90 百分位）；期间按需求提出时间筛选。',
    statusLabel: '状态',
  },
  en: {
    title: 'Demands',
    description: 'Demands raised in the period: by status, response and resolution times, slowest units',
    statusChart: 'Demands by status',
    status_OPEN: 'Open',
    status_ASSIGNED: 'Assigned',
    status_IN_PROGRESS: 'In progress',
    status_REOPENED: 'Reopened',
    status_RESOLVED: 'Resolved',
    status_CLOSED: 'Closed',
    demands: 'Demands',
    unresolved: 'Not yet resolved',
    medianResponse: 'Median time to response (hours)',
    p90Response: 'p90 time to response (hours)',
    medianResolution: 'Median time to resolution (hours)',
    p90Resolution: 'p90 time to resolution (hours)',
    slowest: 'Slowest units (by median time to response, top {n})',
    unit: 'Unit',
    count: 'Demands',
    empty: 'No demands in this region and period',
    noUnits: 'No demand was assigned to a unit',
    notFound: 'No region with code {code}',
    source: 'Times are hours from when the demand was raised, computed by the API (demandStats: median and 90th percentile); the period filters by the time demands were raised.',
    statusLabel: 'Status',
  },
};

const REGION_QUERY = `query DemandsRegion($code: String!) {
  region(code: $code) { id code name }
}`;

const STATS_QUERY = `query DemandsStats($where: DemandWhere, $relative: RelativePeriod, $from: Time, $to: Time) {
  total: demandStats(where: $where, groupBy: [], relative: $relative, from: $from, to: $to) {
    demands resolved closed
    medianHoursToResponse p90HoursToResponse medianHoursToResolution p90HoursToResolution
  }
  byStatus: demandStats(where: $where, groupBy: [STATUS], relative: $relative, from: $from, to: $to) {
    status demands
  }
  byUnit: demandStats(where: $where, groupBy: [ORGANIZATION], relative: $relative, from: $from, to: $to) {
    organization { code name }
    demands medianHoursToResponse p90HoursToResponse medianHoursToResolution
  }
}`;

const STYLE = `
.cg-demands .cg-demands-metrics { display: flex; flex-wrap: wrap; gap: 1rem; margin-bottom: .75rem; }
.cg-demands .cg-demands-note { color: #666; font-size: .875rem; }
.cg-demands h3 { font-size: 1rem; margin: 1rem 0 .5rem; }
`;

// round1 keeps one decimal: the API's percentiles interpolate, and
// 39.699999999999996 hours reads as noise.
function round1(h) {
  return h == null ? null : Math.round(h * 10) / 10;
}

export async function render(root, ctx) {
  injectStyle(id, STYLE);
  root.classList.add('cg-demands');

  let where = null;
  if (ctx.region) {
    // The shell has usually looked the region up already (ctx.regionInfo).
    const region = ctx.regionInfo?.id ? ctx.regionInfo : (await ctx.gql(REGION_QUERY, { code: ctx.region })).region;
    if (!region) {
      ctx.empty(root, ctx.t('notFound', { code: ctx.region }));
      return 'empty';
    }
    where = { withinRegion: region.id };
  }
  const stats = await ctx.gql(STATS_QUERY, { where, ...ctx.periodArgs });
  const total = stats.total[0];
  if (!total || total.demands === 0) {
    ctx.empty(root, ctx.t('empty'));
    return 'empty';
  }

  const metrics = el('div', { class: 'cg-demands-metrics' });
  root.appendChild(metrics);
  for (const [name, value, label] of [
    ['demands.total', total.demands, ctx.t('demands')],
    ['demands.unresolved', total.demands - total.resolved - total.closed, ctx.t('unresolved')],
    ['demands.medianHoursToResponse', round1(total.medianHoursToResponse), ctx.t('medianResponse')],
    ['demands.p90HoursToResponse', round1(total.p90HoursToResponse), ctx.t('p90Response')],
    ['demands.medianHoursToResolution', round1(total.medianHoursToResolution), ctx.t('medianResolution')],
    ['demands.p90HoursToResolution', round1(total.p90HoursToResolution), ctx.t('p90Resolution')],
  ]) {
    if (value == null) continue;
    const box = el('div');
    metrics.appendChild(box);
    ctx.metric(box, name, value, label);
  }

  const counts = new Map(stats.byStatus.map((s) => [s.status, s.demands]));
  const chartBox = el('div');
  root.appendChild(chartBox);
  ctx.chart(chartBox, {
    // The title also names the chart for screen readers and its PNG.
    title: { text: ctx.t('statusChart'), left: 'center', textStyle: { fontSize: 14 } },
    aria: { enabled: true },
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 16, top: 48, bottom: 32 },
    xAxis: { type: 'category', data: STATUSES.map((s) => ctx.t(`status_${s}`)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{
      name: ctx.t('count'),
      type: 'bar',
      // Still-open statuses stand out; finished ones are greyed.
      data: STATUSES.map((s) => ({
        value: counts.get(s) || 0,
        status: s,
        itemStyle: { color: UNRESOLVED.has(s) ? '#c23531' : '#9aa5b1' },
      })),
      label: { show: true, position: 'top' },
    }],
  }, 'demands.status');

  root.appendChild(el('h3', {}, ctx.t('slowest', { n: SLOWEST })));
  const tableBox = el('div');
  root.appendChild(tableBox);
  const units = stats.byUnit
    .filter((u) => u.organization && u.medianHoursToResponse != null)
    .sort((a, b) => b.medianHoursToResponse - a.medianHoursToResponse || a.organization.code.localeCompare(b.organization.code))
    .slice(0, SLOWEST);
  if (units.length === 0) {
    // Not ctx.empty: the view as a whole has data; only this part is empty.
    tableBox.appendChild(el('p', { role: 'status' }, ctx.t('noUnits')));
  } else {
    ctx.table(tableBox, [
      { key: 'unit', label: ctx.t('unit') },
      { key: 'demands', label: ctx.t('count'), numeric: true },
      { key: 'medianHoursToResponse', label: ctx.t('medianResponse'), numeric: true },
      { key: 'p90HoursToResponse', label: ctx.t('p90Response'), numeric: true },
      { key: 'medianHoursToResolution', label: ctx.t('medianResolution'), numeric: true },
    ], units.map((u) => ({
      code: u.organization.code,
      unit: u.organization.name,
      demands: u.demands,
      medianHoursToResponse: round1(u.medianHoursToResponse),
      p90HoursToResponse: round1(u.p90HoursToResponse),
      medianHoursToResolution: round1(u.medianHoursToResolution),
    })), { name: 'demands.slowest' });
  }
  root.appendChild(el('p', { class: 'cg-demands-note' }, ctx.t('source')));
  return 'ready';
}
