import { test } from 'node:test';
import { buildTestApp } from '../helper.ts';
test('debug', async () => {
  const { signedInAdmin } = await import('../browser.ts');
  const t = await buildTestApp({ console: true });
  const { page, errors, base } = await signedInAdmin(t);
  page.on('console', (m) => console.log('CONSOLE', m.type(), m.text()));
  page.on('response', (r) => { if (r.status() >= 400) console.log('FAILED', r.status(), r.url()); });
  for (const p of (process.env.PAGES ?? '/').split(',')) {
    await page.goto(base + p);
    await new Promise((r) => setTimeout(r, 4000));
    console.log('URL', page.url());
    console.log('TEXT', (await page.locator('body').innerText()).slice(0, 1500));
  }
  console.log('ERRORS', errors);
});
