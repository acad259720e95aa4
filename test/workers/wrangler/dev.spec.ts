// What the independent checks do: the Node entry fills a database (`npm run poll -- --all`, then
// `npm start` serves it), `wrangler dev --test-scheduled` runs the worker as built from this repository
// (its own feeds/) on that database through CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE,
// with ALLOW_PRIVATE_UPSTREAMS, ADMIN_TOKEN and PUBLIC_URL as --var values. /__scheduled must run
// cleanly, the worker must serve what Node served, and a source added through the worker's admin
// API must reach its category. All traffic stays on 127.0.0.1.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runEntry, startService, type Service } from '../../helpers/processes.ts';
import { createEdgeTestDatabase, query, type EdgeTestDatabase } from '../database.ts';
import { ADMIN_TOKEN, PUBLIC_URL, techCategoryFile } from '../fixtures.ts';
import { startFixtureUpstream, type FixtureUpstream } from '../upstream.ts';
import { offlineEnv, startWranglerDev, type DevServer } from './wrangler.ts';

const FORMATS = ['json', 'rss', 'atom'] as const;

describe('wrangler dev --test-scheduled on a database the Node process filled', () => {
  let database: EdgeTestDatabase;
  let upstream: FixtureUpstream;
  let dir: string;
  let node: Service | null = null;
  let dev: DevServer | null = null;
  const nodeServed: Record<string, string> = {};

  const hits = async (): Promise<Record<string, number>> => (await fetch(`${upstream.origin}/hits`)).json();
  const scheduled = () => fetch(`${dev!.url}/__scheduled?cron=${encodeURIComponent('*/5 * * * *')}`);

  beforeAll(async () => {
    database = await createEdgeTestDatabase('wrangler_dev');
    upstream = await startFixtureUpstream();
    dir = await mkdtemp(join(tmpdir(), 'feedrelay-wrangler-dev-'));
    await writeFile(join(dir, 'tech.yaml'), techCategoryFile(upstream.origin));
    const env = { DATABASE_URL: database.url, FEEDS_DIR: dir, ALLOW_PRIVATE_UPSTREAMS: '127.0.0.1', PUBLIC_URL };
    const poll = await runEntry('src/entry/poll.ts', ['--all'], env);
    expect(poll.code, poll.stdout + poll.stderr).toBe(0);
    expect(poll.stdout).toMatch(/new=3/);

    node = await startService({ ...env, POLLING: 'off' });
    for (const format of FORMATS) nodeServed[format] = await (await fetch(`${node.url}/feeds/tech.${format}`)).text();
    await node.stop();
    node = null;

    const port = await freePort();
    dev = await startWranglerDev(
      [
        '--test-scheduled',
        '--ip', '127.0.0.1',
        '--port', String(port),
        '--inspector-port', String(await freePort()),
        '--persist-to', join(dir, 'wrangler-state'),
        '--var', 'ALLOW_PRIVATE_UPSTREAMS:127.0.0.1',
        '--var', `ADMIN_TOKEN:${ADMIN_TOKEN}`,
        '--var', `PUBLIC_URL:${PUBLIC_URL}`,
      ],
      offlineEnv({ CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: database.hyperdriveUrl }),
      `http://127.0.0.1:${port}`,
    );
  });

  afterAll(async () => {
    await dev?.stop();
    await node?.stop('SIGKILL');
    await upstream?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    await database?.drop();
  });

  it('runs /__scheduled without errors, leaving the categories Node configured alone', async () => {
    const before = await hits();
    const response = await scheduled();
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('Ran scheduled event');
    await expect.poll(() => dev!.output(), { timeout: 10_000 }).toMatch(/poll: scheduled run done/);
    const output = dev!.output();
    expect(output).not.toMatch(/\bERROR\b|Uncaught|\[ERROR\]|✘/);
    expect(output).not.toMatch(/\bWARN\b|\[WARNING\]/);
    // Node fetched the tech source moments ago: not due. The repository's feeds/ shares no category
    // with this database (Node's FEEDS_DIR configured it), so it is not applied and nothing from it
    // (real hosts) is fetched.
    expect((await hits())['/tech.xml']).toBe(before['/tech.xml']);
    expect(output).toMatch(/the bundled feeds\/ shares no category with the database/);
  });

  it.each(FORMATS)('serves the same %s feed Node served', async (format) => {
    const response = await fetch(`${dev!.url}/feeds/tech.${format}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(nodeServed[format]);
  });

  it('adds a source through its admin API and polls it into its category', async () => {
    const url = `${upstream.origin}/feeds/dev-added.xml`;
    const denied = await fetch(`${dev!.url}/admin/sources`, { method: 'POST', body: '{}' });
    expect(denied.status).toBe(401);
    const added = await fetch(`${dev!.url}/admin/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url, categories: ['tech'] }),
    });
    expect(added.status, await added.clone().text()).toBe(201);
    expect(((await added.json()) as { poll: { new: number } }).poll.new).toBe(2);
    const feed = (await (await fetch(`${dev!.url}/feeds/tech.json`)).json()) as { items: { title: string }[] };
    expect(feed.items.map((i) => i.title)).toEqual(expect.arrayContaining(['dev-added story 1', 'dev-added story 2', 'Battery breakthrough']));

    // When it is due again, the cron polls it.
    await query(database.url, `UPDATE sources SET next_poll_at = now() - interval '1 minute' WHERE url = $1`, [url]);
    const before = await hits();
    expect((await scheduled()).status).toBe(200);
    expect((await hits())['/feeds/dev-added.xml']).toBe((before['/feeds/dev-added.xml'] ?? 0) + 1);
    const [row] = await query<{ next_poll_at: Date; lease_owner: string | null }>(database.url, 'SELECT next_poll_at, lease_owner FROM sources WHERE url = $1', [url]);
    expect(row!.lease_owner).toBeNull();
    expect(row!.next_poll_at.getTime()).toBeGreaterThan(Date.now());
  });
});

