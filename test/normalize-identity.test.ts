// entryHash, urlHash, fingerprint and contentHash: what dedup relies on (src/normalize/identity.ts).
import { describe, expect, it } from 'vitest';
import { feedCanonicalUrls, foldedPrefix, fingerprintText, leadText, lettersAndDigits, titleKeyOf, usableGuid } from '../src/normalize/identity.ts';
import { canonicalUrl } from '../src/normalize/urls.ts';
import { normalizeFeed, type NormalizedEntry } from '../src/normalize/index.ts';
import type { RawEntry, RawFeed } from '../src/parser/index.ts';
import { rawEntry, rawFeed } from './fixtures/normalize/raw.ts';

const RESPONSE = 'https://site.example/feed.xml';
const normalize = (entries: Partial<RawEntry>[], over: Partial<RawFeed> = {}) =>
  normalizeFeed(rawFeed(entries.map(rawEntry), { link: 'https://site.example/', ...over }), RESPONSE).entries;
const hashes = (entries: NormalizedEntry[]) => entries.map((e) => e.entryHash);
const body = (n: number) => `<p>Story number ${n} tells of something that happened, at enough length to be told apart.</p>`;

describe('entryHash', () => {
  it('is stable across polls and independent of the other items', () => {
    const items = [1, 2, 3].map((n) => ({ guid: `id-${n}`, link: `https://site.example/p/${n}`, title: `T${n}`, contentHtml: body(n) }));
    const first = normalize(items);
    expect(new Set(hashes(first)).size).toBe(3);
    expect(hashes(normalize([...items].reverse()))).toEqual(hashes(first).reverse());
    expect(hashes(normalize([items[1]!]))).toEqual([first[1]!.entryHash]);
  });

  it('gives each item its own identity when the feed reuses one guid, also after the feed shrinks to one item', () => {
    const items = [1, 2, 3].map((n) => ({ guid: 'same-guid', link: `https://site.example/p/${n}`, title: `T${n}`, contentHtml: body(n) }));
    const poll1 = normalize(items);
    expect(new Set(hashes(poll1)).size).toBe(3);
    const poll2 = normalize([items[2]!]);
    expect(poll2[0]!.entryHash).toBe(poll1[2]!.entryHash);
    // A new story in a later one-item poll is new, not an "edit" of the previous one.
    const poll3 = normalize([{ guid: 'same-guid', link: 'https://site.example/p/4', title: 'T4', contentHtml: body(4) }]);
    expect(hashes(poll1)).not.toContain(poll3[0]!.entryHash);
  });

  it('keeps an item whose content or title is edited', () => {
    const before = normalize([{ guid: 'g1', link: 'https://site.example/p/1', title: 'Old', contentHtml: body(1) }]);
    const after = normalize([{ guid: 'g1', link: 'https://site.example/p/1', title: 'New title', contentHtml: body(2) }]);
    expect(after[0]!.entryHash).toBe(before[0]!.entryHash);
    expect(after[0]!.contentHash).not.toBe(before[0]!.contentHash);
  });

  it('ignores tracking parameters, fragments and http→https in the link', () => {
    const a = normalize([{ guid: 'g', link: 'http://site.example/p/1?utm_source=rss#top' }]);
    const b = normalize([{ guid: 'g', link: 'https://site.example/p/1?fbclid=x' }]);
    expect(b[0]!.entryHash).toBe(a[0]!.entryHash);
  });

  it('ignores guids that identify nothing', () => {
    for (const guid of ['0', 'null', 'https://site.example/', 'https://site.example/feed.xml', ' ']) {
      const [a, b] = normalize([
        { guid, link: 'https://site.example/p/1', title: 'A' },
        { guid, link: 'https://site.example/p/2', title: 'B' },
      ]);
      expect(a!.entryHash, guid).not.toBe(b!.entryHash);
      expect(normalize([{ guid, link: 'https://site.example/p/1', title: 'A' }])[0]!.entryHash, guid).toBe(
        normalize([{ link: 'https://site.example/p/1', title: 'A' }])[0]!.entryHash,
      );
    }
  });

  it('tells apart items sharing guid and link by title, then text; collapses byte-identical repeats', () => {
    const shared = { guid: 'g', link: 'https://site.example/' };
    const entries = normalize([
      { ...shared, title: 'A', contentHtml: body(1) },
      { ...shared, title: 'B', contentHtml: body(2) },
      { ...shared, title: 'B', contentHtml: body(3) },
      { ...shared, title: 'B', contentHtml: body(3) },
    ]);
    expect(entries).toHaveLength(3);
    expect(new Set(hashes(entries)).size).toBe(3);
    expect(entries.map((e) => e.title)).toEqual(['A', 'B', 'B']);
  });

  it('identifies items with neither guid nor link by title and text', () => {
    const [a, b] = normalize([{ title: 'A', contentHtml: body(1) }, { title: 'A', contentHtml: body(2) }]);
    expect(a!.entryHash).not.toBe(b!.entryHash);
    expect(normalize([{ title: 'A', contentHtml: body(1) }])[0]!.entryHash).toBe(a!.entryHash);
  });
});

