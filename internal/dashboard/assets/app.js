// The dashboard shell: URL state, login, language, the region breadcrumb and
// period picker, and the ctx every view renders with. Plain ES module, no
// build step, no framework: the binary serves it as is.
//
// A view is assets/views/<id>.js, imported lazily:
//
//   export const id = 'summary';
//   export const messages = { 'zh-CN': { title: '…' }, en: { title: '…' } };
//   export async function render(root, ctx) { … }   // fill root; throw → error state
//
// When render settles the shell sets data-state on the view's <section>:
// "error" when it threw; otherwise what render returned if that is "ready",
// "empty" or "error"; otherwise "ready" if the section holds data
// ([data-metric], [data-table], [data-chart] or [data-ready]), "error" if it
// holds only error states, "empty" if only empty states, else "ready".
// Tests wait for it.
//
// ctx (see makeCtx): gql, subscribe, region, regionInfo, period, periodArgs,
// params, navigate, t, lang, fmt, chart, metric, table, empty, error, signal,
// demo.

const VIEWS = ['summary', 'monthly', 'regions', 'network', 'lineage', 'demands', 'live'];
const DEFAULT_VIEW = 'summary';
// URL parameters the shell owns; any other belongs to the current view.
const SHELL_PARAMS = new Set(['view', 'region', 'relative', 'from', 'to', 'lang']);
const RELATIVE = ['THIS_MONTH', 'LAST_MONTH', 'LAST_3_MONTHS', 'LAST_12_MONTHS', 'THIS_YEAR', 'LAST_YEAR'];
const LANGS = ['zh-CN', 'en'];
const CREDENTIAL_KEY = 'civicgraph.dashboard.credential';
const ENDPOINT = '/graphql';
// Regions in China keep Beijing time all year (Asia/Shanghai, no DST): a
// custom period's dates are local days at UTC+8. The API cuts monthly and
// yearly groups in each region's own time zone.
const LOCAL_OFFSET = '+08:00';
const TIME_ZONE = 'Asia/Shanghai';
const FONT_FAMILY = getComputedStyle(document.documentElement).getPropertyValue('--font').trim() || 'sans-serif';

const root = document.documentElement;
const versions = safeJSON(root.dataset.versions) || {};
const demo = root.dataset.demo === 'true';
const notice = root.dataset.notice || '';

// ECharts (1 MB) loads while the first view's queries run, not before
// app.js starts: the page preloads it and this script tag, added at once,
// runs it; renderApp waits for it together with the data.
const echartsReady = new Promise((resolve, reject) => {
  const v = versions['vendor/echarts.min.js'];
  const script = document.createElement('script');
  script.src = `vendor/echarts.min.js${v ? '?v=' + v : ''}`;
  script.onload = () => resolve(window.echarts);
  script.onerror = () => reject(apiError('CHARTS_MISSING', shellT(readState().lang, 'chartsMissing')));
  document.head.append(script);
});

// What tests (and curious operators) read: the chart options by name, the
// current view and its state, and when the first view settled.
const registry = (window.civicgraphDashboard = {
  charts: {},
  view: null,
  state: 'loading',
  renders: 0,
  timings: {},
  lastError: null,
});

