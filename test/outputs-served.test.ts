// Real-world data end to end: every file of the shared feed corpus is served by a local upstream,
// polled into a category per origin, and each category's RSS, Atom and JSON Feed — as served over
// HTTP — is checked by the independent validators (xmllint, jing against RFC 4287, ajv against
// JSON Feed 1.1, feedparser and the W3C Feed Validator's error rules). The corpus is read in place
// from ../shared/corpus (GPL/LGPL files are never copied here); without it the test says so.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressRender } from '../src/entry/compress.ts';
import { silentLogger } from '../src/log.ts';
import { pollDue } from '../src/poller/run.ts';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import { serveApp, type AppServer } from './helpers/app-server.ts';
import { createPGliteDatabase, type TestDatabase } from './helpers/databases.ts';
import { runAll, testPollerDeps } from './helpers/poller.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';
import {
  atomSchemaErrors,
  checkXmlFeeds,
  errorsOf,
  IN_CI,
  jsonFeedErrors,
  loneSurrogateEscapes,
  relaxNg,
  requireTools,
  tools,
  xmlWellFormednessErrors,
} from './helpers/validators.ts';

const here = dirname(fileURLToPath(import.meta.url));
const CORPUS = resolve(here, '../../shared/corpus/feeds');
const present = existsSync(join(CORPUS, 'manifest.tsv'));
const PUBLIC = 'http://feeds.test';

if (!present && IN_CI) throw new Error(`CI=true but the shared feed corpus is missing at ${CORPUS}`);

describe.skipIf(!present)(`outputs built from the shared corpus (${CORPUS})`, () => {
  let database: TestDatabase;
  let upstream: Upstream;
  let server: AppServer;
  const origins = new Map<string, string[]>();
  const served = new Map<string, { rss: string; atom: string; json: string }>();

  beforeAll(async () => {
    [database, upstream] = await Promise.all([createPGliteDatabase(), startUpstream()]);
    const manifest = readFileSync(join(CORPUS, 'manifest.tsv'), 'utf8').trim().split('\n').slice(1);
    for (const line of manifest) {
      const file = line.split('\t')[0]!;
      const origin = file.split('/')[0]!;
      const path = `/${file}`;
      // Served as bytes with a neutral type: decoding and format detection are ours to do.
      upstream.feed(path, readFileSync(join(CORPUS, file)), 'application/octet-stream');
      origins.set(origin, [...(origins.get(origin) ?? []), upstream.url(path)]);
    }
    await syncCategoryDefinitions(
      database.db,
      [...origins].map(([origin, urls]) => ({
        slug: origin,
        title: `Corpus: ${origin}`,
        description: `Feeds from the ${origin} test suite`,
        language: null,
        file: `feeds/${origin}.yaml`,
        sources: urls.map((url) => ({ url, title: null, intervalSeconds: null })),
      })),
    );
    await pollDue(testPollerDeps(database.db), { ...runAll, concurrency: 8 });
    server = await serveApp({ db: database.db, config: { publicUrl: PUBLIC, adminToken: null }, log: silentLogger, now: () => new Date(), compress: compressRender, feedStateTtlMs: 0 });
    for (const slug of [...origins.keys(), 'all']) {
      const get = async (format: string) => {
        const res = await fetch(`${server.url}/feeds/${slug}.${format}?limit=100`);
        expect(res.status, `${slug}.${format}`).toBe(200);
        return res.text();
      };
      served.set(slug, { rss: await get('rss'), atom: await get('atom'), json: await get('json') });
    }
  }, 240_000);

  afterAll(async () => {
    await server?.close();
    await Promise.all([database?.close(), upstream?.close()]);
  });

  it('ingests items from every origin', () => {
    for (const [slug, out] of served) {
      const items = (JSON.parse(out.json) as { items: unknown[] }).items.length;
      expect(items, slug).toBeGreaterThan(0);
    }
  });

  it('serves well-formed XML 1.0 for every RSS and Atom output', (ctx) => {
    requireTools(ctx, tools.xmllint);
    for (const [slug, out] of served) {
      expect(xmlWellFormednessErrors(out.rss), `${slug}.rss`).toEqual([]);
      expect(xmlWellFormednessErrors(out.atom), `${slug}.atom`).toEqual([]);
    }
  });

  it('serves Atom valid against the RFC 4287 schema', (ctx) => {
    requireTools(ctx, relaxNg, tools.schemas);
    const slugs = [...served.keys()];
    const errors = atomSchemaErrors(slugs.map((s) => served.get(s)!.atom));
    slugs.forEach((slug, i) => expect(errors[i], `${slug}.atom`).toEqual([]));
  });

  it('serves JSON Feed valid against the 1.1 schema, with no lone surrogate escapes', (ctx) => {
    requireTools(ctx, tools.schemas);
    for (const [slug, out] of served) {
      expect(jsonFeedErrors(out.json), `${slug}.json`).toEqual([]);
      expect(loneSurrogateEscapes(out.json), `${slug}.json`).toEqual([]);
    }
  });

  it('serves RSS and Atom that feedparser reads without bozo and that break no W3C validator error rule', (ctx) => {
    requireTools(ctx, tools.feedparser);
    const slugs = [...served.keys()];
    const checks = checkXmlFeeds(
      slugs.flatMap((s) => [
        { xml: served.get(s)!.rss, self: `${PUBLIC}/feeds/${s}.rss?limit=100` },
        { xml: served.get(s)!.atom, self: `${PUBLIC}/feeds/${s}.atom?limit=100` },
      ]),
    );
    slugs.forEach((slug, i) => {
      for (const [format, check] of [['rss', checks[2 * i]!], ['atom', checks[2 * i + 1]!]] as const) {
        expect(check.expat, `${slug}.${format}`).toBeNull();
        expect(check.feedparser.bozo, `${slug}.${format}: ${check.feedparser.bozo_exception ?? ''}`).toBe(false);
        expect(errorsOf(check), `${slug}.${format}`).toEqual([]);
        const count = (JSON.parse(served.get(slug)!.json) as { items: unknown[] }).items.length;
        expect(check.feedparser.entries.length, `${slug}.${format}`).toBe(count);
      }
    });
  });
});
