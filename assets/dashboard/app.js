// The supervision dashboard (issue 11): plain JS, no framework, no build step. It is a
// GraphQL client like any other: every figure comes from /graphql with the user's token;
// the page computes nothing the API could answer differently.
//
// The escalation stream: on sign-in the page lists the stored escalations (paged), then
// subscribes to `escalations(after: <last cursor>)` over graphql-transport-ws. Each
// delivery advances the cursor; after a dropped connection it subscribes again from the
// cursor, so nothing is missed and nothing arrives twice (the server replays from the
// table, and the page also ignores an id it already holds).

import { connect } from '/dashboard/gql-ws.js';

// ---------------------------------------------------------------------------------
// Strings: one dictionary per language. Keys used by the HTML are in data-i18n.
const DICT = {
  en: {
    title: 'Supervision dashboard',
    signOut: 'Sign out',
    signInTitle: 'Sign in with a token',
    signInHint:
      'Paste a bearer token of a regulator (or an MFO manager). It is kept in this browser tab only (sessionStorage).',
    tokenPlaceholder: 'eyJhbGciOi…',
    open: 'Open dashboard',
    demoTitle: 'Demo mode: pick a token',
    from: 'From',
    to: 'To',
    refresh: 'Refresh',
    stream: 'Live escalations',
    streamEmpty: 'No escalations yet.',
    chartTitle: 'Complaints answered on time and late, by week',
    byMfo: 'By MFO',
    byAgency: 'By collection agency',
    close: 'Close',
    status_connecting: 'connecting…',
    status_live: 'live',
    status_reconnecting: 'reconnecting…',
    status_closed: 'offline',
    kind_DEADLINE_MISSED: 'Deadline missed',
    kind_RULE_BREACH: 'Rule breach',
    c_today: 'Escalations today',
    c_period: 'Escalations in the period',
    c_breaches: 'Rule breaches in the period',
    c_missed: 'Deadlines missed in the period',
    c_complaints: 'Complaints in the period',
    c_onTime: 'Answered on time',
    c_late: 'Answered late',
    c_openOverdue: 'Open and overdue',
    openSubject: 'Open {type}',
    by: 'by {org}',
    loan: 'loan',
    rule: 'Rule',
    org: 'Organisation',
    agency: 'Agency',
    escalations: 'Escalations',
    breaches: 'Breaches',
    missed: 'Missed',
    rules: 'Rules',
    complaints: 'Complaints',
    onTime: 'On time',
    late: 'Late',
    openOverdue: 'Open overdue',
    openOverdueShort: 'Overdue',
    contacts: 'Contacts',
    violating: 'Violating',
    assignments: 'Assignments',
    noRows: 'Nothing in the period.',
    noStats: 'This server does not offer statistics yet; tables count the escalations received.',
    noStatsChart: 'No statistics on this server',
    noStatsRole: 'Statistics are for regulators and MFO managers; the tables count the escalations received.',
    noStatsRoleChart: 'No statistics for this role',
    noData: 'No complaints in the period.',
    periodNote: 'Dates are local to {tz}.',
    weekOf: 'week of {d}',
    loading: 'Loading…',
    message: 'Message',
    raisedAt: 'Raised',
    details: 'Details',
    subject: 'Subject',
    badToken: 'The token was refused: {msg}',
    expired: 'The session ended (the token expired or was refused). Sign in again.',
    failed: 'Could not load: {msg}',
    signedInAs: '{role} · {org}',
    c_unacknowledged: 'Not yet acknowledged',
    c_decidedLate: 'R8 decisions late or overdue',
    c_complaintsToday: 'Complaints today',
    applications: 'Applications',
    decidedLate: 'R8 late',
    severity: 'Severity',
    sev_LOW: 'low',
    sev_MEDIUM: 'medium',
    sev_HIGH: 'high',
    sev_CRITICAL: 'critical',
    acknowledge: 'Acknowledge',
    ackNote: 'What was done about it (kept in the audit trail)',
    acknowledgedAt: 'acknowledged {at}',
  },
  ru: {
    title: 'Панель надзора',
    signOut: 'Выйти',
    signInTitle: 'Вход по токену',
    signInHint:
      'Вставьте токен регулятора (или руководителя МФО). Он хранится только в этой вкладке браузера (sessionStorage).',
    tokenPlaceholder: 'eyJhbGciOi…',
    open: 'Открыть панель',
    demoTitle: 'Демо-режим: выберите токен',
    from: 'С',
    to: 'По',
    refresh: 'Обновить',
    stream: 'Эскалации в реальном времени',
    streamEmpty: 'Эскалаций пока нет.',
    chartTitle: 'Жалобы: ответ в срок и с опозданием, по неделям',
    byMfo: 'По МФО',
    byAgency: 'По коллекторским агентствам',
    close: 'Закрыть',
    status_connecting: 'подключение…',
    status_live: 'в эфире',
    status_reconnecting: 'переподключение…',
    status_closed: 'не в сети',
    kind_DEADLINE_MISSED: 'Срок пропущен',
    kind_RULE_BREACH: 'Нарушение правила',
    c_today: 'Эскалаций сегодня',
    c_period: 'Эскалаций за период',
    c_breaches: 'Нарушений правил за период',
    c_missed: 'Пропущенных сроков за период',
    c_complaints: 'Жалоб за период',
    c_onTime: 'Ответ в срок',
    c_late: 'Ответ с опозданием',
    c_openOverdue: 'Открыты и просрочены',
    openSubject: 'Открыть: {type}',
    by: 'нарушитель: {org}',
    loan: 'заём',
    rule: 'Правило',
    org: 'Организация',
    agency: 'Агентство',
    escalations: 'Эскалации',
    breaches: 'Нарушения',
    missed: 'Пропуски',
    rules: 'Правила',
    complaints: 'Жалобы',
    onTime: 'В срок',
    late: 'Поздно',
    openOverdue: 'Просрочены',
    openOverdueShort: 'Просроч.',
    contacts: 'Контакты',
    violating: 'С нарушением',
    assignments: 'Передачи',
    noRows: 'За период ничего нет.',
    noStats: 'Сервер пока не отдаёт статистику; таблицы считают полученные эскалации.',
    noStatsChart: 'Сервер не отдаёт статистику',
    noStatsRole: 'Статистика доступна регулятору и руководителю МФО; таблицы считают полученные эскалации.',
    noStatsRoleChart: 'Статистика недоступна для этой роли',
    noData: 'За период жалоб нет.',
    periodNote: 'Даты по местному времени {tz}.',
    weekOf: 'неделя с {d}',
    loading: 'Загрузка…',
    message: 'Сообщение',
    raisedAt: 'Время',
    details: 'Подробности',
    subject: 'Объект',
    badToken: 'Токен отклонён: {msg}',
    expired: 'Сеанс завершён (токен истёк или отклонён). Войдите снова.',
    failed: 'Не удалось загрузить: {msg}',
    signedInAs: '{role} · {org}',
    c_unacknowledged: 'Не рассмотрено',
    c_decidedLate: 'Решений R8 с опозданием',
    c_complaintsToday: 'Жалоб сегодня',
    applications: 'Заявления',
    decidedLate: 'R8 поздно',
    severity: 'Серьёзность',
    sev_LOW: 'низкая',
    sev_MEDIUM: 'средняя',
    sev_HIGH: 'высокая',
    sev_CRITICAL: 'критическая',
    acknowledge: 'Отметить рассмотренным',
    ackNote: 'Что сделано (сохраняется в журнале аудита)',
    acknowledgedAt: 'рассмотрено {at}',
  },
};

