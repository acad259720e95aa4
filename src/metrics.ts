// Process-local metrics in the Prometheus text exposition format (version 0.0.4). Small on purpose:
// counters and one histogram kind, no runtime dependency, so the Worker can use it too.

type Labels = Record<string, string>;

// Runs on every counted request: a plain loop, and escaping only for values that need it.
const NEEDS_ESCAPE = /[\\\n"]/;

function labelText(labels: Labels): string {
  let text = '';
  for (const k in labels) {
    const v = labels[k]!;
    const value = NEEDS_ESCAPE.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : v;
    text += `${text === '' ? '' : ','}${k}="${value}"`;
  }
  return text === '' ? '' : `{${text}}`;
}

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  // The key of the labels object seen last: hot callers pass one constant object per series.
  private lastLabels: Labels | null = null;
  private lastKey = '';
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    let key: string;
    if (labels === this.lastLabels) key = this.lastKey;
    else {
      key = labelText(labels);
      this.lastLabels = labels;
      this.lastKey = key;
    }
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels))?.value ?? 0;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines;
  }
}

class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    this.buckets.forEach((le, i) => {
      if (value <= le) this.counts[i]!++;
    });
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((le, i) => lines.push(`${this.name}_bucket{le="${le}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines;
  }
}

export class Metrics {
  readonly polls = new Counter('feedrelay_polls_total', 'Source polls by result (new, not-modified, unchanged, error, gone).');
  readonly fetchDuration = new Histogram(
    'feedrelay_fetch_duration_seconds',
    'Duration of one source poll, fetch to stored.',
    [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30],
  );
  readonly articles = new Counter('feedrelay_articles_total', 'Upstream entries by what ingest did with them (new, updated, duplicate).');
  readonly feedRequests = new Counter('feedrelay_feed_requests_total', 'Feed requests by format and status (200, 304).');
  readonly renderCache = new Counter('feedrelay_render_cache_total', 'Render cache lookups by result (hit, miss).');

  /** Text exposition; `gauges` are read at scrape time (e.g. sources by status from the database). */
  render(gauges: { name: string; help: string; values: { labels: Labels; value: number }[] }[] = []): string {
    const lines = [
      ...this.polls.render(),
      ...this.fetchDuration.render(),
      ...this.articles.render(),
      ...this.feedRequests.render(),
      ...this.renderCache.render(),
    ];
    for (const gauge of gauges) {
      lines.push(`# HELP ${gauge.name} ${gauge.help}`, `# TYPE ${gauge.name} gauge`);
      for (const { labels, value } of gauge.values) lines.push(`${gauge.name}${labelText(labels)} ${value}`);
    }
    return lines.join('\n') + '\n';
  }
}
