// `npm run feeds -- …` as a child process, the way operators run it: list, add (with discovery),
// poll, remove, and clear messages with non-zero exits on bad input. On the embedded PGlite
// always, and on the Postgres in TEST_DATABASE_URL when set.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryEnvironment, entryTargets, runEntry, type EntryEnvironment } from './helpers/processes.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

const CLI = 'src/entry/feeds-cli.ts';

function rss(title: string, stories: string[]): string {
  const items = stories.map((s) => `<item><title>${s}</title><link>http://stories.test/${s}</link><guid>${s}</guid></item>`).join('');
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${title}</title><link>http://stories.test/</link><description>d</description>${items}</channel></rss>`;
}

describe.each(entryTargets)('feeds CLI on $name', ({ postgres }) => {
  let upstream: Upstream;
  let world: EntryEnvironment;
  let dir: string;
  let env: Record<string, string>;
  const feeds = (...args: string[]) => runEntry(CLI, args, env);

  beforeAll(async () => {
    upstream = await startUpstream();
    upstream.feed('/tech.xml', rss('Tech upstream', ['t1', 't2']));
    upstream.feed('/blog/feed.xml', rss('科技日报 blog', ['b1', 'b2', 'b3']));
    upstream.feed('/blog/', '<!DOCTYPE html><html><head><title>Blog</title><link rel="alternate" type="application/rss+xml" href="/blog/feed.xml"></head><body>hi</body></html>', 'text/html');
    world = await entryEnvironment('feedrelay-cli-', { 'tech.yaml': ['slug: tech', 'title: Tech', 'sources:', `  - url: ${upstream.url('/tech.xml')}`] }, postgres);
    ({ dir, env } = world);
  });
  afterAll(async () => {
    await upstream?.close();
    await world?.close();
  });

  it('lists sources as a table', async () => {
    const { code, stdout, stderr } = await feeds('list');
    expect(stderr).not.toMatch(/^feeds: /m);
    expect(code).toBe(0);
    const [header, row] = stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+HTTP\s+ERRORS\s+24H\s+LAST FETCH\s+NEXT POLL\s+CATEGORIES\s+TITLE\s+URL$/);
    expect(row).toMatch(new RegExp(`^1\\s+ok\\s+-\\s+0\\s+0\\s+-\\s+.*\\s+tech\\s+-\\s+${upstream.url('/tech.xml')}$`));
  });

  it('adds a site by its page URL: discovers the feed, stores its articles, in the category', async () => {
    const { code, stdout } = await feeds('add', upstream.url('/blog/'), '--category', 'tech');
    expect(code).toBe(0);
    expect(stdout).toContain(`using the feed it advertises: ${upstream.url('/blog/feed.xml')}`);
    expect(stdout).toMatch(/added #2 .*blog\/feed\.xml \(科技日报 blog\) in tech/);
    expect(stdout).toMatch(/✓ new: HTTP 200, 3 new, 0 updated, 0 duplicate/);

    const list = await feeds('list', '--json');
    expect(list.code).toBe(0);
    const sources = JSON.parse(list.stdout).sources as { id: number; url: string; articles_last_24h: number; categories: string[] }[];
    expect(sources.find((s) => s.id === 2)).toMatchObject({ url: upstream.url('/blog/feed.xml'), articles_last_24h: 3, categories: ['tech'] });

    const table = await feeds('list');
    // Wide characters are padded by display width, so the URL column still lines up.
    const lines = table.stdout.trim().split('\n');
    const urlColumn = (line: string) => line.indexOf('http://');
    expect(urlColumn(lines[2]!)).toBeGreaterThan(0);
    expect(lines[2]).toContain('科技日报 blog');

    const again = await feeds('add', upstream.url('/blog/feed.xml'), '--category', 'tech');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already a source: #2/);
  });

  it('polls one source now and shows its fetch log', async () => {
    const first = await feeds('poll', '1');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/✓ new: HTTP 200, 2 new/);
    const second = await feeds('poll', '1');
    expect(second.stdout).toMatch(/✓ not-modified: HTTP 304, 0 new/);
    const log = await feeds('fetches', '1');
    expect(log.code).toBe(0);
    expect(log.stdout.split('\n')[0]).toMatch(/^WHEN\s+RESULT\s+HTTP/);
    expect(log.stdout).toMatch(/not-modified\s+304/);
  });

  it('removes a source', async () => {
    const removed = await feeds('remove', '2');
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/removed #2 /);
    expect(removed.stderr).not.toMatch(/^feeds: /m);
    expect((await feeds('list')).stdout).not.toContain('/blog/feed.xml');
    const twice = await feeds('remove', '2');
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/^feeds: no source with id 2$/m);
  });

  it('imports and exports OPML', async () => {
    const file = join(dir, 'subscriptions.opml');
    await writeFile(
      file,
      `<?xml version="1.0"?><opml version="2.0"><head><title>Mine</title></head><body>\n<outline text="Reading">\n<outline text="Tech again" xmlUrl="${upstream.url('/tech.xml')}"/>\n<outline text="Bad" xmlUrl="file:///etc/passwd"/>\n</outline>\n</body></opml>\n`,
    );
    const imported = await feeds('import', file);
    expect(imported.code).toBe(0);
    expect(imported.stdout.split('\n')[0]).toMatch(/^LINE\s+RESULT\s+CATEGORY\s+URL\s+REASON$/);
    expect(imported.stdout).toMatch(/3\s+existing\s+reading\s+http:\/\/127\.0\.0\.1/);
    expect(imported.stdout).toMatch(/4\s+refused\s+reading\s+file:\/\/\/etc\/passwd\s+fetcher: only http and https/);
    expect(imported.stdout).toMatch(/0 added, 0 restored, 1 already sources, 1 refused; new categories: reading/);
    const exported = await feeds('export');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^<\?xml/);
    expect(exported.stdout).toContain('category="/reading"');
    expect((await feeds('import', join(dir, 'missing.opml'))).code).toBe(2);
  }, 60_000);

  it('refuses bad input with a clear message and a non-zero exit', async () => {
    const cases: [string[], number, RegExp][] = [
      [['add', upstream.url('/tech.xml')], 2, /add: --category SLUG is required/],
      [['add', 'file:///etc/passwd', '--category', 'tech'], 1, /^feeds: url: only http and https URLs can be sources, not file:$/m],
      [['add', 'http://169.254.169.254/latest/', '--category', 'tech'], 1, /169\.254\.169\.254.*private\/loopback/],
      [['add', upstream.url('/tech.xml'), '--category', 'nope'], 1, /categories: no category "nope"/],
      [['add', upstream.url('/blog/feed.xml'), '--category', 'tech', '--interval', 'often'], 2, /interval: "often" is not a duration/],
      [['poll', 'abc'], 2, /id: "abc" is not a source id/],
      [['poll'], 2, /poll: give exactly one source ID/],
      [['frobnicate'], 2, /unknown command "frobnicate"/],
      [['list', '--bogus'], 2, /Unknown option '--bogus'/],
      [[], 2, /usage: npm run feeds/],
    ];
    for (const [args, code, message] of cases) {
      const result = await feeds(...args);
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
  }, 120_000);
});
