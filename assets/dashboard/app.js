// The supervision dashboard: plain JS, no framework, no build step. It is a GraphQL client
// like any other: every figure comes from /graphql (or an export endpoint) with the user's
// token; the page counts nothing itself, so what it shows is what the API answers.
//
// The filters (period, MFO, agency, rule, severity, kind, acknowledged, one record) live in
// the URL, so a view can be bookmarked and shared; each applies to the stream, the counters,
// the tables and the trend alike. The stream shows the newest escalations of the filter and
// pages back through history on demand (`escalations(last:, before:)`); live ones arrive by
// the `escalations` subscription with the same filter, replayed after the newest escalation
// seen before the list was read, so nothing raised meanwhile is missed and nothing shows
// twice (the page also ignores an id it holds). Every arrival has the counters, the tables
// and the trend counted again by the API.

import { connect } from '/dashboard/gql-ws.js';
import { ENUMS, LANGS, SUBJECTS, TEXTS } from '/dashboard/texts.js';

const LANG_KEY = 'mfo.dashboard.lang';
const TOKEN_KEY = 'mfo.dashboard.token';
const LOCALES = { en: 'en-GB', ru: 'ru-RU', kk: 'kk-KZ', ky: 'ky-KG' };
/** Escalations per page of the stream. */
const PAGE = 20;
/** Aliases per counting request (the server allows 30 per document). */
const ALIASES = 25;
/** Rules the filter offers before the statistics name others. */
const KNOWN_RULES = ['C4', 'C5', 'C8', 'C9', 'R1', 'R8', 'R9', 'R11', 'R14', 'R16', 'R17', 'R18', 'M1', 'M3', 'M5',
  'X2', 'X3', 'X4', 'X5', 'X6', 'X7'];
const FILTER_KEYS = ['from', 'to', 'mfo', 'agency', 'rule', 'severity', 'kind', 'ack', 'subject'];
const DOCUMENT_SLUGS = { REFUSAL_LETTER: 'refusal-letter', COMPLAINT_ANSWER: 'complaint-answer', LOAN_STATEMENT: 'loan-statement' };

// ---------------------------------------------------------------------------------
// Language.
let lang = pickLanguage();

/** The saved choice, else the first of the browser's languages the page speaks. */
function pickLanguage() {
  const saved = localStorage.getItem(LANG_KEY);
  if (LANGS.includes(saved)) return saved;
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const primary = String(tag).toLowerCase().split('-')[0];
    if (LANGS.includes(primary)) return primary;
  }
  return 'en';
}

function t(key, args = {}) {
  const entry = TEXTS[key];
  const s = entry ? entry[LANGS.indexOf(lang)] || entry[0] : key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(args[k] ?? ''));
}

/** An enum value's name in the page's language. */
function enumName(type, value) {
  if (value === null || value === undefined) return '—';
  const entry = ENUMS[type] && ENUMS[type][value];
  return entry ? entry[LANGS.indexOf(lang)] : String(value).toLowerCase().replace(/_/g, ' ');
}

function subjectName(type) {
  const entry = SUBJECTS[type];
  return entry ? entry[LANGS.indexOf(lang)] : String(type).replace(/_/g, ' ');
}

// ---------------------------------------------------------------------------------
// GraphQL documents.
const ESCALATION_FIELDS = `id cursor raisedAt kind rule jurisdiction subjectType subjectId message severity
  acknowledgedAt acknowledgedBy acknowledgementNote
  organization { id name kind } responsibleOrganization { id name kind }`;
const Q_ME = `query { me { role subject expiresAt organization { id name kind jurisdiction timeZone } }
  organizations { id name kind } }`;
const Q_NEWEST = 'query { escalations(last: 1) { edges { cursor } } }';
const Q_PAGE = `query($f: EscalationFilter, $last: Int, $before: String) {
  escalations(filter: $f, last: $last, before: $before) {
    totalCount pageInfo { hasPreviousPage startCursor } edges { node { ${ESCALATION_FIELDS} } } } }`;
const S_LIVE = `subscription($f: EscalationFilter, $after: String) { escalations(filter: $f, after: $after) {
  ${ESCALATION_FIELDS} } }`;
const M_ACK = `mutation($input: AcknowledgeEscalationInput!) { acknowledgeEscalation(input: $input) {
  escalation { id acknowledgedAt acknowledgedBy acknowledgementNote } userErrors { field code message } } }`;
const STATS_FIGURES = `complaints { total answeredOnTime answeredLate openOverdue }
  applications { total decidedLate undecidedOverdue } escalations { total acknowledged byRule { key count } }`;
const Q_STATS = `query($j: Jurisdiction!, $from: Date!, $to: Date!, $today: Date!, $mfo: ID, $resp: ID) {
  today: regulatorStatistics(jurisdiction: $j, from: $today, to: $today, mfoId: $mfo, responsibleOrganizationId: $resp) {
    total { complaints { total } } }
  period: regulatorStatistics(jurisdiction: $j, from: $from, to: $to, mfoId: $mfo, responsibleOrganizationId: $resp) {
    from to total { ${STATS_FIGURES} }
    complaintsByWeek { weekStart answeredOnTime answeredLate openOverdue }
    byMfo { mfo { id name } figures { ${STATS_FIGURES} } }
    byAgency { agency { id name } contacts { total withViolations byViolatedRule { key count } } assignments escalations }
  } }`;
const Q_NODE = `query($id: ID!) { node(id: $id) { __typename id
  ... on ContactEvent { channel occurredAt party destination outcome violations contactor { name }
    loan { id contractNumber mfo { name } } }
  ... on Complaint { number kind channel status receivedAt answerDueDate mfo { name } answer { oral sentAt }
    loan { id contractNumber } }
  ... on Loan { externalId contractNumber contractDate status principal currency mfo { name } borrower { fullName }
    overdue { overdue since days } }
  ... on RestructuringApplication { incomingNumber status receivedAt decisionDueDate borrower { fullName }
    loan { id contractNumber mfo { name } } decision { id kind draft } }
  ... on Deadline { kind rule status dueAt closedAt }
  ... on InfoRequest { status receivedAt answerDueDate answeredAt loan { id contractNumber mfo { name } } }
  ... on MilitaryDeferral { status serviceStart serviceEnd }
  ... on RegulatorAppeal { status filedAt application { incomingNumber } }
  ... on Borrower { externalId fullName }
  ... on Organization { name }
} }`;
const Q_LOAN_LETTERS = `query($loan: ID!) {
  restructuringApplications(filter: { loanId: $loan }, first: 50) { edges { node { id incomingNumber decision { id kind draft } } } }
  complaints(filter: { loanId: $loan }, first: 50) { edges { node { id number answer { oral } } } } }`;
const Q_LOAN_BY_CONTRACT = `query($n: String!, $mfo: ID) { loan(contractNumber: $n, mfoId: $mfo) {
  id contractNumber mfo { name } borrower { fullName } } }`;
