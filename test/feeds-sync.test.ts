// The feeds/ sync at scale: a few hundred sources in a few statements, one row per URL however
// many files list it, redirected and deleted sources recognised by the URL they were configured with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncCategoryDefinitions } from '../src/store/catalog.ts';
import { databases, type TestDatabase } from './helpers/databases.ts';
import { categoryOf } from './helpers/fixture-world.ts';

describe.each(databases)('feeds/ sync on $name', (factory) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await factory.open();
  });
  afterAll(async () => {
    await database.close();
  });

  it('syncs 400 sources in a bounded number of statements, once per URL, the last listing winning', async () => {
    const urls = Array.from({ length: 400 }, (_, i) => `https://feeds${i % 37}.example/f/${i}.xml`);
    let statements = 0;
    const counted = database.db.withPlugin({
      transformQuery(args) {
        statements++;
        return args.node;
      },
      async transformResult(args) {
        return args.result;
      },
    });
    const news = categoryOf('news', urls.slice(0, 300), { title: () => 'first' });
    const tech = categoryOf('tech', urls.slice(200), { title: () => 'last' });
    const first = await syncCategoryDefinitions(counted, [news, tech]);
    expect(first.sourcesCreated).toBe(400);
    expect(statements).toBeLessThan(30);
    const rows = await database.db.selectFrom('sources').select(['url', 'title', 'in_config']).orderBy('id').execute();
    expect(rows).toHaveLength(400);
    // Listed by both files: the last one (tech) gives the title.
    expect(rows.find((r) => r.url === urls[250])?.title).toBe('last');
    expect(rows.find((r) => r.url === urls[10])?.title).toBe('first');
    const links = await database.db.selectFrom('source_categories').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(links.n)).toBe(500);

    statements = 0;
    const again = await syncCategoryDefinitions(counted, [news, tech]);
    expect(again).toMatchObject({ sourcesCreated: 0, sourcesUnlisted: 0, categoriesCreated: 0 });
    expect(statements).toBeLessThan(30);
    expect(await database.db.selectFrom('sources').select('id').execute()).toHaveLength(400);
  });

  it('finds a redirected source by its configured URL and leaves a deleted one deleted', async () => {
    const moved = 'https://moved.example/old.xml';
    const gone = 'https://gone.example/feed.xml';
    await syncCategoryDefinitions(database.db, [categoryOf('other', [moved, gone])]);
    await database.db.updateTable('sources').set({ url: 'https://moved.example/new.xml' }).where('url', '=', moved).execute();
    await database.db.updateTable('sources').set({ deleted_at: new Date() }).where('url', '=', gone).execute();
    const report = await syncCategoryDefinitions(database.db, [categoryOf('other', [moved, gone])]);
    expect(report.sourcesCreated).toBe(0);
    expect(report.deletedSkipped).toEqual([gone]);
    const rows = await database.db.selectFrom('sources').select(['url', 'configured_url']).where('configured_url', 'in', [moved, gone]).execute();
    expect(rows).toHaveLength(2);
    const linked = await database.db
      .selectFrom('source_categories')
      .innerJoin('categories', 'categories.id', 'source_categories.category_id')
      .innerJoin('sources', 'sources.id', 'source_categories.source_id')
      .where('categories.slug', '=', 'other')
      .select('sources.url')
      .execute();
    expect(linked.map((r) => r.url)).toEqual(['https://moved.example/new.xml']);
  });
});
