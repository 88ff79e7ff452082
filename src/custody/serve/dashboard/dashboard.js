// The dashboard of custody serve (docs/api.md, "Dashboard"): hash routes
// over the read API (/v1/...), called with the token the user typed, kept in
// sessionStorage only and sent as an Authorization: Bearer header. Every
// value reaches the page through textContent or SVG attributes, never as
// HTML. No dependencies, no build step.
const TOKEN_KEY = 'custody.token';
const REFRESH_MS = 3000;  // the live tasks page
const $ = (id) => document.getElementById(id);
let timer = 0;
let gen = 0;  // the current route's number: a slower, older page never replaces a newer one

class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

async function api(path, tok = token(), text = false) {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${tok}` }, cache: 'no-store' });
  if (!res.ok) {
    let detail = res.statusText;
    try { detail = (await res.json()).detail || detail; } catch (e) { /* not a problem document */ }
    throw new ApiError(res.status, detail);
  }
  return text ? res.text() : res.json();
}

// Every item of a paginated list (?limit=1000&after=...).
async function all(path) {
  const items = [];
  let after = '';
  for (;;) {
    const page = await api(`${path}?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    items.push(...page.items);
    if (!page.next) return items;
    after = page.next;
  }
}

// Builds an element: el('td', {class: 'num'}, 'text', child, ...).
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
const fmt = (n) => Number(n).toLocaleString('en-US');