const SHELL_MESSAGES = {
  'zh-CN': {
    appTitle: 'civicgraph 数据看板',
    skip: '跳到内容',
    period: '期间',
    from: '从',
    to: '至',
    apply: '应用',
    language: '语言',
    login: '登录',
    logout: '退出',
    loginTitle: '登录',
    loginHelp: '输入 API 密钥或 JWT。凭据只保存在本浏览器标签页的会话中，关闭标签页即清除。',
    credential: 'API 密钥或 JWT',
    cancel: '取消',
    loginFailed: '登录失败：{message}',
    signedIn: '已登录',
    anonymous: '匿名访问',
    demoBanner: '演示模式：本页数据为合成的演示数据，匿名访问者可读取全部数据。',
    breadcrumb: '区域层级',
    regionPicker: '选择顶级区域',
    viewsNav: '视图',
    periodForm: '统计期间',
    'period.ALL': '全部时间',
    'period.THIS_MONTH': '本月',
    'period.LAST_MONTH': '上月',
    'period.LAST_3_MONTHS': '近 3 个月',
    'period.LAST_12_MONTHS': '近 12 个月',
    'period.THIS_YEAR': '今年',
    'period.LAST_YEAR': '去年',
    'period.CUSTOM': '自定义…',
    badRange: '起始日期必须早于或等于结束日期',
    'view.summary': '概览',
    'view.monthly': '月度服务',
    'view.regions': '下级区域',
    'view.network': '联盟网络',
    'view.lineage': '导师传承',
    'view.demands': '群众需求',
    'view.live': '实时动态',
    'level.PROVINCE': '省',
    'level.CITY': '市',
    'level.DISTRICT': '区县',
    'level.STREET': '街道',
    'level.COMMUNITY': '社区',
    loading: '加载中…',
    empty: '所选区域和期间没有数据。',
    errorTitle: '无法加载数据',
    errorCode: '错误代码：{code}',
    retry: '重试',
    needLogin: '请先登录：此服务器需要 API 密钥或 JWT。',
    noRegion: '找不到区域 {code}，或您无权查看。',
    noRegions: '您可查看的范围内没有区域。',
    viewMissing: '视图“{id}”暂不可用。',
    networkError: '无法连接服务器。',
    savePng: '保存 PNG',
    savePngOf: '将图表“{name}”保存为 PNG',
    chartsMissing: '图表库未加载。',
    'duration.d': '{n} 天',
    'duration.h': '{n} 小时',
    'duration.m': '{n} 分钟',
    'duration.s': '{n} 秒',
  },
  en: {
    appTitle: 'civicgraph dashboard',
    skip: 'Skip to content',
    period: 'Period',
    from: 'From',
    to: 'To',
    apply: 'Apply',
    language: 'Language',
    login: 'Sign in',
    logout: 'Sign out',
    loginTitle: 'Sign in',
    loginHelp: 'Enter an API key or a JWT. It is kept in this browser tab’s session only and is forgotten when the tab closes.',
    credential: 'API key or JWT',
    cancel: 'Cancel',
    loginFailed: 'Sign-in failed: {message}',
    signedIn: 'Signed in',
    anonymous: 'Anonymous',
    demoBanner: 'Demo mode: this page shows synthetic demo data, and anonymous visitors may read all of it.',
    breadcrumb: 'Region hierarchy',
    regionPicker: 'Choose a top-level region',
    viewsNav: 'Views',
    periodForm: 'Period',
    'period.ALL': 'All time',
    'period.THIS_MONTH': 'This month',
    'period.LAST_MONTH': 'Last month',
    'period.LAST_3_MONTHS': 'Last 3 months',
    'period.LAST_12_MONTHS': 'Last 12 months',
    'period.THIS_YEAR': 'This year',
    'period.LAST_YEAR': 'Last year',
    'period.CUSTOM': 'Custom…',
    badRange: 'The start date must not be after the end date',
    'view.summary': 'Summary',
    'view.monthly': 'Monthly services',
    'view.regions': 'Sub-regions',
    'view.network': 'Alliance network',
    'view.lineage': 'Mentor lineage',
    'view.demands': 'Demands',
    'view.live': 'Live',
    'level.PROVINCE': 'Province',
    'level.CITY': 'City',
    'level.DISTRICT': 'District',
    'level.STREET': 'Street',
    'level.COMMUNITY': 'Community',
    loading: 'Loading…',
    empty: 'No data for this region and period.',
    errorTitle: 'Could not load the data',
    errorCode: 'Error code: {code}',
    retry: 'Retry',
    needLogin: 'Please sign in: this server needs an API key or a JWT.',
    noRegion: 'Region {code} does not exist or you may not see it.',
    noRegions: 'There are no regions you may see.',
    viewMissing: 'The view “{id}” is not available yet.',
    networkError: 'Cannot reach the server.',
    savePng: 'Save PNG',
    savePngOf: 'Save the chart “{name}” as PNG',
    chartsMissing: 'The chart library did not load.',
    'duration.d': '{n} d',
    'duration.h': '{n} h',
    'duration.m': '{n} min',
    'duration.s': '{n} s',
  },
};

// ---------------------------------------------------------------------------
// small helpers

function safeJSON(s) {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

function $(sel) {
  return document.querySelector(sel);
}

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c != null) el.append(c);
  }
  return el;
}

