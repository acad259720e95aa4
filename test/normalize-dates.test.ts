// Upstream dates → UTC. The zone rules (feed language, CST) are documented in src/normalize/dates.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { dateContextFor, parseAnyForm, parseCommonForm, parseDate, UTC_CONTEXT } from '../src/normalize/dates.ts';
import { prng } from './fixtures/normalize/html-fuzz.ts';

const zh = dateContextFor('zh-CN');
const iso = (value: string, context = UTC_CONTEXT) => parseDate(value, context)?.toISOString() ?? null;

describe('parseDate', () => {
  it.each([
    // RFC 822 / 2822
    ['Mon, 02 Nov 2026 08:00:00 +0800', '2026-11-02T00:00:00.000Z'],
    ['02 Nov 2026 08:00:00 GMT', '2026-11-02T08:00:00.000Z'],
    ['Mon, 2 Nov 26 08:00 EST', '2026-11-02T13:00:00.000Z'],
    ['Mon, 02 Nov 2026 08:00:00 PDT', '2026-11-02T15:00:00.000Z'],
    ['Mon, 02 Nov 2026 08:00:00 -0000', '2026-11-02T08:00:00.000Z'],
    ['Mon, 02 Nov 2026 08:00:00 Z', '2026-11-02T08:00:00.000Z'],
    ['Mon, 02 Nov 2026 08:00:00 A', '2026-11-02T08:00:00.000Z'],
    ['Mon, 02 Nov 2026 08:00:00 GMT+8', '2026-11-02T00:00:00.000Z'],
    ['Mon, 02 Nov 2026 08:00:00 +0800 (CST)', '2026-11-02T00:00:00.000Z'],
    ['Monday, 02-Nov-26 08:00:00 GMT', '2026-11-02T08:00:00.000Z'],
    ['Mon, 02 Nov 1999 08:00:00 GMT', '1999-11-02T08:00:00.000Z'],
    ['Mon, 02 Nov 69 08:00:00 GMT', null], // 1969: before the floor
    // ISO 8601 / RFC 3339 and relatives
    ['2026-11-02T08:00:00Z', '2026-11-02T08:00:00.000Z'],
    ['2026-11-02t08:00:00z', '2026-11-02T08:00:00.000Z'],
    ['2026-11-02T08:00:00.123456789+08:00', '2026-11-02T00:00:00.123Z'],
    ['2026-11-02T08:00:00+0530', '2026-11-02T02:30:00.000Z'],
    ['2026-11-02T08:00-05', '2026-11-02T13:00:00.000Z'],
    ['2026-11-02 08:00:00 +08:00', '2026-11-02T00:00:00.000Z'],
    ['20261102T080000Z', '2026-11-02T08:00:00.000Z'],
    ['2026-11-02', '2026-11-02T00:00:00.000Z'],
    ['2026/11/02 08:00', '2026-11-02T08:00:00.000Z'],
    ['2026-11-02T23:59:60Z', '2026-11-02T23:59:59.000Z'],
    ['2026-11-02T24:00:00Z', '2026-11-03T00:00:00.000Z'],
    // Other orders
    ['Nov 2, 2026 8:00 PM', '2026-11-02T20:00:00.000Z'],
    ['November 2, 2026 at 8:00 am', '2026-11-02T08:00:00.000Z'],
    ['Mon Nov 02 2026 08:00:00 GMT+0800 (China Standard Time)', '2026-11-02T00:00:00.000Z'],
    ['Mon Nov  2 08:00:00 2026', '2026-11-02T08:00:00.000Z'],
    ['02.11.2026', '2026-11-02T00:00:00.000Z'],
    ['11/02/2026 08:00', '2026-11-02T08:00:00.000Z'],
    ['25/12/2026', '2026-12-25T00:00:00.000Z'],
    ['１７３０５３４４００', '2024-11-02T08:00:00.000Z'],
    ['1730534400123', '2024-11-02T08:00:00.123Z'],
    // Year 9999 is a date; beyond, or garbage, is null
    ['9999-12-31T23:59:59Z', '9999-12-31T23:59:59.000Z'],
    ['Fri, 31 Dec 9999 23:59:59 GMT', '9999-12-31T23:59:59.000Z'],
    ['9999-12-31T23:59:59-01:00', null],
    ['10000-01-01T00:00:00Z', null],
    ['0001-01-01T00:00:00Z', null],
    ['1970-01-01T00:00:00Z', null],
    ['2026-02-29', null],
    ['2026-13-01', null],
    ['2026-11-02T25:00:00Z', null],
    ['2026-11-02T08:00:00+25:00', null],
    ['Mon, 32 Nov 2026 08:00:00 GMT', null],
    ['not a date', null],
    ['Posted yesterday', null],
    ['', null],
    ['   ', null],
  ])('%j → %s', (input, expected) => {
    expect(iso(input)).toBe(expected);
  });

  it('reads CST as China Standard Time in Chinese feeds and US Central elsewhere', () => {
    expect(iso('Mon, 02 Nov 2026 08:00:00 CST', zh)).toBe('2026-11-02T00:00:00.000Z');
    expect(iso('Mon, 02 Nov 2026 08:00:00 CST', dateContextFor('zh-TW'))).toBe('2026-11-02T00:00:00.000Z');
    expect(iso('Mon, 02 Nov 2026 08:00:00 CST', dateContextFor('en-US'))).toBe('2026-11-02T14:00:00.000Z');
    expect(iso('Mon, 02 Nov 2026 08:00:00 CST')).toBe('2026-11-02T14:00:00.000Z');
  });

  it('reads a time without zone in the zone of the feed language', () => {
    expect(iso('2026-11-02 08:00:00', zh)).toBe('2026-11-02T00:00:00.000Z');
    expect(iso('2026-11-02 08:00:00', dateContextFor('ja'))).toBe('2026-11-01T23:00:00.000Z');
    expect(iso('2026-11-02 08:00:00', dateContextFor('de-DE'))).toBe('2026-11-02T08:00:00.000Z');
    expect(iso('2026-11-02 08:00:00')).toBe('2026-11-02T08:00:00.000Z');
    // An explicit zone always wins.
    expect(iso('2026-11-02T08:00:00Z', zh)).toBe('2026-11-02T08:00:00.000Z');
  });

  it('guesses the language from the script when the feed declares none', () => {
    expect(dateContextFor(null, '科技日报新闻')).toEqual(zh);
    expect(dateContextFor(null, '東京のニュース')).toEqual(dateContextFor('ja'));
    expect(dateContextFor(null, 'Tech news')).toEqual(UTC_CONTEXT);
    expect(dateContextFor('en', '科技日报新闻')).toEqual(UTC_CONTEXT);
    expect(dateContextFor('zh_CN')).toEqual(zh);
  });

  it('parses Chinese date forms', () => {
    expect(iso('2026年11月2日 08:00', zh)).toBe('2026-11-02T00:00:00.000Z');
    expect(iso('2026年11月02日 08时30分', zh)).toBe('2026-11-02T00:30:00.000Z');
    expect(iso('2026年11月02日 8点', zh)).toBe('2026-11-02T00:00:00.000Z');
    expect(iso('2026-11-02 下午3:00', zh)).toBe('2026-11-02T07:00:00.000Z');
    expect(iso('2026-11-02 08:00:00 北京时间')).toBe('2026-11-02T00:00:00.000Z');
    expect(iso('２０２６－１１－０２　０８：００', zh)).toBe('2026-11-02T00:00:00.000Z');
  });

  describe('does not depend on the server time zone', () => {
    const original = process.env.TZ;
    afterEach(() => {
      if (original === undefined) delete process.env.TZ;
      else process.env.TZ = original;
    });
    it.each(['America/Chicago', 'Asia/Shanghai', 'Pacific/Kiritimati'])('%s', (zone) => {
      process.env.TZ = zone;
      expect(iso('2026-11-02 08:00:00')).toBe('2026-11-02T08:00:00.000Z');
      expect(iso('2026-11-02T08:00:00')).toBe('2026-11-02T08:00:00.000Z');
      expect(iso('Nov 2, 2026 8:00 AM')).toBe('2026-11-02T08:00:00.000Z');
      expect(iso('2026-11-02 08:00:00', zh)).toBe('2026-11-02T00:00:00.000Z');
    });
  });

  it('returns null or a real date, never Invalid Date, on arbitrary input', () => {
    const random = prng(99);
    const alphabet = '0123456789 :-+/.,TZGMTUCSDPEzAPM年月日时分秒北京时间'.split('');
    for (let i = 0; i < 20_000; i++) {
      const input = Array.from({ length: Math.floor(random() * 32) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const date = parseDate(input, random() < 0.5 ? zh : UTC_CONTEXT);
      if (date !== null) {
        expect(Number.isFinite(date.getTime()), input).toBe(true);
        expect(date.getUTCFullYear()).toBeGreaterThanOrEqual(1970);
        expect(date.getUTCFullYear()).toBeLessThanOrEqual(9999);
        expect(date.toUTCString()).not.toContain('Invalid');
      }
    }
  });

  describe('the common forms read by one match give what the general reader gives', () => {
    const random = prng(2026);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    // Edges on purpose: day 0 and 32, February 29–31, hour 24, second 60, years at both floors,
    // zones beyond ±14 h or with minutes over 59, fractions of any length.
    const field = () => ({
      year: pick([1969, 1970, 1999, 2000, 2024, 2026, 2100, 9999, Math.floor(1970 + random() * 200)]),
      month: pick([1, 2, 2, 12, 1 + Math.floor(random() * 12)]),
      day: pick([0, 1, 28, 29, 30, 31, 32, 1 + Math.floor(random() * 31)]),
      hour: pick([0, 12, 23, 24, Math.floor(random() * 24)]),
      minute: pick([0, 59, 60, Math.floor(random() * 60)]),
      second: pick([0, 59, 60, 61, Math.floor(random() * 60)]),
    });
    const numericZone = (colon: boolean) => {
      const hours = pick([0, 5, 8, 14, 15, Math.floor(random() * 16)]);
      const minutes = pick([0, 30, 45, 60, Math.floor(random() * 60)]);
      return `${pick(['+', '-'])}${pad(hours)}${colon ? ':' : ''}${pad(minutes)}`;
    };
    const rfc822 = () => {
      const f = field();
      const weekday = random() < 0.8 ? `${pick(weekdays)}, ` : '';
      const day = random() < 0.5 ? pad(f.day) : String(f.day);
      const time = random() < 0.8 ? `${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}` : `${pad(f.hour)}:${pad(f.minute)}`;
      const zone = random() < 0.5 ? pick(['GMT', 'UTC', 'UT', 'Z']) : numericZone(false);
      // A day outside 1–31 is the general reader's to refuse (it reads it as a two-digit year).
      return { value: `${weekday}${day} ${months[f.month - 1]} ${pad(f.year, 4)} ${time} ${zone}`, common: f.day >= 1 && f.day <= 31 };
    };
    const rfc3339 = () => {
      const f = field();
      const fraction = random() < 0.5 ? '' : `.${Array.from({ length: 1 + Math.floor(random() * 9) }, () => Math.floor(random() * 10)).join('')}`;
      const zone = random() < 0.4 ? 'Z' : numericZone(true);
      return { value: `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}${fraction}${zone}`, common: true };
    };

    it.each([
      ['RFC 822', rfc822],
      ['RFC 3339', rfc3339],
    ])('%s', (_, generate) => {
      let dated = 0;
      for (let i = 0; i < 20_000; i++) {
        const { value, common } = generate();
        const context = random() < 0.5 ? zh : UTC_CONTEXT;
        // The single match reads every value it should, so the comparison is of the two readers.
        expect(parseCommonForm(value, context) !== undefined, value).toBe(common);
        const date = parseDate(value, context)?.toISOString() ?? null;
        expect(date, value).toBe(parseAnyForm(value, context)?.toISOString() ?? null);
        if (date !== null) dated++;
      }
      // Real dates and refused edges both, in numbers.
      expect(dated).toBeGreaterThan(2_000);
      expect(dated).toBeLessThan(18_000);
    });

    it.each([
      ' Fri, 20 Nov 2026 08:00:00 GMT',
      'Fri, 20 Nov 2026 08:00:00 GMT ',
      'Fri,  20 Nov 2026 08:00:00 GMT',
      'fri, 20 nov 2026 08:00:00 gmt',
      'Fri, 20 Nov 2026 08:00:00 +08:00',
      'Fri, 20 Nov 2026 08:00:00 CST',
      'Xyz, 20 Nov 2026 08:00:00 GMT',
      '2026-11-20T08:00:00',
      '2026-11-20 08:00:00Z',
      '2026-11-20T08:00:00.1234567890Z',
    ])('leaves %j to the general reader', (value) => {
      expect(parseCommonForm(value, zh)).toBeUndefined();
    });
  });
});