const SUBJECT_NAMES = {
  en: { contact: 'contact', complaint: 'complaint', loan: 'loan', application: 'application', deadline: 'deadline',
    info_request: 'information request', military_deferral: 'deferral', appeal: 'appeal', decision: 'decision',
    borrower: 'borrower' },
  ru: { contact: 'контакт', complaint: 'жалоба', loan: 'заём', application: 'заявление', deadline: 'срок',
    info_request: 'запрос информации', military_deferral: 'отсрочка', appeal: 'обращение', decision: 'решение',
    borrower: 'заёмщик' },
};

const LANG_KEY = 'mfo.dashboard.lang';
const TOKEN_KEY = 'mfo.dashboard.token';

let lang = pickLanguage();

function pickLanguage() {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved === 'ru' || saved === 'en') return saved;
  const nav = (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
  return /^(ru|kk|ky)\b/i.test(nav) ? 'ru' : 'en';
}

function t(key, args = {}) {
  const s = DICT[lang][key] ?? DICT.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(args[k] ?? ''));
}

// ---------------------------------------------------------------------------------
// GraphQL documents.
const ESCALATION_FIELDS = `id cursor raisedAt kind rule jurisdiction subjectType subjectId message severity
  acknowledgedAt acknowledgedBy acknowledgementNote
  organization { id name kind } responsibleOrganization { id name kind }`;