function interpolate(text, vars) {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

function shellT(lang, key, vars) {
  const text = SHELL_MESSAGES[lang]?.[key] ?? SHELL_MESSAGES['zh-CN'][key] ?? key;
  return interpolate(text, vars);
}

function isDate(s) {
  return typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s + 'T00:00:00Z'));
}

// nextDay turns an inclusive end date into the API's exclusive bound.
function nextDay(date) {
  const d = new Date(date + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function apiError(code, message) {
  const err = new Error(message);
  err.code = code;
  return err;
}

function isAbort(err) {
  return err?.name === 'AbortError';
}

// ---------------------------------------------------------------------------
// URL state

function readState() {
  const q = new URLSearchParams(location.search);
  const view = VIEWS.includes(q.get('view')) ? q.get('view') : DEFAULT_VIEW;
  const lang = LANGS.includes(q.get('lang')) ? q.get('lang') : 'zh-CN';
  let period = { relative: null, from: null, to: null };
  if (RELATIVE.includes(q.get('relative'))) {
    period = { relative: q.get('relative'), from: null, to: null };
  } else if (isDate(q.get('from')) && isDate(q.get('to')) && q.get('from') <= q.get('to')) {
    period = { relative: null, from: q.get('from'), to: q.get('to') };
  }
  const params = new URLSearchParams();
  for (const [k, v] of q) {
    if (!SHELL_PARAMS.has(k)) params.append(k, v);
  }
  return { view, lang, region: q.get('region') || null, period, params };
}

// periodArgs are the API arguments for a period: {} (all time),
// { relative } or { from, to } as Time strings, [from, to) half-open.
function periodArgs(period) {
  if (period.relative) return { relative: period.relative };
  if (period.from && period.to) {
    return { from: `${period.from}T00:00:00${LOCAL_OFFSET}`, to: `${nextDay(period.to)}T00:00:00${LOCAL_OFFSET}` };
  }
  return {};
}

// navigate applies changes to the URL (null or '' removes a parameter) and
// renders. A change of view or region drops the old view's own parameters
// (they name things of that view and region) unless changes sets them.
function navigate(changes = {}, { replace = false } = {}) {
  const cur = new URLSearchParams(location.search);
  const dropViewParams =
    ('view' in changes && (changes.view || DEFAULT_VIEW) !== (cur.get('view') || DEFAULT_VIEW)) ||
    ('region' in changes && (changes.region || null) !== (cur.get('region') || null));
  const next = new URLSearchParams();
  for (const [k, v] of cur) {
    if (dropViewParams && !SHELL_PARAMS.has(k)) continue;
    next.append(k, v);
  }
  for (const [k, v] of Object.entries(changes)) {
    if (v == null || v === '') next.delete(k);
    else next.set(k, String(v));
  }
  const search = next.toString() ? '?' + next.toString() : location.pathname;
  if (search !== (location.search || location.pathname)) {
    history[replace ? 'replaceState' : 'pushState'](null, '', search);
  }
  renderApp();
}

// ---------------------------------------------------------------------------
// credentials and the API

function credential() {
  try {
    return sessionStorage.getItem(CREDENTIAL_KEY) || '';
  } catch {
    return '';
  }
}

async function gql(query, variables = {}, { signal, cred = credential() } = {}) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (cred) headers.Authorization = 'Bearer ' + cred;
  let res;
  try {
    res = await fetch(ENDPOINT, { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal, credentials: 'omit' });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw apiError('NETWORK', shellT(state.lang, 'networkError'));
  }
  const body = await res.json().catch(() => null);
  if (body?.errors?.length) {
    const first = body.errors[0];
    const err = apiError(first.extensions?.code || `HTTP_${res.status}`, first.message || `HTTP ${res.status}`);
    err.errors = body.errors;
    err.data = body.data ?? null;
    throw err;
  }
  if (!res.ok || !body || !body.data) {
    throw apiError(`HTTP_${res.status}`, `HTTP ${res.status} ${res.statusText}`);
  }
  return body.data;
}

// subscribe runs one subscription on its own websocket with the
// graphql-transport-ws protocol (small enough to speak here rather than
// vendor a client). The credential goes in connection_init: browsers cannot
// set headers on a websocket.
function subscribe(query, variables, onData, onState = () => {}, signal) {
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + ENDPOINT;
  const cred = credential();
  let done = false;
  let ws;
  const finish = (st, err) => {
    if (done) return;
    done = true;
    onState(st, err);
  };
  const unsubscribe = () => {
    if (done) return;
    done = true;
    try {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ id: '1', type: 'complete' }));
      ws.close(1000, 'unsubscribed');
    } catch {
      /* closing anyway */
    }
    onState('closed');
  };
  onState('connecting');
  try {
    ws = new WebSocket(url, 'graphql-transport-ws');
  } catch (err) {
    finish('error', err);
    return () => {};
  }
  ws.addEventListener('open', () => {
    ws.send(JSON.stringify({ type: 'connection_init', payload: cred ? { Authorization: 'Bearer ' + cred } : {} }));
  });
  ws.addEventListener('message', (ev) => {
    if (done) return;
    const m = safeJSON(ev.data);
    if (!m) return;
    switch (m.type) {
      case 'connection_ack':
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
        onState('open');
        break;
      case 'next':
        if (m.payload?.errors?.length) {
          const e = m.payload.errors[0];
          onState('error', apiError(e.extensions?.code || 'ERROR', e.message));
        }
        if (m.payload?.data) onData(m.payload.data);
        break;
      case 'error': {
        const e = Array.isArray(m.payload) ? m.payload[0] : m.payload;
        finish('error', apiError(e?.extensions?.code || 'ERROR', e?.message || 'subscription error'));
        ws.close();
        break;
      }
      case 'complete':
        finish('closed');
        ws.close();
        break;
      case 'ping':
        ws.send(JSON.stringify({ type: 'pong' }));
        break;
    }
  });
  ws.addEventListener('error', () => finish('error', apiError('NETWORK', shellT(state.lang, 'networkError'))));
  ws.addEventListener('close', (ev) => {
    if (ev.code === 4401 || ev.code === 4403) finish('error', apiError('UNAUTHENTICATED', ev.reason || 'unauthenticated'));
    else finish('closed');
  });
  signal?.addEventListener('abort', unsubscribe, { once: true });
  return unsubscribe;
}

