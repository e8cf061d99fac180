// The console an SRE on call works from, walked page by page in real Chromium over a small
// fleet: on a 390×844 phone no page scrolls sideways; no id is printed without a link to its
// page; the time range in the URL changes what every page asks for and shows; and while data
// is on its way no page says there is none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { skipWithout } from '../tools.ts';
import { createBootstrapLink } from '../../server/auth/sessions.ts';

const skip = skipWithout('chromium');
const ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{32}\b/i;
// What the pages say when there is nothing: never while the answer is on its way.
const EMPTY = /\bNo (tenants|workspaces|SLOs|decisions|requests|usage|web vitals|exceptions|events|bad events|evaluations|members|tokens)\b|None in this|No .* in this time range/;

const fixture = skip ? null : await (await import('./sre-console.fixture.ts')).sreFixture();

async function signIn(viewport: { width: number; height: number }) {
  const { launchBrowser, listening } = await import('../browser.ts');
  const f = fixture!;
  const base = await listening(f.t.app);
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/auth/bootstrap?token=${await createBootstrapLink(f.t.db)}`);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  return { base, page, errors };
}

/** Waits until the page's panels have their answers: nothing busy for a moment. */
async function settled(page: Page): Promise<number> {
  const started = Date.now();
  await page.locator('main h1').first().waitFor();
  let quietSince = 0;
  while (Date.now() - started < 20_000) {
    const busy = await page.locator('main [aria-busy="true"]').count();
    if (busy === 0) {
      if (!quietSince) quietSince = Date.now();
      if (Date.now() - quietSince >= 300) return quietSince - started;
    } else quietSince = 0;
    await page.waitForTimeout(50);
  }
  throw new Error(`${page.url()} still loading after 20 s`);
}

test('at 390×844 no page scrolls sideways: the navigation folds away and wide tables scroll inside their card', { skip }, async () => {
  const { base, page, errors } = await signIn({ width: 390, height: 844 });
  const wide: string[] = [];
  for (const path of fixture!.pages) {
    await page.goto(base + path);
    await settled(page);
    const { scroll, view } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));
    if (scroll > view + 1) wide.push(`${path}: ${scroll} px wide in a ${view} px window`);
  }
  assert.deepEqual(wide, []);
  // The navigation is one tap away.
  const nav = page.getByRole('navigation', { name: 'Main' });
  assert.equal(await nav.isVisible(), false);
  await page.getByRole('button', { name: /Menu/ }).click();
  await nav.getByRole('link', { name: 'Workspaces', exact: true }).click();
  await page.getByRole('heading', { name: 'Workspaces' }).waitFor();
  assert.deepEqual(errors, []);
});

test('a walk of every page finds no id printed without a link to its page', { skip }, async () => {
  const { base, page, errors } = await signIn({ width: 1440, height: 900 });
  const bare: string[] = [];
  for (const path of fixture!.pages) {
    await page.goto(base + path);
    await settled(page);
    const found = await page.evaluate((source) => {
      const re = new RegExp(source, 'i');
      const out: string[] = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!el || !re.test(n.textContent ?? '')) continue;
        if (el.closest('a, option, script, style, title')) continue;
        if (!el.checkVisibility()) continue;
        out.push(`${el.tagName.toLowerCase()}: ${(n.textContent ?? '').trim().slice(0, 80)}`);
      }
      return out;
    }, ID.source);
    for (const f of found) bare.push(`${path} → ${f}`);
  }
  assert.deepEqual(bare, []);
  // And the links lead somewhere: a workspace row to its page, which names its tenant.
  await page.goto(`${base}/workspaces`);
  await page.getByRole('link', { name: 'acme-broken' }).click();
  await page.getByRole('heading', { name: /acme-broken/ }).waitFor();
  await page.getByText('no ready pod after 301 s').first().waitFor();
  await page.getByRole('link', { name: 'Acme' }).first().click();
  await page.getByRole('heading', { name: 'Acme' }).waitFor();
  assert.deepEqual(errors, []);
});

test('the time range in the URL changes what every page asks for and shows', { skip }, async () => {
  const { base, page, errors } = await signIn({ width: 1440, height: 900 });
  const f = fixture!;
  // An hour that ended two hours before the fixture's data: every page must ask for it.
  const from = new Date(f.at - 3 * 3600_000);
  const to = new Date(f.at - 2 * 3600_000);
  const asked: URL[] = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/v1/')) asked.push(u);
  });
  const ignored: string[] = [];
  for (const path of f.pages) {
    asked.length = 0;
    const url = new URL(base + path);
    url.searchParams.set('from', from.toISOString());
    url.searchParams.set('to', to.toISOString());
    url.searchParams.set('tz', 'utc');
    await page.goto(url.href);
    await settled(page);
    const honoured = asked.some((u) => [...u.searchParams.entries()].some(([k, v]) =>
      (['from', 'since', 'activeFrom'].includes(k) && Date.parse(v) === from.getTime()) || (['to', 'until', 'activeTo'].includes(k) && Date.parse(v) === to.getTime())
      || (k === 'period' && v === to.toISOString().slice(0, 7))));
    if (!honoured) ignored.push(`${path} asked ${asked.map((u) => u.pathname + u.search).join(' ') || 'nothing'}`);
    // The picker shows the range and the zone it is shown in.
    assert.match(await page.getByTestId('range-label').textContent() ?? '', /→/, path);
    assert.equal((await page.getByTestId('time-zone').textContent())?.trim(), 'UTC', path);
  }
  assert.deepEqual(ignored, []);

  // And what they show: the decisions about the fixture's workspaces are outside that hour…
  const controllers = new URL(`${base}/controllers`);
  controllers.searchParams.set('from', from.toISOString());
  controllers.searchParams.set('to', to.toISOString());
  await page.goto(controllers.href);
  await page.getByTestId('action-log').getByText('No decisions match in this time range.').waitFor();
  // …and inside the last hour, with who took them and why.
  await page.goto(`${base}/controllers?from=now-1h&to=now`);
  const log = page.getByTestId('action-log');
  await log.getByText('archive workspace acme-old').waitFor();
  assert.match(await log.textContent() ?? '', /done/);
  // Workspaces archived before the range are not listed in it.
  await page.goto(`${base}/workspaces?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`);
  await page.getByRole('link', { name: 'acme-api' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'acme-old' }).count(), 0);
  assert.deepEqual(errors, []);
});

test('while its data is on the way no page says there is none: it says it is loading', { skip }, async () => {
  const { base, page, errors } = await signIn({ width: 1440, height: 900 });
  const lies: string[] = [];
  for (const path of fixture!.pages) {
    // Every API answer is held back for a second and a half…
    await page.route('**/api/v1/**', async (route) => {
      const p = new URL(route.request().url()).pathname;
      if (p === '/api/v1/me' || p === '/api/v1/fleet/mode' || p === '/api/v1/rum/console') return route.continue();
      await new Promise((ok) => setTimeout(ok, 1500));
      await route.continue().catch(() => {});
    });
    await page.goto(base + path);
    await page.locator('main h1, main [aria-busy="true"]').first().waitFor();
    await page.waitForTimeout(400);
    const text = await page.locator('main').textContent() ?? '';
    if (EMPTY.test(text)) lies.push(`${path}: "${EMPTY.exec(text)![0]}" while loading`);
    if ((await page.locator('main [aria-busy="true"]').count()) === 0) lies.push(`${path}: nothing says it is loading`);
    await page.unrouteAll({ behavior: 'ignoreErrors' });
  }
  assert.deepEqual(lies, []);
  assert.deepEqual(errors, []);
});

test('a failed panel keeps its error to itself, with a retry that works', { skip }, async () => {
  const { base, page, errors } = await signIn({ width: 1440, height: 900 });
  let fail = true;
  await page.route('**/api/v1/slos', (route) => (fail ? route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ statusCode: 500, error: 'Internal Server Error', message: 'database unavailable' }) }) : route.continue()));
  await page.goto(`${base}/slos`);
  const alert = page.getByRole('alert').filter({ hasText: 'database unavailable' });
  await alert.waitFor();
  assert.doesNotMatch(await page.locator('main').textContent() ?? '', /No SLOs/);
  fail = false;
  await alert.getByRole('button', { name: 'Retry' }).click();
  await page.getByRole('table', { name: 'SLOs' }).waitFor();
  assert.equal(await alert.count(), 0);
  assert.ok(errors.every((e) => /500/.test(e)), errors.join('\n'));
});

test('from navigation to content, per page (a figure for the report, not an assertion)', { skip }, async (t) => {
  const { base, page } = await signIn({ width: 1440, height: 900 });
  for (const path of fixture!.pages) {
    const start = Date.now();
    await page.goto(base + path);
    await settled(page);
    // settled() waits 300 ms of quiet after the last panel arrived: that wait is not the page's.
    t.diagnostic(`content ${path.replace(/[0-9a-f-]{32,36}/g, ':id')} ${Date.now() - start - 300} ms`);
  }
});
