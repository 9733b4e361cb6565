// The alliance network of a street or community: communities lead alliances,
// alliances have member units; every node is sized by the service delivered in
// the period. A few small queries: the scope (region or community), the
// alliances with their current memberships (bounded: when the scope has more
// alliances than fit, the ones that served most people in the period), then
// one serviceStats request with three groupings so each kind of node gets
// its own figure.

import { el, injectStyle } from './dom.js';

export const id = 'network';

// Bounds keep the graph readable and the request small on a city-wide scope;
// the view says when it shows only part of the network.
const MAX_ALLIANCES = 8;
const MAX_MEMBERS = 40;

export const messages = {
  'zh-CN': {
    title: '联盟网络',
    description: '社区、党建联盟与成员单位；节点大小为所选期间服务人次',
    chartLabel: '联盟网络图',
    community: '社区',
    alliance: '党建联盟',
    organization: '成员单位',
    kind: '类型',
    name: '名称',
    code: '编码',
    peopleServed: '服务人次',
    records: '服务记录',
    links: '联系数',
    alliances: '联盟数',
    members: '成员单位数',
    empty: '该范围内没有党建联盟',
    notFound: '未找到社区或区域：{code}',
    truncatedAlliances: '联盟过多：共 {total} 个，仅显示所选期间服务人次最多的 {shown} 个',
    truncatedMembers: '{alliance} 成员过多：共 {total} 个，仅显示前 {shown} 个',
    noService: '所选期间没有服务记录，节点按最小尺寸显示',
    scopeCommunity: '社区：{name}',
    scopeRegion: '区域：{name}',
    backToRegion: '返回区域网络',
    tableCaption: '网络节点及其服务人次（图表的文字版）',
    figureNote: '联盟：经该联盟提供的服务；成员单位：其经这些联盟提供的服务；社区：发生在该社区的服务。仅含当前成员（退出日期已过的不计）。',
  },
  en: {
    title: 'Alliance network',
    description: 'Communities, party-building alliances and member units; node size is people served in the period',
    chartLabel: 'Alliance network graph',
    community: 'Community',
    alliance: 'Alliance',
    organization: 'Member unit',
    kind: 'Kind',
    name: 'Name',
    code: 'Code',
    peopleServed: 'People served',
    records: 'Service records',
    links: 'Links',
    alliances: 'Alliances',
    members: 'Member units',
    empty: 'No party-building alliance in this scope',
    notFound: 'No community or region with code {code}',
    truncatedAlliances: 'Too many alliances: {total} in all, showing the {shown} that served most people in the period',
    truncatedMembers: '{alliance} has too many members: {total} in all, showing the first {shown}',
    noService: 'No service records in the period; nodes are drawn at the smallest size',
    scopeCommunity: 'Community: {name}',
    scopeRegion: 'Region: {name}',
    backToRegion: 'Back to the region network',
    tableCaption: 'Network nodes and people served (text version of the chart)',
    figureNote: 'Alliance: services delivered through it; member unit: its services through these alliances; community: services delivered in it. Current members only (those whose leaving date has passed are left out).',
  },
};

const REGION_QUERY = `query NetworkRegion($code: String!) {
  region(code: $code) { id code name level }
}`;

const COMMUNITY_QUERY = `query NetworkCommunity($code: String!) {
  community(code: $code) { id code name region { code name } }
}`;

// Current memberships: not left, or leaving only in the future.
const ALLIANCES_QUERY = `query NetworkAlliances($where: AllianceWhere!, $first: Int!, $members: Int!, $current: MembershipWhere!) {
  alliances(where: $where, first: $first, orderBy: [{field: CODE}]) {
    totalCount
    nodes {
      code name
      leadCommunity { code name }
      members(first: $members, where: $current, orderBy: [{field: CODE}]) {
        totalCount
        nodes { code signedOn leftOn organization { code name kind } }
      }
    }
  }
}`;