// ---------------------------------------------------------------------------
// regions: the principal's top regions and the current one, cached per
// credential (they change only with the data's administrative tree).

const regionCache = new Map();

function cached(key, load) {
  const k = credential() + '\u0000' + key;
  if (!regionCache.has(k)) {
    const p = load();
    regionCache.set(k, p);
    p.catch(() => regionCache.delete(k));
  }
  return regionCache.get(k);
}

// topRegions are the highest regions the principal sees: the roots of the
// tree (parent: null), or for a principal scoped below them, the regions
// of the highest level it sees.
function topRegions() {
  return cached('top', async () => {
    const sel = 'first: 50, orderBy: [{field: CODE}]';
    const fields = '{ nodes { code name level } }';
    const levels = ['PROVINCE', 'CITY', 'DISTRICT', 'STREET'];
    const q = `query DashboardTopRegions {
      roots: regions(${sel}, where: {parent: null}) ${fields}
      ${levels.map((l) => `${l}: regions(${sel}, where: {level: {eq: ${l}}}) ${fields}`).join('\n')}
    }`;
    const data = await gql(q);
    if (data.roots.nodes.length) return data.roots.nodes;
    for (const l of levels) {
      if (data[l].nodes.length) return data[l].nodes;
    }
    return [];
  });
}

function regionInfo(code) {
  return cached('region:' + code, async () => {
    const data = await gql(
      `query DashboardRegion($code: String!) {
        region(code: $code) { id code name level timeZone ancestors { code name level } }
      }`,
      { code },
    );
    if (!data.region) throw apiError('NOT_FOUND', shellT(state.lang, 'noRegion', { code }));
    return data.region;
  });
}

// ---------------------------------------------------------------------------
// rendering helpers given to views through ctx