const M_ACK = `mutation($input: AcknowledgeEscalationInput!) { acknowledgeEscalation(input: $input) {
  escalation { id acknowledgedAt acknowledgedBy acknowledgementNote } userErrors { field code message } } }`;

const Q_ME = `query { me { role subject expiresAt organization { id name kind jurisdiction timeZone } } }`;
const Q_LIST = `query($after: String) { escalations(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { ${ESCALATION_FIELDS} } } } }`;
const S_LIVE = `subscription($after: String) { escalations(after: $after) { ${ESCALATION_FIELDS} } }`;
const Q_NODE = `query($id: ID!) { node(id: $id) { __typename id
  ... on ContactEvent { channel occurredAt party destination outcome clearance violations contactor { name } }
  ... on Complaint { number kind channel status receivedAt answerDueDate mfo { name } }
  ... on Loan { externalId contractNumber status principal currency mfo { name } overdue { overdue since } }
  ... on RestructuringApplication { incomingNumber status receivedAt decisionDueDate loan { contractNumber } }
  ... on Deadline { kind rule status dueAt closedAt }
  ... on InfoRequest { status receivedAt answerDueDate }
  ... on MilitaryDeferral { status serviceStart serviceEnd }
  ... on RegulatorAppeal { status filedAt }
} }`;

// ---------------------------------------------------------------------------------
// State.
const state = {
  token: null,
  me: null,
  tz: 'UTC',
  escalations: [], // in the order raised
  seen: new Set(),
  lastCursor: null,
  fresh: new Set(), // ids delivered live, highlighted
  conn: null,
  status: 'idle',
  stats: null, // null: not available on this server
  from: null,
  to: null,
};

class GqlError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

async function gql(query, variables = {}) {
  let r;
  try {
    r = await fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: `Bearer ${state.token}`,
        // The server writes escalation messages in the page's language (issue 10).
        'accept-language': lang,
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch (e) {
    throw new GqlError('NETWORK', String(e.message || e));
  }
  const body = await r.json().catch(() => null);
  if (!body) throw new GqlError('NETWORK', `HTTP ${r.status}`);
  if (body.errors && body.errors.length) {
    const e = body.errors[0];
    throw new GqlError((e.extensions && e.extensions.code) || 'ERROR', e.message);
  }
  return body.data;
}

// ---------------------------------------------------------------------------------
// DOM helpers.
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
  return e;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The local date (YYYY-MM-DD) of an instant in the jurisdiction's time zone. */
function localDate(instant, tz = state.tz) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(instant));
}

function addDays(isoDate, n) {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function fmtTime(instant) {
  return new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', {
    timeZone: state.tz, day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit',
  }).format(new Date(instant));
}

function fmtShortDate(isoDate) {
  return new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { timeZone: 'UTC', day: '2-digit', month: '2-digit' })
    .format(new Date(`${isoDate}T00:00:00Z`));
}

const fmtNum = (n) => new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB').format(n ?? 0);

// ---------------------------------------------------------------------------------
// Language.
function applyLanguage() {
  document.documentElement.lang = lang;
  document.title = t('title');
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-placeholder]')) e.placeholder = t(e.dataset.i18nPlaceholder);
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  renderStatus();
  if (state.me) renderBoard();
}

function setLanguage(l) {
  const changed = l !== lang;
  lang = l;
  localStorage.setItem(LANG_KEY, l);
  applyLanguage();
  if (changed && state.me) {
    // The messages come from the server in the language asked for: read them again, and
    // reconnect so that the live stream asks in the new one (it resumes after its cursor).
    loadHistory();
    if (state.conn) state.conn.drop();
  }
}

// ---------------------------------------------------------------------------------
// Sign-in.
async function showLogin(message) {
  $('board').hidden = true;
  $('who').hidden = true;
  $('sign-out').hidden = true;
  $('status').hidden = true;
  $('login').hidden = false;
  const err = $('login-error');
  err.hidden = !message;
  err.textContent = message || '';
  await loadDemoTokens();
}

