// Real headless Chromium for console tests, driven by playwright-core.
import { after } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TOOLS } from './tools.ts';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createBootstrapLink } from '../server/auth/sessions.ts';

export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: TOOLS.chromium.path,
    headless: true,
    // Playwright gives each launch a fresh temporary profile of its own.
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
  after(() => browser.close());
  return browser;
}

/** A page that fails the test on any uncaught page error or console error. */
export async function strictPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return { page, errors };
}

/** The base URL of `app` on a loopback port, listening from the first call on. */
export async function listening(app: FastifyInstance): Promise<string> {
  if (app.server.listening) return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return app.listen({ port: 0, host: '127.0.0.1' });
}

/**
 * The console served by `t.app` on a loopback port, in a fresh browser, signed in as the
 * first admin through a one-time bootstrap link, on the Overview page.
 */
export async function signedInAdmin(t: { app: FastifyInstance; db: Parameters<typeof createBootstrapLink>[0] }): Promise<{ base: string; browser: Browser; page: Page; errors: string[] }> {
  const base = await listening(t.app);
  const browser = await launchBrowser();
  const { page, errors } = await strictPage(browser);
  await page.goto(`${base}/auth/bootstrap?token=${await createBootstrapLink(t.db)}`);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  return { base, browser, page, errors };
}

/** Follows the main navigation's entry `label` (Overview cards link to the same pages). */
export function navigate(page: Page, label: string): Promise<void> {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
}