describe('urlHash', () => {
  it('is the hash of the canonical URL, null for shared links and the home page', () => {
    const [a, b, c, home] = normalize([
      { guid: '1', link: 'https://site.example/p/1?utm_medium=x' },
      { guid: '2', link: 'https://site.example/shared' },
      { guid: '3', link: 'https://site.example/shared#c' },
      { guid: '4', link: 'https://site.example/' },
    ]);
    expect(a!.canonicalUrl).toBe('https://site.example/p/1');
    expect(a!.urlHash).toMatch(/^[0-9a-f]{64}$/);
    expect(b!.urlHash).toBeNull();
    expect(c!.urlHash).toBeNull();
    expect(home!.urlHash).toBeNull();
  });
});

describe('fingerprint', () => {
  const story = '国家重点研发计划“量子计算”专项取得突破，研究团队在新一代超导量子芯片上实现了一百个量子比特的高保真度操控，相关成果发表于国际期刊。';

  it('matches the same story across republishers despite width, case, punctuation and spacing', () => {
    const a = normalize([{ guid: 'a', title: '量子芯片取得重大突破（图）', contentHtml: `<p>${story}</p>` }])[0]!;
    const b = normalize([{ guid: 'b', title: '量子芯片取得重大突破 (图)', contentHtml: `<h1>量子芯片取得重大突破</h1><p>　　${story.replace(/，/g, ', ').replace('“', '"').replace('”', '"')}</p>` }])[0]!;
    expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(b.fingerprint).toBe(a.fingerprint);
    const c = normalize([{ guid: 'c', title: 'Quantum CHIP breakthrough!', contentHtml: '<p>Researchers report a 100-qubit superconducting chip with high-fidelity control, published today.</p>' }])[0]!;
    const d = normalize([{ guid: 'd', title: 'quantum chip breakthrough', contentHtml: '<div>Researchers report a 100 qubit superconducting chip — with high fidelity control; published today</div>' }])[0]!;
    expect(d.fingerprint).toBe(c.fingerprint);
  });

  it('keeps apart different stories, and is null where title or text say too little', () => {
    const day1 = normalize([{ guid: '1', title: 'Daily news roundup', contentHtml: '<p>Today: the city council approved the new bridge budget after a long debate.</p>' }])[0]!;
    const day2 = normalize([{ guid: '2', title: 'Daily news roundup', contentHtml: '<p>Today: heavy rain closed three schools and flooded the market square.</p>' }])[0]!;
    expect(day1.fingerprint).not.toBeNull();
    expect(day1.fingerprint).not.toBe(day2.fingerprint);
    expect(normalize([{ guid: '3', title: 'Photo of the day', contentHtml: '<p><img src="https://cdn.example/1.jpg"> Sunset.</p>' }])[0]!.fingerprint).toBeNull();
    expect(normalize([{ guid: '4', title: 'News', contentHtml: `<p>${story}</p>` }])[0]!.fingerprint).toBeNull();
    expect(normalize([{ guid: '5', title: 'A title long enough', contentHtml: null }])[0]!.fingerprint).toBeNull();
  });
});

