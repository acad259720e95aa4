// Every file of the shared real-world corpus (../shared/corpus/feeds, see its SOURCES.md and
// manifest.tsv) through decode + parse: none crashes or stalls, every file with a known item count
// yields it, legacy encodings decode to the right text. The corpus includes GPL/LGPL captures
// (sample-feeds, chardet), so it is read in place and never copied into this repository.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ParseError, parseFeed, type RawFeed } from '../src/parser/index.ts';

const CORPUS = fileURLToPath(new URL('../../shared/corpus/feeds/', import.meta.url));
const present = existsSync(`${CORPUS}manifest.tsv`);
const ABSENT = `the shared feed corpus is absent (${CORPUS}manifest.tsv): the corpus tests cannot run`;

interface Row {
  file: string;
  format: string;
  encoding: string;
  expectedItems: number | null;
  wellFormed: boolean;
}

function manifest(): Row[] {
  if (!present) return [];
  const [, ...lines] = readFileSync(`${CORPUS}manifest.tsv`, 'utf8').trim().split('\n');
  return lines.map((line) => {
    const [file, format, encoding, expected, wellFormed] = line.split('\t');
    return { file: file!, format: format!, encoding: encoding!, expectedItems: expected ? Number(expected) : null, wellFormed: wellFormed === 'yes' };
  });
}

// feedparser's fixtures simulate HTTP headers in a leading comment ("Header: Content-type: …").
function simulatedContentType(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.subarray(0, 2000)).toString('latin1');
  return /^Header:\s*Content-type:\s*(.+)$/im.exec(head)?.[1]?.trim() ?? null;
}

// Formats that are not RSS, Atom or JSON Feed: refused with "not a feed". ("unknown (no root
// element)" is libxml2's verdict; some of those we read, e.g. UTF-16 declared with the bogus
// label "u16", so they only have to end without a crash.)
const NOT_SUPPORTED = /^(CDF|RSS 1\.1|other XML|RSS-in-JSON|HTML|JSON \(invalid\))/;

async function parse(file: string): Promise<{ feed: RawFeed | null; error: ParseError | null; ms: number }> {
  const bytes = new Uint8Array(readFileSync(CORPUS + file));
  const started = performance.now();
  try {
    const feed = await parseFeed(bytes, simulatedContentType(bytes), 'https://example.org/feed');
    return { feed, error: null, ms: performance.now() - started };
  } catch (error) {
    if (error instanceof ParseError) return { feed: null, error, ms: performance.now() - started };
    throw error; // anything but a ParseError is a crash
  }
}