async function loadDemoTokens() {
  // Offered only by `serve --demo`; elsewhere the route does not exist.
  let list = [];
  try {
    const r = await fetch('/dashboard/demo-tokens', { headers: { 'x-mfo-dashboard': '1' } });
    if (r.ok) list = await r.json();
  } catch {
    list = [];
  }
  const ul = $('demo-tokens');
  ul.replaceChildren(
    ...list.map((d) =>
      el('li', {},
        el('button', { type: 'button', class: 'demo-token', 'data-role': d.role, onclick: () => signIn(d.token) },
          el('span', { class: 'role', text: d.role }), el('span', { class: 'label', text: d.label })))),
  );
  $('demo').hidden = list.length === 0;
}

async function signIn(token) {
  state.token = token.trim().replace(/^Bearer\s+/i, '');
  if (!state.token) return;
  let me;
  try {
    me = (await gql(Q_ME)).me;
  } catch (e) {
    state.token = null;
    await showLogin(t('badToken', { msg: e.message }));
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, state.token);
  state.me = me;
  state.tz = me.organization.timeZone || 'UTC';
  state.to = localDate(Date.now());
  state.from = addDays(state.to, -55); // eight weeks, today included
  $('from').value = state.from;
  $('to').value = state.to;
  $('login').hidden = true;
  $('board').hidden = false;
  $('who').hidden = false;
  $('sign-out').hidden = false;
  $('status').hidden = false;
  renderBoard();
  await Promise.all([loadHistory(), loadStats()]);
  startStream();
}

function signOut() {
  if (state.conn) state.conn.close();
  sessionStorage.removeItem(TOKEN_KEY);
  Object.assign(state, { token: null, me: null, escalations: [], seen: new Set(), lastCursor: null, fresh: new Set(),
    conn: null, stats: null, status: 'idle' });
  showLogin();
}

// ---------------------------------------------------------------------------------
// Escalations: the stored ones, then the live stream from the last cursor.
function addEscalation(e, live) {
  if (state.seen.has(e.id)) {
    // Read again (after a change of language): take the new text.
    const known = state.escalations.find((x) => x.id === e.id);
    if (known) known.message = e.message;
    return false;
  }
  state.seen.add(e.id);
  state.escalations.push(e);
  state.lastCursor = e.cursor;
  if (live) state.fresh.add(e.id);
  return true;
}

async function loadHistory() {
  let after = null;
  // Up to 20 pages here; whatever is beyond arrives through the subscription's replay.
  for (let page = 0; page < 20; page += 1) {
    let conn;
    try {
      conn = (await gql(Q_LIST, { after })).escalations;
    } catch (e) {
      setNote(t('failed', { msg: e.message }));
      return;
    }
    for (const edge of conn.edges) addEscalation(edge.node, false);
    if (!conn.pageInfo.hasNextPage || !conn.pageInfo.endCursor) break;
    after = conn.pageInfo.endCursor;
  }
  renderStream();
  renderCounters();
  renderTables();
}

function startStream() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  state.conn = connect({
    url: `${proto}//${location.host}/graphql`,
    token: state.token,
    language: () => lang,
    onStatus: (s) => {
      state.status = s;
      renderStatus();
    },
    onConnected: (conn) => {
      conn.subscribe(S_LIVE, { after: state.lastCursor }, {
        next: (payload) => {
          const e = payload && payload.data && payload.data.escalations;
          if (!e) return;
          if (addEscalation(e, true)) {
            renderStream();
            renderCounters();
            renderTables();
            scheduleStatsRefresh();
          }
        },
        error: (errors) => setNote(t('failed', { msg: (errors && errors[0] && errors[0].message) || '' })),
      });
    },
    onRefused: () => {
      sessionStorage.removeItem(TOKEN_KEY);
      state.me = null;
      showLogin(t('expired'));
    },
  });
}

// ---------------------------------------------------------------------------------
// Statistics (regulatorStatistics). A server without them answers a validation error;
// the page then counts the escalations it holds, and says so.
let statsTimer = null;
function scheduleStatsRefresh() {
  clearTimeout(statsTimer);
  statsTimer = setTimeout(loadStats, 1500);
}