const Q_BORROWER_BY_ID = `query($n: String!, $mfo: ID) { borrower(externalId: $n, mfoId: $mfo) { id externalId fullName } }`;
const Q_BORROWER_LOANS = `query($b: ID!) { loans(filter: { borrowerId: $b }, first: 50) { edges { node {
  id contractNumber mfo { name } borrower { fullName } } } } }`;
const Q_JOURNAL = `query($mfo: ID!, $year: Int!, $after: String) { complaintJournal(mfoId: $mfo, year: $year, first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { id number mfo { name } } } } }`;

// ---------------------------------------------------------------------------------
// State.
const state = {
  token: null,
  me: null,
  tz: 'UTC',
  /** The view: what the URL says. */
  filter: { from: '', to: '', mfo: '', agency: '', rule: '', severity: '', kind: '', ack: '', subject: '' },
  /** Bumped by every change of the view: answers for an older view are dropped. */
  generation: 0,
  subjectLabel: '',
  names: new Map(), // organisation id -> name
  orgs: { mfos: [], agencies: [] },
  items: [], // the stream, newest first
  seen: new Set(),
  total: null,
  hasOlder: false,
  olderCursor: null,
  liveCursor: null,
  fresh: new Set(), // ids delivered live, highlighted
  conn: null,
  connected: false,
  unsubscribe: null,
  status: 'idle',
  counts: null,
  stats: null,
  statsFailure: null,
  rowCounts: new Map(), // `mfo:<id>`, `agency:<id>`, `mfo:<id>:<rule>`… -> count
  trend: null,
};

class GqlError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** A GraphQL request; its data, or the first error thrown as a GqlError. */
async function gql(query, variables = {}) {
  const body = await gqlRaw(query, variables);
  if (body.errors && body.errors.length) {
    const e = body.errors[0];
    throw new GqlError((e.extensions && e.extensions.code) || 'ERROR', e.message);
  }
  return body.data;
}

/** A GraphQL request's whole answer: data and errors side by side. */
async function gqlRaw(query, variables = {}) {
  let r;
  try {
    r = await fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: `Bearer ${state.token}`,
        // The server writes escalation messages in the page's language.
        'accept-language': lang,
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch (e) {
    throw new GqlError('NETWORK', String(e.message || e));
  }
  const body = await r.json().catch(() => null);
  if (!body) throw new GqlError('NETWORK', `HTTP ${r.status}`);
  return body;
}

const errorCode = (body) => (body.errors && body.errors[0] && body.errors[0].extensions && body.errors[0].extensions.code)
  || null;

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

// ---------------------------------------------------------------------------------
// Dates: the period is of local dates of the jurisdiction; the API's filters take instants.

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

/** How far the time zone's wall clock is ahead of UTC at an instant, in ms. */
function tzOffset(tz, ms) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit',
    minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(ms));
  const n = (type) => Number(parts.find((p) => p.type === type).value);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - ms;
}

/** The first instant of a local date, as an RFC 3339 UTC string. */
function startOfDay(isoDate, tz = state.tz) {
  const wall = Date.parse(`${isoDate}T00:00:00Z`);
  const first = wall - tzOffset(tz, wall);
  return new Date(wall - tzOffset(tz, first)).toISOString();
}

/** Monday of the week of a date. */
function monday(isoDate) {
  const d = new Date(`${isoDate}T00:00:00Z`);
  return addDays(isoDate, -((d.getUTCDay() + 6) % 7));
}

function fmtTime(instant) {
  return new Intl.DateTimeFormat(LOCALES[lang], {
    timeZone: state.tz, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit',
  }).format(new Date(instant));
}

function fmtDate(isoDate) {
  if (!isoDate) return '—';
  return new Intl.DateTimeFormat(LOCALES[lang], { timeZone: 'UTC', day: '2-digit', month: '2-digit', year: 'numeric' })
    .format(new Date(`${isoDate}T00:00:00Z`));
}

function fmtShortDate(isoDate) {
  return new Intl.DateTimeFormat(LOCALES[lang], { timeZone: 'UTC', day: '2-digit', month: '2-digit' })
    .format(new Date(`${isoDate}T00:00:00Z`));
}

const fmtNum = (n) => (n === null || n === undefined ? '…' : new Intl.NumberFormat(LOCALES[lang]).format(n));

// ---------------------------------------------------------------------------------
// The view and the URL.

function readUrl() {
  const p = new URLSearchParams(location.search);
  for (const k of FILTER_KEYS) state.filter[k] = p.get(k) || '';
  const date = /^\d{4}-\d{2}-\d{2}$/;
  if (!date.test(state.filter.to)) state.filter.to = localDate(Date.now());
  if (!date.test(state.filter.from) || state.filter.from > state.filter.to) {
    state.filter.from = addDays(state.filter.to, -55); // eight weeks, the last day included
  }
  if (!['true', 'false'].includes(state.filter.ack)) state.filter.ack = '';
}

function writeUrl(push) {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) if (state.filter[k]) p.set(k, state.filter[k]);
  const url = `${location.pathname}?${p.toString()}`;
  if (`${location.pathname}${location.search}` === url) return;
  if (push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}

/** Changes the view (a drill-down, a filter) and reads everything again. */
function setFilter(change, { push = true, label } = {}) {
  Object.assign(state.filter, change);
  if ('subject' in change) state.subjectLabel = change.subject ? label || '' : '';
  writeUrl(push);
  reload();
}

/** The view as the API's `EscalationFilter`, with `over` on top. */
function escalationFilter(over = {}) {
  const f = state.filter;
  const out = { from: startOfDay(f.from), to: startOfDay(addDays(f.to, 1)) };
  if (f.mfo) out.organizationId = f.mfo;
  if (f.agency) out.responsibleOrganizationId = f.agency;
  if (f.rule) out.rule = f.rule;
  if (f.severity) out.severity = f.severity;
  if (f.kind) out.kind = f.kind;
  if (f.ack) out.acknowledged = f.ack === 'true';
  if (f.subject) out.subjectId = f.subject;
  return { ...out, ...over };
}

// ---------------------------------------------------------------------------------
// Language switch.
function applyLanguage() {
  document.documentElement.lang = lang;
  document.title = t('title');
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-placeholder]')) e.placeholder = t(e.dataset.i18nPlaceholder);
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  renderStatus();
  renderExportChoices();
  if (state.me) {
    renderFilters();
    renderBoard();
  }
}

