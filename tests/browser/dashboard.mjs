// The /dashboard page in a real browser: Debian's chromium, headless, driven
// by playwright-core, against a `serve --demo` server started here on a free port.
//
// As the demo regulator it checks, each against the API's own answer for the same token:
// the live stream (an escalation caused now arrives, and the counters, the tables and the
// trend are counted again: each moves by exactly one), a dropped socket resumed without
// loss or duplicate, the subject panel in labels and names (no global id, no field name)
// and the acknowledgement made there; the filters applying to the stream and the counters
// and living in the URL (a reload and a bookmarked URL show the same view); paging back
// through history; drill-down from a table row and a rule chip; search by complaint number
// and by contract number; a letter opened from the panel (its SHA-256 in the record's audit
// trail); an export downloaded with the view's filter and read back; Russian; Kazakh and
// Kyrgyz (picked from the browser's language, and by the switch); MFO staff without
// statistics. Screenshots under target/. The server is killed on every exit path.
//
// Run through tests/browser/dashboard.sh (it installs playwright-core and builds).
// Env: MFO_BIN (the binary), MFO_TOOLS (dir holding node_modules), CHROMIUM (binary),
// MFO_SCREENSHOT (path), DASHBOARD_DATABASE_URL (instead of a fresh SQLite file).

import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const bin = process.env.MFO_BIN || path.join(root, 'target/debug/mfo-api');
const tools = process.env.MFO_TOOLS || path.join(root, 'target/tools');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const screenshot = process.env.MFO_SCREENSHOT || 'target/dashboard.png';
const shot = (suffix) => screenshot.replace(/\.png$/, `-${suffix}.png`);
const require = createRequire(path.join(tools, 'package.json'));
const { chromium } = require('playwright-core');

let server = null;
let browser = null;
let workDir = null;

function killServer() {
  if (server && server.exitCode === null && server.signalCode === null) {
    try {
      server.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  if (workDir) {
    rmSync(workDir, { recursive: true, force: true });
    workDir = null;
  }
}
// Every way out: normal exit, an exception, a signal.
process.on('exit', killServer);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killServer();
    process.exit(130);
  });
}

function fail(msg) {
  throw new Error(msg);
}

/** Starts `serve --demo` on 127.0.0.1:0 and resolves with its base URL. */
function startServer() {
  mkdirSync(path.join(root, 'target/tmp'), { recursive: true });
  workDir = mkdtempSync(path.join(root, 'target/tmp/browser-'));
  // A fresh SQLite file, or DASHBOARD_DATABASE_URL (e.g. an empty PostgreSQL database).
  const db = process.env.DASHBOARD_DATABASE_URL || `sqlite://${path.join(workDir, 'demo.db')}?mode=rwc`;
  server = spawn(bin, ['serve', '--demo', '--listen', '127.0.0.1:0', '--database-url', db, '--log', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // The server's own MFO_* settings only from its flags: a developer's environment
    // (a JWT secret, production mode, another database) must not change the test.
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MFO_'))),
  });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo server did not start in 180 s:\n${out}\n${err}`)), 180_000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/Dashboard \(pick a token there\): (http:\/\/[\d.:]+)\/dashboard/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    server.stderr.on('data', (d) => {
      err += d;
    });
    server.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo server exited (${code}):\n${out}\n${err}`));
    });
  });
}

