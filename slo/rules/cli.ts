// `pilothouse slo rules`: rules on stdout (or --out), notes on stderr, promtool tests with --tests.
import { writeFile } from 'node:fs/promises';
import { renderRules } from './render.ts';

export async function writeRules(files: string[], o: { out?: string; tests?: string | boolean; runbookBaseUrl: string; interval?: string; prometheusRule?: string | boolean }): Promise<void> {
  const testsPath = o.tests === true ? (o.out ? o.out.replace(/(\.ya?ml)?$/, '.test.yaml') : undefined) : o.tests || undefined;
  if (o.tests && o.prometheusRule) throw new Error('--tests reads a plain rule file; leave out --prometheus-rule to write tests');
  if (o.tests && !o.out) throw new Error('--tests needs --out FILE: the tests name the rule file they load');
  const r = await renderRules({ files, runbookBaseUrl: o.runbookBaseUrl, interval: o.interval, rulesPath: o.out, testsPath,
    prometheusRule: o.prometheusRule === true ? 'pilothouse-slos' : o.prometheusRule || undefined });
  for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
  if (o.out) {
    await writeFile(o.out, r.rules);
    process.stderr.write(`wrote ${o.out}\n`);
  } else process.stdout.write(r.rules);
  if (testsPath && r.tests) {
    await writeFile(testsPath, r.tests);
    process.stderr.write(`wrote ${testsPath}\n`);
  }
}