// The fields of issue 11's `regulatorStatistics` the page reads.
const STATS_FIGURES = `complaints { total answeredOnTime answeredLate openOverdue }
  applications { total decidedLate undecidedOverdue } escalations { total acknowledged }`;
const Q_STATS = `query($j: Jurisdiction!, $from: Date!, $to: Date!, $today: Date!) {
  today: regulatorStatistics(jurisdiction: $j, from: $today, to: $today) { total { complaints { total } } }
  period: regulatorStatistics(jurisdiction: $j, from: $from, to: $to) {
    from to
    total { ${STATS_FIGURES} }
    complaintsByWeek { weekStart answeredOnTime answeredLate openOverdue }
    byMfo { mfo { id name } figures { ${STATS_FIGURES} } }
    byAgency { agency { id name } contacts { total withViolations byViolatedRule { key count } } assignments escalations }
  } }`;

let statsRequest = 0;
async function loadStats() {
  if (!state.me) return;
  const mine = ++statsRequest;
  let stats = null;
  let failure = null;
  try {
    const today = localDate(Date.now());
    const vars = { j: state.me.organization.jurisdiction, from: state.from, to: state.to, today };
    const data = await gql(Q_STATS, vars);
    stats = { ...data.period, complaintsToday: data.today.total.complaints.total };
  } catch (e) {
    // A server without the query (a validation error) or a caller without the right to
    // it: the page shows what the escalations say, and says so.
    stats = null;
    failure = e.code;
  }
  if (mine !== statsRequest) return; // a newer period was asked for meanwhile
  state.stats = stats;
  state.statsFailure = failure;
  renderTables();
  renderChart();
  renderCounters();
}

// ---------------------------------------------------------------------------------
// Rendering.
function setNote(text) {
  $('period-note').textContent = text;
}

function renderStatus() {
  const s = $('status');
  s.dataset.state = state.status;
  s.textContent = state.status === 'idle' ? '' : t(`status_${state.status}`);
}

function renderBoard() {
  const o = state.me.organization;
  $('who').textContent = t('signedInAs', { role: state.me.role, org: o.name });
  setNote(t('periodNote', { tz: state.tz }));
  renderStream();
  renderCounters();
  renderTables();
  renderChart();
}

function inPeriod(e) {
  const d = localDate(e.raisedAt);
  return d >= state.from && d <= state.to;
}

function counter(key, value, tone) {
  return el('div', { class: `counter ${tone || ''}`, 'data-counter': key },
    el('div', { class: 'value', text: fmtNum(value) }), el('div', { class: 'label', text: t(key) }));
}

function renderCounters() {
  if (!state.me) return;
  const today = localDate(Date.now());
  const period = state.escalations.filter(inPeriod);
  const todays = counter('c_today', state.escalations.filter((e) => localDate(e.raisedAt) === today).length, 'accent');
  const unacknowledged = counter('c_unacknowledged', period.filter((e) => !e.acknowledgedAt).length);
  let cards;
  if (state.stats) {
    // The server's figures for the period; today's and the unacknowledged from the stream.
    const f = state.stats.total;
    cards = [
      todays,
      counter('c_complaintsToday', state.stats.complaintsToday, 'accent'),
      counter('c_period', f.escalations.total),
      unacknowledged,
      counter('c_complaints', f.complaints.total),
      counter('c_onTime', f.complaints.answeredOnTime, 'ok'),
      counter('c_late', f.complaints.answeredLate, 'bad'),
      counter('c_openOverdue', f.complaints.openOverdue, 'warn'),
      counter('c_decidedLate', f.applications.decidedLate + f.applications.undecidedOverdue, 'bad'),
    ];
  } else {
    cards = [
      todays,
      counter('c_period', period.length),
      counter('c_breaches', period.filter((e) => e.kind === 'RULE_BREACH').length, 'bad'),
      counter('c_missed', period.filter((e) => e.kind === 'DEADLINE_MISSED').length, 'warn'),
      unacknowledged,
    ];
  }
  $('counters').replaceChildren(...cards);
}

function renderStream() {
  const list = $('stream');
  const items = state.escalations.slice(-200).reverse();
  list.replaceChildren(...items.map(escalationItem));
  $('stream-empty').hidden = items.length > 0;
  $('stream-count').textContent = state.escalations.length ? `(${fmtNum(state.escalations.length)})` : '';
}

