// npm run feeds -- <command>: the admin operations from a shell, through the same functions the
// admin API calls. Boots like every Node command (config, feeds/ sync, migrations), so it works
// on the configured database; with the embedded PGlite, stop the server first (one process at a
// time may open DATA_DIR) or use the admin API.
//
// Exit codes: 0 done · 1 refused or failed (the reason is printed) · 2 bad usage.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { AppError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { listCategoryViews } from '../operations/categories.ts';
import type { OperationDeps } from '../operations/context.ts';
import { addSourceSchema, parseInput } from '../operations/input.ts';
import { exportOpml, importOpml } from '../operations/opml.ts';
import {
  addSource,
  listFetches,
  listSources,
  parseSourceId,
  pollSourceNow,
  removeSource,
} from '../operations/sources.ts';
import type { PollView, SourceView } from '../operations/views.ts';
import type { SourceStatus } from '../store/schema.ts';
import { boot, pollerDeps } from './boot.ts';

const USAGE = `usage: npm run feeds -- <command>

  list [--status ok|erroring|paused|gone] [--category SLUG] [--json]
                                   sources with their health
  add URL --category SLUG [--category SLUG …] [--title TITLE] [--interval 30m]
                                   check URL (a feed, or a page advertising one), store it
                                   and its articles in the categories
  remove ID                        delete a source (feeds/ will not bring it back)
  poll ID                          poll one source now and say what happened
  fetches ID                       the source's recent fetch attempts
  categories                       the categories
  import FILE.opml [--category SLUG]
                                   import sources from OPML (top-level feeds go to SLUG,
                                   default "imported"); the scheduler polls them
  export                           print the sources as OPML`;

class UsageError extends Error {}

// --- tables ---

/** Columns a terminal gives a character: 2 for East Asian wide/fullwidth, 0 for combining marks. */
function width(text: string): number {
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (/\p{Mn}/u.test(ch)) continue;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x1f300 && cp <= 0x1faff) ||
      (cp >= 0x20000 && cp <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

function truncate(text: string, max: number): string {
  if (width(text) <= max) return text;
  let out = '';
  for (const ch of text) {
    if (width(out + ch) > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}

function table(headers: string[], rows: string[][], maxWidths: number[] = []): string {
  const cells = rows.map((row) => row.map((cell, i) => truncate(cell.replace(/\s+/g, ' '), maxWidths[i] ?? 80)));
  const widths = headers.map((h, i) => Math.max(width(h), ...cells.map((row) => width(row[i] ?? ''))));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - width(cell))))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

function ago(iso: string | null, now: Date): string {
  if (!iso) return '-';
  const seconds = Math.round((now.getTime() - new Date(iso).getTime()) / 1000);
  return seconds >= 0 ? `${span(seconds)} ago` : `in ${span(-seconds)}`;
}

function span(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.round(seconds / 360) / 10}h`;
  return `${Math.round(seconds / 8640) / 10}d`;
}

function sourceTable(sources: SourceView[], now: Date): string {
  if (sources.length === 0) return 'no sources';
  const rows = sources.map((s) => [
    String(s.id),
    s.polled || s.status !== 'ok' ? s.status : 'unlisted',
    s.last_http_status !== null ? String(s.last_http_status) : '-',
    String(s.consecutive_errors),
    String(s.articles_last_24h),
    ago(s.last_fetched_at, now),
    s.next_poll_at ? ago(s.next_poll_at, now) : '-',
    s.categories.join(',') || '-',
    s.title ?? s.feed_title ?? '-',
    s.url,
  ]);
  const errors = sources.filter((s) => s.last_error).map((s) => `  #${s.id}: ${s.last_error}`);
  return (
    table(['ID', 'STATUS', 'HTTP', 'ERRORS', '24H', 'LAST FETCH', 'NEXT POLL', 'CATEGORIES', 'TITLE', 'URL'], rows, [8, 9, 4, 6, 5, 12, 12, 30, 30, 200]) +
    (errors.length > 0 ? `\n\nlast errors:\n${errors.join('\n')}` : '')
  );
}