describe('wrangler dev --env queues: the cron enqueues, the local queue consumer polls', () => {
  let database: EdgeTestDatabase;
  let upstream: FixtureUpstream;
  let dir: string;
  let dev: DevServer | null = null;

  beforeAll(async () => {
    database = await createEdgeTestDatabase('wrangler_queues');
    upstream = await startFixtureUpstream();
    dir = await mkdtemp(join(tmpdir(), 'feedrelay-wrangler-queues-'));
    const port = await freePort();
    dev = await startWranglerDev(
      [
        '--env', 'queues',
        '--test-scheduled',
        '--ip', '127.0.0.1',
        '--port', String(port),
        '--inspector-port', String(await freePort()),
        '--persist-to', join(dir, 'wrangler-state'),
        '--var', 'ALLOW_PRIVATE_UPSTREAMS:127.0.0.1',
        '--var', `ADMIN_TOKEN:${ADMIN_TOKEN}`,
        '--var', `PUBLIC_URL:${PUBLIC_URL}`,
        // A fresh database has no categories: keep the repository's feeds/ (real hosts) out of it.
        '--var', 'FEEDS_SYNC:off',
      ],
      offlineEnv({ CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: database.hyperdriveUrl }),
      `http://127.0.0.1:${port}`,
    );
  });

  afterAll(async () => {
    await dev?.stop();
    await upstream?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    await database?.drop();
  });

  it('polls a due source through the queue, once', async () => {
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const created = await fetch(`${dev!.url}/admin/categories`, { method: 'POST', headers, body: JSON.stringify({ slug: 'queued', title: 'Queued' }) });
    expect(created.status, await created.clone().text()).toBe(201);
    const url = `${upstream.origin}/feeds/queued.xml`;
    const added = await fetch(`${dev!.url}/admin/sources`, { method: 'POST', headers, body: JSON.stringify({ url, categories: ['queued'] }) });
    expect(added.status, await added.clone().text()).toBe(201);
    await query(database.url, `UPDATE sources SET next_poll_at = now() - interval '1 minute' WHERE url = $1`, [url]);

    const hits = async (): Promise<number> => ((await (await fetch(`${upstream.origin}/hits`)).json()) as Record<string, number>)['/feeds/queued.xml'] ?? 0;
    const before = await hits();
    const response = await fetch(`${dev!.url}/__scheduled`);
    expect(response.status).toBe(200);
    await expect.poll(() => dev!.output(), { timeout: 10_000 }).toMatch(/poll: scheduled run done \{"polled":0,"failed":0,"dispatched":1/);
    // The consumer runs once the batch times out (max_batch_timeout = 5 s).
    await expect.poll(hits, { timeout: 20_000, interval: 250 }).toBe(before + 1);
    await expect.poll(() => dev!.output(), { timeout: 10_000 }).toMatch(/poll: queue batch done \{"messages":1,"polled":1\}/);
    const [row] = await query<{ lease_owner: string | null }>(database.url, 'SELECT lease_owner FROM sources WHERE url = $1', [url]);
    expect(row!.lease_owner).toBeNull();
    expect(dev!.output()).not.toMatch(/\bERROR\b|Uncaught|\[ERROR\]|✘/);
  });
});