// Which alliances of a crowded scope served most people, to pick the top ones.
const RANKING_QUERY = `query NetworkRanking($where: AllianceWhere!, $relative: RelativePeriod, $from: Time, $to: Time) {
  serviceStats(where: {alliance: $where}, groupBy: [ALLIANCE], relative: $relative, from: $from, to: $to) {
    alliance { code } peopleServed
  }
}`;

const SERVICE_QUERY = `query NetworkService($alliances: [String!]!, $communities: [String!]!, $relative: RelativePeriod, $from: Time, $to: Time) {
  byAlliance: serviceStats(where: {alliance: {code: {in: $alliances}}}, groupBy: [ALLIANCE], relative: $relative, from: $from, to: $to) {
    alliance { code } records peopleServed
  }
  byOrganization: serviceStats(where: {alliance: {code: {in: $alliances}}}, groupBy: [ORGANIZATION], relative: $relative, from: $from, to: $to) {
    organization { code } records peopleServed
  }
  byCommunity: serviceStats(where: {community: {code: {in: $communities}}}, groupBy: [COMMUNITY], relative: $relative, from: $from, to: $to) {
    community { code } records peopleServed
  }
}`;

const KINDS = ['community', 'alliance', 'organization'];
const COLORS = ['#c23531', '#d48265', '#2f4554'];

const STYLE = `
.cg-network .cg-network-scope { margin: 0 0 .5rem; font-weight: 600; }
.cg-network .cg-network-notes { margin: .25rem 0 .75rem; padding: 0; list-style: none; color: #8a5a00; }
.cg-network .cg-network-metrics { display: flex; flex-wrap: wrap; gap: 1rem; margin-bottom: .75rem; }
/* The shell sizes a chart by --chart-h; a network needs more room. */
.cg-network .cg-network-chart { --chart-h: clamp(420px, 68vh, 900px); }
.cg-network .cg-network-note { color: #666; font-size: .875rem; }
.cg-network details { margin-top: 1rem; }
`;

// today is the local date in the platform's default zone, so "left in the
// past" means the same thing as in the API's date handling.
function today() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}

// scope resolves ?community= or the current region into the alliance filter.
async function loadScope(ctx) {
  const communityCode = ctx.params.get('community');
  if (communityCode) {
    const { community } = await ctx.gql(COMMUNITY_QUERY, { code: communityCode });
    if (!community) return { missing: communityCode };
    return {
      label: ctx.t('scopeCommunity', { name: community.name }),
      community,
      where: { leadCommunity: { code: { eq: community.code } } },
    };
  }
  if (!ctx.region) return { label: '', where: {} };
  // The shell has usually looked the region up already (ctx.regionInfo).
  const region = ctx.regionInfo?.id ? ctx.regionInfo : (await ctx.gql(REGION_QUERY, { code: ctx.region })).region;
  if (!region) return { missing: ctx.region };
  return {
    label: ctx.t('scopeRegion', { name: region.name }),
    region,
    where: { withinRegion: region.id },
  };
}

// loadAlliances returns the scope's alliances with their current members.
// When there are more than MAX_ALLIANCES, the ones that served most people in
// the period are shown (topped up in code order if few served anyone).
async function loadAlliances(ctx, where) {
  const vars = {
    first: MAX_ALLIANCES,
    members: MAX_MEMBERS,
    current: { or: [{ leftOn: { isNull: true } }, { leftOn: { gt: today() } }] },
  };
  const { alliances } = await ctx.gql(ALLIANCES_QUERY, { ...vars, where });
  if (alliances.totalCount <= alliances.nodes.length) return alliances;
  const { serviceStats } = await ctx.gql(RANKING_QUERY, { where, ...ctx.periodArgs });
  const top = serviceStats
    .filter((s) => s.alliance && s.peopleServed > 0)
    .sort((a, b) => b.peopleServed - a.peopleServed || a.alliance.code.localeCompare(b.alliance.code))
    .map((s) => s.alliance.code);
  for (const a of alliances.nodes) if (!top.includes(a.code)) top.push(a.code);
  const chosen = top.slice(0, MAX_ALLIANCES);
  const { alliances: picked } = await ctx.gql(ALLIANCES_QUERY, { ...vars, where: { and: [where, { code: { in: chosen } }] } });
  return { totalCount: alliances.totalCount, nodes: picked.nodes };
}