describe('parser: shared corpus', () => {
  it('is present (required under CI=true)', (ctx) => {
    if (present) return;
    if (process.env.CI === 'true') throw new Error(ABSENT);
    console.warn(`SKIPPED: ${ABSENT}`);
    ctx.skip(ABSENT);
  });

  describe.skipIf(!present)('every file', () => {
    it.each(manifest().map((row) => [row.file, row] as const))('%s', async (_file, row) => {
      const { feed, error, ms } = await parse(row.file);
      expect(ms, 'parse time').toBeLessThan(2000);
      if (NOT_SUPPORTED.test(row.format)) {
        expect(error?.message ?? 'parsed', row.format).toMatch(/^parser: not a feed/);
        return;
      }
      if (row.wellFormed) expect(error?.message ?? null, 'a well-formed feed parses').toBeNull();
      if (row.expectedItems !== null) {
        expect(error?.message ?? null).toBeNull();
        expect(feed!.entries, 'item count').toHaveLength(row.expectedItems);
      }
      if (feed) {
        const text = JSON.stringify(feed);
        expect(text, 'no forbidden characters').not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
      }
    });
  });

  // Titles read from the files with Python's codecs (an independent decoder): channel, first item.
  const knownTitles: [file: string, encoding: string, channel: string, item: string | null][] = [
    ['chardet/GB2312/cnblog.org.xml', 'gbk', 'CNBlog:Blog On Blog', 'Picostation的PicoBlogger是 一个能让S'],
    ['chardet/GB2312/w3cn.org.xml', 'gbk', '网页设计师 -  文章教程', '如何以及何时使用sIFR'],
    ['chardet/Big5/upsaid.com.xml', 'big5', 'isis', '。反WTO．人民有抗暴權！公民聲援反世貿連署行動'],
    ['chardet/Big5/blog.worren.net.xml', 'big5', "Worren's Blog", 'Keil C Compiler 中斷的寫法'],
    ['chardet/EUC-JP/arclamp.jp.xml', 'euc-jp', 'arclamp.jp アークランプ', 'あなたには選択権がある（フリーランスのススメ2）'],
    ['chardet/EUC-KR/alogblog.com.xml', 'euc-kr', 'AlogBlog', 'EUC-KR 에서 TypeKey 한글닉네임 표시하기'],
    ['chardet/SHIFT_JIS/10e.org.xml', 'shift_jis', 'エルエル', 'いろいろちょっと待ってネ。'],
    ['chardet/KOI8-R/newsru.com.xml', 'koi8-r', 'NEWSru.com', 'В Турции психически нездоровый мужчина взорвал хлопушку в здании Минюста'],
    ['chardet/windows-1251-russian/newsru.com.xml', 'windows-1251', 'NEWSru.com', 'В Турции психически нездоровый мужчина взорвал хлопушку в здании Минюста'],
    ['chardet/iso-8859-7-greek/disabled.gr.xml', 'iso-8859-7', 'Disabled.GR', 'Ζητείται βοηθός νοσοκόμα'],
    ['chardet/windows-1255-hebrew/hagada.org.il.xml', 'windows-1255', 'הגדה השמאלית', ': 6/1 : הפגנות בבילעין ובעאבוד עם התגברות העניין התקשורתי'],
    ['miniflux/encoding/iso-8859-1.xml', 'windows-1252', 'Café', null],
    ['miniflux/encoding/windows-1252.xml', 'windows-1252', 'Euro €', null],
    ['miniflux/encoding/koi8r.xml', 'koi8-r', 'Пример RSS ленты', 'Первая новость'],
    ['miniflux/parser/encoding_WINDOWS-1251.xml', 'windows-1251', 'iBash.Org.Ru', 'Цитата #17703'],
    // Declarations that lie: the bytes are UTF-8.
    ['miniflux/encoding/utf8-incorrect-prolog.xml', 'utf-8', '테스트 피드', 'Café'],
    ['miniflux/encoding/windows-1252-incorrect-prolog.xml', 'utf-8', 'Euro €', null],
    ['miniflux/encoding/invalid-prolog.xml', 'utf-8', '테스트 피드', 'Café'],
  ];

  describe.skipIf(!present)('legacy encodings decode to the right text', () => {
    it.each(knownTitles)('%s is %s', async (file, encoding, channel, item) => {
      const { feed, error } = await parse(file);
      expect(error).toBeNull();
      expect(feed!.encoding).toBe(encoding);
      expect(feed!.title).toBe(channel);
      if (item !== null) expect(feed!.entries[0]!.title).toBe(item);
    });

    it('reads UTF-16 from its byte pattern when the declared label is bogus (feedparser u16.xml)', async () => {
      const { feed, error } = await parse('feedparser/encoding/u16.xml');
      expect(error).toBeNull();
      expect(feed!.encoding).toBe('utf-16be');
      expect(feed!.format).toBe('rss');
    });

    it('uses the Content-Type charset when the document declares none (Miniflux no_encoding_ISO-8859-1)', async () => {
      const bytes = new Uint8Array(readFileSync(`${CORPUS}miniflux/parser/no_encoding_ISO-8859-1.xml`));
      const feed = await parseFeed(bytes, 'application/xml; charset=ISO-8859-1');
      expect(feed.entries[2]!.title).toBe("La criminalité liée surtout à... l'ennui ?");
    });
  });
});
