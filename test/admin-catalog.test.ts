// Categories through the admin API, OPML import/export, and how feeds/ files and API-managed
// sources live together across restarts — on each database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { silentLogger } from '../src/log.ts';
import { pollDue } from '../src/poller/run.ts';
import { readOpml } from '../src/render/opml-import.ts';
import { slugify } from '../src/operations/opml.ts';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import type { CategoryDefinition } from '../src/sources/category-file.ts';
import { databases, type TestDatabase } from './helpers/databases.ts';
import { runAll, testPollerDeps } from './helpers/poller.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

const TOKEN = 'catalog-token';

function rss(title: string, stories: string[]): string {
  const items = stories.map((s) => `<item><title>${s}</title><link>http://stories.test/${s}</link><guid>${s}</guid></item>`).join('');
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${title}</title><link>http://stories.test/</link><description>d</description>${items}</channel></rss>`;
}

describe.each(databases)('admin catalog on $name', (factory) => {
  let database: TestDatabase;
  let upstream: Upstream;
  let app: ReturnType<typeof createApp>;
  let definitions: CategoryDefinition[];

  async function call(method: string, path: string, body?: unknown, raw?: string) {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${TOKEN}` },
      ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, headers: res.headers, body: (type.includes('json') ? await res.json() : await res.text()) as any };
  }

  const countSources = async () =>
    (await database.db.selectFrom('sources').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

  beforeAll(async () => {
    [database, upstream] = await Promise.all([factory.open(), startUpstream()]);
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) upstream.feed(`/${name}.xml`, rss(name.toUpperCase(), [`${name}1`, `${name}2`]));
    definitions = [
      {
        slug: 'world',
        title: 'World',
        description: 'From the file',
        language: 'en',
        file: 'feeds/world.yaml',
        sources: [
          { url: upstream.url('/a.xml'), title: null, intervalSeconds: null },
          { url: upstream.url('/b.xml'), title: 'B', intervalSeconds: null },
        ],
      },
    ];
    await syncCategoryDefinitions(database.db, definitions);
    app = createApp({
      db: database.db,
      config: { publicUrl: 'http://feeds.test', adminToken: TOKEN, allowPrivateUpstreams: ['127.0.0.1'] },
      log: silentLogger,
      now: () => new Date(),
      feedStateTtlMs: 0,
      poller: testPollerDeps(database.db),
    });
  });
  afterAll(async () => {
    await upstream?.close();
    await database?.close();
  });

  describe('categories', () => {
    it('creates, lists, edits and deletes API categories', async () => {
      const created = await call('POST', '/admin/categories', { slug: 'science', title: '科学', description: 'Science news', language: 'zh-CN' });
      expect(created.status).toBe(201);
      expect(created.body.category).toMatchObject({ slug: 'science', title: '科学', description: 'Science news', language: 'zh-CN', origin: 'api', sources: 0 });
      const again = await call('POST', '/admin/categories', { slug: 'science', title: 'Other' });
      expect(again.status).toBe(409);
      expect(again.body.category.title).toBe('科学');

      const list = await call('GET', '/admin/categories');
      expect(list.body.categories.map((c: any) => [c.slug, c.origin, c.sources])).toEqual([
        ['science', 'api', 0],
        ['world', 'file', 2],
      ]);
      expect((await call('GET', '/admin/categories/world')).body.category).toMatchObject({ slug: 'world', origin: 'file' });

      const feedBefore = await (await app.request('/feeds/science.json')).json();
      const edited = await call('PATCH', '/admin/categories/science', { title: 'Science', language: null });
      expect(edited.body.category).toMatchObject({ title: 'Science', language: null, description: 'Science news' });
      const feedAfter = await (await app.request('/feeds/science.json')).json();
      expect([feedBefore.title, feedAfter.title]).toEqual(['科学', 'Science']);

      const removed = await call('DELETE', '/admin/categories/science');
      expect(removed.status).toBe(200);
      expect(removed.body.category.slug).toBe('science');
      expect((await call('GET', '/admin/categories/science')).status).toBe(404);
      expect((await app.request('/feeds/science.json')).status).toBe(404);
    });

    it('leaves categories defined by feeds/ files to the files', async () => {
      for (const [method, body] of [['PATCH', { title: 'X' }], ['DELETE', undefined]] as const) {
        const res = await call(method, '/admin/categories/world', body);
        expect(res.status).toBe(422);
        expect(res.body.error).toMatch(/defined by feeds\/world\.yaml/);
      }
    });

    it('validates category input', async () => {
      const cases: [unknown, number, RegExp][] = [
        [{ title: 'x' }, 400, /^slug: is required$/],
        [{ slug: 'Bad Slug', title: 'x' }, 400, /^slug: must be a category slug/],
        [{ slug: 'all', title: 'x' }, 400, /^slug: "all" is reserved/],
        [{ slug: 'ok' }, 400, /^title: is required$/],
        [{ slug: 'ok', title: '   ' }, 400, /^title: must not be empty/],
        [{ slug: 'ok', title: 'x', language: 'english please' }, 400, /^language: must be a language tag/],
        [{ slug: 'ok', title: 'x', colour: 'red' }, 400, /^colour: unknown field/],
        // Characters XML forbids (U+0000 also fails in Postgres): refused by field, never a 500.
        [{ slug: 'ok', title: 'a\u0000b' }, 400, /^title: must not contain control characters/],
        [{ slug: 'ok', title: 'x', description: 'd\u0000x' }, 400, /^description: must not contain control characters/],
        [{ slug: 'ok', title: 'x', description: 'bell\u0007' }, 400, /^description: must not contain control characters/],
        [{ slug: 'ok', title: 'lone \ud800 surrogate' }, 400, /^title: must not contain control characters/],
      ];
      for (const [body, status, reason] of cases) {
        const res = await call('POST', '/admin/categories', body);
        expect(res.status, JSON.stringify(body)).toBe(status);
        expect(res.body.error, JSON.stringify(body)).toMatch(reason);
      }
      expect((await call('POST', '/admin/categories', undefined, '{oops')).status).toBe(400);
      // Tabs, line breaks and astral characters are text.
      const fine = await call('POST', '/admin/categories', { slug: 'fine-text', title: '科技 😀', description: 'line one\n\tline two' });
      expect(fine.status).toBe(201);
      expect(fine.body.category.description).toBe('line one\n\tline two');
      const patched = await call('PATCH', '/admin/categories/fine-text', { title: 'x\u0000' });
      expect(patched.status).toBe(400);
      expect(patched.body.error).toMatch(/^title: must not contain control characters/);
      expect((await call('PATCH', '/admin/categories/nope', { title: 'x' })).status).toBe(404);
      expect((await call('DELETE', '/admin/categories/nope')).status).toBe(404);
    });
  });

  describe('OPML', () => {
    const opml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n<head><title>My feeds</title></head>\n<body>\n${body}\n</body>\n</opml>\n`;

    it('refuses malformed OPML with 400 and imports nothing', async () => {
      const before = await countSources();
      const categoriesBefore = (await call('GET', '/admin/categories')).body.categories.length;
      const malformed: [string, RegExp][] = [
        [opml(`<outline text="Tech"><outline xmlUrl="${upstream.url('/c.xml')}"/>`).replace('</body>\n</opml>\n', ''), /never closed/],
        [`${opml(`<outline xmlUrl="${upstream.url('/c.xml')}"/>`)}</outline>`, /matches no open element|outside/],
        [opml(`<outline xmlUrl="${upstream.url('/c.xml')}"/></foo>`), /matches no open element/],
        ['<html><body>not opml</body></html>', /root element is <html>/],
        ['{"feeds": []}', /not an OPML document/],
        ['<opml version="2.0"><head/></opml>', /no <body>/],
        [`<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]><opml><body><outline text="&x;" xmlUrl="${upstream.url('/c.xml')}"/></body></opml>`, /document type declaration/],
      ];
      for (const [doc, reason] of malformed) {
        const res = await call('POST', '/admin/opml', undefined, doc);
        expect(res.status, doc).toBe(400);
        expect(res.body.error, doc).toMatch(reason);
      }
      expect((await call('POST', '/admin/opml', undefined, '')).status).toBe(400);
      expect(await countSources()).toBe(before);
      expect((await call('GET', '/admin/categories')).body.categories.length).toBe(categoriesBefore);
      expect(upstream.hits.get('/c.xml')).toBeUndefined();
    });

    it('imports nested outlines into categories in one go, with a report per outline', async () => {
      const doc = opml(
        [
          `<outline text="Tech news" title="Tech news">`,
          `  <outline type="rss" text="C" xmlUrl="${upstream.url('/c.xml')}" htmlUrl="http://c.test/"/>`,
          `  <outline text="Deeper"><outline type="rss" text="D" xmlUrl="${upstream.url('/d.xml')}"/></outline>`,
          `  <outline text="Bad scheme" xmlUrl="file:///etc/passwd"/>`,
          `  <outline text="Metadata" xmlUrl="http://169.254.169.254/latest/"/>`,
          `  <outline text="Private" xmlUrl="http://10.0.0.1/feed.xml"/>`,
          `</outline>`,
          `<outline text="科技日报新闻"><outline text="E &amp; co" xmlurl="${upstream.url('/e.xml')}"/></outline>`,
          `<outline text="The world, again" category="/world"><outline text="A again" xmlUrl="${upstream.url('/a.xml')}"/></outline>`,
          `<outline text="Top level" type="rss" xmlUrl="${upstream.url('/f.xml')}"/>`,
          `<outline text="Also top" xmlUrl="${upstream.url('/c.xml')}"/>`,
          `<outline text="Gopher" xmlUrl="gopher://127.0.0.1/1"/>`,
        ].join('\n'),
      );
      const before = await countSources();
      const res = await call('POST', '/admin/opml', undefined, doc);
      expect(res.status).toBe(200);
      const report = res.body;
      expect(report).toMatchObject({ title: 'My feeds', added: 4, restored: 0, existing: 2, refused: 4 });
      expect(report.categories_created.sort()).toEqual(['deeper', 'imported', 'tech-news', slugify('科技日报新闻')].sort());
      const byTitle = new Map((report.outlines as any[]).map((o) => [o.title, o]));
      expect(byTitle.get('C')).toMatchObject({ result: 'added', category: 'tech-news', line: 6 });
      expect(byTitle.get('D')).toMatchObject({ result: 'added', category: 'deeper' });
      expect(byTitle.get('E & co')).toMatchObject({ result: 'added', category: slugify('科技日报新闻') });
      expect(byTitle.get('A again')).toMatchObject({ result: 'existing', category: 'world' });
      expect(byTitle.get('Top level')).toMatchObject({ result: 'added', category: 'imported' });
      expect(byTitle.get('Also top')).toMatchObject({ result: 'existing', category: 'imported' });
      expect(byTitle.get('Bad scheme')).toMatchObject({ result: 'refused', reason: expect.stringMatching(/only http and https/) });
      expect(byTitle.get('Metadata')).toMatchObject({ result: 'refused', reason: expect.stringMatching(/169\.254\.169\.254.*private/) });
      expect(byTitle.get('Private')).toMatchObject({ result: 'refused', reason: expect.stringMatching(/10\.0\.0\.1/) });
      expect(byTitle.get('Gopher')).toMatchObject({ result: 'refused' });
      expect(await countSources()).toBe(before + 4);
      const category = (await call('GET', `/admin/categories/${slugify('科技日报新闻')}`)).body.category;
      expect(category).toMatchObject({ title: '科技日报新闻', origin: 'api', sources: 1 });

      // Nothing was fetched during the import; the scheduler polls the new sources.
      expect(upstream.hits.get('/c.xml')).toBeUndefined();
      const sources = (await call('GET', '/admin/sources?category=tech-news')).body.sources;
      expect(sources.map((s: any) => s.url)).toEqual([upstream.url('/c.xml')]);
      expect(sources[0]).toMatchObject({ added_by_api: true, polled: true, last_fetched_at: null, categories: ['imported', 'tech-news'] });
      const run = await pollDue(testPollerDeps(database.db), { ...runAll, ignoreSchedule: false });
      expect(run.outcomes.map((o) => o.url).sort()).toEqual(
        [upstream.url('/c.xml'), upstream.url('/d.xml'), upstream.url('/e.xml'), upstream.url('/f.xml'), upstream.url('/a.xml'), upstream.url('/b.xml')].sort(),
      );
      const items = ((await (await app.request('/feeds/tech-news.json')).json()) as { items: { title: string }[] }).items.map((i) => i.title);
      expect(items.sort()).toEqual(['c1', 'c2']);

      // Importing the same file again changes nothing.
      const twice = await call('POST', '/admin/opml', undefined, doc);
      expect(twice.body).toMatchObject({ added: 0, existing: 6, refused: 4, categories_created: [] });
      expect(await countSources()).toBe(before + 4);
    });

    it('puts top-level feeds in the category asked for, which must exist', async () => {
      const doc = opml(`<outline text="F" xmlUrl="${upstream.url('/f.xml')}"/>`);
      const unknown = await call('POST', '/admin/opml?category=nope', undefined, doc);
      expect(unknown.status).toBe(422);
      expect(unknown.body.error).toMatch(/no category "nope"/);
      const res = await call('POST', '/admin/opml?category=world', undefined, doc);
      expect(res.body.outlines[0]).toMatchObject({ category: 'world', result: 'existing' });
      expect((await call('POST', '/admin/opml?category=Bad!', undefined, doc)).status).toBe(400);
    });

    it('exports every polled source inside its categories, readable by the import', async () => {
      const res = await call('GET', '/admin/opml');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/x-opml; charset=utf-8');
      const doc = readOpml(res.body);
      expect(doc.title).toBe('feedrelay sources');
      const world = doc.feeds.filter((f) => f.folders[0]?.category === '/world').map((f) => f.xmlUrl).sort();
      expect(world).toEqual([upstream.url('/a.xml'), upstream.url('/b.xml'), upstream.url('/f.xml')].sort());
      const tech = doc.feeds.filter((f) => f.folders[0]?.title === 'Tech news');
      expect(tech.map((f) => [f.xmlUrl, f.title])).toEqual([[upstream.url('/c.xml'), 'C']]);
      // Round trip: the export imports as "already there".
      const back = await call('POST', '/admin/opml', undefined, res.body);
      expect(back.body).toMatchObject({ added: 0, refused: 0, categories_created: [] });
      expect(back.body.existing).toBe(doc.feeds.length);
    });
  });

  describe('feeds/ files and the API together', () => {
    it('a restart neither resurrects a source deleted through the API nor duplicates a configured one', async () => {
      const list = (await call('GET', '/admin/sources')).body.sources as any[];
      const a = list.find((s) => s.url === upstream.url('/a.xml'));
      const b = list.find((s) => s.url === upstream.url('/b.xml'));
      // The API adds a category to a configured source, and deletes another configured source.
      expect((await call('POST', '/admin/categories', { slug: 'extra', title: 'Extra' })).status).toBe(201);
      expect((await call('PATCH', `/admin/sources/${b.id}`, { categories: ['world', 'extra'] })).status).toBe(200);
      expect((await call('DELETE', `/admin/sources/${a.id}`)).status).toBe(200);
      const before = await countSources();

      // Restart: the same feeds/ files synced again.
      const report = await syncCategoryDefinitions(database.db, definitions);
      expect(report).toMatchObject({ sourcesCreated: 0, categoriesCreated: 0, deletedSkipped: [upstream.url('/a.xml')] });
      expect(await countSources()).toBe(before);
      expect((await call('GET', `/admin/sources/${a.id}`)).status).toBe(404);
      expect((await call('GET', `/admin/sources/${b.id}`)).body.source).toMatchObject({ categories: ['extra', 'world'], file_categories: ['world'], in_feeds_dir: true });
      const run = await pollDue(testPollerDeps(database.db), runAll);
      expect(run.outcomes.some((o) => o.sourceId === a.id)).toBe(false);

      // The file drops b: it stays, because the API linked it to a category.
      const dropped = [{ ...definitions[0]!, sources: [definitions[0]!.sources[0]!] }];
      await syncCategoryDefinitions(database.db, dropped);
      const afterDrop = (await call('GET', `/admin/sources/${b.id}`)).body.source;
      expect(afterDrop).toMatchObject({ in_feeds_dir: false, added_by_api: true, polled: true, categories: ['extra'] });
      await syncCategoryDefinitions(database.db, definitions);
      expect((await call('GET', `/admin/sources/${b.id}`)).body.source.categories).toEqual(['extra', 'world']);
      expect(await countSources()).toBe(before);

      // Adding a deleted configured URL again through the API brings the same source back.
      const back = await call('POST', '/admin/sources', { url: upstream.url('/a.xml'), categories: ['world'] });
      expect(back.status).toBe(201);
      expect(back.body).toMatchObject({ restored: true, source: { id: a.id } });
      const resync = await syncCategoryDefinitions(database.db, definitions);
      expect(resync.deletedSkipped).toEqual([]);
      // Listed by the file again, and linked to `world` (by the API, which keeps that link its own).
      expect((await call('GET', `/admin/sources/${a.id}`)).body.source).toMatchObject({ in_feeds_dir: true, added_by_api: true, categories: ['world'] });
      expect(await countSources()).toBe(before);
    });
  });
});
