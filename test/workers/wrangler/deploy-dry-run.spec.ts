// `wrangler deploy --dry-run`: the worker bundles offline, without an account, from wrangler.toml
// (build command included), and its size is reported and kept under the plan limits.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runWrangler } from './wrangler.ts';

const KiB = 1024;
// Workers: 3 MB (free) / 10 MB (paid) after compression; 1 s start-up.
const FREE_PLAN_GZIP_LIMIT = 3 * 1000 * 1000;

describe('wrangler deploy --dry-run', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    { name: 'default (cron polls)', args: [] },
    { name: '--env queues (cron enqueues, consumer polls)', args: ['--env', 'queues'] },
  ])('bundles the worker: $name', async ({ args }) => {
    const outdir = await mkdtemp(join(tmpdir(), 'feedrelay-dry-run-'));
    dirs.push(outdir);
    const result = await runWrangler(['deploy', '--dry-run', '--outdir', outdir, ...args]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('--dry-run: exiting now.');
    expect(result.output).not.toMatch(/\[WARNING\]|\[ERROR\]/);
    expect(result.output).toContain('env.HYPERDRIVE');
    if (args.length > 0) expect(result.output).toMatch(/env\.POLL_QUEUE \(feedrelay-poll\)\s+Queue/);

    const script = await readFile(join(outdir, 'worker.js'));
    const gzipped = gzipSync(script).byteLength;
    const reported = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(result.output);
    console.log(
      `bundle${args.length ? ` (${args.join(' ')})` : ''}: worker.js ${(script.byteLength / KiB).toFixed(0)} KiB, gzip ${(gzipped / KiB).toFixed(0)} KiB` +
        (reported ? `; wrangler reports ${reported[1]} KiB / gzip ${reported[2]} KiB` : '') +
        `; source map ${((await stat(join(outdir, 'worker.js.map'))).size / KiB).toFixed(0)} KiB`,
    );
    expect(reported, result.output).not.toBeNull();
    expect(Number(reported![2]) * KiB).toBeLessThan(FREE_PLAN_GZIP_LIMIT);
    // feeds/ and the migrations travel inside the bundle (no file system on Workers).
    const text = script.toString('utf8');
    expect(text).toContain('feeds/kejiribao.yaml');
    expect(text).toContain('0001_initial');
  });
});
