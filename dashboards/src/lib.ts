// Dashboards as code: a dashboard is a list of rows and panels described in a few fields,
// built with @grafana/grafana-foundation-sdk into Grafana's dashboard JSON. Layout is
// computed (panels fill 24 columns left to right, a row starts a new line), every panel
// queries the `datasource` variable, and legends are shown (the SDK hides them by default).
import { DashboardBuilder, DashboardLinkBuilder, DashboardLinkType, DatasourceVariableBuilder, QueryVariableBuilder, RowBuilder, VariableRefresh } from '@grafana/grafana-foundation-sdk/dashboard';
import { LegendDisplayMode, LegendPlacement, VizLegendOptionsBuilder, ReduceDataOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';

/** Grafana's own variable syntax, not a template literal: every panel queries the chosen data source. */
export const DATASOURCE = { type: 'prometheus', uid: '$' + '{datasource}' };

export interface Query {
  expr: string;
  legend?: string;
}

export interface PanelSpec {
  kind: 'timeseries' | 'stat';
  title: string;
  description?: string;
  unit?: string;
  w: number;
  h: number;
  queries: Query[];
}

export interface RowSpec {
  row: string;
}

export interface VariableSpec {
  name: string;
  label: string;
  /** a Prometheus label_values(...) query */
  query: string;
  multi?: boolean;
  /** the value "All" stands for, when multi */
  allValue?: string;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  refresh: string;
  from: string;
  variables: VariableSpec[];
  links: { title: string; tags: string[] }[];
  items: (PanelSpec | RowSpec)[];
}

export const row = (title: string): RowSpec => ({ row: title });

function panel(p: PanelSpec, id: number, gridPos: { x: number; y: number; w: number; h: number }) {
  const targets = p.queries.map((q, i) => {
    const t = new DataqueryBuilder().expr(q.expr).refId(String.fromCharCode(65 + i)).datasource(DATASOURCE);
    return q.legend ? t.legendFormat(q.legend) : t;
  });
  if (p.kind === 'stat') {
    const b = new StatBuilder().id(id).title(p.title).datasource(DATASOURCE).gridPos(gridPos).targets(targets)
      .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
    if (p.description) b.description(p.description);
    if (p.unit) b.unit(p.unit);
    return b;
  }
  const b = new TimeseriesBuilder().id(id).title(p.title).datasource(DATASOURCE).gridPos(gridPos).targets(targets)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom).calcs([]));
  if (p.description) b.description(p.description);
  if (p.unit) b.unit(p.unit);
  return b;
}

export function buildDashboard(spec: DashboardSpec): object {
  const b = new DashboardBuilder(spec.title)
    .uid(spec.uid).description(spec.description).tags(spec.tags).refresh(spec.refresh)
    .time({ from: spec.from, to: 'now' }).timezone('browser').editable();
  b.withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus').current({ text: 'Prometheus', value: 'prometheus' }));
  for (const v of spec.variables) {
    const q = new QueryVariableBuilder(v.name).label(v.label).datasource(DATASOURCE).query(v.query).definition(v.query)
      .refresh(VariableRefresh.OnTimeRangeChanged)
      .current(v.multi ? { text: 'All', value: '$__all' } : { text: '', value: '' });
    if (v.multi) q.multi(true).includeAll(true).allValue(v.allValue ?? '.+');
    b.withVariable(q);
  }
  for (const l of spec.links) b.link(new DashboardLinkBuilder(l.title).type(DashboardLinkType.Dashboards).tags(l.tags));
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  let id = 0;
  for (const item of spec.items) {
    if ('row' in item) {
      y += rowHeight;
      x = 0;
      rowHeight = 0;
      b.withRow(new RowBuilder(item.row).id(++id).gridPos({ x: 0, y, w: 24, h: 1 }));
      y += 1;
      continue;
    }
    if (x + item.w > 24) {
      y += rowHeight;
      x = 0;
      rowHeight = 0;
    }
    b.withPanel(panel(item, ++id, { x, y, w: item.w, h: item.h }));
    x += item.w;
    rowHeight = Math.max(rowHeight, item.h);
  }
  return b.build();
}