function setLanguage(l) {
  const changed = l !== lang;
  lang = l;
  localStorage.setItem(LANG_KEY, l);
  applyLanguage();
  if (changed && state.me) {
    // The messages come from the server in the language asked for: read them again, and
    // reconnect so that the live stream asks in the new one (it resumes after its cursor).
    $('detail').hidden = true;
    loadStream();
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
  $('demo-tokens').replaceChildren(
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
  let data;
  try {
    data = await gql(Q_ME);
  } catch (e) {
    state.token = null;
    await showLogin(t('badToken', { msg: e.message }));
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, state.token);
  state.me = data.me;
  state.tz = data.me.organization.timeZone || 'UTC';
  state.names = new Map(data.organizations.map((o) => [o.id, o.name]));
  state.names.set(data.me.organization.id, data.me.organization.name);
  state.orgs = {
    mfos: data.organizations.filter((o) => o.kind === 'MFO'),
    agencies: data.organizations.filter((o) => o.kind === 'COLLECTION_AGENCY'),
  };
  readUrl();
  writeUrl(false);
  $('login').hidden = true;
  $('board').hidden = false;
  $('who').hidden = false;
  $('sign-out').hidden = false;
  $('status').hidden = false;
  renderExportChoices();
  startStream();
  reload();
}

function signOut() {
  if (state.conn) state.conn.close();
  sessionStorage.removeItem(TOKEN_KEY);
  Object.assign(state, { token: null, me: null, items: [], seen: new Set(), liveCursor: null, fresh: new Set(),
    conn: null, connected: false, unsubscribe: null, stats: null, counts: null, status: 'idle' });
  $('detail').hidden = true;
  showLogin();
}

// ---------------------------------------------------------------------------------
// Everything the view shows, read again.
function reload() {
  state.generation += 1;
  Object.assign(state, { items: [], seen: new Set(), total: null, hasOlder: false, olderCursor: null });
  state.counts = null;
  state.rowCounts = new Map();
  state.trend = null;
  renderFilters();
  renderBoard();
  loadStream();
  recount();
  if (state.filter.subject && !state.subjectLabel) nameSubject(state.filter.subject);
}

/** The figures (not the stream) read again: after a live arrival or an acknowledgement. */
let recountTimer = null;
function scheduleRecount() {
  clearTimeout(recountTimer);
  recountTimer = setTimeout(recount, 250);
}

function recount() {
  loadCounts();
  loadStats().then(loadRowCounts);
  loadTrend();
}

// ---------------------------------------------------------------------------------
// The stream: the newest page of the view, older pages on demand, then live.
async function loadStream() {
  const gen = state.generation;
  let page;
  let newest;
  try {
    // The newest escalation in scope before the list is read: the live stream replays
    // what follows it, so one raised meanwhile is not missed (and, listed too, not doubled).
    newest = (await gql(Q_NEWEST)).escalations.edges[0];
    page = (await gql(Q_PAGE, { f: escalationFilter(), last: PAGE })).escalations;
  } catch (e) {
    if (gen === state.generation) setNote(t('failed', { msg: e.message }));
    return;
  }
  if (gen !== state.generation) return;
  state.items = [];
  state.seen = new Set();
  for (const edge of [...page.edges].reverse()) addEscalation(edge.node, false);
  state.total = page.totalCount;
  state.hasOlder = page.pageInfo.hasPreviousPage;
  state.olderCursor = page.pageInfo.startCursor;
  state.liveCursor = newest ? newest.cursor : null;
  renderStream();
  subscribeLive();
}

async function loadOlder() {
  if (!state.hasOlder || !state.olderCursor) return;
  const gen = state.generation;
  const button = $('load-older');
  button.disabled = true;
  try {
    const page = (await gql(Q_PAGE, { f: escalationFilter(), last: PAGE, before: state.olderCursor })).escalations;
    if (gen !== state.generation) return;
    for (const edge of [...page.edges].reverse()) addEscalation(edge.node, false);
    state.hasOlder = page.pageInfo.hasPreviousPage;
    state.olderCursor = page.pageInfo.startCursor;
    renderStream();
  } catch (e) {
    setNote(t('failed', { msg: e.message }));
  } finally {
    button.disabled = false;
  }
}

/** Adds an escalation: at the end (older pages) or, live, at the top. */
function addEscalation(e, live) {
  if (state.seen.has(e.id)) return false;
  state.seen.add(e.id);
  if (live) {
    state.items.unshift(e);
    state.fresh.add(e.id);
  } else {
    state.items.push(e);
  }
  return true;
}

function startStream() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  state.conn = connect({
    url: `${proto}//${location.host}/graphql`,
    token: state.token,
    language: () => lang,
    onStatus: (s) => {
      state.status = s;
      if (s !== 'live') {
        state.connected = false;
        state.unsubscribe = null;
      }
      renderStatus();
    },
    onConnected: () => {
      state.connected = true;
      subscribeLive();
    },
    onRefused: () => {
      sessionStorage.removeItem(TOKEN_KEY);
      state.me = null;
      showLogin(t('expired'));
    },
  });
}

/** (Re)subscribes to the view's live escalations, after the last cursor seen. */
function subscribeLive() {
  if (state.unsubscribe) state.unsubscribe();
  state.unsubscribe = null;
  if (!state.conn || !state.connected) return; // `onConnected` subscribes
  const gen = state.generation;
  state.unsubscribe = state.conn.subscribe(S_LIVE, { f: escalationFilter(), after: state.liveCursor }, {
    next: (payload) => {
      const e = payload && payload.data && payload.data.escalations;
      if (!e || gen !== state.generation) return;
      state.liveCursor = e.cursor;
      if (addEscalation(e, true)) {
        if (state.total !== null) state.total += 1;
        renderStream();
        scheduleRecount();
      }
    },
    error: (errors) => setNote(t('failed', { msg: (errors && errors[0] && errors[0].message) || '' })),
  });
}

// ---------------------------------------------------------------------------------
// Counting: `totalCount`s of the view's filter, many per request (aliases).

/** Counts escalations for each `{alias: filter}`; answers `{alias: count}`. */
async function countMany(filters) {
  const entries = Object.entries(filters);
  const chunks = [];
  for (let i = 0; i < entries.length; i += ALIASES) chunks.push(entries.slice(i, i + ALIASES));
  const answers = await Promise.all(chunks.map(async (chunk) => {
    const vars = {};
    const fields = chunk.map(([alias, f], i) => {
      vars[`f${i}`] = f;
      return `${alias}: escalations(filter: $f${i}, first: 0) { totalCount }`;
    });
    const params = chunk.map((_, i) => `$f${i}: EscalationFilter`).join(', ');
    return gql(`query(${params}) { ${fields.join(' ')} }`, vars);
  }));
  const out = {};
  for (const data of answers) for (const [alias, v] of Object.entries(data)) out[alias] = v.totalCount;
  return out;
}

async function loadCounts() {
  const gen = state.generation;
  const f = escalationFilter();
  const v = state.filter;
  const today = localDate(Date.now());
  const from = [f.from, startOfDay(today)].sort()[1];
  const to = [f.to, startOfDay(addDays(today, 1))].sort()[0];
  const filters = { period: f };
  // A counter the view's own filter contradicts is 0, not a count of something else.
  if (v.ack !== 'true') filters.unacknowledged = { ...f, acknowledged: false };
  if (!v.kind || v.kind === 'RULE_BREACH') filters.breaches = { ...f, kind: 'RULE_BREACH' };
  if (!v.kind || v.kind === 'DEADLINE_MISSED') filters.missed = { ...f, kind: 'DEADLINE_MISSED' };
  if (from < to) filters.today = { ...f, from, to };
  let counts;
  try {
    counts = await countMany(filters);
  } catch (e) {
    if (gen === state.generation) setNote(t('failed', { msg: e.message }));
    return;
  }
  if (gen !== state.generation) return;
  state.counts = { period: 0, unacknowledged: 0, breaches: 0, missed: 0, today: 0, ...counts };
  renderCounters();
}

let statsRequest = 0;
async function loadStats() {
  if (!state.me) return;
  const mine = ++statsRequest;
  const gen = state.generation;
  let stats = null;
  let failure = null;
  try {
    const vars = {
      j: state.me.organization.jurisdiction, from: state.filter.from, to: state.filter.to,
      today: localDate(Date.now()), mfo: state.filter.mfo || null, resp: state.filter.agency || null,
    };
    const data = await gql(Q_STATS, vars);
    stats = { ...data.period, complaintsToday: data.today.total.complaints.total };
  } catch (e) {
    // A caller without the right to them (MFO staff): the tables count escalations only.
    failure = e.code;
  }
  if (mine !== statsRequest || gen !== state.generation) return;
  state.stats = stats;
  state.statsFailure = failure;
  renderFilters();
  renderCounters();
  renderTables();
  renderChart();
}

/** The rows of the two tables: organisations with figures in the view. */
function tableRows() {
  if (state.stats) {
    return {
      mfos: state.stats.byMfo.map((m) => ({ id: m.mfo.id, name: m.mfo.name, figures: m.figures,
        rules: m.figures.escalations.byRule.map((r) => r.key) })),
      agencies: state.stats.byAgency.map((a) => ({ id: a.agency.id, name: a.agency.name, figures: a,
        rules: a.contacts.byViolatedRule.map((r) => r.key) })),
    };
  }
  const mfos = state.orgs.mfos.filter((o) => !state.filter.mfo || o.id === state.filter.mfo);
  const agencies = state.orgs.agencies.filter((o) => !state.filter.agency || o.id === state.filter.agency);
  return { mfos: mfos.map((o) => ({ ...o, rules: [] })), agencies: agencies.map((o) => ({ ...o, rules: [] })) };
}

/** Each table row's escalations (and per rule) under the view's whole filter. */
async function loadRowCounts() {
  const gen = state.generation;
  const rows = tableRows();
  const f = escalationFilter();
  const filters = {};
  const keys = [];
  const want = (key, filter) => {
    filters[`c${keys.length}`] = filter;
    keys.push(key);
  };
  for (const r of rows.mfos) {
    want(`mfo:${r.id}`, { ...f, organizationId: r.id });
    if (!state.stats) {
      if (!state.filter.kind || state.filter.kind === 'RULE_BREACH') want(`mfo:${r.id}:B`, { ...f, organizationId: r.id, kind: 'RULE_BREACH' });
      if (!state.filter.kind || state.filter.kind === 'DEADLINE_MISSED') want(`mfo:${r.id}:M`, { ...f, organizationId: r.id, kind: 'DEADLINE_MISSED' });
    }
    for (const rule of r.rules) if (!state.filter.rule || rule === state.filter.rule) want(`mfo:${r.id}:${rule}`, { ...f, organizationId: r.id, rule });
  }
  for (const r of rows.agencies) {
    want(`agency:${r.id}`, { ...f, responsibleOrganizationId: r.id });
    for (const rule of r.rules) if (!state.filter.rule || rule === state.filter.rule) want(`agency:${r.id}:${rule}`, { ...f, responsibleOrganizationId: r.id, rule });
  }
  let counts = {};
  try {
    counts = keys.length ? await countMany(filters) : {};
  } catch (e) {
    if (gen === state.generation) setNote(t('failed', { msg: e.message }));
    return;
  }
  if (gen !== state.generation) return;
  state.rowCounts = new Map(keys.map((k, i) => [k, counts[`c${i}`] ?? 0]));
  renderTables();
}

/** Escalations by week of the period (Monday to Sunday, clipped to it), by kind. */
async function loadTrend() {
  const gen = state.generation;
  const f = escalationFilter();
  const weeks = [];
  for (let w = monday(state.filter.from); w <= state.filter.to; w = addDays(w, 7)) weeks.push(w);
  const filters = {};
  weeks.forEach((w, i) => {
    const from = [f.from, startOfDay(w)].sort()[1];
    const to = [f.to, startOfDay(addDays(w, 7))].sort()[0];
    if (!state.filter.kind || state.filter.kind === 'RULE_BREACH') filters[`b${i}`] = { ...f, from, to, kind: 'RULE_BREACH' };
    if (!state.filter.kind || state.filter.kind === 'DEADLINE_MISSED') filters[`m${i}`] = { ...f, from, to, kind: 'DEADLINE_MISSED' };
  });
  let counts;
  try {
    counts = await countMany(filters);
  } catch (e) {
    if (gen === state.generation) setNote(t('failed', { msg: e.message }));
    return;
  }
  if (gen !== state.generation) return;
  state.trend = weeks.map((w, i) => ({ weekStart: w, breaches: counts[`b${i}`] || 0, missed: counts[`m${i}`] || 0 }));
  renderTrend();
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
  $('who').textContent = t('signedInAs', { role: enumName('Role', state.me.role), org: o.name });
  setNote(t('periodNote', { tz: state.tz }));
  renderStream();
  renderCounters();
  renderTables();
  renderChart();
  renderTrend();
}

function option(value, label, selected) {
  return el('option', { value, selected: value === selected, text: label });
}

/** The filter controls, showing the view. */
function renderFilters() {
  const f = state.filter;
  $('from').value = f.from;
  $('to').value = f.to;
  const select = (id, choices) => {
    const s = $(id);
    s.replaceChildren(option('', t('any'), f[s.dataset.filter]), ...choices.map(([v, l]) => option(v, l, f[s.dataset.filter])));
    s.value = f[s.dataset.filter];
  };
  const withCurrent = (list, current) => (current && !list.some((o) => o.id === current)
    ? [...list, { id: current, name: state.names.get(current) || '…' }] : list);
  select('f-mfo', withCurrent(state.orgs.mfos, f.mfo).map((o) => [o.id, o.name]));
  select('f-agency', withCurrent(state.orgs.agencies, f.agency).map((o) => [o.id, o.name]));
  const rules = new Set(KNOWN_RULES);
  if (state.stats) for (const r of state.stats.total.escalations.byRule) rules.add(r.key);
  if (f.rule) rules.add(f.rule);
  select('f-rule', [...rules].sort(ruleOrder).map((r) => [r, r]));
  select('f-severity', Object.keys(ENUMS.EscalationSeverity).map((v) => [v, enumName('EscalationSeverity', v)]));
  select('f-kind', Object.keys(ENUMS.EscalationKind).map((v) => [v, enumName('EscalationKind', v)]));
  select('f-ack', [['false', t('ack_false')], ['true', t('ack_true')]]);
  const chip = $('subject-filter');
  chip.hidden = !f.subject;
  chip.replaceChildren(...(f.subject ? [
    el('span', { text: t('recordFilter', { name: state.subjectLabel || '…' }) }),
    el('button', { type: 'button', class: 'chip-x', title: t('removeFilter'), 'aria-label': t('removeFilter'),
      onclick: () => setFilter({ subject: '' }), text: '×' }),
  ] : []));
  const any = FILTER_KEYS.some((k) => !['from', 'to'].includes(k) && f[k]);
  $('clear-filters').hidden = !any;
}

/** Rule IDs in the law's order: letter, then number. */
function ruleOrder(a, b) {
  const [, la, na] = /^([A-Z]+)(\d*)/.exec(a) || [a, a, '0'];
  const [, lb, nb] = /^([A-Z]+)(\d*)/.exec(b) || [b, b, '0'];
  return la.localeCompare(lb) || Number(na) - Number(nb) || a.localeCompare(b);
}

function counter(key, value, tone) {
  return el('div', { class: `counter ${tone || ''}`, 'data-counter': key },
    el('div', { class: 'value', text: fmtNum(value) }), el('div', { class: 'label', text: t(key) }));
}

function renderCounters() {
  if (!state.me) return;
  const c = state.counts || {};
  const cards = [
    counter('c_today', c.today, 'accent'),
    counter('c_period', c.period),
    counter('c_unacknowledged', c.unacknowledged),
    counter('c_breaches', c.breaches, 'bad'),
    counter('c_missed', c.missed, 'warn'),
  ];
  if (state.stats) {
    const f = state.stats.total;
    cards.push(
      counter('c_complaintsToday', state.stats.complaintsToday, 'accent'),
      counter('c_complaints', f.complaints.total),
      counter('c_onTime', f.complaints.answeredOnTime, 'ok'),
      counter('c_late', f.complaints.answeredLate, 'bad'),
      counter('c_openOverdue', f.complaints.openOverdue, 'warn'),
      counter('c_decidedLate', f.applications.decidedLate + f.applications.undecidedOverdue, 'bad'),
    );
  }
  $('counters').replaceChildren(...cards);
}

function renderStream() {
  const list = $('stream');
  list.replaceChildren(...state.items.map(escalationItem));
  $('stream-empty').hidden = state.items.length > 0;
  $('stream-count').textContent = state.total === null ? ''
    : `(${t('shownOf', { shown: fmtNum(state.items.length), total: fmtNum(state.total) })})`;
  $('load-older').hidden = !state.hasOlder;
}

function escalationItem(e) {
  const responsible = e.responsibleOrganization;
  return el('li', {
    class: `esc ${e.kind === 'RULE_BREACH' ? 'breach' : 'missed'} ${state.fresh.has(e.id) ? 'fresh' : ''}`
      + (e.acknowledgedAt ? ' acknowledged' : ''),
    'data-id': e.id, 'data-subject': e.subjectId, 'data-rule': e.rule, 'data-org': e.organization ? e.organization.id : '',
    'data-kind': e.kind, 'data-severity': e.severity,
  },
  el('div', { class: 'esc-head' },
    el('button', { type: 'button', class: 'rule chip', title: t('rule'), onclick: () => setFilter({ rule: e.rule }),
      text: e.rule }),
    el('span', { class: `sev sev-${e.severity}`, text: enumName('EscalationSeverity', e.severity) }),
    el('span', { class: 'kind', text: enumName('EscalationKind', e.kind) }),
    el('time', { datetime: e.raisedAt, text: fmtTime(e.raisedAt) })),
  el('div', { class: 'esc-org' },
    el('strong', { text: e.organization ? e.organization.name : '' }),
    responsible ? el('span', { class: 'responsible', text: ` · ${t('by', { org: responsible.name })}` }) : null),
  el('div', { class: 'esc-msg', text: e.message }),
  el('div', { class: 'esc-foot' },
    el('button', { type: 'button', class: 'link open-subject', onclick: () => openDetail(e),
      text: t('openSubject', { type: subjectName(e.subjectType) }) }),
    e.acknowledgedAt ? el('span', { class: 'ack', text: t('acknowledgedAt', { at: fmtTime(e.acknowledgedAt) }) }) : null));
}

/** A table whose rows drill down: `rows` are `{ id, cells, chips, onClick }`. */
function table(id, headers, rows) {
  const tbl = $(id);
  const head = el('thead', {}, el('tr', {}, headers.map((h, i) => el('th', { class: i && i < headers.length - 1 ? 'num' : '', text: h }))));
  const body = rows.length
    ? el('tbody', {}, rows.map((r) => el('tr', { class: 'drill', 'data-org': r.id, tabindex: 0, onclick: r.onClick,
      onkeydown: (ev) => { if (ev.key === 'Enter') r.onClick(); } },
    r.cells.map((c, i) => el('td', { class: i ? 'num' : '', text: c })),
    el('td', { class: 'chips' }, r.chips))))
    : el('tbody', {}, el('tr', {}, el('td', { colspan: headers.length, class: 'muted', text: t('noRows') })));
  tbl.replaceChildren(head, body);
}

function ruleChips(kind, orgId, rules) {
  return rules
    .filter((rule) => !state.filter.rule || rule === state.filter.rule)
    .map((rule) => [rule, state.rowCounts.get(`${kind}:${orgId}:${rule}`)])
    .filter(([, n]) => n === undefined || n > 0)
    .sort((a, b) => ruleOrder(a[0], b[0]))
    .map(([rule, n]) => el('button', {
      type: 'button', class: 'chip rule-chip', 'data-rule': rule, title: t('ruleChips'),
      onclick: (ev) => {
        ev.stopPropagation();
        setFilter(kind === 'mfo' ? { mfo: orgId, rule } : { agency: orgId, rule });
      },
      text: `${rule} ×${fmtNum(n)}`,
    }));
}

function renderTables() {
  if (!state.me) return;
  const denied = !state.stats && state.statsFailure !== null;
  $('stats-note').hidden = !denied;
  $('stats-note').textContent = denied ? t('noStatsRole') : '';
  const rows = tableRows();
  const count = (key) => state.rowCounts.get(key);
  const mfoRows = rows.mfos.map((r) => ({
    id: r.id,
    onClick: () => setFilter({ mfo: r.id }),
    chips: ruleChips('mfo', r.id, r.rules),
    cells: state.stats
      ? [r.name, fmtNum(r.figures.complaints.total), fmtNum(r.figures.complaints.answeredOnTime),
        fmtNum(r.figures.complaints.answeredLate), fmtNum(r.figures.complaints.openOverdue),
        fmtNum(r.figures.applications.total),
        fmtNum(r.figures.applications.decidedLate + r.figures.applications.undecidedOverdue),
        fmtNum(count(`mfo:${r.id}`))]
      : [r.name, fmtNum(count(`mfo:${r.id}`)), fmtNum(count(`mfo:${r.id}:B`) ?? 0), fmtNum(count(`mfo:${r.id}:M`) ?? 0)],
  }));
  table('table-mfo', state.stats
    ? [t('org'), t('complaints'), t('onTime'), t('late'), t('openOverdueShort'), t('applications'), t('decidedLate'),
      t('escalations'), t('rules')]
    : [t('org'), t('escalations'), t('breaches'), t('missed'), t('rules')], mfoRows);
  const agencyRows = rows.agencies
    .filter((r) => state.stats || count(`agency:${r.id}`) !== 0)
    .map((r) => ({
      id: r.id,
      onClick: () => setFilter({ agency: r.id }),
      chips: ruleChips('agency', r.id, r.rules),
      cells: state.stats
        ? [r.name, fmtNum(r.figures.assignments), fmtNum(r.figures.contacts.total),
          fmtNum(r.figures.contacts.withViolations), fmtNum(count(`agency:${r.id}`))]
        : [r.name, fmtNum(count(`agency:${r.id}`))],
    }));
  table('table-agency', state.stats
    ? [t('agency'), t('assignments'), t('contacts'), t('violating'), t('escalations'), t('rules')]
    : [t('agency'), t('escalations'), t('rules')], agencyRows);
}

/**
 * Stacked bars per week.
 * @param {string} boxId
 * @param {object[]|null} weeks rows with `weekStart` and the series' keys
 * @param {[string, string, string][]} series [key, label key, tone]
 * @param {string} title the chart's accessible name
 * @param {string} empty what to say without data
 */
function bars(boxId, weeks, series, title, empty) {
  const box = $(boxId);
  const W = 560;
  const H = 200;
  const pad = { l: 34, r: 8, t: 10, b: 34 };
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title, class: 'chart-svg' });
  const total = (w) => series.reduce((s, [k]) => s + (w[k] || 0), 0);
  const max = weeks && weeks.length ? Math.max(1, ...weeks.map(total)) : 0;
  const plotH = H - pad.t - pad.b;
  const plotW = W - pad.l - pad.r;
  const step = max <= 5 ? 1 : Math.ceil(max / 4 / 5) * 5;
  const top = max ? Math.ceil(max / step) * step : 1;
  for (let v = 0; v <= top; v += step) {
    const y = pad.t + plotH - (v / top) * plotH;
    root.append(svg('line', { x1: pad.l, x2: W - pad.r, y1: y, y2: y, class: 'grid' }));
    root.append(svg('text', { x: pad.l - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, fmtNum(v)));
  }
  if (!weeks || !weeks.length || weeks.every((w) => total(w) === 0)) {
    const attrs = { x: pad.l + plotW / 2, y: pad.t + plotH / 2, class: 'empty', 'text-anchor': 'middle' };
    if (!weeks) attrs['data-loading'] = 'true';
    root.append(svg('text', attrs, weeks ? empty : t('loading')));
  } else {
    const slot = plotW / weeks.length;
    const barW = Math.max(6, Math.min(38, slot * 0.6));
    weeks.forEach((w, i) => {
      const x = pad.l + i * slot + (slot - barW) / 2;
      let y = pad.t + plotH;
      const g = svg('g', { class: 'week', 'data-week': w.weekStart, 'data-total': total(w) });
      for (const [k, label, tone] of series) {
        const v = w[k] || 0;
        if (!v) continue;
        const h = (v / top) * plotH;
        y -= h;
        const r = svg('rect', { x, y, width: barW, height: h, class: `bar ${tone}`, 'data-series': k, 'data-count': v });
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

function renderChart() {
  if (!state.me) return;
  const weeks = state.stats ? state.stats.complaintsByWeek : state.statsFailure ? [] : null;
  bars('chart', weeks, [['answeredOnTime', 'onTime', 'ok'], ['answeredLate', 'late', 'bad'],
    ['openOverdue', 'openOverdue', 'warn']], t('chartTitle'), state.stats ? t('noData') : t('noStatsRoleChart'));
}

function renderTrend() {
  if (!state.me) return;
  bars('trend', state.trend, [['breaches', 'breaches', 'bad'], ['missed', 'missed', 'warn']], t('trendTitle'),
    t('noEscalations'));
}

// ---------------------------------------------------------------------------------
// Search: a contract number, a complaint's journal number or a borrower's id, through the
// API's lookups; a result opens its record and shows the escalations about it.

/** Each MFO to look in: the view's, or every one the caller sees. */
function searchMfos() {
  return state.filter.mfo ? [state.filter.mfo] : state.orgs.mfos.map((o) => o.id);
}

/** A lookup by an MFO's own number: without `mfoId` first, then per MFO if that is ambiguous. */
async function lookup(query, field, n) {
  const first = await gqlRaw(query, { n, mfo: state.filter.mfo || null });
  if (first.data && first.data[field]) return [first.data[field]];
  if (errorCode(first) !== 'BAD_USER_INPUT') return [];
  const each = await Promise.all(searchMfos().map((mfo) => gqlRaw(query, { n, mfo })));
  return each.map((b) => b.data && b.data[field]).filter(Boolean);
}

async function findComplaint(number) {
  const [year, seq] = number.split('/');
  const wanted = `${year}/${seq.padStart(6, '0')}`;
  const found = [];
  for (const mfo of searchMfos()) {
    let after = null;
    // The journal in pages of 100, numbers in order: stop at the number or past it.
    for (let page = 0; page < 50; page += 1) {
      const body = await gqlRaw(Q_JOURNAL, { mfo, year: Number(year), after });
      const j = body.data && body.data.complaintJournal;
      if (!j) break;
      const hit = j.edges.find((e) => e.node.number === wanted);
      if (hit) {
        found.push(hit.node);
        break;
      }
      const last = j.edges[j.edges.length - 1];
      if (!j.pageInfo.hasNextPage || (last && last.node.number > wanted)) break;
      after = j.pageInfo.endCursor;
    }
  }
  return found;
}

async function search(q) {
  const box = $('search-results');
  q = q.trim();
  if (!q) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(el('li', { class: 'muted', text: t('loading') }));
  const results = [];
  try {
    if (/^\d{4}\/\d{1,6}$/.test(q)) {
      for (const c of await findComplaint(q)) {
        results.push({ id: c.id, label: t('res_complaint', { n: c.number }), detail: c.mfo.name, kind: 'complaint' });
      }
    } else {
      const [loans, borrowers] = await Promise.all([lookup(Q_LOAN_BY_CONTRACT, 'loan', q), lookup(Q_BORROWER_BY_ID, 'borrower', q)]);
      for (const l of loans) {
        results.push({ id: l.id, label: t('res_loan', { n: l.contractNumber }), detail: `${l.borrower.fullName} · ${l.mfo.name}`, kind: 'loan' });
      }
      for (const b of borrowers) {
        const own = (await gql(Q_BORROWER_LOANS, { b: b.id })).loans.edges.map((e) => e.node);
        for (const l of own) {
          if (results.some((r) => r.id === l.id)) continue;
          results.push({ id: l.id, label: t('res_loan', { n: l.contractNumber }),
            detail: `${t('res_borrower', { n: b.externalId })}: ${b.fullName} · ${l.mfo.name}`, kind: 'loan' });
        }
      }
    }
  } catch (e) {
    box.replaceChildren(el('li', { class: 'error', text: t('failed', { msg: e.message }) }));
    return;
  }
  box.replaceChildren(...(results.length
    ? results.map((r) => el('li', {},
      el('button', { type: 'button', class: 'result', 'data-kind': r.kind, 'data-id': r.id,
        onclick: () => {
          box.replaceChildren();
          setFilter({ subject: r.id }, { label: r.label });
          openRecord(r.id);
        } },
      el('strong', { text: r.label }), el('span', { class: 'muted', text: ` ${r.detail}` }))))
    : [el('li', { class: 'muted', text: t('searchNone', { q }) })]));
}

// ---------------------------------------------------------------------------------
// The side panel: an escalation and its subject, or a record found, in labels and names.

/** A record's name for a person: its number, or its kind and date. */
function recordName(node) {
  if (!node) return '';
  switch (node.__typename) {
    case 'Loan': return t('res_loan', { n: node.contractNumber });
    case 'Complaint': return t('res_complaint', { n: node.number });
    case 'RestructuringApplication': return `${subjectName('application')} ${node.incomingNumber}`;
    case 'ContactEvent': return `${subjectName('contact')}, ${fmtTime(node.occurredAt)}`;
    case 'InfoRequest': return `${subjectName('info_request')}, ${fmtTime(node.receivedAt)}`;
    case 'Deadline': return `${subjectName('deadline')}: ${enumName('DeadlineKind', node.kind)}`;
    case 'Borrower': return node.fullName;
    case 'Organization': return node.name;
    default: return subjectName(String(node.__typename).toLowerCase());
  }
}

async function nameSubject(id) {
  const gen = state.generation;
  try {
    const node = (await gql(Q_NODE, { id })).node;
    if (gen !== state.generation || !node) return;
    state.subjectLabel = recordName(node);
    renderFilters();
  } catch {
    // The filter still applies; only its name is missing.
  }
}

/** `ROLE:person@<organisation id>` as a person reads it. */
function principalName(key) {
  const m = /^([A-Z_]+):(.*)@([^@]+)$/.exec(key || '');
  if (!m) return key && key.startsWith('system:') ? '—' : key || '—';
  const org = state.names.get(m[3]) || '';
  return t('personOf', { person: m[2], role: enumName('Role', m[1]), org }).replace(/, $/, '');
}

/** Labels and values as a definition list. */
function pairs(list, attrs = { class: 'kv' }) {
  return el('dl', attrs, list.filter(Boolean).flatMap(([label, value]) =>
    [el('dt', { text: t(label) }), el('dd', { text: value === null || value === undefined || value === '' ? '—' : String(value) })]));
}

/** A record's fields as labels and values (never its id or a field's name). */
function recordFields(node) {
  const money = (amount, currency) => `${new Intl.NumberFormat(LOCALES[lang], { minimumFractionDigits: 2 }).format(Number(amount))} ${currency}`;
  switch (node.__typename) {
    case 'ContactEvent': return [
      ['p_channel', enumName('ContactChannel', node.channel)], ['p_occurredAt', fmtTime(node.occurredAt)],
      ['p_party', enumName('ContactParty', node.party)], ['p_destination', node.destination],
      ['p_outcome', enumName('ContactOutcome', node.outcome)], ['p_violations', node.violations.join(', ')],
      ['p_contactor', node.contactor.name], ['p_contract', node.loan.contractNumber], ['f_mfo', node.loan.mfo.name]];
    case 'Complaint': return [
      ['p_number', node.number], ['kind', enumName('ComplaintKind', node.kind)],
      ['p_channel', enumName('ComplaintChannel', node.channel)], ['p_status', enumName('ComplaintStatus', node.status)],
      ['p_receivedAt', fmtTime(node.receivedAt)], ['p_answerDue', fmtDate(node.answerDueDate)], ['f_mfo', node.mfo.name],
      node.loan ? ['p_contract', node.loan.contractNumber] : null];
    case 'Loan': return [
      ['p_contract', node.contractNumber], ['p_contractDate', fmtDate(node.contractDate)], ['p_externalId', node.externalId],
      ['p_borrower', node.borrower.fullName], ['p_status', enumName('LoanStatus', node.status)],
      ['p_principal', money(node.principal, node.currency)],
      ['p_overdue', node.overdue.overdue ? t('overdueSince', { days: node.overdue.days, since: fmtDate(node.overdue.since) }) : t('no')],
      ['f_mfo', node.mfo.name]];
    case 'RestructuringApplication': return [
      ['p_number', node.incomingNumber], ['p_status', enumName('ApplicationStatus', node.status)],
      ['p_receivedAt', fmtTime(node.receivedAt)], ['p_decisionDue', fmtDate(node.decisionDueDate)],
      ['p_borrower', node.borrower.fullName], ['p_contract', node.loan.contractNumber], ['f_mfo', node.loan.mfo.name]];
    case 'Deadline': return [
      ['kind', enumName('DeadlineKind', node.kind)], ['rule', node.rule], ['p_status', enumName('DeadlineStatus', node.status)],
      ['p_dueAt', fmtTime(node.dueAt)], node.closedAt ? ['p_closedAt', fmtTime(node.closedAt)] : null];
    case 'InfoRequest': return [
      ['p_status', enumName('InfoRequestStatus', node.status)], ['p_receivedAt', fmtTime(node.receivedAt)],
      ['p_answerDue', fmtDate(node.answerDueDate)], node.answeredAt ? ['p_answeredAt', fmtTime(node.answeredAt)] : null,
      node.loan ? ['p_contract', node.loan.contractNumber] : null];
    case 'MilitaryDeferral': return [
      ['p_status', enumName('DeferralStatus', node.status)], ['p_serviceStart', fmtDate(node.serviceStart)],
      ['p_serviceEnd', fmtDate(node.serviceEnd)]];
    case 'RegulatorAppeal': return [
      ['p_status', enumName('AppealStatus', node.status)], ['p_filedAt', fmtTime(node.filedAt)],
      ['p_number', node.application.incomingNumber]];
    case 'Borrower': return [['p_borrower', node.fullName], ['p_externalId', node.externalId]];
    case 'Organization': return [['p_organization', node.name]];
    default: return [];
  }
}

/** The letters the law prescribes for a record: [kind, record id, its number]. */
async function lettersOf(node) {
  switch (node.__typename) {
    case 'Complaint':
      return node.answer && !node.answer.oral ? [['COMPLAINT_ANSWER', node.id, node.number]] : [];
    case 'RestructuringApplication':
      return node.decision && node.decision.kind === 'REFUSE' && !node.decision.draft
        ? [['REFUSAL_LETTER', node.decision.id, node.incomingNumber]] : [];
    case 'InfoRequest':
      return [['LOAN_STATEMENT', node.id, '']];
    case 'Loan': {
      const data = await gql(Q_LOAN_LETTERS, { loan: node.id });
      const out = [];
      for (const { node: a } of data.restructuringApplications.edges) {
        if (a.decision && a.decision.kind === 'REFUSE' && !a.decision.draft) out.push(['REFUSAL_LETTER', a.decision.id, a.incomingNumber]);
      }
      for (const { node: c } of data.complaints.edges) {
        if (c.answer && !c.answer.oral) out.push(['COMPLAINT_ANSWER', c.id, c.number]);
      }
      return out;
    }
    default:
      return [];
  }
}

/** Opens a letter (the PDF the record's readers may download) in a new tab. */
async function openLetter(kind, id, errorBox) {
  // Opened within the click, so that no popup blocker stops it; filled once fetched.
  const tab = window.open('', '_blank');
  try {
    const r = await fetch(`/documents/${DOCUMENT_SLUGS[kind]}/${id}.pdf`, { headers: { authorization: `Bearer ${state.token}` } });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const url = URL.createObjectURL(await r.blob());
    setTimeout(() => URL.revokeObjectURL(url), 120_000);
    if (tab) tab.location.href = url;
    else window.location.assign(url);
  } catch (e) {
    if (tab) tab.close();
    errorBox.textContent = t('failed', { msg: e.message });
    errorBox.hidden = false;
  }
}

/** The record section of the panel: its fields, its letters, its escalations. */
async function recordSection(id) {
  const section = el('div', { class: 'record' }, el('p', { class: 'muted', text: t('loading') }));
  const panel = $('detail');
  (async () => {
    try {
      const node = (await gql(Q_NODE, { id })).node;
      if (panel.dataset.open !== id) return;
      if (!node) throw new Error('—');
      const letters = await lettersOf(node);
      if (panel.dataset.open !== id) return;
      const error = el('p', { class: 'error', hidden: true });
      section.replaceChildren(
        el('p', { class: 'record-name', text: recordName(node) }),
        pairs(recordFields(node), { class: 'kv node', 'data-typename': node.__typename }),
        el('h3', { text: t('letters') }),
        letters.length
          ? el('ul', { class: 'letters' }, letters.map(([kind, rid, n]) => el('li', {},
            el('button', { type: 'button', class: 'link letter', 'data-kind': kind, 'data-id': rid,
              onclick: () => openLetter(kind, rid, error), text: t(`letter_${kind}`, { n }) }))))
          : el('p', { class: 'muted', text: t('noLetters') }),
        error,
        state.filter.subject === id ? null : el('button', { type: 'button', class: 'link drill-subject',
          onclick: () => setFilter({ subject: id }, { label: recordName(node) }), text: t('showEscalationsOf') }),
      );
    } catch (err) {
      if (panel.dataset.open !== id) return;
      section.replaceChildren(el('p', { class: 'error', text: t('failed', { msg: err.message }) }));
    }
  })();
  return section;
}

async function openRecord(id) {
  const panel = $('detail');
  panel.dataset.open = id;
  $('detail-title').textContent = t('subject');
  $('detail-body').replaceChildren(await recordSection(id));
  panel.hidden = false;
}

async function openDetail(e) {
  const panel = $('detail');
  panel.dataset.open = e.subjectId;
  $('detail-title').textContent = `${e.rule} · ${subjectName(e.subjectType)}`;
  const escalation = el('div', {},
    pairs([
      ['raisedAt', fmtTime(e.raisedAt)],
      ['kind', enumName('EscalationKind', e.kind)],
      ['rule', e.rule],
      ['severity', enumName('EscalationSeverity', e.severity)],
      ['p_organization', e.organization ? e.organization.name : ''],
      e.responsibleOrganization ? ['p_responsible', e.responsibleOrganization.name] : null,
      ['message', e.message],
    ]),
    acknowledgement(e));
  $('detail-body').replaceChildren(escalation, el('h3', { text: t('subject') }), await recordSection(e.subjectId));
  panel.hidden = false;
}

/** The escalation's acknowledgement, or for a regulator the form that makes it. */
function acknowledgement(e) {
  if (e.acknowledgedAt) {
    return el('div', { class: 'ack-box done', 'data-acknowledged': 'true' },
      el('strong', { text: t('acknowledgedAt', { at: fmtTime(e.acknowledgedAt) }) }),
      e.acknowledgementNote ? el('p', { text: e.acknowledgementNote }) : null,
      e.acknowledgedBy ? el('p', { class: 'muted acknowledged-by', text: `${t('acknowledgedBy')}: ${principalName(e.acknowledgedBy)}` }) : null);
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
      scheduleRecount();
      form.replaceWith(acknowledgement(e));
    } catch (err) {
      error.textContent = t('failed', { msg: err.message });
      error.hidden = false;
    }
  });
  return form;
}

// ---------------------------------------------------------------------------------
// Exports: the view's escalations, or a table of its statistics, as the API writes them.
async function doExport(format) {
  const what = $('export-what').value;
  const f = state.filter;
  const params = new URLSearchParams();
  let path;
  let name;
  if (what === 'escalations') {
    for (const [k, v] of Object.entries(escalationFilter())) params.set(k, String(v));
    path = `/exports/escalations.${format}`;
    name = `escalations-${f.from}-${f.to}.${format}`;
  } else {
    params.set('jurisdiction', state.me.organization.jurisdiction);
    params.set('from', f.from);
    params.set('to', f.to);
    if (f.mfo) params.set('mfoId', f.mfo);
    if (f.agency) params.set('responsibleOrganizationId', f.agency);
    path = `/exports/statistics/${what}.${format}`;
    name = `statistics-${what}-${f.from}-${f.to}.${format}`;
  }
  const error = $('export-error');
  error.hidden = true;
  try {
    const r = await fetch(`${path}?${params}`, { headers: { authorization: `Bearer ${state.token}`, 'accept-language': lang } });
    if (!r.ok) {
      const body = await r.json().catch(() => null);
      throw new Error((body && body.errors && body.errors[0] && body.errors[0].message) || `HTTP ${r.status}`);
    }
    const url = URL.createObjectURL(await r.blob());
    const a = el('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (e) {
    error.textContent = t('exportFailed', { msg: e.message });
    error.hidden = false;
  }
}

function renderExportChoices() {
  const s = $('export-what');
  const value = s.value || 'escalations';
  const tables = state.me && state.me.role === 'MFO_STAFF' ? [] : ['total', 'by-mfo', 'by-agency', 'complaints-by-week', 'breakdowns'];
  s.replaceChildren(...['escalations', ...tables].map((v) => option(v, t(`ex_${v}`), value)));
  s.value = value;
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
    setFilter({ from, to });
  };
  $('from').addEventListener('change', onPeriod);
  $('to').addEventListener('change', onPeriod);
  for (const s of document.querySelectorAll('select[data-filter]')) {
    s.addEventListener('change', () => setFilter({ [s.dataset.filter]: s.value }));
  }
  $('clear-filters').addEventListener('click', () =>
    setFilter({ mfo: '', agency: '', rule: '', severity: '', kind: '', ack: '', subject: '' }));
  $('refresh').addEventListener('click', () => reload());
  $('load-older').addEventListener('click', loadOlder);
  $('search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    search($('search-input').value);
  });
  $('export-csv').addEventListener('click', () => doExport('csv'));
  $('export-xlsx').addEventListener('click', () => doExport('xlsx'));
  window.addEventListener('popstate', () => {
    if (!state.me) return;
    readUrl();
    state.subjectLabel = '';
    reload();
  });
  applyLanguage();
  // A hook for the browser test and for a person at the console: drop the socket as a
  // network failure would, to watch the page resume from its cursor.
  window.mfoDashboard = {
    drop: () => state.conn && state.conn.drop(),
    lastCursor: () => state.liveCursor,
    count: () => state.items.length,
    total: () => state.total,
  };
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved);
  else showLogin();
}

init();
