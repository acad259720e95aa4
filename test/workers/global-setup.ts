// Node side of the tests inside workerd: a uniquely named Postgres database, migrated with
// src/store/migrate.ts and filled by the Node entry (`npm run poll -- --all` with a FEEDS_DIR whose
// category reads the fixture upstream on 127.0.0.1), the items `npm start` serves for that category,
// and the upstream itself. Dropped again afterwards.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { runEntry, startService } from '../helpers/processes.ts';
import { createEdgeTestDatabase } from './database.ts';
import { PUBLIC_URL, techCategoryFile } from './fixtures.ts';
import { startFixtureUpstream } from './upstream.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The test database, with the password Hyperdrive insists on. */
    hyperdriveUrl: string;
    upstreamOrigin: string;
    /** The tech category file Node synced: the worker's bundle in the tests carries the same one. */
    techCategoryFile: string;
    /** Item ids of /feeds/tech.json as `npm start` served them. */
    nodeTechItemIds: string[];
  }
}

export default async function setup(project: TestProject) {
  const database = await createEdgeTestDatabase('workers');
  const upstream = await startFixtureUpstream();
  const feedsDir = await mkdtemp(join(tmpdir(), 'feedrelay-workers-feeds-'));
  const teardown = async () => {
    await upstream.close();
    await rm(feedsDir, { recursive: true, force: true });
    await database.drop();
  };
  try {
    const tech = techCategoryFile(upstream.origin);
    await writeFile(join(feedsDir, 'tech.yaml'), tech);
    const env = { DATABASE_URL: database.url, FEEDS_DIR: feedsDir, ALLOW_PRIVATE_UPSTREAMS: '127.0.0.1', PUBLIC_URL };
    const poll = await runEntry('src/entry/poll.ts', ['--all'], env);
    if (poll.code !== 0 || !/new=3/.test(poll.stdout)) throw new Error(`npm run poll did not fill the database:\n${poll.stdout}\n${poll.stderr}`);

    const node = await startService({ ...env, POLLING: 'off' });
    try {
      const served = (await (await fetch(`${node.url}/feeds/tech.json`)).json()) as { items: { id: string }[] };
      project.provide('nodeTechItemIds', served.items.map((i) => i.id));
    } finally {
      await node.stop();
    }
    project.provide('techCategoryFile', tech);
    project.provide('hyperdriveUrl', database.hyperdriveUrl);
    project.provide('upstreamOrigin', upstream.origin);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