// buildNetwork turns the alliances answer into nodes (one per community,
// alliance and organization, however many alliances name it) and edges.
function buildNetwork(alliances) {
  const nodes = new Map();
  const edges = [];
  const add = (kind, code, name) => {
    const key = `${kind}:${code}`;
    if (!nodes.has(key)) nodes.set(key, { key, kind, code, name, links: 0 });
    return nodes.get(key);
  };
  const link = (a, b) => {
    edges.push({ source: a.key, target: b.key });
    a.links += 1;
    b.links += 1;
  };
  for (const a of alliances) {
    const alliance = add('alliance', a.code, a.name);
    if (a.leadCommunity) link(add('community', a.leadCommunity.code, a.leadCommunity.name), alliance);
    for (const m of a.members.nodes) {
      // A membership whose unit the caller may not see still counts in
      // totalCount but cannot be drawn.
      if (!m.organization) continue;
      link(alliance, add('organization', m.organization.code, m.organization.name));
    }
  }
  return { nodes: [...nodes.values()], edges };
}

function attachFigures(nodes, stats) {
  const figures = new Map();
  for (const s of stats.byAlliance) if (s.alliance) figures.set(`alliance:${s.alliance.code}`, s);
  for (const s of stats.byOrganization) if (s.organization) figures.set(`organization:${s.organization.code}`, s);
  for (const s of stats.byCommunity) if (s.community) figures.set(`community:${s.community.code}`, s);
  for (const n of nodes) {
    const f = figures.get(n.key);
    n.peopleServed = f ? f.peopleServed : 0;
    n.records = f ? f.records : 0;
  }
}

function chartOption(ctx, nodes, edges) {
  const max = Math.max(1, ...nodes.map((n) => n.peopleServed));
  const categories = KINDS.map((k, i) => ({ name: ctx.t(k), itemStyle: { color: COLORS[i] } }));
  return {
    // The title also names the chart for screen readers and its PNG.
    title: { text: ctx.t('chartLabel'), left: 0, top: 0, textStyle: { fontSize: 14 } },
    aria: { enabled: true },
    tooltip: {
      formatter: (p) => (p.dataType === 'node'
        ? `${p.data.name}<br>${ctx.t('peopleServed')}: ${ctx.fmt.number(p.data.value)}<br>${ctx.t('records')}: ${ctx.fmt.number(p.data.records)}`
        : ''),
    },
    legend: [{ data: categories.map((c) => c.name), bottom: 0 }],
    series: [{
      name: ctx.t('title'),
      type: 'graph',
      layout: 'force',
      roam: true,
      draggable: true,
      top: 40,
      bottom: 40,
      categories,
      label: { show: true, position: 'right', formatter: (p) => (p.data.category === 2 && nodes.length > 60 ? '' : p.data.name) },
      labelLayout: { hideOverlap: true },
      // A crowded graph needs a stronger pull to stay inside the frame.
      force: nodes.length > 100
        ? { repulsion: 35, edgeLength: [20, 70], gravity: 0.25 }
        : { repulsion: 160, edgeLength: [40, 120], gravity: 0.08 },
      emphasis: { focus: 'adjacency' },
      lineStyle: { color: 'source', opacity: 0.5 },
      data: nodes.map((n) => ({
        id: n.key,
        name: n.name,
        code: n.code,
        kind: n.kind,
        category: KINDS.indexOf(n.kind),
        value: n.peopleServed,
        records: n.records,
        // Area, not radius, follows the figure; the floor keeps zero-service
        // units visible and clickable.
        symbolSize: 8 + 52 * Math.sqrt(n.peopleServed / max),
      })),
      edges: edges.map((e) => ({ source: e.source, target: e.target })),
    }],
  };
}

