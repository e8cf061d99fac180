// The PostgreSQL datasets an SLI can read, and what each accepts. The queries live in
// slo/sources/postgres/; this catalogue is what specs are validated against.

export interface DatasetInfo {
  /** what the dataset counts */
  description: string;
  /** usable in ratioMetric good/bad/total */
  ratio: boolean;
  /** usable as a thresholdMetric (the objective's value is in `unit`) */
  threshold?: { unit: string };
  /** filter keys; "*" allows any other key (dimension filters) */
  filters: readonly string[];
  required?: readonly string[];
}

export const DATASETS: Record<string, DatasetInfo> = {
  requests: {
    description: 'requests per service and route from the telemetry request rollups (excludeRoute: paths left out, with or without the method)',
    ratio: true,
    threshold: { unit: 'seconds of latency' },
    filters: ['service', 'route', 'excludeRoute', 'outcome'],
  },
  workspace_startup: {
    description: 'workspace startups, from the request to start until running (failed startups count as slow)',
    ratio: false,
    threshold: { unit: 'seconds of startup latency' },
    filters: ['region', 'nodePool'],
  },
  usage_ingestion: {
    description: 'usage events, by the delay between their time and their storage',
    ratio: false,
    threshold: { unit: 'seconds of ingestion delay' },
    filters: ['meter'],
  },
  usage: {
    description: 'summed usage quantities of one meter, filtered by its dimensions',
    ratio: true,
    filters: ['meter', '*'],
    required: ['meter'],
  },
};
