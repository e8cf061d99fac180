// Concrete series for promtool tests: label sets that a bad event and a good event would
// carry, so that each selector of the SLI counts exactly the events it should.
import { parseSelector, type Matcher, type Selector } from '../openslo/selector.ts';
import { counters } from './promql.ts';
import type { Indicator } from '../openslo/types.ts';

export interface EventSeries {
  series: string;
  /** incremented by every bad event */
  bad: boolean;
  /** incremented by every good event */
  good: boolean;
}

const GENERIC = ['', 'x', '200', 'GET', 'ok'];

function regexCandidates(re: string): string[] {
  // Literal-looking alternatives of a regex, with wildcards filled in: "5..|429" → 500, 429.
  return re.replace(/^\^|\$$/g, '').replace(/^\(|\)$/g, '').split('|').map((alt) =>
    alt.replace(/\\d/g, '0').replace(/\[(.)[^\]]*\]/g, '$1').replace(/\.\*/g, '').replace(/\.\+/g, 'x').replace(/\./g, '0').replace(/\\(.)/g, '$1').replace(/[()?*+]/g, ''));
}

function matches(m: Matcher, value: string): boolean {
  switch (m.op) {
    case '=': return value === m.value;
    case '!=': return value !== m.value;
    case '=~': return new RegExp(`^(?:${m.value})$`).test(value);
    case '!~': return !new RegExp(`^(?:${m.value})$`).test(value);
  }
}

function selects(sel: Selector, labels: Record<string, string>): boolean {
  return sel.matchers.every((m) => matches(m, labels[m.label] ?? ''));
}

/**
 * A series on `name` matched by every selector in `yes` and by none in `no`; undefined
 * when the candidates tried cannot satisfy them (write such a test by hand).
 */
function solve(name: string, yes: Selector[], no: Selector[]): string | undefined {
  const labels = [...new Set([...yes, ...no].flatMap((s) => s.matchers.map((m) => m.label)))];
  const candidates = labels.map((l) => {
    const set = new Set<string>();
    for (const s of [...yes, ...no]) {
      for (const m of s.matchers.filter((x) => x.label === l)) {
        if (m.op === '=' || m.op === '!=') set.add(m.value);
        else for (const c of regexCandidates(m.value)) set.add(c);
      }
    }
    for (const g of GENERIC) set.add(g);
    return [...set];
  });
  const pick: Record<string, string> = {};
  const search = (i: number): boolean => {
    if (i === labels.length) return yes.every((s) => selects(s, pick)) && no.every((s) => !selects(s, pick));
    for (const c of candidates[i]!) {
      pick[labels[i]!] = c;
      if (search(i + 1)) return true;
    }
    delete pick[labels[i]!];
    return false;
  };
  if (!search(0)) return undefined;
  const shown = Object.entries(pick).filter(([, v]) => v !== '').map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `${name}{${shown.join(', ')}}`;
}

export function eventSeries(ind: Indicator): EventSeries[] {
  if (ind.kind === 'threshold') {
    // A histogram: every event lands in +Inf, good ones also in the objective's bucket.
    const bucket = parseSelector((ind.metric as { selector: string }).selector);
    const base = solve(bucket.name, [bucket], []);
    if (!base) throw new Error(`cannot build a series for ${bucket.name} matching ${(ind.metric as { selector: string }).selector}; write this SLO's promtool test by hand`);
    const withLe = (le: string) => base.endsWith('{}') ? `${base.slice(0, -1)}le="${le}"}` : `${base.slice(0, -1)}, le="${le}"}`;
    return [{ series: withLe(String(ind.value)), bad: false, good: true }, { series: withLe('+Inf'), bad: true, good: true }];
  }
  const c = counters(ind);
  const sel = { total: parseSelector(c.total), bad: c.bad ? parseSelector(c.bad) : undefined, good: c.good ? parseSelector(c.good) : undefined };
  const out: EventSeries[] = [];
  for (const kind of ['bad', 'good'] as const) {
    // Which selectors must count an event of this kind, and which must not.
    const counted = [sel.total, kind === 'bad' ? sel.bad : sel.good].filter((s): s is Selector => !!s);
    const notCounted = [kind === 'bad' ? sel.good : sel.bad].filter((s): s is Selector => !!s);
    for (const name of new Set(counted.map((s) => s.name))) {
      const yes = counted.filter((s) => s.name === name);
      const found = solve(name, yes, notCounted.filter((s) => s.name === name));
      if (!found) throw new Error(`cannot build a ${kind}-event series for ${name} that the selectors ${[...yes, ...notCounted].map((s) => JSON.stringify(s)).join(', ')} tell apart; write this SLO's promtool test by hand`);
      out.push({ series: found, bad: kind === 'bad', good: kind === 'good' });
    }
  }
  return out;
}