export async function render(root, ctx) {
  injectStyle(id, STYLE);
  root.classList.add('cg-network');

  const scope = await loadScope(ctx);
  if (scope.missing) {
    ctx.empty(root, ctx.t('notFound', { code: scope.missing }));
    return 'empty';
  }
  const alliances = await loadAlliances(ctx, scope.where);
  if (alliances.nodes.length === 0) {
    ctx.empty(root, ctx.t('empty'));
    return 'empty';
  }

  const { nodes, edges } = buildNetwork(alliances.nodes);
  const stats = await ctx.gql(SERVICE_QUERY, {
    alliances: nodes.filter((n) => n.kind === 'alliance').map((n) => n.code),
    communities: nodes.filter((n) => n.kind === 'community').map((n) => n.code),
    ...ctx.periodArgs,
  });
  attachFigures(nodes, stats);

  if (scope.label) root.appendChild(el('p', { class: 'cg-network-scope' }, scope.label));
  if (scope.community && scope.community.region) {
    const back = el('p');
    const button = el('button', { type: 'button' }, ctx.t('backToRegion'));
    button.addEventListener('click', () => ctx.navigate({ community: null, region: scope.community.region.code }));
    back.appendChild(button);
    root.appendChild(back);
  }

  const notes = [];
  if (alliances.totalCount > alliances.nodes.length) {
    notes.push(ctx.t('truncatedAlliances', { total: alliances.totalCount, shown: alliances.nodes.length }));
  }
  for (const a of alliances.nodes) {
    if (a.members.totalCount > a.members.nodes.length) {
      notes.push(ctx.t('truncatedMembers', { alliance: a.name, total: a.members.totalCount, shown: a.members.nodes.length }));
    }
  }
  if (nodes.every((n) => n.peopleServed === 0)) notes.push(ctx.t('noService'));
  if (notes.length) {
    const list = el('ul', { class: 'cg-network-notes', role: 'status' });
    for (const n of notes) list.appendChild(el('li', {}, n));
    root.appendChild(list);
  }

  const metrics = el('div', { class: 'cg-network-metrics' });
  root.appendChild(metrics);
  const count = (kind) => nodes.filter((n) => n.kind === kind).length;
  const allianceNodes = nodes.filter((n) => n.kind === 'alliance');
  for (const [name, value, label] of [
    ['network.alliances', count('alliance'), ctx.t('alliances')],
    ['network.members', count('organization'), ctx.t('members')],
    ['network.peopleServed', allianceNodes.reduce((s, n) => s + n.peopleServed, 0), ctx.t('peopleServed')],
  ]) {
    const box = el('div');
    metrics.appendChild(box);
    ctx.metric(box, name, value, label);
  }

  const chartBox = el('div', { class: 'cg-network-chart' });
  root.appendChild(chartBox);
  const chart = ctx.chart(chartBox, chartOption(ctx, nodes, edges), 'network');
  // Clicking a community narrows the network to it (and puts it in the URL).
  chart.on('click', (p) => {
    if (p.dataType === 'node' && p.data.kind === 'community') ctx.navigate({ community: p.data.code });
  });

  root.appendChild(el('p', { class: 'cg-network-note' }, ctx.t('figureNote')));

  const details = el('details');
  details.appendChild(el('summary', {}, ctx.t('tableCaption')));
  const tableBox = el('div');
  details.appendChild(tableBox);
  root.appendChild(details);
  const rows = [...nodes]
    .sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) || b.peopleServed - a.peopleServed || a.code.localeCompare(b.code))
    .map((n) => ({ key: n.key, kindCode: n.kind, kind: ctx.t(n.kind), name: n.name, code: n.code, peopleServed: n.peopleServed, records: n.records, links: n.links }));
  ctx.table(tableBox, [
    { key: 'kind', label: ctx.t('kind') },
    { key: 'name', label: ctx.t('name') },
    { key: 'code', label: ctx.t('code') },
    { key: 'peopleServed', label: ctx.t('peopleServed'), numeric: true },
    { key: 'records', label: ctx.t('records'), numeric: true },
    { key: 'links', label: ctx.t('links'), numeric: true },
  ], rows, {
    name: 'network',
    onRowClick: (row) => { if (row.kindCode === 'community') ctx.navigate({ community: row.code }); },
  });
  return 'ready';
}