async function gql(base, token, query, variables = {}, language = 'en') {
  const r = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'accept-language': language },
    body: JSON.stringify({ query, variables }),
  });
  const body = await r.json();
  if (body.errors) fail(`GraphQL error: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** The most recent whole minute in the past whose hour in Almaty is 23 (X3: calls 08:00–21:00). */
function lateEveningInAlmaty(minute) {
  const hourIn = (d) =>
    Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Almaty', hour: '2-digit', hour12: false }).format(d));
  const d = new Date();
  d.setUTCSeconds(0, 0);
  d.setUTCMinutes(minute);
  for (let i = 0; i < 48; i += 1) {
    if (d.getTime() < Date.now() && hourIn(d) === 23) return d.toISOString();
    d.setTime(d.getTime() - 3600_000);
  }
  return fail('no 23:xx in Almaty within two days');
}

const RECORD = `mutation($input: RecordContactInput!) { recordContact(input: $input) {
  contact { id violations } userErrors { field code rule message } } }`;

async function lateCall(base, agencyToken, loanId, minute) {
  const input = {
    clientSubmissionId: randomUUID(),
    loanId,
    channel: 'CALL',
    occurredAt: lateEveningInAlmaty(minute),
    disclosure: {
      organizationName: 'Collect KZ (demo)',
      organizationLocation: 'Almaty, Dostyk 5',
      personName: 'Nurzhan Abenov',
      personPosition: 'Collector',
    },
    outcome: 'REACHED',
    destination: '+7 701 555 12 34',
  };
  const r = (await gql(base, agencyToken, RECORD, { input })).recordContact;
  if (r.userErrors.length) fail(`recordContact refused: ${JSON.stringify(r.userErrors)}`);
  if (!r.contact.violations.includes('X3')) fail(`the late call was not flagged X3: ${JSON.stringify(r.contact)}`);
  return r.contact.id;
}

/** RFC 4180 records (the page's CSV export). */
function parseCsv(text) {
  const records = [];
  let record = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 1;
    } else field += c;
  }
  return records;
}

/** The local date (YYYY-MM-DD) in Almaty, and the first instant of one. */
const almatyDate = (ms) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Almaty' }).format(new Date(ms));
function almatyStart(isoDate) {
  const wall = Date.parse(`${isoDate}T00:00:00Z`);
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Almaty', hourCycle: 'h23', year: 'numeric',
    month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(wall));
  const n = (t) => Number(parts.find((p) => p.type === t).value);
  const offset = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute')) - wall;
  return new Date(wall - offset).toISOString();
}
const addDays = (iso, k) => new Date(Date.parse(`${iso}T00:00:00Z`) + k * 86_400_000).toISOString().slice(0, 10);

const LIST = `query($f: EscalationFilter, $after: String) { escalations(filter: $f, first: 100, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { id rule subjectId message organization { id } } } } }`;

async function main() {
  const base = await startServer();
  const tokens = await (await fetch(`${base}/dashboard/demo-tokens`, { headers: { 'x-mfo-dashboard': '1' } })).json();
  const agency = tokens.find((t) => t.role === 'COLLECTION_AGENCY') || fail('no agency token offered');
  const regulators = tokens.filter((t) => t.role === 'REGULATOR');
  const regulator = regulators.find((t) => /KZ/.test(t.label)) || regulators[0] || fail('no regulator token offered');
  const regulatorIndex = tokens.filter((t) => t.role === 'REGULATOR').indexOf(regulator);
  const api = (q, v, language) => gql(base, regulator.token, q, v, language);
  const loans = await gql(base, agency.token, '{ loans { edges { node { id } } } }', {});
  const loanId = loans.loans.edges[0]?.node.id || fail('the demo agency has no loan');
  /** Every escalation the API lists for a filter, oldest first. */
  const listed = async (f, language) => {
    const out = [];
    let after = null;
    for (;;) {
      const c = (await api(LIST, { f, after }, language)).escalations;
      out.push(...c.edges.map((e) => e.node));
      if (!c.pageInfo.hasNextPage) return out;
      after = c.pageInfo.endCursor;
    }
  };
  const today = almatyDate(Date.now());
  const period = { from: almatyStart(addDays(today, -55)), to: almatyStart(addDays(today, 1)) };

  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  const watch = (p) => {
    p.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  };
  watch(page);

  const response = await page.goto(`${base}/dashboard`);
  if (response.status() !== 200) fail(`/dashboard answered ${response.status()}`);
  const csp = response.headers()['content-security-policy'] || '';
  if (!csp.includes("script-src 'self'")) fail(`no strict CSP on /dashboard: ${csp}`);

  // English by default for an en-US browser; the demo token list is offered.
  await page.waitForSelector('#demo:not([hidden]) button.demo-token[data-role="REGULATOR"]');
  const h1 = await page.textContent('h1');
  if (h1 !== 'Supervision dashboard') fail(`English title expected, got ${h1}`);
  await page.click(`button.demo-token[data-role="REGULATOR"] >> nth=${regulatorIndex}`);
  await page.waitForSelector('#status[data-state="live"]', { timeout: 20_000 });
  await page.waitForSelector('#stream li.esc');

  const counterOf = (key) => page.$eval(`[data-counter="${key}"] .value`, (e) => e.textContent);
  const num = (s) => Number(String(s).replace(/\D/g, ''));
  /** Waits until every counter, table and chart shows a figure (not "…"). */
  const settled = async () => {
    await page.waitForFunction(() => {
      const values = [...document.querySelectorAll('#counters .value, #table-mfo td, #table-agency td')];
      return values.length > 0 && !values.some((v) => v.textContent.includes('…'))
        && document.querySelector('#trend svg') && !document.querySelector('#trend svg text[data-loading]')
        && !document.querySelector('#chart svg text[data-loading]');
    }, null, { timeout: 15_000 });
    await page.waitForTimeout(150);
  };
  const figures = async () => {
    await settled();
    const agencyRow = await page.$$eval('#table-agency tbody tr', (rows) =>
      rows.filter((r) => r.textContent.includes('Collect KZ')).map((r) => r.cells[4].textContent)[0] || '0');
    const mfoRow = await page.$$eval('#table-mfo tbody tr', (rows) =>
      rows.filter((r) => r.textContent.includes('Qomeq')).map((r) => r.cells[7].textContent)[0] || '0');
    const trend = await page.$$eval('#trend g.week', (gs) => gs.reduce((s, g) => s + Number(g.dataset.total), 0));
    return {
      period: num(await counterOf('c_period')), today: num(await counterOf('c_today')),
      unacknowledged: num(await counterOf('c_unacknowledged')), breaches: num(await counterOf('c_breaches')),
      agency: num(agencyRow), mfo: num(mfoRow), trend,
    };
  };
  const before = await figures();
  const apiPeriod = (await listed(period)).length;
  if (before.period !== apiPeriod) fail(`escalations in the period: the page ${before.period}, the API ${apiPeriod}`);
  if (before.trend !== apiPeriod) fail(`the trend sums to ${before.trend}, the period holds ${apiPeriod}`);

  // A live escalation, caused now: on the page, and every figure counted again.
  const t0 = performance.now();
  const contactId = await lateCall(base, agency.token, loanId, 10);
  await page.waitForSelector(`#stream li.esc[data-subject="${contactId}"][data-rule="X3"]`, { timeout: 15_000 });
  const liveMs = Math.round(performance.now() - t0);
  const expectAfter = { ...before };
  for (const k of ['period', 'today', 'unacknowledged', 'breaches', 'agency', 'mfo', 'trend']) expectAfter[k] += 1;
  let afterLive;
  for (let i = 0; i < 50; i += 1) {
    afterLive = await figures();
    if (JSON.stringify(afterLive) === JSON.stringify(expectAfter)) break;
    await page.waitForTimeout(200);
  }
  if (JSON.stringify(afterLive) !== JSON.stringify(expectAfter)) {
    fail(`after one live escalation the figures are ${JSON.stringify(afterLive)}, expected ${JSON.stringify(expectAfter)}`);
  }

  // The socket drops; an escalation is raised while the page is away; it arrives once.
  const shown = await page.evaluate(() => window.mfoDashboard.count());
  await page.evaluate(() => window.mfoDashboard.drop());
  await page.waitForSelector('#status:not([data-state="live"])');
  const missedId = await lateCall(base, agency.token, loanId, 20);
  await page.waitForSelector('#status[data-state="live"]', { timeout: 20_000 });
  await page.waitForSelector(`#stream li.esc[data-subject="${missedId}"]`, { timeout: 15_000 });
  await page.waitForTimeout(300);
  const copies = await page.locator(`#stream li.esc[data-subject="${missedId}"]`).count();
  if (copies !== 1) fail(`the escalation raised during the reconnection shows ${copies} times`);
  if ((await page.evaluate(() => window.mfoDashboard.count())) !== shown + 1) fail('the stream did not grow by one');

  // The subject of the live escalation: labels and names, never an id or a field's name.
  await page.click(`#stream li.esc[data-subject="${contactId}"] button.open-subject`);
  await page.waitForSelector('#detail:not([hidden]) dl.node[data-typename="ContactEvent"]');
  const detail = await page.innerText('#detail-body');
  for (const word of ['X3', 'With whom', 'the borrower', 'Contacted by', 'Collect KZ (demo)', 'call', 'reached']) {
    if (!detail.includes(word)) fail(`the contact panel lacks «${word}»: ${detail}`);
  }
  const rawKey = /occurredAt|contactor|__typename|CALL|REACHED|BORROWER|[A-Za-z0-9+/_-]{24,}={0,2}/;
  if (rawKey.test(detail)) fail(`the panel shows a raw key, enum name or id (${detail.match(rawKey)[0]}): ${detail}`);
  const severity = await page.getAttribute(`#stream li.esc[data-subject="${contactId}"] .sev`, 'class');
  if (!/sev-(HIGH|CRITICAL|MEDIUM|LOW)/.test(severity || '')) fail(`no severity on the live escalation: ${severity}`);
  // The regulator acknowledges it there; the counter of those not acknowledged follows.
  await page.fill('#ack-note', 'Called the agency; browser test');
  await page.click('#ack-submit');
  await page.waitForSelector('#detail [data-acknowledged="true"]');
  await page.waitForSelector(`#stream li.esc.acknowledged[data-subject="${contactId}"]`);
  const ackBy = await page.textContent('#detail .acknowledged-by');
  if (!ackBy.includes('ARDFM (demo)') || !ackBy.includes('regulator') || ackBy.includes('@')) {
    fail(`the acknowledgement does not name the person and the organisation: ${ackBy}`);
  }
  await page.waitForFunction((n) => {
    const v = document.querySelector('[data-counter="c_unacknowledged"] .value');
    return v && Number(v.textContent.replace(/\D/g, '')) === n;
  }, afterLive.unacknowledged + 1 - 1, { timeout: 10_000 });
  await page.click('#detail-close');

  // Filters: a rule and "not acknowledged" apply to the stream and the counters, and the URL says so.
  await page.selectOption('#f-rule', 'X3');
  await page.waitForURL(/rule=X3/);
  await page.selectOption('#f-ack', 'false');
  await page.waitForURL(/ack=false/);
  const x3 = (await listed({ ...period, rule: 'X3', acknowledged: false }));
  const checkView = async (what, expected) => {
    await page.waitForFunction((n) => {
      const v = document.querySelector('[data-counter="c_period"] .value');
      return v && !v.textContent.includes('…') && Number(v.textContent.replace(/\D/g, '')) === n;
    }, expected.length, { timeout: 10_000 }).catch(async () => fail(`${what}: the counter shows ${await counterOf('c_period')}, the API ${expected.length}`));
    await page.waitForFunction((ids) => {
      const shownIds = [...document.querySelectorAll('#stream li.esc')].map((li) => li.dataset.id);
      return shownIds.length === Math.min(ids.length, 20) && shownIds.every((id) => ids.includes(id));
    }, expected.map((e) => e.id), { timeout: 10_000 }).catch(() => fail(`${what}: the stream is not the API's list`));
  };
  await checkView('rule X3, not acknowledged', x3);
  if (x3.some((e) => e.subjectId === contactId)) fail('the acknowledged escalation is still listed as not acknowledged');
  // A reload keeps the view; a bookmarked URL opens it.
  await page.reload();
  await page.waitForSelector('#status[data-state="live"]', { timeout: 20_000 });
  if ((await page.inputValue('#f-rule')) !== 'X3' || (await page.inputValue('#f-ack')) !== 'false') fail('the reload lost the filters');
  await checkView('after a reload', x3);
  const bookmark = `${base}/dashboard?kind=DEADLINE_MISSED&severity=MEDIUM`;
  await page.goto(bookmark);
  await page.waitForSelector('#status[data-state="live"]', { timeout: 20_000 });
  if ((await page.inputValue('#f-kind')) !== 'DEADLINE_MISSED') fail('the bookmarked kind is not applied');
  await checkView('a bookmarked view', await listed({ ...period, kind: 'DEADLINE_MISSED', severity: 'MEDIUM' }));

  // Paging: the newest 20 first, older ones on demand, each once, newest first (ten more
  // late calls make sure there is more than a page; the view shows missed deadlines only,
  // so none of them arrives on it).
  for (let i = 0; i < 10; i += 1) await lateCall(base, agency.token, loanId, 30 + i);
  await page.click('#clear-filters');
  await page.waitForFunction(() => !location.search.includes('kind='));
  const all = await listed(period);
  await checkView('no filter', all);
  let pages = 1;
  while (await page.isVisible('#load-older')) {
    const n = await page.locator('#stream li.esc').count();
    await page.click('#load-older');
    await page.waitForFunction((k) => document.querySelectorAll('#stream li.esc').length > k, n);
    pages += 1;
  }
  const streamIds = await page.$$eval('#stream li.esc', (lis) => lis.map((li) => li.dataset.id));
  const newestFirst = all.map((e) => e.id).reverse();
  if (JSON.stringify(streamIds) !== JSON.stringify(newestFirst)) fail(`paged stream ${streamIds.length} ≠ the API's ${all.length}`);
  if (all.length <= 20 || pages !== Math.ceil(all.length / 20)) fail(`${all.length} escalations came in ${pages} pages`);

  // Drill-down: an MFO's row, then a rule chip of an agency's row.
  await settled();
  await page.click('#table-mfo tbody tr.drill:has-text("Qomeq")');
  await page.waitForURL(/mfo=/);
  const mfoId = new URL(page.url()).searchParams.get('mfo');
  await checkView('drilled into an MFO', await listed({ ...period, organizationId: mfoId }));
  await page.click('#clear-filters');
  await page.waitForFunction(() => !location.search.includes('mfo='));
  await settled();
  const chip = page.locator('#table-agency tbody tr:has-text("Collect KZ") .rule-chip[data-rule="X3"]');
  await chip.click();
  await page.waitForURL(/agency=.*rule=X3|rule=X3.*agency=/);
  const agencyId = new URL(page.url()).searchParams.get('agency');
  const drilled = await listed({ ...period, responsibleOrganizationId: agencyId, rule: 'X3' });
  await checkView('drilled into an agency rule', drilled);
  await settled();
  const chipCount = await page.$eval('#table-agency tbody tr .rule-chip[data-rule="X3"]', (c) => c.textContent);
  if (num(chipCount.split('×')[1]) !== drilled.length) fail(`the chip says ${chipCount}, the stream holds ${drilled.length}`);

  // An export with the view's filter, downloaded and read back; a statistics table too.
  await page.selectOption('#export-what', 'escalations');
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const csv = readFileSync(await csvDownload.path(), 'utf8');
  if (!csv.startsWith('\uFEFF')) fail('the CSV export has no byte-order mark');
  const records = parseCsv(csv.slice(1));
  const header = records.shift();
  const idAt = header.indexOf('id');
  const ruleAt = header.indexOf('rule');
  if (JSON.stringify(records.map((r) => r[idAt])) !== JSON.stringify(drilled.map((e) => e.id))) {
    fail(`the CSV holds ${records.length} escalations, the view ${drilled.length}`);
  }
  if (records.some((r) => r[ruleAt] !== 'X3')) fail('the CSV ignores the view\'s rule');
  const [xlsxDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-xlsx')]);
  const xlsx = readFileSync(await xlsxDownload.path());
  if (xlsx.subarray(0, 2).toString() !== 'PK' || xlsx.length < 2000) fail('the XLSX export is not a workbook');
  await page.selectOption('#export-what', 'by-agency');
  const [statsDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const stats = parseCsv(readFileSync(await statsDownload.path(), 'utf8').slice(1));
  const apiStats = await api(`query($from: Date!, $to: Date!, $a: ID) { regulatorStatistics(jurisdiction: KZ, from: $from,
    to: $to, responsibleOrganizationId: $a) { byAgency { agency { id name } contacts { total } escalations } } }`,
  { from: addDays(today, -55), to: today, a: agencyId });
  const expectedStats = apiStats.regulatorStatistics.byAgency.map((a) => [a.agency.id, a.agency.name, String(a.contacts.total), String(a.escalations)]);
  const gotStats = stats.slice(1).map((r) => [r[0], r[1], r[2], r[5]]);
  if (stats[0][2] !== 'contacts.total' || JSON.stringify(gotStats) !== JSON.stringify(expectedStats)) {
    fail(`the statistics export ${JSON.stringify(stats)} is not the API's ${JSON.stringify(expectedStats)}`);
  }

  // Search by complaint number: the complaint whose C8 answer was missed, and its escalations.
  await page.click('#clear-filters');
  const c8 = (await listed({ ...period, rule: 'C8' }))[0] || fail('the demo has no C8 escalation');
  const complaint = (await api('query($id: ID!) { complaint(id: $id) { id number } }', { id: c8.subjectId })).complaint;
  await page.fill('#search-input', complaint.number.replace(/\/0+/, '/'));
  await page.click('#search-submit');
  await page.click(`#search-results button.result[data-id="${complaint.id}"]`);
  await page.waitForURL(/subject=/);
  await checkView('a complaint found', await listed({ ...period, subjectId: complaint.id }));
  await page.waitForSelector('#detail:not([hidden]) dl.node[data-typename="Complaint"]');
  if (!(await page.textContent('#detail-body')).includes(complaint.number)) fail('the complaint panel lacks its number');
  await page.click('#detail-close');

  // Search by a borrower's id: their loans are found; by contract number: the loan of a
  // refused application, whose D1 letter is opened from the panel.
  await page.click('#clear-filters');
  const refused = (await api(`{ restructuringApplications(filter: { status: REFUSED }, first: 5) { edges { node { id
    loan { id contractNumber borrower { externalId } } decision { id } } } } }`)).restructuringApplications.edges[0]?.node
    || fail('no refused application');
  await page.fill('#search-input', refused.loan.borrower.externalId);
  await page.click('#search-submit');
  await page.waitForSelector(`#search-results button.result[data-kind="loan"][data-id="${refused.loan.id}"]`);
  await page.fill('#search-input', refused.loan.contractNumber);
  await page.click('#search-submit');
  await page.click(`#search-results button.result[data-id="${refused.loan.id}"]`);
  await page.waitForSelector('#detail:not([hidden]) dl.node[data-typename="Loan"]');
  const letter = page.locator(`#detail button.letter[data-kind="REFUSAL_LETTER"][data-id="${refused.decision.id}"]`);
  // The bytes the page receives, as it receives them.
  let served = null;
  await page.route('**/documents/**', async (route) => {
    const r = await route.fetch();
    served = { status: r.status(), type: r.headers()['content-type'], body: await r.body() };
    await route.fulfill({ response: r, body: served.body });
  });
  const [popup] = await Promise.all([context.waitForEvent('page'), letter.click()]);
  await popup.waitForURL(/^blob:/, { timeout: 10_000 });
  await popup.waitForLoadState();
  const shownType = await popup.evaluate(() => document.contentType);
  if (!served || served.status !== 200 || served.body.subarray(0, 5).toString() !== '%PDF-') fail('the letter served is not a PDF');
  if (shownType !== 'application/pdf') fail(`the letter's tab shows ${shownType}`);
  await page.unroute('**/documents/**');
  const sha = createHash('sha256').update(served.body).digest('hex');
  const trail = (await api('query($id: ID!) { auditTrail(subjectId: $id) { action after } }', { id: refused.id })).auditTrail;
  if (!trail.some((e) => e.action === 'document.issued' && e.after.sha256 === sha)) fail('the opened letter is not in the audit trail');
  await popup.close();
  await page.click('#detail-close');
  await page.click('#clear-filters');
  await page.fill('#search-input', '');
  await page.selectOption('#export-what', 'escalations');
  await settled();
  await page.waitForTimeout(2600); // let the arrival highlight fade for the picture
  await page.screenshot({ path: screenshot, fullPage: true });

  // Russian.
  await page.click('#lang-ru');
  const ru = await page.textContent('h1');
  if (ru !== 'Панель надзора') fail(`Russian title expected, got ${ru}`);
  await page.waitForSelector(`#stream li.esc[data-subject="${contactId}"]`);
  const kind = await page.textContent(`#stream li.esc[data-subject="${contactId}"] .kind`);
  if (kind !== 'Нарушение правила') fail(`the stream is not in Russian: ${kind}`);
  if ((await page.getAttribute('html', 'lang')) !== 'ru') fail('html lang is not ru');
  // The server's own text follows: the escalation's message is read again in Russian.
  const ruMessage = (await listed({ ...period, subjectId: contactId }, 'ru'))[0].message;
  await page.waitForFunction(({ id, text }) => {
    const m = document.querySelector(`#stream li.esc[data-subject="${id}"] .esc-msg`);
    return m && m.textContent === text;
  }, { id: contactId, text: ruMessage }, { timeout: 10_000 }).catch(() => fail('the escalation\'s message is not in Russian'));

  // Kazakh and Kyrgyz: a browser in kk-KZ gets Kazakh; the switch gives Kyrgyz.
  const kkContext = await browser.newContext({ locale: 'kk-KZ', viewport: { width: 1440, height: 1000 } });
  const kk = await kkContext.newPage();
  watch(kk);
  await kk.goto(`${base}/dashboard?rule=X3`);
  await kk.waitForSelector(`button.demo-token[data-role="REGULATOR"] >> nth=${regulatorIndex}`);
  if ((await kk.textContent('h1')) !== 'Қадағалау панелі') fail(`Kazakh title expected, got ${await kk.textContent('h1')}`);
  await kk.click(`button.demo-token[data-role="REGULATOR"] >> nth=${regulatorIndex}`);
  await kk.waitForSelector(`#stream li.esc[data-subject="${contactId}"]`, { timeout: 20_000 });
  if ((await kk.getAttribute('html', 'lang')) !== 'kk') fail('html lang is not kk');
  for (const [language, title, breach] of [['kk', 'Қадағалау панелі', 'Ереже бұзылды'], ['ky', 'Көзөмөл панели', 'Эреже бузулду']]) {
    if (language === 'ky') await kk.click('#lang-ky');
    if ((await kk.textContent('h1')) !== title) fail(`${language}: the title is ${await kk.textContent('h1')}`);
    const message = (await listed({ ...period, subjectId: contactId }, language))[0].message;
    await kk.waitForFunction(({ id, text, label }) => {
      const li = document.querySelector(`#stream li.esc[data-subject="${id}"]`);
      return li && li.querySelector('.esc-msg').textContent === text && li.querySelector('.kind').textContent === label;
    }, { id: contactId, text: message, label: breach }, { timeout: 10_000 }).catch(() => fail(`${language}: the stream is not in ${language}`));
    await kk.click(`#stream li.esc[data-subject="${contactId}"] button.open-subject`);
    await kk.waitForSelector('#detail:not([hidden]) dl.node[data-typename="ContactEvent"]');
    const panel = await kk.innerText('#detail-body');
    if (rawKey.test(panel) || /With whom|Contacted by/.test(panel)) fail(`${language}: the panel is not in ${language}: ${panel}`);
    await kk.click('#detail-close');
  }
  await kk.evaluate(() => window.scrollTo(0, 0));
  await kk.waitForTimeout(300);
  await kk.screenshot({ path: shot('ky'), fullPage: false });
  await kkContext.close();

  // Signing out forgets the token; MFO staff (no statistics for that role) still get
  // their MFO's stream, the tables counted from it, and the page says why (in Russian,
  // the language chosen before).
  await page.click('#sign-out');
  await page.waitForSelector('#login:not([hidden])');
  if (await page.evaluate(() => sessionStorage.getItem('mfo.dashboard.token'))) fail('the token outlived sign-out');
  await page.click('button.demo-token[data-role="MFO_STAFF"] >> nth=0');
  await page.waitForSelector('#status[data-state="live"]', { timeout: 20_000 });
  await page.waitForSelector('#stream li.esc');
  await page.waitForSelector('#stats-note:not([hidden])');
  const note = await page.textContent('#stats-note');
  if (!note.includes('регулятору')) fail(`no role note without statistics: ${note}`);
  if (problems.length) fail(`the page reported errors:\n${problems.join('\n')}`);
  console.log(
    `dashboard: loaded, live escalation received in ${liveMs} ms and every figure recounted (+1),` +
      ` ${all.length} escalations in ${pages} pages, filters and URL, drill-down, search, a letter, exports,` +
      ` ru/kk/ky, resumed after a dropped socket without loss or duplicate; screenshots ${screenshot}, ${shot('ky')}`,
  );
}

try {
  await main();
} catch (e) {
  console.error(`dashboard: FAILED: ${e.stack || e}`);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close().catch(() => {});
  killServer();
}