describe('contentHash', () => {
  const base = { guid: 'g', link: 'https://site.example/p/1', title: 'T', contentHtml: '<p>Body</p>', author: 'A', categories: ['x'], published: '2026-11-02T08:00:00Z' };
  const hashOf = (over: Partial<RawEntry>) => normalize([{ ...base, ...over }])[0]!.contentHash;

  it('stays when nothing republished changes', () => {
    const h = hashOf({});
    expect(hashOf({})).toBe(h);
    expect(hashOf({ contentHtml: '<p onclick="x()">Body</p><script>evil()</script>' })).toBe(h);
    expect(hashOf({ title: '  <b>T</b> ' })).toBe(h);
    expect(hashOf({ guid: 'other-guid' })).toBe(h);
    expect(hashOf({ published: 'Mon, 02 Nov 2026 08:00:00 GMT' })).toBe(h);
    expect(hashOf({ link: 'https://site.example/p/1' })).toBe(h);
  });

  it('changes when anything republished changes', () => {
    const h = hashOf({});
    for (const over of [
      { title: 'T2' }, { contentHtml: '<p>Body!</p>' }, { summary: '<p>S</p>' }, { author: 'B' }, { categories: ['y'] },
      { published: '2026-11-02T09:00:00Z' }, { updated: '2026-11-03T00:00:00Z' }, { image: 'https://site.example/i.png' },
      { enclosures: [{ url: 'https://site.example/a.mp3', type: 'audio/mpeg', length: 1 }] }, { link: 'https://site.example/p/1?v=2' },
    ] as Partial<RawEntry>[]) {
      expect(hashOf(over), JSON.stringify(over)).not.toBe(h);
    }
  });
});