function pollLine(p: PollView): string {
  const http = p.http_status !== null ? `HTTP ${p.http_status}` : 'no answer';
  if (p.result === 'error' || p.result === 'gone') return `✗ ${p.result}: ${http}: ${p.error ?? ''}`;
  return `✓ ${p.result}: ${http}, ${p.new} new, ${p.updated} updated, ${p.duplicate} duplicate (${p.duration_ms}ms)`;
}

// --- commands ---

type Values = {
  category?: string[];
  title?: string;
  interval?: string;
  status?: string;
  json?: boolean;
};

function onlyId(positionals: string[], command: string): number {
  if (positionals.length !== 1) throw new UsageError(`${command}: give exactly one source ID`);
  return parseSourceId(positionals[0]!);
}

type Task = (deps: OperationDeps) => Promise<string>;

/**
 * Checks the arguments and returns the work to do, so that bad usage is reported before the
 * database is opened (which takes seconds with the embedded one).
 */
function plan(command: string, positionals: string[], values: Values): Task {
  const category = values.category?.[0];
  switch (command) {
    case 'list': {
      const status = values.status as SourceStatus | undefined;
      if (status !== undefined && !['ok', 'erroring', 'paused', 'gone'].includes(status)) {
        throw new UsageError('--status: must be one of ok, erroring, paused, gone');
      }
      return async (deps) => {
        const sources = await listSources(deps, { ...(status !== undefined ? { status } : {}), ...(category !== undefined ? { category } : {}) });
        return values.json ? JSON.stringify({ sources }, null, 2) : sourceTable(sources, deps.now());
      };
    }
    case 'add': {
      if (positionals.length !== 1) throw new UsageError('add: give exactly one URL');
      if (!values.category?.length) throw new UsageError('add: --category SLUG is required');
      const input = parseInput(addSourceSchema, {
        url: positionals[0],
        categories: values.category,
        ...(values.title !== undefined ? { title: values.title } : {}),
        ...(values.interval !== undefined ? { interval: values.interval } : {}),
      });
      return async (deps) => {
        const result = await addSource(deps, input);
        if (values.json) return JSON.stringify(result, null, 2);
        const s = result.source;
        const lines: string[] = [];
        if (result.discovery) {
          lines.push(`${result.discovery.page} is a page; using the feed it advertises: ${result.discovery.chosen.url}`);
          for (const alt of result.discovery.alternatives) lines.push(`  also advertised: ${alt.url}${alt.type ? ` (${alt.type})` : ''}`);
        }
        if (!result.created) {
          lines.push(`already a source: #${s.id} ${s.url}; now in ${s.categories.join(', ')}`);
        } else {
          lines.push(`${result.restored ? 'restored' : 'added'} #${s.id} ${s.url} (${s.title ?? s.feed_title ?? 'untitled'}) in ${s.categories.join(', ')}`);
          if (result.poll) lines.push(pollLine(result.poll));
        }
        return lines.join('\n');
      };
    }
    case 'remove': {
      const id = onlyId(positionals, 'remove');
      return async (deps) => {
        const s = await removeSource(deps, id);
        const note = s.in_feeds_dir ? '\nnote: it is still listed in feeds/; it stays deleted (remove it from the file too)' : '';
        return `removed #${s.id} ${s.url}${note}`;
      };
    }
    case 'poll': {
      const id = onlyId(positionals, 'poll');
      return async (deps) => {
        const result = await pollSourceNow(deps, id);
        if (values.json) return JSON.stringify(result, null, 2);
        return `#${result.source.id} ${result.source.url}\n${pollLine(result.poll)}\nnext poll ${ago(result.poll.next_poll_at, deps.now())}`;
      };
    }
    case 'fetches': {
      const id = onlyId(positionals, 'fetches');
      return async (deps) => {
        const fetches = await listFetches(deps, id);
        if (values.json) return JSON.stringify({ fetches }, null, 2);
        if (fetches.length === 0) return 'no fetches yet';
        const now = deps.now();
        return table(
          ['WHEN', 'RESULT', 'HTTP', 'MS', 'NEW', 'UPD', 'DUP', 'ERROR'],
          fetches.map((f) => [ago(f.started_at, now), f.result, f.http_status !== null ? String(f.http_status) : '-', String(f.duration_ms), String(f.new), String(f.updated), String(f.duplicate), f.error ?? '']),
          [12, 12, 4, 7, 5, 5, 5, 120],
        );
      };
    }
    case 'categories':
      if (positionals.length > 0) throw new UsageError('categories: takes no arguments');
      return async (deps) => {
        const categories = await listCategoryViews(deps);
        if (values.json) return JSON.stringify({ categories }, null, 2);
        if (categories.length === 0) return 'no categories';
        return table(['SLUG', 'ORIGIN', 'SOURCES', 'TITLE'], categories.map((c) => [c.slug, c.origin === 'file' ? 'feeds/' : 'api', String(c.sources), c.title]));
      };
    case 'import': {
      if (positionals.length !== 1) throw new UsageError('import: give exactly one OPML file');
      const file = positionals[0]!;
      return async (deps) => {
        const bytes = await readFile(file).catch((error: Error) => {
          throw new UsageError(`import: cannot read ${file}: ${error.message}`);
        });
        const report = await importOpml(deps, new Uint8Array(bytes), category !== undefined ? { category } : {});
        if (values.json) return JSON.stringify(report, null, 2);
        return [
          table(['LINE', 'RESULT', 'CATEGORY', 'URL', 'REASON'], report.outlines.map((o) => [String(o.line), o.result, o.category, o.url, o.reason ?? ''])),
          '',
          `${report.added} added, ${report.restored} restored, ${report.existing} already sources, ${report.refused} refused` +
            (report.categories_created.length > 0 ? `; new categories: ${report.categories_created.join(', ')}` : ''),
        ].join('\n');
      };
    }
    case 'export':
      if (positionals.length > 0) throw new UsageError('export: takes no arguments');
      return async (deps) => (await exportOpml(deps)).trimEnd();
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** Prints an operation's error; returns the exit code. */
function report(error: unknown): number {
  if (error instanceof UsageError) {
    console.error(`feeds: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (error instanceof AppError) {
    console.error(`feeds: ${error.message}`);
    // Malformed input is a usage error; a refusal or a missing source is a failure.
    return error.status === 400 ? 2 : 1;
  }
  console.error(`feeds: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return 1;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      strict: true,
      options: {
        category: { type: 'string', multiple: true, short: 'c' },
        title: { type: 'string' },
        interval: { type: 'string' },
        status: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`feeds: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...positionals] = parsed.positionals;
  if (parsed.values.help || command === undefined || command === 'help') {
    (parsed.values.help || command === 'help' ? console.log : console.error)(USAGE);
    return parsed.values.help || command === 'help' ? 0 : 2;
  }
  let task: Task;
  try {
    task = plan(command, positionals, parsed.values);
  } catch (error) {
    return report(error);
  }
  // Start-up chatter goes to stderr, so stdout holds only the answer (tables, JSON, OPML).
  const log = createLogger((_level, line) => console.error(line));
  let booted;
  try {
    booted = await boot(process.env, log);
  } catch (error) {
    console.error(`feeds: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  try {
    const deps: OperationDeps = {
      db: booted.database.db,
      now: () => new Date(),
      poller: pollerDeps(booted),
      allowPrivateUpstreams: booted.config.allowPrivateUpstreams,
    };
    console.log(await task(deps));
    return 0;
  } catch (error) {
    return report(error);
  } finally {
    await booted.database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`feeds: ${String(error)}`);
    process.exit(1);
  },
);
