// Renders custody's HTML reports in headless Chromium at 1280 px wide and
// checks their layout: no horizontal overflow of the page
// (document.scrollingElement.scrollWidth <= 1280), every SVG with a nonzero
// size, and no element wider than its container unless that container
// scrolls it (tables scroll inside their box). With --screenshot DIR, also
// saves the first screen of each page as DIR/NAME.png.
//
// Usage: node check_layout.mjs [--screenshot DIR] NAME=FILE.html ...
// Exit: 0 all pages pass; 1 a page fails (each problem printed);
// 77 skipped (no chromium or no playwright-core; the reason printed).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const SKIP = 77;
const CHROMIUM = process.env.CUSTODY_CHROMIUM || '/usr/bin/chromium';
const WIDTH = 1280;

const args = process.argv.slice(2);
let shots = '';
const pages = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--screenshot') shots = args[++i];
  else {
    const eq = args[i].indexOf('=');
    pages.push({ name: args[i].slice(0, eq), file: resolve(args[i].slice(eq + 1)) });
  }
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

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
let failed = 0;
try {
  for (const p of pages) {
    if (!existsSync(p.file)) {
      console.log(`FAIL ${p.name}: ${p.file} does not exist`);
      ++failed;
      continue;
    }
    const page = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
    // Self-contained pages: any request beyond the file itself is a failure.
    const requests = [];
    page.on('request', (r) => { if (r.url() !== pathToFileURL(p.file).href) requests.push(r.url()); });
    await page.goto(pathToFileURL(p.file).href, { waitUntil: 'load' });
    const problems = await page.evaluate((width) => {
      const out = [];
      const sw = document.scrollingElement.scrollWidth;
      if (sw > width) out.push(`page scrollWidth ${sw} > ${width}`);
      const svgs = [...document.querySelectorAll('svg')];
      svgs.forEach((s, i) => {
        const r = s.getBoundingClientRect();
        if (!(r.width > 0 && r.height > 0)) out.push(`svg #${i} (${s.getAttribute('aria-label')}) is ${r.width}x${r.height}`);
      });
      const scrolls = (el) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(el).overflowX);
      for (const el of document.body.querySelectorAll('*')) {
        const parent = el.parentElement;
        if (!parent || parent === document.documentElement) continue;
        // Inside a box that scrolls or clips horizontally, overflow is by design.
        let clipped = false;
        for (let a = parent; a && a !== document.body; a = a.parentElement) if (scrolls(a)) { clipped = true; break; }
        if (clipped || el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
        const r = el.getBoundingClientRect(), pr = parent.getBoundingClientRect();
        if (r.width === 0 || getComputedStyle(parent).display === 'inline') continue;
        if (r.right > pr.right + 1 || r.left < pr.left - 1) {
          out.push(`<${el.tagName.toLowerCase()}> overflows its <${parent.tagName.toLowerCase()}> ` +
                   `(${Math.round(r.left)}..${Math.round(r.right)} outside ${Math.round(pr.left)}..${Math.round(pr.right)})`);
          if (out.length > 20) break;
        }
      }
      return { out, svgs: svgs.length, sw };
    }, WIDTH);
    for (const r of requests) problems.out.push(`requested ${r} (reports must be self-contained)`);
    if (problems.out.length) {
      ++failed;
      console.log(`FAIL ${p.name}: ${problems.out.join('; ')}`);
    } else {
      console.log(`ok ${p.name}: scrollWidth ${problems.sw}, ${problems.svgs} svg`);
    }
    if (shots) await page.screenshot({ path: `${shots}/${p.name}.png`, clip: { x: 0, y: 0, width: WIDTH, height: 900 } });
    await page.close();
  }
} finally {
  await browser.close();
}
console.log(`${pages.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