describe('foldedPrefix', () => {
  it('equals folding the whole slice, wherever the pieces are cut', () => {
    const random = prng(4242);
    // Characters whose folding depends on their neighbours (Greek final sigma, combining marks,
    // Hangul jamo, compatibility forms, surrogate pairs) mixed with the cut points (space, CJK).
    const alphabet = ['Σ', 'σ', 'Α', 'a', 'B', ' ', '.', "'", '\u0301', '\u0308', 'e', '\u1100', '\u1161', '\u11A8', '가', 'ﬁ', 'Ａ', '①', '科', '技', '日', '报', '。', '，', '😀', '\u3000', '\u00A0', 'İ', '1', '-'];
    const texts = Array.from({ length: 400 }, () => Array.from({ length: 200 + Math.floor(random() * 1800) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
    texts.push('ΟΔΟΣ '.repeat(300), 'e\u0301'.repeat(700), `${'科'.repeat(255)}Σ ${'x'.repeat(900)}`, '');
    for (const text of texts) {
      for (const [limit, want] of [[920, 430], [4000, 500], [300, 10_000]] as const) {
        const whole = fingerprintText(text.slice(0, limit));
        const pieces = foldedPrefix(text, limit, want);
        expect(pieces.slice(0, want)).toBe(whole.slice(0, want));
        if (pieces.length < want) expect(pieces).toBe(whole);
      }
    }
  });
});

describe('lettersAndDigits (the folding filter without the regex engine on ASCII and CJK)', () => {
  const byRegex = (text: string) => text.replace(/[^\p{L}\p{N}]+/gu, '');

  it('equals the /[^\\p{L}\\p{N}]+/gu replace on every BMP code unit, astral letters and lone surrogates', () => {
    // Every BMP code unit alone, between letters, and in runs: each decision and each run boundary.
    for (let code = 0; code <= 0xffff; code++) {
      const c = String.fromCharCode(code);
      for (const text of [c, `a${c}b`, `${c}${c}科`]) expect(lettersAndDigits(text), `U+${code.toString(16)}`).toBe(byRegex(text));
    }
    const random = prng(99);
    const alphabet = ['a', 'Z', '0', ' ', '-', '科', '。', '，', '\u3007', '\u3005', 'é', '\u0301', '😀', '𠀋', '𝟘', '\uD800', '\uDC00', '\uFFFF', '\u00B2', '\u0660', 'Σ', '\u200B'];
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: Math.floor(random() * 60) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      expect(lettersAndDigits(text), JSON.stringify(text)).toBe(byRegex(text));
    }
  });

  it("rests on Unicode facts this runtime's tables confirm: U+4E00–U+9FFF are all Han letters, ASCII is no CJK script", () => {
    const han = /^[\p{L}]$/u;
    const cjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
    for (let code = 0x4e00; code <= 0x9fff; code++) {
      const c = String.fromCharCode(code);
      if (!han.test(c) || !cjk.test(c)) expect.fail(`U+${code.toString(16)} is not a Han letter here`);
    }
    for (let code = 0; code < 0x80; code++) expect(cjk.test(String.fromCharCode(code))).toBe(false);
  });

  it('leaves leadText and titleKeyOf as counting by Array.from gave them', () => {
    // Reference implementations: the code before code points were counted without arrays.
    const leadByArray = (title: string, text: string) => {
      const t = fingerprintText(title);
      let c = fingerprintText(text.slice(0, 4 * (t.length + 200)));
      let shared = 0;
      while (shared < Math.min(t.length, c.length) && t[shared] === c[shared]) shared++;
      if (shared >= 8 && shared >= 0.7 * t.length) c = c.slice(shared);
      return Array.from(c.slice(0, 400)).slice(0, 200).join('');
    };
    const random = prng(7);
    const alphabet = ['科', '技', ' ', 'a', 'B', '😀', '𠀋', '。', '\uD800', '1', 'Σ'];
    for (let i = 0; i < 500; i++) {
      const words = () => Array.from({ length: Math.floor(random() * 500) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const title = words().slice(0, 40);
      const text = random() < 0.5 ? title + words() : words();
      expect(leadText(title, text)).toBe(leadByArray(title, text));
      const weight = Array.from(fingerprintText(title)).reduce((w, ch) => w + (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(ch) ? 2 : 1), 0);
      expect(titleKeyOf(title) !== null).toBe(weight >= 16);
    }
  });
});

describe('usableGuid', () => {
  const feed = feedCanonicalUrls(['http://example.com/feed.xml', 'https://example.com/', null]);

  it("refuses the feed's own URLs in any spelling, placeholders, and keeps real guids", () => {
    expect(usableGuid('HTTPS://Example.com:443/?utm_source=x', feed)).toBeNull();
    expect(usableGuid('https://example.com/feed.xml#top', feed)).toBeNull();
    expect(usableGuid('  0 ', feed)).toBeNull();
    expect(usableGuid('tag:example.com,2026:1', feed)).toBe('tag:example.com,2026:1');
    expect(usableGuid('https://example.com/a/1', feed)).toBe('https://example.com/a/1');
  });

  it("gives the same answer when handed the entry's link and its canonical form", () => {
    for (const guid of ['https://example.com/', 'http://example.com/a/1?utm_medium=rss', 'https://example.com/feed.xml', 'tag:x']) {
      const link = guid.startsWith('http') ? new URL(guid).href : 'https://example.com/other';
      expect(usableGuid(guid, feed, link, canonicalUrl(link))).toBe(usableGuid(guid, feed));
    }
  });
});

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