function formatters(lang) {
  const nf = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
  const pf = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 });
  const df = new Intl.DateTimeFormat(lang, { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: TIME_ZONE });
  const dtf = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: TIME_ZONE });
  const dash = '—';
  return {
    number: (n) => (n == null || Number.isNaN(Number(n)) ? dash : nf.format(n)),
    percent: (ratio) => (ratio == null || Number.isNaN(Number(ratio)) ? dash : pf.format(ratio)),
    date: (iso) => (iso ? df.format(new Date(iso)) : dash),
    dateTime: (iso) => (iso ? dtf.format(new Date(iso)) : dash),
    duration: (seconds) => {
      if (seconds == null || Number.isNaN(Number(seconds))) return dash;
      let s = Math.round(Math.abs(Number(seconds)));
      const parts = [];
      for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]]) {
        const n = Math.floor(s / size);
        s -= n * size;
        if (n > 0) parts.push(shellT(lang, 'duration.' + unit, { n }));
        if (parts.length === 2) break;
      }
      return parts.length ? parts.join(' ') : shellT(lang, 'duration.s', { n: 0 });
    },
  };
}

function makeCtx({ st, mod, section, region, controller }) {
  const lang = st.lang;
  const viewMessages = mod.messages || {};
  const t = (key, vars) => {
    const text = viewMessages[lang]?.[key] ?? viewMessages['zh-CN']?.[key] ?? SHELL_MESSAGES[lang]?.[key] ?? SHELL_MESSAGES['zh-CN'][key] ?? key;
    return interpolate(text, vars);
  };
  const signal = controller.signal;
  const fmt = formatters(lang);

  const chart = (el, option, name) => {
    if (!window.echarts) throw apiError('CHARTS_MISSING', t('chartsMissing'));
    const label = el.getAttribute('aria-label') || option?.title?.text || (Array.isArray(option?.title) ? option.title[0]?.text : '') || name;
    const box = h('div', { class: 'chart', role: 'img', 'aria-label': label });
    const save = h('button', { type: 'button', class: 'save', 'aria-label': t('savePngOf', { name: label }), text: t('savePng') });
    el.classList.add('chart-box');
    el.dataset.chart = name;
    el.replaceChildren(save, box);
    const instance = window.echarts.init(box, null, { renderer: 'canvas' });
    instance.setOption(scaleFonts({ animation: false, textStyle: { fontFamily: FONT_FAMILY }, ...option }));
    registry.charts[name] = option;
    save.addEventListener('click', () => {
      const a = h('a', {
        href: instance.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#ffffff' }),
        download: `${name}.png`,
      });
      document.body.append(a);
      a.click();
      a.remove();
    });
    const ro = new ResizeObserver(() => instance.resize());
    ro.observe(box);
    signal.addEventListener(
      'abort',
      () => {
        ro.disconnect();
        instance.dispose();
      },
      { once: true },
    );
    return instance;
  };

  const metric = (el, name, value, label) => {
    const div = h(
      'div',
      { class: 'metric', 'data-metric': name, 'data-value': value ?? '' },
      h('span', { class: 'label', text: label }),
      h('span', { class: 'value', text: fmt.number(value) }),
    );
    el.append(div);
    return div;
  };

  const table = (el, columns, rows, { name = 'table', caption, onRowClick } = {}) => {
    const head = h('tr', {}, ...columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : null, text: c.label })));
    const body = rows.map((row, i) => {
      const tr = h('tr', { 'data-key': row.key ?? row.code ?? i });
      for (const c of columns) {
        const raw = row[c.key];
        const text = c.format ? c.format(raw, row) : c.numeric ? fmt.number(raw) : (raw ?? '');
        tr.append(h('td', { class: c.numeric ? 'num' : null, 'data-key': c.key, 'data-value': raw ?? '', text }));
      }
      if (onRowClick) {
        tr.classList.add('clickable');
        tr.tabIndex = 0;
        tr.addEventListener('click', () => onRowClick(row));
        tr.addEventListener('keydown', (ev) => {
          if (ev.key === 'Enter' || ev.key === ' ') {
            ev.preventDefault();
            onRowClick(row);
          }
        });
      }
      return tr;
    });
    const tbl = h('table', { 'data-table': name }, caption ? h('caption', { text: caption }) : null, h('thead', {}, head), h('tbody', {}, ...body));
    const wrap = h('div', { class: 'table-wrap' }, tbl);
    el.append(wrap);
    return tbl;
  };

  const empty = (el, message) => {
    el.replaceChildren(h('div', { class: 'state empty', role: 'status', 'data-empty': '', text: message || t('empty') }));
  };

  const error = (el, err) => renderError(el, err, lang);

  return {
    gql: (query, variables) => gql(query, variables, { signal }),
    subscribe: (query, variables, onData, onState) => subscribe(query, variables, onData, onState, signal),
    region: region.code,
    regionInfo: region,
    period: { ...st.period },
    periodArgs: periodArgs(st.period),
    params: new URLSearchParams(st.params),
    navigate,
    t,
    lang,
    fmt,
    chart,
    metric,
    table,
    empty,
    error,
    signal,
    demo,
    section,
  };
}

