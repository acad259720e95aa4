// Fixtures shared by the Node side (global setup, wrangler tests) and the tests inside workerd:
// plain strings only, no Node or Workers APIs.

export const ADMIN_TOKEN = 'workers-test-admin-token';
export const PUBLIC_URL = 'http://feeds.test';

/** The category file the Node process syncs from its FEEDS_DIR before the worker runs. */
export function techCategoryFile(upstreamOrigin: string): string {
  return ['slug: tech', 'title: Tech fixture', 'language: en', 'sources:', `  - url: ${upstreamOrigin}/tech.xml`, ''].join('\n');
}

/** An RSS feed with two stories, NAME-1 and NAME-2, as the fixture upstream serves /feeds/NAME.xml. */
export function fixtureRss(name: string): string {
  const item = (n: number) =>
    [
      '    <item>',
      `      <title>${name} story ${n}</title>`,
      `      <link>http://fixture.test/${name}/${n}</link>`,
      `      <guid isPermaLink="false">${name}-${n}</guid>`,
      `      <pubDate>Mon, 0${n} Nov 2026 08:00:00 GMT</pubDate>`,
      `      <description>Story ${n} of ${name}.</description>`,
      '    </item>',
    ].join('\n');
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<rss version="2.0">',
    '  <channel>',
    `    <title>Fixture ${name}</title>`,
    `    <link>http://fixture.test/${name}/</link>`,
    `    <description>Fixture feed ${name}</description>`,
    item(1),
    item(2),
    '  </channel>',
    '</rss>',
    '',
  ].join('\n');
}

/** The same feed in Chinese, declared GB2312 (served GBK-encoded by the fixture upstream). */
export function fixtureRssChinese(name: string): string {
  return fixtureRss(name)
    .replace('encoding="utf-8"', 'encoding="gb2312"')
    .replace(/story (\d)/g, '科技日报新闻 $1')
    .replace(/Story (\d) of/g, '第 $1 篇：');
}
