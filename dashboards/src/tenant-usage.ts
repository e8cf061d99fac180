// What tenants use and what it costs this month, from the hourly usage rollups (gauges read
// at scrape time), beside the platform-wide ingestion and LLM rates.
import { row, type DashboardSpec } from './lib.ts';

export const tenantUsage: DashboardSpec = {
  uid: 'pilothouse-tenant-usage',
  title: 'Pilothouse / Tenant usage & cost',
  description: 'Usage and LLM cost per tenant this calendar month (UTC), from the hourly rollups; metered events and LLM tokens as they arrive.',
  tags: ['pilothouse', 'usage'],
  refresh: '1m',
  from: 'now-24h',
  variables: [
    { name: 'job', label: 'Job', query: 'label_values(pilothouse_tenant_usage_month, job)', multi: true, allValue: '.+' },
    { name: 'tenant', label: 'Tenant', query: 'label_values(pilothouse_tenant_usage_month{job=~"$job"}, tenant)', multi: true, allValue: '.+' },
  ],
  links: [{ title: 'Pilothouse', tags: ['pilothouse'] }],
  items: [
    row('This month'),
    { kind: 'stat', title: 'LLM cost this month', description: 'Sum of the llm.cost_usd meter over the chosen tenants.', unit: 'currencyUSD', w: 6, h: 5, queries: [{ expr: 'sum(max by (tenant) (pilothouse_tenant_usage_month{job=~"$job", tenant=~"$tenant", meter="llm.cost_usd"}))' }] },
    { kind: 'stat', title: 'LLM tokens this month', unit: 'short', w: 6, h: 5, queries: [{ expr: 'sum(max by (tenant) (pilothouse_tenant_usage_month{job=~"$job", tenant=~"$tenant", meter="llm.tokens"}))' }] },
    { kind: 'stat', title: 'Compute hours this month', unit: 'h', w: 6, h: 5, queries: [{ expr: 'sum(max by (tenant) (pilothouse_tenant_usage_month{job=~"$job", tenant=~"$tenant", meter="compute.seconds"})) / 3600' }] },
    { kind: 'stat', title: 'Storage GB-hours this month', unit: 'short', w: 6, h: 5, queries: [{ expr: 'sum(max by (tenant) (pilothouse_tenant_usage_month{job=~"$job", tenant=~"$tenant", meter="storage.gb_hours"}))' }] },
    row('By tenant'),
    { kind: 'timeseries', title: 'LLM cost by tenant (month to date)', unit: 'currencyUSD', w: 12, h: 9, queries: [{ expr: 'topk(10, max by (tenant) (pilothouse_tenant_usage_month{job=~"$job", tenant=~"$tenant", meter="llm.cost_usd"}))', legend: '{{tenant}}' }] },
    { kind: 'timeseries', title: 'Compute hours by tenant (month to date)', unit: 'h', w: 12, h: 9, queries: [{ expr: 'topk(10, max by (tenant) (pilothouse_tenant_usage_month{job=~"$job", tenant=~"$tenant", meter="compute.seconds"})) / 3600', legend: '{{tenant}}' }] },
    { kind: 'timeseries', title: 'Usage by meter (month to date)', w: 12, h: 8, queries: [{ expr: 'sum by (meter) (max by (tenant, meter) (pilothouse_tenant_usage_month{job=~"$job", tenant=~"$tenant"}))', legend: '{{meter}}' }] },
    { kind: 'timeseries', title: 'API calls by tenant (month to date)', w: 12, h: 8, queries: [{ expr: 'topk(10, max by (tenant) (pilothouse_tenant_usage_month{job=~"$job", tenant=~"$tenant", meter="api.calls"}))', legend: '{{tenant}}' }] },
    row('Arriving now (all tenants)'),
    { kind: 'timeseries', title: 'Usage events by result', unit: 'ops', w: 8, h: 8, queries: [{ expr: 'sum by (result) (rate(pilothouse_usage_events_total{job=~"$job"}[$__rate_interval]))', legend: '{{result}}' }] },
    { kind: 'timeseries', title: 'LLM tokens per second by model and kind', w: 8, h: 8, queries: [{ expr: 'sum by (model, kind) (rate(pilothouse_llm_tokens_total{job=~"$job"}[$__rate_interval]))', legend: '{{model}} {{kind}}' }] },
    { kind: 'timeseries', title: 'Prompt cache hits per second', w: 8, h: 8, queries: [{ expr: 'sum by (model) (rate(pilothouse_llm_cache_hits_total{job=~"$job"}[$__rate_interval]))', legend: '{{model}}' }] },
  ],
};