// scaleFonts gives the chart's texts a size that follows the window, as
// the page's clamp() sizes do: ECharts' fixed 12 px suits a laptop and is
// unreadable on a wall screen. Sizes the view set are kept. It returns a
// copy: the view's option (kept for tests) is not changed.
function scaleFonts(option) {
  const size = Math.round(Math.min(22, Math.max(12, window.innerWidth / 120)));
  const withSize = (style, s = size) => ({ fontSize: s, ...(style || {}) });
  const each = (v, f) => (v == null ? v : Array.isArray(v) ? v.map(f) : f(v));
  const out = { ...option, textStyle: withSize(option.textStyle) };
  const axis = (a) => ({ ...a, axisLabel: withSize(a.axisLabel), nameTextStyle: withSize(a.nameTextStyle) });
  out.xAxis = each(option.xAxis, axis);
  out.yAxis = each(option.yAxis, axis);
  out.legend = each(option.legend, (l) => ({ ...l, textStyle: withSize(l.textStyle) }));
  out.title = each(option.title, (tt) => ({ ...tt, textStyle: withSize(tt.textStyle, size + 2) }));
  out.tooltip = each(option.tooltip, (tt) => ({ ...tt, textStyle: withSize(tt.textStyle) }));
  out.series = each(option.series, (se) => (se.label ? { ...se, label: withSize(se.label) } : se));
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

function renderError(el, err, lang) {
  const code = err?.code || 'ERROR';
  const box = h(
    'div',
    { class: 'state error', role: 'alert', 'data-error': code },
    h('strong', { text: shellT(lang, 'errorTitle') }),
    h('p', { text: code === 'UNAUTHENTICATED' ? shellT(lang, 'needLogin') : err?.message || String(err) }),
    h('p', { class: 'code', text: shellT(lang, 'errorCode', { code }) }),
  );
  if (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN') {
    box.append(h('button', { type: 'button', text: shellT(lang, 'login'), onclick: openLogin }));
  } else {
    box.append(h('button', { type: 'button', text: shellT(lang, 'retry'), onclick: () => renderApp() }));
  }
  el.replaceChildren(box);
}

// settledState is the section's data-state once render resolved.
function settledState(section, returned) {
  if (['ready', 'empty', 'error'].includes(returned)) return returned;
  if (section.querySelector('[data-metric], [data-table], [data-chart], [data-ready]')) return 'ready';
  if (section.querySelector('[data-error]')) return 'error';
  if (section.querySelector('[data-empty]')) return 'empty';
  return 'ready';
}

// ---------------------------------------------------------------------------
// the page around the view

let state = readState();
let renderSeq = 0;
let currentController = null;

function applyLang(lang) {
  root.lang = lang;
  document.title = shellT(lang, 'appTitle');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = shellT(lang, el.dataset.i18n);
  $('#breadcrumb').setAttribute('aria-label', shellT(lang, 'breadcrumb'));
  $('#views').setAttribute('aria-label', shellT(lang, 'viewsNav'));
  $('#period-form').setAttribute('aria-label', shellT(lang, 'periodForm'));
  $('#lang').value = lang;
  const banner = $('#demo-banner');
  banner.hidden = !demo;
  if (demo) {
    banner.textContent = shellT(lang, 'demoBanner');
    banner.title = notice;
  }
  const cred = credential();
  $('#login').hidden = !!cred;
  $('#logout').hidden = !cred;
  $('#principal').textContent = cred ? shellT(lang, 'signedIn') : demo ? shellT(lang, 'anonymous') : '';
}

function renderNav(st) {
  const nav = $('#views');
  nav.replaceChildren(
    ...VIEWS.map((id) => {
      const q = new URLSearchParams(location.search);
      for (const k of [...q.keys()]) if (!SHELL_PARAMS.has(k)) q.delete(k);
      q.set('view', id);
      const a = h('a', { href: '?' + q.toString(), 'data-view': id, text: shellT(st.lang, 'view.' + id) });
      if (id === st.view) a.setAttribute('aria-current', 'page');
      a.addEventListener('click', (ev) => {
        if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
        ev.preventDefault();
        navigate({ view: id });
      });
      return a;
    }),
  );
}

function renderPeriod(st) {
  const sel = $('#period-relative');
  const options = ['ALL', ...RELATIVE, 'CUSTOM'];
  sel.replaceChildren(...options.map((v) => h('option', { value: v, text: shellT(st.lang, 'period.' + v) })));
  const custom = !!(st.period.from && st.period.to);
  sel.value = st.period.relative || (custom ? 'CUSTOM' : 'ALL');
  $('#period-range').hidden = !custom;
  $('#period-from').value = st.period.from || '';
  $('#period-to').value = st.period.to || '';
}

function renderBreadcrumb(st, region, tops, topsOnly = false) {
  const nav = $('#breadcrumb');
  if (!region) {
    nav.replaceChildren();
    return;
  }
  if (topsOnly) {
    const pick = h(
      'select',
      { 'aria-label': shellT(st.lang, 'regionPicker'), 'data-region-picker': '' },
      h('option', { value: '', text: '…' }),
      ...tops.map((t) => h('option', { value: t.code, text: t.name })),
    );
    pick.addEventListener('change', () => pick.value && navigate({ region: pick.value }));
    nav.replaceChildren(h('ol', {}, h('li', {}, pick)));
    return;
  }
  // Only from the principal's top regions down: a scoped principal may not
  // open the regions above its scope.
  const chain = [...region.ancestors, region];
  const topCodes = new Set(tops.map((r) => r.code));
  let start = chain.findIndex((r) => topCodes.has(r.code));
  if (start < 0) start = chain.length - 1;
  const items = chain.slice(start).map((r, i, arr) => {
    const last = i === arr.length - 1;
    let node;
    if (i === 0 && tops.length > 1) {
      // Several top regions (e.g. three provinces): the first crumb picks one.
      node = h(
        'select',
        { 'aria-label': shellT(st.lang, 'regionPicker'), 'data-region-picker': '' },
        ...tops.map((t) => h('option', { value: t.code, text: t.name, selected: t.code === r.code })),
      );
      node.addEventListener('change', () => navigate({ region: node.value }));
    } else if (last) {
      node = h('span', { 'aria-current': 'page', 'data-region': r.code, text: r.name });
    } else {
      node = h('button', { type: 'button', 'data-region': r.code, text: r.name, onclick: () => navigate({ region: r.code }) });
    }
    return h('li', {}, node);
  });
  nav.replaceChildren(h('ol', {}, ...items));
}

function loadView(id) {
  const v = versions[`views/${id}.js`];
  return import(`./views/${id}.js${v ? '?v=' + v : ''}`).catch((err) => {
    console.warn(`dashboard: view ${id} did not load:`, err);
    throw apiError('VIEW_MISSING', shellT(state.lang, 'viewMissing', { id }));
  });
}

async function renderApp() {
  const seq = ++renderSeq;
  currentController?.abort();
  const controller = new AbortController();
  currentController = controller;
  state = readState();
  const st = state;
  registry.charts = {};
  registry.view = st.view;
  registry.state = 'loading';
  applyLang(st.lang);
  renderNav(st);
  renderPeriod(st);

  const host = $('#view');
  const section = h('section', { 'data-view': st.view, 'data-state': 'loading', 'aria-busy': 'true', 'aria-label': shellT(st.lang, 'view.' + st.view) });
  const loading = h('p', { class: 'loading', role: 'status', text: shellT(st.lang, 'loading') });
  host.replaceChildren(loading, section);

  let result;
  let failed = null;
  let tops = [];
  let region = null;
  try {
    // Everything the view needs, at once: its module, the chart library,
    // the principal's top regions and (when the URL names it) the region.
    const early = st.region ? regionInfo(st.region) : null;
    early?.catch(() => {}); // awaited below, after the others
    let mod;
    [mod, tops] = await Promise.all([loadView(st.view), topRegions(), echartsReady]);
    if (seq !== renderSeq) return;
    if (!tops.length) throw apiError('NOT_FOUND', shellT(st.lang, 'noRegions'));
    let cur = st;
    if (!cur.region) {
      // The default region is the principal's first top region: written
      // into the URL so that the page, as shown, can be shared.
      history.replaceState(null, '', '?' + withParam('region', tops[0].code));
      cur = state = readState();
      renderNav(cur);
    }
    region = await (early ?? regionInfo(cur.region));
    if (seq !== renderSeq) return;
    renderBreadcrumb(cur, region, tops);
    const ctx = makeCtx({ st: cur, mod, section, region, controller });
    result = await mod.render(section, ctx);
  } catch (err) {
    if (seq !== renderSeq || isAbort(err)) return;
    failed = err;
  }
  if (seq !== renderSeq) return;
  loading.remove();
  if (failed) {
    console.warn('dashboard:', failed);
    registry.lastError = { code: failed.code || 'ERROR', message: failed.message };
    renderError(section, failed, st.lang);
    // A server that is not in demo mode refuses anonymous visitors: ask.
    if (failed.code === 'UNAUTHENTICATED' && !credential()) openLogin();
    // Without a region (say, one outside the principal's scope) the
    // breadcrumb offers the principal's top regions, a way back.
    if (!region) renderBreadcrumb(st, tops.length ? { code: '', name: '', ancestors: [] } : null, tops, true);
  }
  const settled = failed ? 'error' : settledState(section, result);
  section.dataset.state = settled;
  section.removeAttribute('aria-busy');
  registry.state = settled;
  registry.renders++;
  if (registry.timings.firstViewMs == null) {
    // From navigation start: what "loads its first view in under 2 s" means.
    registry.timings.firstViewMs = Math.round(performance.now());
  }
}

function withParam(k, v) {
  const q = new URLSearchParams(location.search);
  q.set(k, v);
  return q.toString();
}

// ---------------------------------------------------------------------------
// login

function openLogin() {
  const dlg = $('#login-dialog');
  $('#login-error').hidden = true;
  $('#credential').value = '';
  if (!dlg.open) dlg.showModal();
  $('#credential').focus();
}

async function submitLogin(ev) {
  ev.preventDefault();
  const cred = $('#credential').value.trim();
  if (!cred) return;
  const err = $('#login-error');
  try {
    // Any query proves the credential; a bad one is refused as UNAUTHENTICATED.
    await gql('query DashboardLogin { __typename }', {}, { cred });
  } catch (e) {
    err.textContent = shellT(state.lang, 'loginFailed', { message: e.message });
    err.hidden = false;
    return;
  }
  try {
    sessionStorage.setItem(CREDENTIAL_KEY, cred);
  } catch {
    /* private mode without storage: nothing to keep it in */
  }
  $('#login-dialog').close();
  regionCache.clear();
  // Another principal sees another tree: start again from its top region.
  navigate({ region: null });
}

function logout() {
  try {
    sessionStorage.removeItem(CREDENTIAL_KEY);
  } catch {
    /* nothing stored */
  }
  regionCache.clear();
  navigate({ region: null });
}

// ---------------------------------------------------------------------------
// wiring

function init() {
  $('#login').addEventListener('click', openLogin);
  $('#logout').addEventListener('click', logout);
  $('#login-form').addEventListener('submit', submitLogin);
  $('#login-cancel').addEventListener('click', () => $('#login-dialog').close());
  $('#lang').addEventListener('change', (ev) => navigate({ lang: ev.target.value === 'zh-CN' ? null : ev.target.value }));
  $('#period-relative').addEventListener('change', (ev) => {
    const v = ev.target.value;
    if (v === 'CUSTOM') {
      const range = $('#period-range');
      range.hidden = false;
      if (!$('#period-from').value) {
        const today = new Date().toISOString().slice(0, 10);
        $('#period-to').value = today;
        $('#period-from').value = `${Number(today.slice(0, 4)) - 1}${today.slice(4)}`;
      }
      $('#period-from').focus();
      return;
    }
    navigate({ relative: v === 'ALL' ? null : v, from: null, to: null });
  });
  $('#period-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const from = $('#period-from').value;
    const to = $('#period-to').value;
    if (!isDate(from) || !isDate(to) || from > to) {
      $('#period-to').setCustomValidity(shellT(state.lang, 'badRange'));
      $('#period-to').reportValidity();
      return;
    }
    $('#period-to').setCustomValidity('');
    navigate({ relative: null, from, to });
  });
  window.addEventListener('popstate', () => renderApp());
  renderApp();
}

init();
