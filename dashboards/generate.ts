// `npm run dashboards`: writes the dashboards' JSON from their TypeScript in dashboards/src/.
// The JSON is committed (Grafana imports it); a test checks it is what this writes today.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS, renderDashboard } from './src/index.ts';

for (const [file, spec] of Object.entries(DASHBOARDS)) {
  const path = join(import.meta.dirname, file);
  writeFileSync(path, renderDashboard(spec));
  process.stdout.write(`${path}\n`);
}
