// `npm run test:workers`: the Edge tests, kept out of `npm test` (vitest.config.ts).
//  - project "workerd": test/workers/workerd/*.spec.ts run inside workerd (@cloudflare/vitest-pool-workers)
//    with src/entry/worker.ts as main, against a real Postgres database (Hyperdrive binding, local
//    mode) and a fixture upstream on 127.0.0.1 that test/workers/global-setup.ts starts on the Node side.
//  - project "wrangler": test/workers/wrangler/*.spec.ts run on Node and drive the wrangler CLI
//    (`deploy --dry-run`, `dev --test-scheduled`), as operators and the independent checks do.
import { builtinModules } from 'node:module';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig, type Plugin } from 'vitest/config';
import { ADMIN_TOKEN, PUBLIC_URL } from './test/workers/fixtures.ts';

// Nothing may leave 127.0.0.1: no cf.json download, no telemetry, no update check.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
process.env.WRANGLER_SEND_METRICS = 'false';
process.env.WRANGLER_SEND_ERROR_REPORTS = 'false';

const nodeBuiltins = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/**
 * `pg` must be pre-bundled for the workerd SSR environment (workers-sdk #12984, #8840;
 * node-postgres #3700). While Vite's optimizer (rolldown) bundles it, Node built-ins stay external
 * `node:*` imports (nodejs_compat provides them) and `cloudflare:*` stays external (pg-cloudflare).
 */
function keepRuntimeModulesExternal() {
  return {
    name: 'feedrelay-runtime-externals',
    resolveId(source: string) {
      if (source.startsWith('cloudflare:')) return { id: source, external: true };
      const bare = source.replace(/^node:/, '');
      if (nodeBuiltins.has(bare)) return { id: `node:${bare}`, external: true };
      return null;
    },
  };
}

const workerd = {
  plugins: [
    cloudflareTest(({ inject }) => ({
      main: './src/entry/worker.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        // The database the global setup created, instead of wrangler.toml's localConnectionString.
        hyperdrives: { HYPERDRIVE: inject('hyperdriveUrl') },
        bindings: {
          ALLOW_PRIVATE_UPSTREAMS: '127.0.0.1',
          ADMIN_TOKEN,
          PUBLIC_URL,
          FETCH_TIMEOUT: '5s',
        },
        // A real local queue, so the Queues producer/consumer run as they would deployed
        // (wrangler.toml [env.queues]); tests that poll directly pass an env without POLL_QUEUE.
        queueProducers: { POLL_QUEUE: { queueName: 'feedrelay-poll-test' } },
        queueConsumers: { 'feedrelay-poll-test': { maxBatchSize: 10, maxBatchTimeout: 0.05, maxRetries: 0 } },
      },
    })),
  ] as Plugin[],
  test: {
    name: 'workerd',
    include: ['test/workers/workerd/**/*.spec.ts'],
    globalSetup: ['test/workers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    deps: {
      optimizer: {
        ssr: {
          enabled: true,
          include: ['pg', 'sanitize-html', 'feed'],
          rolldownOptions: { plugins: [keepRuntimeModulesExternal()] },
        },
      },
    },
  },
};

export default defineConfig({
  test: {
    maxWorkers: 1,
    reporters: ['default'],
    projects: [
      workerd,
      {
        test: {
          name: 'wrangler',
          include: ['test/workers/wrangler/**/*.spec.ts'],
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
