// The module table of DESIGN.md, made executable (`npm test` runs it through scripts/lint.ts).
// Each top-level part may import only the parts the table lists; an arrow never points back up.
const PARTS = ['server', 'db', 'kube', 'tenancy', 'collectors', 'slo', 'admission', 'controllers', 'console', 'sandbox', 'loadtests', 'dashboards', 'scripts', 'test'];
/** part → the other parts it may import (its own files always) */
const MAY_IMPORT = {
  db: [],
  kube: ['db'],
  tenancy: ['db'],
  collectors: ['db', 'tenancy', 'kube'],
  slo: ['db'],
  admission: ['db', 'tenancy', 'collectors'],
  controllers: ['db', 'tenancy', 'slo', 'admission', 'kube'],
  console: [],
  sandbox: [],
  dashboards: ['slo'],
};
/**
 * Single files the table's rows are narrower than, each with its reason (DESIGN.md asks to be
 * changed through the code when reality teaches better; the closing notes say so):
 * - tenancy/ states quotas in Kubernetes quantities, so it reads them with kube/'s pure parser;
 * - slo/'s PostgreSQL source counts good requests in collectors' request rollups, whose
 *   latency bucket bounds are defined once, by collectors/.
 */
const ALSO = {
  tenancy: ['kube/quantity\\.ts'],
  slo: ['collectors/requests/buckets\\.ts'],
};
const others = (part) => PARTS.filter((p) => p !== part && !MAY_IMPORT[part].includes(p));
const path = (parts) => `^(${parts.join('|')})/`;

module.exports = {
  forbidden: [
    ...Object.keys(MAY_IMPORT).map((part) => ({
      name: `${part}-imports-only-its-table-row`,
      comment: `${part}/ may import only ${MAY_IMPORT[part].join(', ') || 'nothing of ours'} (DESIGN.md, Modules)`,
      severity: 'error',
      from: { path: `^${part}/` },
      to: { path: path(others(part)), ...(ALSO[part] ? { pathNot: `^(${ALSO[part].join('|')})$` } : {}) },
    })),
    {
      name: 'kubernetes-client-only-in-kube',
      comment: '@kubernetes/client-node is reached through kube/ (timeouts, retries, paging, fencing); the sandbox and tests may use it as any client would',
      severity: 'error',
      from: { path: '^', pathNot: '^(kube|sandbox|test)/' },
      to: { path: 'node_modules/@kubernetes/client-node/' },
    },
    {
      name: 'no-cycles',
      comment: 'a cycle makes the order of module evaluation matter',
      severity: 'error',
      from: { path: '^(server|db|kube|tenancy|collectors|slo|admission|controllers|sandbox|dashboards)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(\\.svelte-kit|build)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.svelte'] },
  },
};