function escalationItem(e) {
  const subjectName = (SUBJECT_NAMES[lang] && SUBJECT_NAMES[lang][e.subjectType]) || e.subjectType;
  const responsible = e.responsibleOrganization;
  return el('li', {
    class: `esc ${e.kind === 'RULE_BREACH' ? 'breach' : 'missed'} ${state.fresh.has(e.id) ? 'fresh' : ''}`
      + (e.acknowledgedAt ? ' acknowledged' : ''),
    'data-id': e.id, 'data-subject': e.subjectId, 'data-rule': e.rule,
  },
  el('div', { class: 'esc-head' },
    el('span', { class: 'rule', text: e.rule }),
    e.severity ? el('span', { class: `sev sev-${e.severity}`, text: t(`sev_${e.severity}`) }) : null,
    el('span', { class: 'kind', text: t(`kind_${e.kind}`) }),
    el('time', { datetime: e.raisedAt, text: fmtTime(e.raisedAt) })),
  el('div', { class: 'esc-org' },
    el('strong', { text: e.organization ? e.organization.name : '' }),
    responsible ? el('span', { class: 'responsible', text: ` · ${t('by', { org: responsible.name })}` }) : null),
  el('div', { class: 'esc-msg', text: e.message }),
  el('div', { class: 'esc-foot' },
    el('button', { type: 'button', class: 'link', onclick: () => openDetail(e), text: t('openSubject', { type: subjectName }) }),
    e.acknowledgedAt ? el('span', { class: 'ack', text: t('acknowledgedAt', { at: fmtTime(e.acknowledgedAt) }) }) : null));
}

function table(id, headers, rows) {
  const tbl = $(id);
  const head = el('thead', {}, el('tr', {}, headers.map((h, i) => el('th', { class: i ? 'num' : '', text: h }))));
  const body = rows.length
    ? el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c, i) => el('td', { class: i ? 'num' : '', text: c })))))
    : el('tbody', {}, el('tr', {}, el('td', { colspan: headers.length, class: 'muted', text: t('noRows') })));
  tbl.replaceChildren(head, body);
}

/** Escalations in the period grouped by an organisation (fallback without statistics). */
function groupBy(keyOf) {
  const groups = new Map();
  for (const e of state.escalations.filter(inPeriod)) {
    const o = keyOf(e);
    if (!o) continue;
    const g = groups.get(o.id) || { name: o.name, total: 0, breaches: 0, missed: 0, rules: new Set() };
    g.total += 1;
    if (e.kind === 'RULE_BREACH') g.breaches += 1;
    else g.missed += 1;
    g.rules.add(e.rule);
    groups.set(o.id, g);
  }
  return [...groups.values()].sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
}

/** The statistics were refused to this caller (rather than missing on the server). */
function statsDenied() {
  return state.statsFailure === 'FORBIDDEN' || state.statsFailure === 'NOT_FOUND';
}

function renderTables() {
  if (!state.me) return;
  $('stats-note').hidden = Boolean(state.stats);
  $('stats-note').textContent = state.stats ? '' : t(statsDenied() ? 'noStatsRole' : 'noStats');
  const mfo = groupBy((e) => (e.organization && e.organization.kind === 'MFO' ? e.organization : null));
  if (state.stats) {
    table('table-mfo',
      [t('org'), t('complaints'), t('onTime'), t('late'), t('openOverdueShort'), t('applications'), t('decidedLate'),
        t('escalations')],
      state.stats.byMfo.map(({ mfo: o, figures: f }) => [o.name, fmtNum(f.complaints.total),
        fmtNum(f.complaints.answeredOnTime), fmtNum(f.complaints.answeredLate), fmtNum(f.complaints.openOverdue),
        fmtNum(f.applications.total), fmtNum(f.applications.decidedLate + f.applications.undecidedOverdue),
        fmtNum(f.escalations.total)]));
  } else {
    table('table-mfo', [t('org'), t('escalations'), t('breaches'), t('missed')],
      mfo.map((g) => [g.name, fmtNum(g.total), fmtNum(g.breaches), fmtNum(g.missed)]));
  }
  const agencies = groupBy((e) =>
    e.responsibleOrganization && e.responsibleOrganization.kind === 'COLLECTION_AGENCY' ? e.responsibleOrganization : null);
  if (state.stats) {
    table('table-agency', [t('agency'), t('assignments'), t('contacts'), t('violating'), t('escalations'), t('rules')],
      state.stats.byAgency.map((a) => [a.agency.name, fmtNum(a.assignments), fmtNum(a.contacts.total),
        fmtNum(a.contacts.withViolations), fmtNum(a.escalations),
        a.contacts.byViolatedRule.map((r) => `${r.key} ×${r.count}`).join(', ') || '—']));
    return;
  }
  table('table-agency', [t('agency'), t('breaches'), t('rules')],
    agencies.map((g) => [g.name, fmtNum(g.breaches), [...g.rules].sort().join(', ')]));
}

