// Node entry: serves PORT, polls on a timer, shuts down cleanly on SIGTERM/SIGINT.
import { createApp } from '../app.ts';
import { Metrics } from '../metrics.ts';
import { defaultRunOptions, pollDue } from '../poller/run.ts';
import { FeedStateReader } from '../routes/feeds.ts';
import { RenderCache } from '../routes/render-cache.ts';
import { pruneArticles } from '../store/retention.ts';
import { boot, pollerDeps } from './boot.ts';
import { fail } from './fail.ts';
import { compressRender } from './compress.ts';
import { serveWithFastFeeds } from './http-server.ts';

const TICK_MS = 30_000;

async function main() {
  const booted = await boot(process.env);
  const { config, database, log } = booted;
  const metrics = new Metrics();
  // One poller identity and guarded fetcher for the timer and the admin API (add, poll now).
  const poller = { ...pollerDeps(booted), metrics };
  // The render cache and feed states are shared by the app and the server's fast path.
  const now = () => new Date();
  const renderCache = new RenderCache();
  const feedStates = new FeedStateReader(database.db, 1_000);
  const app = createApp({ db: database.db, config, log, now, compress: compressRender, metrics, poller, renderCache, feedStates });

  const server = serveWithFastFeeds(app, { renderCache, feedStates, metrics, now }, { port: config.port }, (info) => {
    log.info(`feedrelay: listening on http://localhost:${info.port}`, {
      database: database.kind,
      publicUrl: config.publicUrl,
      polling: config.polling,
    });
  });
  server.on('error', (error) => fail(error));

  const stop = new AbortController();
  let polling: Promise<unknown> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (config.polling) {
    const tick = () => {
      polling = pollDue(poller, {
        ...defaultRunOptions(config.fetchTimeoutMs),
        signal: stop.signal,
        onOutcome: (o) => {
          if (o.kind === 'error' || o.kind === 'gone') log.warn('poll: source failed', { url: o.url, error: o.error });
        },
      })
        .then(() => pruneArticles(database.db, new Date(), config.retentionDays))
        .then((pruned) => {
          if (pruned > 0) log.info('retention: pruned articles', { pruned, retentionDays: config.retentionDays });
        })
        .catch((error: unknown) => log.error('poll: cycle failed', { error: String(error) }))
        .finally(() => {
          if (!stop.signal.aborted) timer = setTimeout(tick, TICK_MS);
        });
    };
    tick();
  }

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info(`feedrelay: ${signal} received, shutting down`);
    stop.abort();
    clearTimeout(timer);
    // Stop accepting connections; in-flight polls finish (or hand their unstarted claims back).
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await polling;
    await Promise.race([closed, new Promise((r) => setTimeout(r, 5_000))]);
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch(fail);
