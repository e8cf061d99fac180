// OpenSLO specs the SLO tests submit through the API: an error-ratio SLO over the request
// rollups of one service.
export function requestErrorsSpec(name: string, service: string, opts: { target?: number; displayName?: string } = {}): string {
  return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
${opts.displayName ? `  displayName: ${opts.displayName}\n` : ''}  annotations: {pilothouse.dev/runbook: runbooks/platform-error-rate.md}
spec:
  service: platform
  indicator:
    metadata: {name: ${name}-errors}
    spec:
      ratioMetric:
        counter: true
        bad: {metricSource: {metricSourceRef: pilothouse-postgres, spec: {dataset: requests, service: ${service}, outcome: error}}}
        total: {metricSource: {metricSourceRef: pilothouse-postgres, spec: {dataset: requests, service: ${service}}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: ${opts.target ?? 0.999}}]
`;
}