/**
 * Stacked bars per week: answered on time, answered late, open and overdue.
 * @param {{weekStart: string, answeredOnTime: number, answeredLate: number, openOverdue: number}[]} weeks
 */
function renderChart() {
  const box = $('chart');
  if (!state.me) return;
  const weeks = state.stats ? state.stats.complaintsByWeek : null;
  const W = 560;
  const H = 220;
  const pad = { l: 34, r: 8, t: 10, b: 34 };
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': t('chartTitle'), class: 'chart-svg' });
  const series = [
    ['answeredOnTime', 'onTime', 'ok'],
    ['answeredLate', 'late', 'bad'],
    ['openOverdue', 'openOverdue', 'warn'],
  ];
  const total = (w) => series.reduce((s, [k]) => s + (w[k] || 0), 0);
  const max = weeks && weeks.length ? Math.max(1, ...weeks.map(total)) : 0;
  const plotH = H - pad.t - pad.b;
  const plotW = W - pad.l - pad.r;
  // Gridlines at a round step.
  const step = max <= 5 ? 1 : Math.ceil(max / 4 / 5) * 5;
  const top = max ? Math.ceil(max / step) * step : 1;
  for (let v = 0; v <= top; v += step) {
    const y = pad.t + plotH - (v / top) * plotH;
    root.append(svg('line', { x1: pad.l, x2: W - pad.r, y1: y, y2: y, class: 'grid' }));
    root.append(svg('text', { x: pad.l - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, fmtNum(v)));
  }
  if (!weeks || !weeks.length || weeks.every((w) => total(w) === 0)) {
    root.append(svg('text', { x: pad.l + plotW / 2, y: pad.t + plotH / 2, class: 'empty', 'text-anchor': 'middle' },
      state.stats ? t('noData') : t(statsDenied() ? 'noStatsRoleChart' : 'noStatsChart')));
  } else {
    const slot = plotW / weeks.length;
    const barW = Math.max(6, Math.min(38, slot * 0.6));
    weeks.forEach((w, i) => {
      const x = pad.l + i * slot + (slot - barW) / 2;
      let y = pad.t + plotH;
      const g = svg('g', { class: 'week', 'data-week': w.weekStart });
      for (const [k, label, tone] of series) {
        const v = w[k] || 0;
        if (!v) continue;
        const h = (v / top) * plotH;
        y -= h;
        const r = svg('rect', { x, y, width: barW, height: h, class: `bar ${tone}` });
        r.append(svg('title', {}, `${t('weekOf', { d: fmtShortDate(w.weekStart) })}: ${t(label)} ${fmtNum(v)}`));
        g.append(r);
      }
      root.append(g);
      if (weeks.length <= 12 || i % 2 === 0) {
        root.append(svg('text', { x: x + barW / 2, y: H - pad.b + 16, class: 'axis', 'text-anchor': 'middle' },
          fmtShortDate(w.weekStart)));
      }
    });
  }
  const legend = el('div', { class: 'legend' },
    series.map(([, label, tone]) => el('span', { class: `key ${tone}` }, el('i', {}), t(label))));
  box.replaceChildren(root, legend);
}

// ---------------------------------------------------------------------------------
// The subject of an escalation: a panel that asks `node(id:)` for it.
async function openDetail(e) {
  const panel = $('detail');
  const subjectName = (SUBJECT_NAMES[lang] && SUBJECT_NAMES[lang][e.subjectType]) || e.subjectType;
  $('detail-title').textContent = `${e.rule} · ${subjectName}`;
  const body = $('detail-body');
  const escalationRows = el('div', {},
    el('dl', { class: 'kv' },
      el('dt', { text: t('raisedAt') }), el('dd', { text: fmtTime(e.raisedAt) }),
      e.severity ? [el('dt', { text: t('severity') }), el('dd', { text: t(`sev_${e.severity}`) })] : null,
      el('dt', { text: t('message') }), el('dd', { text: e.message })),
    acknowledgement(e));
  body.replaceChildren(escalationRows, el('h3', { text: t('subject') }), el('p', { class: 'muted', text: t('loading') }));
  panel.hidden = false;
  panel.dataset.subject = e.subjectId;
  try {
    const node = (await gql(Q_NODE, { id: e.subjectId })).node;
    if (panel.dataset.subject !== e.subjectId) return;
    body.replaceChildren(escalationRows, el('h3', { text: t('subject') }), kv(node));
  } catch (err) {
    if (panel.dataset.subject !== e.subjectId) return;
    body.replaceChildren(escalationRows, el('h3', { text: t('subject') }),
      el('p', { class: 'error', text: t('failed', { msg: err.message }) }));
  }
}

/** The escalation's acknowledgement, or for a regulator the form that makes it. */
function acknowledgement(e) {
  if (e.acknowledgedAt) {
    return el('div', { class: 'ack-box done', 'data-acknowledged': 'true' },
      el('strong', { text: t('acknowledgedAt', { at: fmtTime(e.acknowledgedAt) }) }),
      e.acknowledgementNote ? el('p', { text: e.acknowledgementNote }) : null,
      e.acknowledgedBy ? el('p', { class: 'muted', text: e.acknowledgedBy }) : null);
  }
  if (!state.me || state.me.role !== 'REGULATOR') return null;
  const note = el('textarea', { id: 'ack-note', rows: 2, placeholder: t('ackNote') });
  const error = el('p', { class: 'error', hidden: true });
  const form = el('form', { class: 'ack-box', id: 'ack-form' }, note,
    el('button', { type: 'submit', id: 'ack-submit', text: t('acknowledge') }), error);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    try {
      const r = (await gql(M_ACK, { input: { escalationId: e.id, note: note.value } })).acknowledgeEscalation;
      if (r.userErrors.length) throw new Error(r.userErrors.map((u) => u.message).join('; '));
      Object.assign(e, r.escalation);
      renderStream();
      renderCounters();
      form.replaceWith(acknowledgement(e));
    } catch (err) {
      error.textContent = t('failed', { msg: err.message });
      error.hidden = false;
    }
  });
  return form;
}

