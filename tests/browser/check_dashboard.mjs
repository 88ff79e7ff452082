// Drives the dashboard of a running `custody serve` in headless Chromium at
// 1280 px: a wrong token is refused with an error, a member token is told
// the dashboard is for admins and auditors, an auditor and an admin sign
// in; then every page (overview, partner, live tasks, incidents, log) must show the
// vault's real values, log no console error (a CSP violation is one), not
// overflow horizontally and draw its SVG charts at a nonzero size. The live
// tasks page must pick up a task served while it is open, and the log
// page's Verify must succeed. The token must stay out of the URL and of
// localStorage. With --screenshot DIR, saves DIR/dashboard-PAGE.png.
//
// Usage: ADMIN_TOKEN=... AUDITOR_TOKEN=... MEMBER_TOKEN=... node check_dashboard.mjs
//          --url http://127.0.0.1:PORT --partner NAME --member NAME --tasks N [--screenshot DIR]
// Exit: 0 pass; 1 a check fails (each printed); 77 skipped (reason printed).
import { existsSync } from 'node:fs';

const SKIP = 77;
const CHROMIUM = process.env.CUSTODY_CHROMIUM || '/usr/bin/chromium';
const WIDTH = 1280;
const WAIT = { timeout: 60000 };  // a condition awaited, not a measured time

const opt = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) opt[argv[i].replace(/^--/, '')] = argv[i + 1];
const { ADMIN_TOKEN: admin, AUDITOR_TOKEN: auditor, MEMBER_TOKEN: member } = process.env;
if (!opt.url || !opt.partner || !opt.member || !opt.tasks || !admin || !auditor || !member) {
  console.log('usage: see the header of check_dashboard.mjs');
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.log(`SKIPPED: no Chromium at ${CHROMIUM} (Debian package chromium; scripts/install-deps)`);
  process.exit(SKIP);
}
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  console.log('SKIPPED: playwright-core is not installed (tests/browser/setup.sh runs npm ci)');
  process.exit(SKIP);
}

const problems = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) problems.push(what);
};

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});

async function newPage() {
  const page = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
  page.errors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.on('pageerror', (e) => page.errors.push(String(e)));
  return page;
}

async function signIn(page, token) {
  await page.goto(`${opt.url}/`, { waitUntil: 'load' });
  await page.waitForSelector('#token', { state: 'visible', ...WAIT });
  await page.fill('#token', token);
  await page.click('#login-form button[type=submit]');
}

async function layout(page, name) {
  const r = await page.evaluate((width) => {
    const out = [];
    const sw = document.scrollingElement.scrollWidth;
    if (sw > width) out.push(`page scrollWidth ${sw} > ${width}`);
    document.querySelectorAll('svg').forEach((s, i) => {
      const b = s.getBoundingClientRect();
      if (!(b.width > 0 && b.height > 0)) out.push(`svg #${i} is ${b.width}x${b.height}`);
    });
    return out;
  }, WIDTH);
  check(r.length === 0, `${name}: no horizontal overflow at ${WIDTH} px, charts drawn${r.length ? ` (${r.join('; ')})` : ''}`);
  if (opt.screenshot) await page.screenshot({ path: `${opt.screenshot}/dashboard-${name}.png`, clip: { x: 0, y: 0, width: WIDTH, height: 900 } });
}

const stat = (page, name) => page.textContent(`#page [data-stat=${name}] .n`);

