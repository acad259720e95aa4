// Bytes → text: BOMs, byte patterns, Content-Type charset, XML declaration, WHATWG labels, lying
// declarations (Miniflux's rule), forbidden characters. Legacy bytes are produced with iconv-lite's
// encoders from known text, then read back through parseFeed as an upstream would send them.
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeFeedBytes } from '../src/parser/decode.ts';
import { parseFeed } from '../src/parser/index.ts';

const rss = (title: string, declaration = '<?xml version="1.0"?>') =>
  `${declaration}\n<rss version="2.0"><channel><title>${title}</title><link>http://example.org/</link>` +
  `<item><title>${title}</title><link>http://example.org/1</link></item></channel></rss>`;

const encoded = (text: string, encoding: string) => new Uint8Array(iconv.encode(text, encoding));
const utf8 = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: ArrayLike<number>[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

describe('parser: legacy encodings, declared in the XML', () => {
  // Each case: the label a feed writes, the codec that really produced its bytes, and text only
  // that encoding can carry. A wrong decoder produces U+FFFD or mojibake, and the test fails.
  const cases: [label: string, codec: string, text: string][] = [
    ['gb2312', 'gbk', '科技日报：朱镕基与王堃的新闻'], // 镕 and 堃 are GBK-only, outside GB2312
    ['GBK', 'gbk', '中文标题 — 测试'],
    ['gb18030', 'gb18030', '𠀀 Unicode 扩展 B 区字符与中文'],
    ['big5', 'big5', '新年快樂，繁體中文'],
    ['Shift_JIS', 'shift_jis', 'いろいろちょっと待ってネ。①'],
    ['EUC-JP', 'euc-jp', 'あなたには選択権がある'],
    ['euc-kr', 'cp949', '한글 닉네임 표시하기'],
    ['koi8-r', 'koi8-r', 'Привет мир'],
    ['windows-1251', 'windows-1251', 'Цитата дня'],
    ['windows-1255', 'windows-1255', 'הגדה השמאלית'],
    ['iso-8859-7', 'iso-8859-7', 'Ζητείται βοηθός'],
    ['iso-8859-2', 'iso-8859-2', 'Zażółć gęślą jaźń'],
    ['windows-1252', 'windows-1252', 'Euro € “quoted” naïve'],
  ];

  it.each(cases)('reads a feed declared %s', async (label, codec, text) => {
    const bytes = encoded(rss(text, `<?xml version="1.0" encoding="${label}"?>`), codec);
    const feed = await parseFeed(bytes, 'application/rss+xml');
    expect(feed.title).toBe(text);
    expect(feed.entries[0]!.title).toBe(text);
  });

  it('maps labels as WHATWG does: iso-8859-1, latin1 and us-ascii mean windows-1252', async () => {
    // 0x80 is € in windows-1252 and a C1 control in ISO-8859-1.
    for (const label of ['iso-8859-1', 'latin1', 'us-ascii', 'ISO_8859-1']) {
      const bytes = encoded(rss('Price 10€ – “ok”', `<?xml version="1.0" encoding="${label}"?>`), 'windows-1252');
      const feed = await parseFeed(bytes, null);
      expect(feed.title, label).toBe('Price 10€ – “ok”');
      expect(feed.encoding).toBe('windows-1252');
    }
  });
});

describe('parser: the Content-Type charset', () => {
  it('decodes a feed whose only charset is in the Content-Type', async () => {
    const bytes = encoded(rss('Новости дня'), 'koi8-r');
    const feed = await parseFeed(bytes, 'text/xml; charset="KOI8-R"');
    expect(feed.title).toBe('Новости дня');
  });

  it('wins over a contradicting XML declaration', async () => {
    const bytes = encoded(rss('中文标题', '<?xml version="1.0" encoding="iso-8859-1"?>'), 'gbk');
    const feed = await parseFeed(bytes, "application/rss+xml; charset='gb2312'");
    expect(feed.title).toBe('中文标题');
    expect(feed.encoding).toBe('gbk');
  });

  it('loses to the declaration when the bytes plainly are not in its charset (a server default)', async () => {
    // Apache's `AddDefaultCharset ISO-8859-1` in front of a GB2312 feed.
    const gbk = encoded(rss('科技日报：创新驱动发展', '<?xml version="1.0" encoding="gb2312"?>'), 'gbk');
    expect((await parseFeed(gbk, 'text/xml; charset=ISO-8859-1')).title).toBe('科技日报：创新驱动发展');
    // And the other way round: Latin-1 text is no Big5.
    const latin = encoded(rss('Café au lait, crème brûlée. Voilà !', '<?xml version="1.0" encoding="windows-1252"?>'), 'windows-1252');
    expect((await parseFeed(latin, 'text/xml; charset=big5')).title).toBe('Café au lait, crème brûlée. Voilà !');
  });

  it('is passed over when it says UTF-8 and the bytes are not, for the declared encoding', async () => {
    // nginx's `charset utf-8;` in front of a GB2312 feed: common on Chinese sites.
    const bytes = encoded(rss('科技日报新闻', '<?xml version="1.0" encoding="gb2312"?>'), 'gbk');
    const feed = await parseFeed(bytes, 'text/xml; charset=utf-8');
    expect(feed.title).toBe('科技日报新闻');
  });
});

describe('parser: lying declarations (Miniflux: valid UTF-8 is UTF-8)', () => {
  it('reads UTF-8 bytes declared ISO-8859-1 as UTF-8, not double-encoded', async () => {
    const bytes = utf8(rss('Café crème — 中文', '<?xml version="1.0" encoding="ISO-8859-1"?>'));
    const feed = await parseFeed(bytes, null);
    expect(feed.title).toBe('Café crème — 中文');
    expect(feed.encoding).toBe('utf-8');
  });

  it('reads UTF-8 bytes as UTF-8 whatever the Content-Type charset claims', async () => {
    const bytes = utf8(rss('Grüße aus Köln'));
    const feed = await parseFeed(bytes, 'application/xml; charset=windows-1251');
    expect(feed.title).toBe('Grüße aus Köln');
  });

  it('ignores an unknown declared encoding', async () => {
    const bytes = utf8(rss('테스트 피드 Café', '<?xml version="1.0" encoding="x-fake"?>'));
    const feed = await parseFeed(bytes, null);
    expect(feed.title).toBe('테스트 피드 Café');
  });

  it('reads undeclared bytes that are not UTF-8 as windows-1252 (the web default), not as U+FFFD', async () => {
    const bytes = encoded(rss('don’t panic – café'), 'windows-1252');
    const feed = await parseFeed(bytes, 'text/xml');
    expect(feed.title).toBe('don’t panic – café');
  });

  it('keeps UTF-8 with a few invalid bytes as UTF-8, the bad bytes as U+FFFD', async () => {
    const good = utf8(rss('日本語のタイトル XX'));
    const at = new TextDecoder().decode(good).indexOf('XX');
    const bytes = Uint8Array.from(good);
    const offset = utf8(new TextDecoder().decode(good).slice(0, at)).length;
    bytes[offset] = 0xff; // an invalid byte in the channel title
    const feed = await parseFeed(bytes, null);
    expect(feed.title).toBe('日本語のタイトル \uFFFDX');
    expect(feed.entries[0]!.title).toBe('日本語のタイトル XX');
  });
});

describe('parser: byte-order marks and 16/32-bit documents', () => {
  const text = rss('Ünïcödé ✓ 中文');
  const utf16be = (s: string) => {
    const le = iconv.encode(s, 'utf16le');
    for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
    return new Uint8Array(le);
  };
  const cases: [string, Uint8Array][] = [
    ['UTF-8 BOM', concat([0xef, 0xbb, 0xbf], utf8(text))],
    ['UTF-16LE BOM', concat([0xff, 0xfe], encoded(text, 'utf16le'))],
    ['UTF-16BE BOM', concat([0xfe, 0xff], utf16be(text))],
    ['UTF-16LE without BOM', encoded(text, 'utf16le')],
    ['UTF-16BE without BOM', utf16be(text)],
    ['UTF-32LE BOM', concat([0xff, 0xfe, 0, 0], encoded(text, 'utf32le'))],
    ['UTF-32BE without BOM', encoded(text, 'utf32be')],
    ['UTF-16LE declared utf-16 ', encoded(rss('Ünïcödé ✓ 中文', '<?xml version="1.0" encoding="utf-16"?>'), 'utf16le')],
  ];

  it.each(cases)('%s', async (_name, bytes) => {
    const feed = await parseFeed(bytes, 'application/xml; charset=iso-8859-1');
    expect(feed.title).toBe('Ünïcödé ✓ 中文');
    expect(feed.entries).toHaveLength(1);
  });

  it('a UTF-8 BOM wins over a contradicting declaration', async () => {
    const bytes = concat([0xef, 0xbb, 0xbf], utf8(rss('Ωmega', '<?xml version="1.0" encoding="us-ascii"?>')));
    const feed = await parseFeed(bytes, 'text/xml; charset=gb2312');
    expect(feed.title).toBe('Ωmega');
  });
});

describe('parser: decoded text', () => {
  it('no longer declares the encoding it was decoded from', () => {
    const bytes = encoded('<?xml version="1.0" encoding="GB2312" standalone="yes"?><rss/>', 'gbk');
    const { text } = decodeFeedBytes(bytes, null);
    expect(text).toBe('<?xml version="1.0" standalone="yes"?><rss/>');
  });

  it('holds no character XML 1.0 forbids', async () => {
    const bytes = utf8(rss('a\u0001b\u0008c\u000Bd\uFFFEe\uFFFFf\tg'));
    const { text } = decodeFeedBytes(bytes, null);
    expect(text).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
    expect((await parseFeed(bytes, null)).title).toBe('abcdef\tg');
  });

  it('turns an unpaired surrogate in UTF-16 bytes into U+FFFD, never a lone surrogate', () => {
    const bytes = concat([0xff, 0xfe], encoded('<rss>', 'utf16le'), [0x00, 0xd8], encoded('x</rss>', 'utf16le'));
    const { text } = decodeFeedBytes(bytes, null);
    expect(text).toBe('<rss>\uFFFDx</rss>');
    expect(text).not.toMatch(/[\uD800-\uDFFF]/);
  });

  it('never throws on arbitrary bytes', () => {
    const random = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256);
    for (const contentType of [null, 'text/xml; charset=shift_jis', 'text/xml; charset=utf-16', 'text/xml; charset=bogus']) {
      expect(() => decodeFeedBytes(random, contentType)).not.toThrow();
    }
  });
});