/** A node's fields as a definition list; nested objects flattened to `a.b`. */
function kv(node) {
  const dl = el('dl', { class: 'kv node', 'data-typename': node ? node.__typename : '' });
  const walk = (obj, prefix) => {
    for (const [k, v] of Object.entries(obj || {})) {
      if (k === '__typename') continue; // the panel's title names the type
      const key = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v, key);
      else dl.append(el('dt', { text: key }), el('dd', { text: Array.isArray(v) ? v.join(', ') : v === null ? '—' : String(v) }));
    }
  };
  walk(node, '');
  return dl;
}

// ---------------------------------------------------------------------------------
// Start-up.
function init() {
  for (const b of document.querySelectorAll('[data-lang]')) b.addEventListener('click', () => setLanguage(b.dataset.lang));
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    signIn($('token-input').value);
  });
  $('sign-out').addEventListener('click', signOut);
  $('detail-close').addEventListener('click', () => {
    $('detail').hidden = true;
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') $('detail').hidden = true;
  });
  const onPeriod = () => {
    const from = $('from').value;
    const to = $('to').value;
    if (!from || !to || from > to) return;
    state.from = from;
    state.to = to;
    renderCounters();
    renderTables();
    loadStats();
  };
  $('from').addEventListener('change', onPeriod);
  $('to').addEventListener('change', onPeriod);
  $('refresh').addEventListener('click', () => loadStats());
  applyLanguage();
  // A hook for the browser test and for a person at the console: drop the socket as a
  // network failure would, to watch the page resume from its cursor.
  window.mfoDashboard = {
    drop: () => state.conn && state.conn.drop(),
    lastCursor: () => state.lastCursor,
    count: () => state.escalations.length,
  };
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved);
  else showLogin();
}

init();