try {
  // A token the server does not know.
  let page = await newPage();
  await signIn(page, 'cst_' + 'A'.repeat(43));
  await page.waitForSelector('#login-error:not([hidden])', WAIT);
  check(/Token refused/.test(await page.textContent('#login-error')), 'a wrong token is refused with an error');
  check(await page.isHidden('#page'), 'a wrong token shows no page');
  if (opt.screenshot) await page.screenshot({ path: `${opt.screenshot}/dashboard-login.png`, clip: { x: 0, y: 0, width: WIDTH, height: 900 } });
  await page.close();

  // A member's token.
  page = await newPage();
  await signIn(page, member);
  await page.waitForSelector('#login-error:not([hidden])', WAIT);
  check(/for admins and auditors/.test(await page.textContent('#login-error')), 'a member token is told the dashboard is for admins and auditors');
  check(await page.evaluate(() => sessionStorage.length === 0), 'a refused token is not kept');
  await page.close();

  // An auditor reads the overview.
  page = await newPage();
  await signIn(page, auditor);
  await page.waitForSelector('#page [data-stat=partners]', WAIT);
  check((await page.textContent('#page')).includes(opt.partner), `auditor: the overview names partner ${opt.partner}`);
  check(page.errors.length === 0, `auditor: no console errors${page.errors.length ? `: ${page.errors.join(' | ')}` : ''}`);
  await page.close();

  // The admin: every page.
  page = await newPage();
  await signIn(page, admin);
  await page.waitForSelector('#page [data-stat=partners]', WAIT);
  check(!page.url().includes(admin), 'the token is not in the URL');
  check(await page.evaluate((t) => sessionStorage.getItem('custody.token') === t && localStorage.length === 0, admin),
        'the token is in sessionStorage and nothing is in localStorage');
  const text = await page.textContent('#page');
  check(text.includes(opt.partner), `overview: names partner ${opt.partner}`);
  check(await stat(page, 'partners') === '2', `overview: 2 partners (found ${await stat(page, 'partners')})`);
  check(await stat(page, 'datasets') === '1', `overview: 1 dataset (found ${await stat(page, 'datasets')})`);
  const records = Number((await stat(page, 'records')).replace(/,/g, ''));
  const exposure = await (await fetch(`${opt.url}/v1/exposure`, { headers: { Authorization: `Bearer ${admin}` } })).json();
  const held = exposure.items.reduce((n, h) => n + h.records, 0);
  check(records === held && held > Number(opt.tasks) / 2, `overview: ${held} records out as /v1/exposure says (found ${records})`);
  check(await page.locator('svg.chart rect.bar').count() >= 2, 'overview: records-out chart has a bar per partner');
  await layout(page, 'overview');

  await page.click(`#page a[href="#/partner/${encodeURIComponent(opt.partner)}"]`);
  await page.waitForSelector('#page [data-stat=members]', WAIT);
  const ptext = await page.textContent('#page');
  check(ptext.includes(`Partner ${opt.partner}`) && ptext.includes(opt.member), `partner page: ${opt.partner} with member ${opt.member}`);
  check(await stat(page, 'grants') === '1', `partner page: 1 grant (found ${await stat(page, 'grants')})`);
  const api = await (await fetch(`${opt.url}/v1/risk?partner=${encodeURIComponent(opt.partner)}`,
                                 { headers: { Authorization: `Bearer ${admin}` } })).json();
  const want = api.partners[0].risk.toFixed(1);
  check(await stat(page, 'risk') === want, `partner page: risk ${want} as /v1/risk computes it (found ${await stat(page, 'risk')})`);
  check((await page.textContent('#page')).includes(api.partners[0].components[0]?.action ?? ''),
        'partner page: lists the risk components with their actions');
  await layout(page, 'partner');

  await page.click('nav a[href="#/tasks"]');
  await page.waitForSelector('#page [data-stat=tasks]', WAIT);
  check(await stat(page, 'tasks') === opt.tasks, `live tasks: ${opt.tasks} tasks served (found ${await stat(page, 'tasks')})`);
  check((await page.textContent('#page')).includes(opt.member), `live tasks: lists member ${opt.member}`);
  await layout(page, 'tasks');
  // One more task while the page is open: the page must show it on its own.
  const res = await fetch(`${opt.url}/v1/tasks/next`, { method: 'POST', body: '', headers: { Authorization: `Bearer ${member}` } });
  check(res.status === 200, `a task served while the page is open (status ${res.status})`);
  const more = String(Number(opt.tasks) + 1);
  const refreshed = await page.waitForFunction((n) => document.querySelector('#page [data-stat=tasks] .n')?.textContent === n, more, WAIT)
    .then(() => true, () => false);
  check(refreshed, `live tasks: refreshes to ${more} tasks without a reload`);

  await page.click('nav a[href="#/incidents"]');
  await page.waitForSelector('#page [data-stat=incidents]', WAIT);
  const itext = await page.textContent('#page');
  check(await stat(page, 'incidents') === '1' && itext.includes('forum dump') && itext.includes('partner notified by phone'),
        'incidents page: the incident, its title and its note');
  check(/accused: bob/.test(itext), 'incidents page: the accused member');
  await layout(page, 'incidents');

  await page.click('nav a[href="#/log"]');
  await page.waitForSelector('#verify', WAIT);
  const size = Number((await stat(page, 'size')).replace(/,/g, ''));
  check(size > 0, `log page: ${size} entries`);
  check((await page.textContent('#checkpoint')).split('\n').length >= 3, 'log page: shows the signed checkpoint');
  await page.click('#verify');
  await page.waitForSelector('#verify-result.ok, #verify-result.error', WAIT);
  const verdict = await page.textContent('#verify-result');
  check(/^Verified/.test(verdict), `log page: Verify succeeds (${verdict})`);
  await layout(page, 'log');
  // The log grows; Verify again proves the new checkpoint extends the one
  // verified before, with a nonempty proof checked in the browser.
  const serve = () => fetch(`${opt.url}/v1/tasks/next`, { method: 'POST', body: '', headers: { Authorization: `Bearer ${member}` } });
  check((await serve()).status === 200, 'another task served');
  const verifyAgain = async () => {
    await page.evaluate(() => { const r = document.getElementById('verify-result'); r.className = 'muted'; r.textContent = ''; });
    await page.click('#verify');
    await page.waitForSelector('#verify-result.ok, #verify-result.error', WAIT);
    return page.textContent('#verify-result');
  };
  const again = await verifyAgain();
  const m = /verified before \(([\d,]+) entries, (\d+) proof hashes\)/.exec(again);
  check(/^Verified/.test(again) && m && Number(m[2]) > 0,
        `log page: Verify after growth checks a nonempty consistency proof (${again})`);
  // A proof altered in transit must be caught.
  check((await serve()).status === 200, 'a third task served');
  await page.route('**/v1/log/proof/consistency**', async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    if (body.proof.length) body.proof[0] = body.proof[0].startsWith('A') ? 'B' + body.proof[0].slice(1) : 'A' + body.proof[0].slice(1);
    await route.fulfill({ response: res, json: body });
  });
  const tampered = await verifyAgain();
  check(/^NOT consistent/.test(tampered), `log page: an altered proof is caught (${tampered})`);
  await page.unroute('**/v1/log/proof/consistency**');

  check(page.errors.length === 0, `admin: no console errors${page.errors.length ? `: ${page.errors.join(' | ')}` : ''}`);
  await page.click('#logout');
  check(await page.evaluate(() => sessionStorage.length === 0), 'log out forgets the token');
  await page.close();
} catch (e) {
  check(false, `unexpected: ${e.message}`);
} finally {
  await browser.close();
}
console.log(problems.length ? `${problems.length} checks failed` : 'all checks passed');
process.exit(problems.length ? 1 : 0);
