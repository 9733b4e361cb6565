// Live: service records arriving in the region as they are written, through
// the serviceRecorded subscription (graphql-transport-ws, via ctx.subscribe).
// A visible indicator says whether the page is connecting, live or
// reconnecting; a lost connection is retried with exponential backoff until
// the view is left (ctx.signal).

import { el, injectStyle } from './dom.js';

export const id = 'live';

const MAX_SHOWN = 50;
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_MAX_MS = 30000;

export const messages = {
  'zh-CN': {
    title: '实时服务',
    description: '新写入的服务记录实时推送',
    state_connecting: '正在连接…',
    state_live: '实时连接中',
    state_reconnecting: '连接中断，{seconds} 秒后重连…',
    state_retrying: '连接中断，正在重连…',
    connection: '连接状态',
    received: '本次收到的记录',
    waiting: '等待新的服务记录…（写入后会立即出现在这里）',
    listLabel: '最新服务记录（最新在前，最多 {n} 条）',
    people: '{n} 人次',
    resolved: '已解决',
    unresolved: '未解决',
    notFound: '未找到区域：{code}',
    scope: '范围：{name}',
    everything: '范围：全部可见数据',
  },
  en: {
    title: 'Live',
    description: 'Service records pushed as they are written',
    state_connecting: 'Connecting…',
    state_live: 'Live',
    state_reconnecting: 'Connection lost, reconnecting in {seconds} s…',
    state_retrying: 'Connection lost, reconnecting…',
    connection: 'Connection',
    received: 'Records received',
    waiting: 'Waiting for new service records… (they appear here as soon as they are written)',
    listLabel: 'Latest service records (newest first, at most {n})',
    people: '{n} served',
    resolved: 'resolved',
    unresolved: 'not resolved',
    notFound: 'No region with code {code}',
    scope: 'Scope: {name}',
    everything: 'Scope: everything you may see',
  },
};

const REGION_QUERY = `query LiveRegion($code: String!) {
  region(code: $code) { id code name }
}`;

const SUBSCRIPTION = `subscription LiveServiceRecords($region: ID) {
  serviceRecorded(withinRegion: $region) {
    code occurredAt peopleServed resolved
    community { code name }
    category { code name }
    provider { code name }
  }
}`;

const STYLE = `
.cg-live .cg-live-head { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: center; margin-bottom: .75rem; }
.cg-live .cg-live-indicator { display: inline-flex; align-items: center; gap: .5rem; font-weight: 600; }
.cg-live .cg-live-dot { width: .8rem; height: .8rem; border-radius: 50%; background: #9aa5b1; }
.cg-live [data-live-state="live"] .cg-live-dot { background: #2e9d4b; box-shadow: 0 0 0 .2rem rgba(46,157,75,.25); }
.cg-live [data-live-state="connecting"] .cg-live-dot { background: #e6a23c; }
.cg-live [data-live-state="reconnecting"] .cg-live-dot { background: #c23531; }
.cg-live ol { list-style: none; margin: 0; padding: 0; }
.cg-live li { padding: .5rem .25rem; border-bottom: 1px solid #e5e7eb; display: grid; grid-template-columns: 11rem 1fr auto; gap: .75rem; }
.cg-live li.cg-live-new { animation: cg-live-flash 1.5s ease-out; }
.cg-live .cg-live-meta { color: #666; font-size: .875rem; }
@keyframes cg-live-flash { from { background: #fff3c4; } to { background: transparent; } }
@media (prefers-reduced-motion: reduce) { .cg-live li.cg-live-new { animation: none; } }
`;

// recordOf accepts the payload as the shell hands it: the subscription's
// data object, or the whole {data} message.
function recordOf(payload) {
  if (!payload) return null;
  if (payload.serviceRecorded) return payload.serviceRecorded;
  if (payload.data && payload.data.serviceRecorded) return payload.data.serviceRecorded;
  return null;
}

function recordItem(ctx, r) {
  const li = el('li', { class: 'cg-live-new', 'data-code': r.code, 'data-value': String(r.peopleServed) });
  const when = ctx.fmt.dateTime || ctx.fmt.date;
  li.appendChild(el('time', { datetime: r.occurredAt, class: 'cg-live-meta' }, when(r.occurredAt)));
  const what = el('div');
  what.appendChild(el('div', {}, [r.community && r.community.name, r.category && r.category.name].filter(Boolean).join(' · ') || r.code));
  what.appendChild(el('div', { class: 'cg-live-meta' }, [r.provider && r.provider.name, r.code].filter(Boolean).join(' · ')));
  li.appendChild(what);
  li.appendChild(el('div', {}, `${ctx.t('people', { n: ctx.fmt.number(r.peopleServed) })} · ${ctx.t(r.resolved ? 'resolved' : 'unresolved')}`));
  return li;
}

