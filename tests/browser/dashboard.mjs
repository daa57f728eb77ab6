// The /dashboard page in a real browser: Debian's chromium, headless, driven
// by playwright-core, against a `serve --demo` server started here on a free port.
//
// It signs in with the demo regulator token the page offers, waits for the live stream,
// causes an escalation (a collection agency records a call at 23:xx in Almaty: X3) and
// checks that it appears on the page; drops the socket, causes another while the page
// is away, and checks that it arrives exactly once after the page resumes from its
// cursor; checks the tables and the chart, opens the subject panel and acknowledges the
// escalation there, switches to Russian, and saves a screenshot. The server is killed on
// every exit path.
//
// Run through tests/browser/dashboard.sh (it installs playwright-core and builds).
// Env: MFO_BIN (the binary), MFO_TOOLS (dir holding node_modules), CHROMIUM (binary),
// MFO_SCREENSHOT (path), DASHBOARD_DATABASE_URL (instead of a fresh SQLite file).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const bin = process.env.MFO_BIN || path.join(root, 'target/debug/mfo-api');
const tools = process.env.MFO_TOOLS || path.join(root, 'target/tools');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const screenshot = process.env.MFO_SCREENSHOT || 'target/dashboard.png';
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

async function gql(base, token, query, variables) {
  const r = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
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

async function main() {
  const base = await startServer();
  const tokens = await (await fetch(`${base}/dashboard/demo-tokens`, { headers: { 'x-mfo-dashboard': '1' } })).json();
  const agency = tokens.find((t) => t.role === 'COLLECTION_AGENCY') || fail('no agency token offered');
  const loans = await gql(base, agency.token, '{ loans { edges { node { id } } } }', {});
  const loanId = loans.loans.edges[0]?.node.id || fail('the demo agency has no loan');

  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

  const response = await page.goto(`${base}/dashboard`);
  if (response.status() !== 200) fail(`/dashboard answered ${response.status()}`);
  const csp = response.headers()['content-security-policy'] || '';
  if (!csp.includes("script-src 'self'")) fail(`no strict CSP on /dashboard: ${csp}`);

  // English by default for an en-US browser; the demo token list is offered.
  await page.waitForSelector('#demo:not([hidden]) button.demo-token[data-role="REGULATOR"]');
  const h1 = await page.textContent('h1');
  if (h1 !== 'Supervision dashboard') fail(`English title expected, got ${h1}`);
  await page.click('button.demo-token[data-role="REGULATOR"] >> nth=0');
  await page.waitForSelector('#status[data-state="live"]', { timeout: 20_000 });
  await page.waitForSelector('#stream li.esc');
  const before = await page.evaluate(() => window.mfoDashboard.count());

  // A live escalation, caused now.
  const t0 = performance.now();
  const contactId = await lateCall(base, agency.token, loanId, 10);
  await page.waitForSelector(`#stream li.esc[data-subject="${contactId}"][data-rule="X3"]`, { timeout: 15_000 });
  const liveMs = Math.round(performance.now() - t0);

  // The socket drops; an escalation is raised while the page is away; it arrives once.
  await page.evaluate(() => window.mfoDashboard.drop());
  await page.waitForSelector('#status:not([data-state="live"])');
  const missedId = await lateCall(base, agency.token, loanId, 20);
  await page.waitForSelector('#status[data-state="live"]', { timeout: 20_000 });
  await page.waitForSelector(`#stream li.esc[data-subject="${missedId}"]`, { timeout: 15_000 });
  await page.waitForTimeout(300);
  const copies = await page.locator(`#stream li.esc[data-subject="${missedId}"]`).count();
  const after = await page.evaluate(() => window.mfoDashboard.count());
  if (copies !== 1) fail(`the escalation raised during the reconnection shows ${copies} times`);
  if (after !== before + 2) fail(`expected ${before + 2} escalations after two raised, the page holds ${after}`);

  // Counters, the tables and the chart.
  const today = Number((await page.textContent('[data-counter="c_today"] .value')).replace(/\D/g, ''));
  if (today < 2) fail(`the today counter shows ${today}, expected at least the two just raised`);
  const mfoRows = await page.locator('#table-mfo tbody tr').allTextContents();
  if (!mfoRows.some((r) => r.includes('Qomeq Finance'))) fail(`no Qomeq row in the MFO table: ${mfoRows}`);
  const agencyRows = await page.locator('#table-agency tbody tr').allTextContents();
  if (!agencyRows.some((r) => r.includes('Collect KZ'))) fail(`no agency row in the agency table: ${agencyRows}`);
  await page.waitForSelector('#chart svg.chart-svg');
  // regulatorStatistics: the weekly chart has bars (the demo's KZ complaints fall in the
  // default eight weeks) and the counters and tables show the server's figures.
  await page.waitForSelector('#chart svg rect.bar', { timeout: 10_000 });
  const bars = await page.locator('#chart svg rect.bar').count();
  await page.waitForSelector('[data-counter="c_complaints"]');
  if (!(await page.isHidden('#stats-note'))) fail('the page says the server has no statistics');
  const headers = await page.locator('#table-mfo thead th').count();
  if (headers !== 8) fail(`the MFO table lacks the statistics' columns (${headers})`);
  const agencyHeaders = await page.locator('#table-agency thead th').count();
  if (agencyHeaders !== 6) fail(`the agency table lacks the statistics' columns (${agencyHeaders})`);
  // The server's count of the agency's escalations catches up with the stream (the page
  // asks again shortly after a live one): every breach the stream names it for.
  await page.waitForFunction(() => {
    const row = [...document.querySelectorAll('#table-agency tbody tr')].find((r) => r.textContent.includes('Collect KZ'));
    const named = document.querySelectorAll('#stream li.esc .responsible').length;
    return row && Number(row.cells[4].textContent.replace(/\D/g, '')) === named && named >= 3;
  }, null, { timeout: 10_000 });

  // The subject of the live escalation, asked of node(id:).
  await page.click(`#stream li.esc[data-subject="${contactId}"] button.link`);
  await page.waitForSelector('#detail:not([hidden]) dl.node[data-typename="ContactEvent"]');
  const detail = await page.textContent('#detail-body');
  if (!detail.includes('X3')) fail(`the contact panel does not show its X3 violation: ${detail}`);
  // Its severity, and the regulator acknowledges it there (acknowledgeEscalation).
  const severity = await page.getAttribute(`#stream li.esc[data-subject="${contactId}"] .sev`, 'class');
  if (!/sev-(HIGH|CRITICAL|MEDIUM|LOW)/.test(severity || '')) fail(`no severity on the live escalation: ${severity}`);
  await page.fill('#ack-note', 'Called the agency; browser test');
  await page.click('#ack-submit');
  await page.waitForSelector('#detail [data-acknowledged="true"]');
  await page.waitForSelector(`#stream li.esc.acknowledged[data-subject="${contactId}"]`);
  await page.click('#detail-close');

  // Russian.
  await page.click('#lang-ru');
  const ru = await page.textContent('h1');
  if (ru !== 'Панель надзора') fail(`Russian title expected, got ${ru}`);
  const kind = await page.textContent(`#stream li.esc[data-subject="${contactId}"] .kind`);
  if (kind !== 'Нарушение правила') fail(`the stream is not in Russian: ${kind}`);
  if ((await page.getAttribute('html', 'lang')) !== 'ru') fail('html lang is not ru');
  // The server's own text follows: the escalation's message is read again in Russian.
  try {
    await page.waitForFunction(
      (id) => {
        const m = document.querySelector(`#stream li.esc[data-subject="${id}"] .esc-msg`);
        return m && m.textContent.startsWith('Контакт');
      },
      contactId,
      { timeout: 10000 },
    );
  } catch {
    const msg = await page.textContent(`#stream li.esc[data-subject="${contactId}"] .esc-msg`);
    fail(`the escalation's message is not in Russian: ${msg}`);
  }

  await page.waitForTimeout(2600); // let the arrival highlight fade for the picture
  await page.screenshot({ path: screenshot, fullPage: true });
  // Signing out forgets the token; MFO staff (no statistics for that role) still get
  // their MFO's stream, the tables counted from it, and the page says why.
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
    `dashboard: loaded, live escalation received in ${liveMs} ms, screenshot ${screenshot}` +
      ` (${after} escalations, ${mfoRows.length} MFO rows, ${agencyRows.length} agency rows, ${bars} chart bars,` +
      ' resumed after a dropped socket without loss or duplicate)',
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