function table(headers, rows) {
  const numeric = headers.map((h) => h.startsWith('#'));
  const head = el('tr', {}, ...headers.map((h, i) => el('th', numeric[i] ? { class: 'num' } : {}, h.replace(/^#/, ''))));
  const body = rows.length
    ? rows.map((r) => el('tr', {}, ...r.map((c, i) => el('td', numeric[i] ? { class: 'num' } : {}, c))))
    : [el('tr', {}, el('td', { colspan: headers.length, class: 'muted' }, 'none'))];
  return el('div', { class: 'table' }, el('table', {}, el('thead', {}, head), el('tbody', {}, ...body)));
}

function card(n, label, id) {
  const attrs = { class: 'card' };
  if (id) attrs['data-stat'] = id;
  return el('div', attrs, el('div', { class: 'n' }, fmt(n)), el('div', { class: 'l' }, label));
}

// Horizontal bars as inline SVG: one row per [label, value].
function bars(title, pairs) {
  const NS = 'http://www.w3.org/2000/svg';
  const W = 1100, row = 26, left = 220, right = 110, top = 8;
  const H = top * 2 + Math.max(1, pairs.length) * row;
  const max = Math.max(1, ...pairs.map((p) => p[1]));
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title);
  const add = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.append(e);
  };
  if (!pairs.length) add('text', { x: 12, y: top + 18 }, 'nothing yet');
  pairs.forEach(([label, value], i) => {
    const y = top + i * row;
    const w = Math.round((W - left - right) * value / max);
    add('text', { x: left - 10, y: y + 17, 'text-anchor': 'end' }, label.length > 28 ? `${label.slice(0, 27)}…` : label);
    add('rect', { class: 'bar', x: left, y: y + 4, width: Math.max(value > 0 ? 2 : 0, w), height: row - 8 });
    add('text', { x: left + w + 8, y: y + 17 }, fmt(value));
  });
  return svg;
}

function show(my, ...nodes) {
  if (my !== gen) return;
  const page = $('page');
  page.replaceChildren(...nodes);
  page.hidden = false;
}

// ---- pages ----

async function overview(my) {
  const [datasets, partners, exposure, metrics, risk] = await Promise.all([
    all('/v1/datasets'), all('/v1/partners'), all('/v1/exposure'), api('/metrics', token(), true), api('/v1/risk')]);
  const riskOf = new Map(risk.partners.map((r) => [r.partner, r]));
  const m = /^custody_alerts_total (\d+)/m.exec(metrics);
  const alerts = m ? Number(m[1]) : 0;
  const out = new Map(partners.map((p) => [p.name, 0]));
  let records = 0;
  for (const h of exposure) {
    out.set(h.partner, (out.get(h.partner) || 0) + h.records);
    records += h.records;
  }
  show(my,
    el('h1', {}, 'Overview'),
    el('div', { class: 'cards' }, card(datasets.length, 'datasets', 'datasets'), card(partners.length, 'partners', 'partners'),
       card(records, 'records out (held by members)', 'records'), card(alerts, 'alerts since the server started', 'alerts')),
    el('h2', {}, 'Records out per partner'),
    bars('records out per partner', [...out.entries()].sort((a, b) => b[1] - a[1])),
    el('h2', {}, 'Partners'),
    table(['Partner', 'Contract', 'Status', '#Records out', 'Grade', '#Risk'], partners.map((p) => [
      el('a', { href: `#/partner/${encodeURIComponent(p.name)}` }, p.name), p.contract || '', p.status, fmt(out.get(p.name) || 0),
      riskOf.get(p.name)?.grade || '—', riskOf.has(p.name) ? riskOf.get(p.name).risk.toFixed(1) : '—'])),
    el('h2', {}, 'Datasets'),
    table(['Dataset', 'Versions', '#Records (latest)', 'Shredded'], datasets.map((d) => [
      d.name, d.versions.map((v) => v.version).join(', '),
      fmt(d.versions.length ? d.versions[d.versions.length - 1].records : 0), d.shredded ? 'yes' : 'no'])));
}

async function partner(name, my) {
  const p = (await all('/v1/partners')).find((x) => x.name === name);
  if (!p) throw new ApiError(404, `no partner ${name}`);
  const [members, grants, exposure, risk] = await Promise.all([
    all('/v1/members'), all('/v1/grants'), all('/v1/exposure'), api(`/v1/risk?partner=${encodeURIComponent(name)}`)]);
  const r = risk.partners[0];
  const mine = members.filter((x) => x.partner === name);
  const held = new Map(exposure.filter((h) => h.partner === name).map((h) => [h.member, h]));
  show(my,
    el('h1', {}, `Partner ${p.name}`),
    el('p', { class: 'muted' }, `status ${p.status}${p.contract ? `, contract ${p.contract}` : ''}, since ${p.created_at}`),
    el('div', { class: 'cards' }, card(mine.length, 'members', 'members'),
       card(grants.filter((g) => g.partner === name).length, 'grants', 'grants'),
       card([...held.values()].reduce((s, h) => s + h.records, 0), 'records held', 'records'),
       el('div', { class: 'card', 'data-stat': 'risk' }, el('div', { class: 'n' }, r.risk.toFixed(1)),
          el('div', { class: 'l' }, `risk (grade ${r.grade || 'none: never audited'}, likelihood ${r.likelihood})`))),
    el('h2', {}, 'Risk'),
    el('p', { class: 'muted' }, `${risk.formula || 'likelihood x exposure'}: exposure ${r.exposure.toFixed(1)} weighted records, ` +
       `${fmt(r.records_held)} records held, ${fmt(r.overdue_records)} overdue for deletion.`),
    table(['Component', '#Value', '#Weighted', 'Action'], r.components.map((c) => [c.name, fmt(c.value), c.weighted.toFixed(2), c.action])),
    el('h2', {}, 'Records held per member'),
    bars(`records held per member of ${name}`, mine.map((x) => [x.name, held.get(x.name)?.records || 0])),
    el('h2', {}, 'Members'),
    table(['Member', 'Email', 'Status', '#Records', '#Releases', '#Tasks'], mine.map((x) => {
      const h = held.get(x.name) || { records: 0, releases: 0, tasks: 0 };
      return [x.name, x.email, x.status, fmt(h.records), fmt(h.releases), fmt(h.tasks)];
    })),
    el('h2', {}, 'Grants'),
    table(['#Id', 'Dataset', 'Version', 'Member', 'Purpose', 'Status', 'Expires'], grants.filter((g) => g.partner === name).map((g) => [
      g.id, g.dataset, g.version, g.member || 'all', g.purpose, g.status, g.expires_at])));
}

async function tasks(my) {
  const [members, releases] = await Promise.all([all('/v1/members'), all('/v1/releases')]);
  const served = new Map(members.map((m) => [m.id, { m, n: 0, last: '' }]));
  let total = 0;
  for (const r of releases) {
    if (r.format !== 'task') continue;
    const s = served.get(r.member_id);
    if (!s) continue;
    ++s.n;
    ++total;
    if (r.created_at > s.last) s.last = r.created_at;
  }
  const rows = [...served.values()].sort((a, b) => b.n - a.n || a.m.name.localeCompare(b.m.name));
  show(my,
    el('h1', {}, 'Live tasks'),
    el('p', { class: 'muted' }, `Tasks served per member (releases of format task), refreshed every ${REFRESH_MS / 1000} s; ` +
       `last refresh ${new Date().toISOString().slice(11, 19)} UTC.`),
    el('div', { class: 'cards' }, card(total, 'tasks served', 'tasks')),
    el('h2', {}, 'Tasks per member'),
    bars('tasks served per member', rows.map((s) => [`${s.m.partner}/${s.m.name}`, s.n])),
    table(['Partner', 'Member', 'Status', '#Tasks', 'Last task'], rows.map((s) => [s.m.partner, s.m.name, s.m.status, fmt(s.n), s.last || '—'])));
}

async function incidents(my) {
  const list = (await all('/v1/incidents')).sort((a, b) => b.id - a.id);
  const nodes = [el('h1', {}, 'Incidents'),
    el('div', { class: 'cards' }, card(list.length, 'incidents', 'incidents'),
       card(list.filter((i) => i.status === 'open').length, 'open', 'open'))];
  if (!list.length) nodes.push(el('p', { class: 'muted' }, 'No incident has been opened (custody incident open --from-trace).'));
  for (const i of list) {
    const c = i.clocks;
    nodes.push(
      el('h2', { 'data-incident': i.id }, `#${i.id} ${i.title} (${i.status})`),
      el('p', {}, `Opened ${i.created_at}; ${fmt(i.verdict.compromised)} records compromised; ` +
         (i.verdict.decided ? `accused: ${i.verdict.accused.join(', ')}` : 'no member accused') +
         `. Aware ${c.aware_at || '—'}, contained ${c.contained_at || '—'}, ` +
         `notified ${Object.entries(c.notified).map(([n, t]) => `${n} ${t}`).join(', ') || '—'}.`),
      bars(`compromised records per partner, incident ${i.id}`, Object.entries(i.by_partner || {}).sort((a, b) => b[1] - a[1])),
      table(['Time', 'Action', 'Actor', 'Text', '#Log entry'], i.entries.map((e) => [e.created_at, e.action, e.actor, e.text, e.log_index])));
  }
  show(my, ...nodes);
}

// ---- the log: checkpoint, size and a consistency check in the browser ----

const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const hex = (s) => Uint8Array.from(s.match(/../g) || [], (h) => parseInt(h, 16));
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
async function node(l, r) {
  const buf = new Uint8Array(1 + l.length + r.length);
  buf[0] = 1;
  buf.set(l, 1);
  buf.set(r, 1 + l.length);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
}

// RFC 9162 2.1.4.2: does `proof` show that the tree of size `n1` with root
// `r1` is a prefix of the tree of size `n2` with root `r2`?
async function consistent(n1, r1, n2, r2, proof) {
  if (n1 === n2) return proof.length === 0 && same(r1, r2);
  if (n1 === 0 || n1 > n2 || proof.length === 0) return false;
  if ((n1 & (n1 - 1)) === 0) proof = [r1, ...proof];
  let fn = n1 - 1, sn = n2 - 1;
  while (fn & 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  let fr = proof[0], sr = proof[0];
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;
    if ((fn & 1) || fn === sn) {
      fr = await node(c, fr);
      sr = await node(c, sr);
      if (!(fn & 1)) while (!(fn & 1) && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      sr = await node(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return same(fr, r1) && same(sr, r2) && sn === 0;
}

const VERIFIED_KEY = 'custody.verified';  // the checkpoint this tab verified last

async function verify(out) {
  out.className = 'muted';
  out.textContent = 'verifying…';
  const [status, note] = await Promise.all([api('/v1/log/status'), api('/v1/log/checkpoint', token(), true)]);
  const lines = note.split('\n');
  const size = Number(lines[1]);
  const root = b64(lines[2]);
  if (!(size > 0)) {
    out.textContent = 'The checkpoint is of an empty log: nothing to verify yet.';
    return;
  }
  const says = [];
  let ok = true;
  // 1. The log as served now extends the signed checkpoint.
  const p = await api(`/v1/log/proof/consistency?from=${size}&to=${status.size}`);
  if (await consistent(size, root, status.size, hex(status.root), p.proof.map(b64))) {
    says.push(`the signed checkpoint (${fmt(size)} entries) is a prefix of the log as served now (${fmt(status.size)} entries, ` +
              `${p.proof.length} proof hashes)`);
  } else {
    ok = false;
    says.push(`the log as served (${fmt(status.size)} entries) does NOT extend the signed checkpoint (${fmt(size)} entries)`);
  }
  // 2. The signed checkpoint extends the one this tab verified before: the
  // log was not rewritten in between.
  const prev = JSON.parse(sessionStorage.getItem(VERIFIED_KEY) || 'null');
  if (prev && prev.size > size) {
    ok = false;
    says.push(`the signed checkpoint (${fmt(size)} entries) is SMALLER than the one verified before (${fmt(prev.size)})`);
  } else if (prev) {
    const q = await api(`/v1/log/proof/consistency?from=${prev.size}&to=${size}`);
    if (await consistent(prev.size, b64(prev.root), size, root, q.proof.map(b64))) {
      says.push(`it extends the checkpoint verified before (${fmt(prev.size)} entries, ${q.proof.length} proof hashes)`);
    } else {
      ok = false;
      says.push(`it does NOT extend the checkpoint verified before (${fmt(prev.size)} entries)`);
    }
  }
  if (ok) sessionStorage.setItem(VERIFIED_KEY, JSON.stringify({ size, root: lines[2] }));
  out.className = ok ? 'ok' : 'error';
  out.textContent = `${ok ? 'Verified' : 'NOT consistent'}: ${says.join('; ')}. Hashes checked with SHA-256 in this browser.`;
}

async function log(my) {
  const [status, note] = await Promise.all([api('/v1/log/status'), api('/v1/log/checkpoint', token(), true)]);
  const result = el('p', { id: 'verify-result', class: 'muted' }, 'Not verified yet.');
  const button = el('button', { id: 'verify', type: 'button' }, 'Verify');
  button.addEventListener('click', () => verify(result).catch((e) => {
    result.className = 'error';
    result.textContent = `Verification failed: ${e.message}`;
  }));
  show(my,
    el('h1', {}, 'Custody log'),
    el('div', { class: 'cards' }, card(status.size, 'entries', 'size'), card(status.checkpoint_size, 'entries under the signed checkpoint', 'checkpoint')),
    el('p', {}, 'Origin ', el('code', {}, status.origin), ', root ', el('code', { class: 'root' }, status.root.slice(0, 16) + '…')),
    el('h2', {}, 'Signed checkpoint'),
    el('pre', { id: 'checkpoint' }, note),
    el('h2', {}, 'Verify'),
    el('p', {}, 'Asks the server for consistency proofs (RFC 9162) from the signed checkpoint to the log as served now, and from ' +
       'the checkpoint this tab verified last to the signed one, and checks them here. The checkpoint\'s signature is checked by ' +
       'custody log verify, which holds the log\'s public key.'),
    button, result);
}

// ---- routing, login ----

function setNav(hash) {
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', hash.startsWith(a.getAttribute('href')));
}

function fail(e) {
  if (e instanceof ApiError && e.status === 401) return logout('The server no longer accepts this token (401). Sign in again.');
  const err = $('error');
  err.textContent = e instanceof ApiError ? `${e.status}: ${e.message}` : `Error: ${e.message}`;
  err.hidden = false;
}

async function route() {
  clearInterval(timer);
  $('error').hidden = true;
  if (!token()) return showLogin();
  const hash = location.hash || '#/overview';
  const my = ++gen;
  setNav(hash);
  try {
    if (hash.startsWith('#/partner/')) await partner(decodeURIComponent(hash.slice('#/partner/'.length)), my);
    else if (hash === '#/tasks') {
      await tasks(my);
      if (my === gen) timer = setInterval(() => tasks(my).catch(fail), REFRESH_MS);
    } else if (hash === '#/incidents') await incidents(my);
    else if (hash === '#/log') await log(my);
    else await overview(my);
  } catch (e) {
    if (my === gen) fail(e);
  }
}

function showLogin(message = '') {
  $('nav').hidden = true;
  $('logout').hidden = true;
  $('page').hidden = true;
  $('who').textContent = '';
  $('login').hidden = false;
  const err = $('login-error');
  err.textContent = message;
  err.hidden = !message;
  $('token').focus();
}

function signedIn() {
  $('login').hidden = true;
  $('nav').hidden = false;
  $('logout').hidden = false;
  $('who').textContent = 'signed in (token kept in this tab only)';
}

function logout(message = '') {
  clearInterval(timer);
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(VERIFIED_KEY);
  showLogin(message);
}

async function login(ev) {
  ev.preventDefault();
  const input = $('token');
  const tok = input.value.trim();
  input.value = '';
  try {
    await api('/v1/log/status', tok);
  } catch (e) {
    if (e.status === 403) return showLogin('This dashboard is for admins and auditors: a member token cannot read it.');
    if (e.status === 401) return showLogin(`Token refused: ${e.message}.`);
    return showLogin(`Cannot reach the server: ${e.message}`);
  }
  sessionStorage.setItem(TOKEN_KEY, tok);
  signedIn();
  route();
}

$('login-form').addEventListener('submit', login);
$('logout').addEventListener('click', () => logout());
window.addEventListener('hashchange', route);
if (token()) signedIn();
route();