export async function render(root, ctx) {
  injectStyle(id, STYLE);
  root.classList.add('cg-live');

  let regionId = null;
  let scope = ctx.t('everything');
  if (ctx.region) {
    // The shell has usually looked the region up already (ctx.regionInfo).
    const region = ctx.regionInfo?.id ? ctx.regionInfo : (await ctx.gql(REGION_QUERY, { code: ctx.region })).region;
    if (!region) {
      ctx.empty(root, ctx.t('notFound', { code: ctx.region }));
      return 'empty';
    }
    regionId = region.id;
    scope = ctx.t('scope', { name: region.name });
  }
  if (ctx.signal.aborted) return 'ready';

  const head = el('div', { class: 'cg-live-head' });
  const indicator = el('div', { class: 'cg-live-indicator', 'data-live-state': 'connecting', role: 'status', 'aria-live': 'polite', 'aria-label': ctx.t('connection') });
  indicator.append(el('span', { class: 'cg-live-dot', 'aria-hidden': 'true' }), el('span', { class: 'cg-live-state-text' }, ctx.t('state_connecting')));
  const counterBox = el('div');
  head.append(indicator, el('span', { class: 'cg-live-meta' }, scope), counterBox);
  root.appendChild(head);

  const waiting = el('p', { class: 'cg-live-meta' }, ctx.t('waiting'));
  const list = el('ol', { 'data-list': 'live.records', 'aria-label': ctx.t('listLabel', { n: MAX_SHOWN }), 'aria-live': 'polite', 'aria-relevant': 'additions' });
  root.append(waiting, list);

  let received = 0;
  const showCount = () => {
    counterBox.replaceChildren();
    ctx.metric(counterBox, 'live.received', received, ctx.t('received'));
  };
  showCount();

  // state is connecting | live | reconnecting (data-live-state, for styles
  // and tests); text may say more (the wait before the next attempt).
  const setState = (state, text = state, vars) => {
    indicator.setAttribute('data-live-state', state);
    indicator.querySelector('.cg-live-state-text').textContent = ctx.t(`state_${text}`, vars);
  };

  const onData = (payload) => {
    const r = recordOf(payload);
    if (!r) return;
    received += 1;
    showCount();
    waiting.hidden = true;
    list.prepend(recordItem(ctx, r));
    while (list.children.length > MAX_SHOWN) list.lastElementChild.remove();
  };

  // One subscription at a time; on close or error it is dropped and a new
  // one started after a growing delay, reset once a connection opens.
  let unsubscribe = null;
  let timer = null;
  let delay = BACKOFF_FIRST_MS;
  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (unsubscribe) {
      const u = unsubscribe;
      unsubscribe = null;
      try { u(); } catch { /* already closed */ }
    }
  };
  const retry = () => {
    if (ctx.signal.aborted || timer) return;
    if (unsubscribe) {
      const u = unsubscribe;
      unsubscribe = null;
      try { u(); } catch { /* already closed */ }
    }
    // Jitter spreads a wall of screens reconnecting after a server restart.
    const wait = Math.round(delay * (0.8 + Math.random() * 0.4));
    delay = Math.min(delay * 2, BACKOFF_MAX_MS);
    setState('reconnecting', 'reconnecting', { seconds: Math.ceil(wait / 1000) });
    timer = setTimeout(() => { timer = null; connect(); }, wait);
  };
  // generation tells a stale subscription's late callbacks from the
  // current one's (they may even arrive before ctx.subscribe returns).
  let generation = 0;
  const connect = () => {
    if (ctx.signal.aborted) return;
    generation += 1;
    const mine = generation;
    if (delay === BACKOFF_FIRST_MS) setState('connecting');
    else setState('reconnecting', 'retrying');
    unsubscribe = ctx.subscribe(SUBSCRIPTION, { region: regionId }, (payload) => {
      if (mine === generation) onData(payload);
    }, (state) => {
      if (ctx.signal.aborted || mine !== generation) return;
      if (state === 'open') {
        delay = BACKOFF_FIRST_MS;
        setState('live');
      } else if (state === 'closed' || state === 'error') {
        generation += 1;
        retry();
      }
    });
  };
  ctx.signal.addEventListener('abort', stop, { once: true });
  connect();
  // Ready as soon as the page is set up; the indicator tells the rest.
  return 'ready';
}
