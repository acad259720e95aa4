// Upstream date strings → UTC Date, or null when invalid or absurd (the store then uses first-seen).
// Never Date.parse: it reads zone-less forms in the server's local zone, so results would depend on
// where the poller runs. Accepted:
//   - ISO 8601 / RFC 3339 and their sloppy relatives: `T` or space, `/` or `.` separators, any
//     fraction, `Z`/`+08:00`/`+0800`/`+08`, basic format `20261102T080000Z`;
//   - RFC 822/2822 with or without weekday, 2- or 4-digit year, seconds optional, numeric or named
//     zones, trailing `(comment)`; and the same tokens in other orders (`Nov 2, 2026 8:00 PM`,
//     asctime, JavaScript's `Mon Nov 02 2026 08:00:00 GMT+0800 (China Standard Time)`);
//   - Chinese forms: `2026年11月2日 08:00`, `2026-11-02 08:00:00`, `北京时间`, 上午/下午;
//   - Unix time in seconds (10 digits) or milliseconds (13 digits).
//
// Zones, and the rule for what a feed leaves unsaid (DateContext):
//   - A time with no zone is read in the zone of the feed's language: zh → +08:00 (China, Taiwan,
//     Hong Kong, Singapore and Macau all use it), ja and ko → +09:00, anything else → UTC. Without
//     a language tag, a feed whose titles are written in Han (and no Kana/Hangul) counts as Chinese.
//   - `CST` is China Standard Time (+08:00) in a Chinese feed (Chinese CMSs print it for Beijing
//     time) and US Central (-06:00) in any other, as RFC 822 defines it.
//   - `IST` is India (+05:30); `BST` British Summer Time (+01:00). Other alphabetic zones we do not
//     know, and RFC 822's military letters, are read as UTC, as RFC 5322 §4.3 advises.
//   - Day-first/month-first: `2026/11/02` is year-month-day; `02.11.2026` and `02-11-2026` are
//     day-month-year; `11/02/2026` is month/day/year unless the first number exceeds 12.
// Dates before 1970-01-02 (zero dates, epoch placeholders) or after 9999-12-31T23:59:59.999Z are
// null; year 9999 itself is a real date.

export interface DateContext {
  /** Minutes east of UTC assumed for a time written without a zone. */
  zonelessOffset: number;
  /** Minutes east of UTC that `CST` means. */
  cstOffset: number;
}

export const UTC_CONTEXT: DateContext = { zonelessOffset: 0, cstOffset: -360 };
const CHINESE: DateContext = { zonelessOffset: 480, cstOffset: 480 };
const JAPANESE_KOREAN: DateContext = { zonelessOffset: 540, cstOffset: -360 };

/** The zone assumptions for a feed, from its language tag or, lacking one, the script of `sample`. */
export function dateContextFor(language: string | null, sample = ''): DateContext {
  const lang = language?.trim().toLowerCase().replace('_', '-') ?? '';
  if (lang !== '') {
    if (/^zh(-|$)/.test(lang)) return CHINESE;
    if (/^(ja|ko)(-|$)/.test(lang)) return JAPANESE_KOREAN;
    return UTC_CONTEXT;
  }
  if (/[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(sample)) return JAPANESE_KOREAN;
  if (/\p{Script=Han}/u.test(sample)) return CHINESE;
  return UTC_CONTEXT;
}

const MIN = Date.UTC(1970, 0, 2);
const MAX = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

// Minutes east of UTC. `CST` is resolved through the context.
const ZONES: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0, UCT: 0, WET: 0, WEST: 60, BST: 60, CET: 60, MET: 60, CEST: 120, MEST: 120,
  EET: 120, EEST: 180, MSK: 180, IST: 330, PKT: 300, ICT: 420, WIB: 420, HKT: 480, SGT: 480, PHT: 480,
  AWST: 480, CCT: 480, JST: 540, KST: 540, ACST: 570, ACDT: 630, AEST: 600, AEDT: 660, NZST: 720, NZDT: 780,
  EST: -300, EDT: -240, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420, AKST: -540, AKDT: -480,
  HST: -600,
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

interface Parts {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  offset: number | null; // minutes east of UTC; null = not given
}

export function parseDate(value: string | null, context: DateContext = UTC_CONTEXT): Date | null {
  if (!value) return null;
  const common = parseCommonForm(value, context);
  if (common !== undefined) return common && toDate(common, context);
  return parseAnyForm(value, context);
}

/** The general reader, for every form listed above; parseDate tries parseCommonForm first. Exported for its tests. */
export function parseAnyForm(value: string, context: DateContext = UTC_CONTEXT): Date | null {
  const text = prepare(value);
  if (text === '' || text.length > 100) return null;
  const parts = parseEpoch(text) ?? parseNumeric(text, context) ?? parseTokens(text, context);
  return parts ? toDate(parts, context) : null;
}

// Nearly every feed writes its dates in one of two canonical forms: RSS's RFC 822 as servers print
// it (`Fri, 20 Nov 2026 08:00:00 GMT`) and Atom's RFC 3339. The general reader spends ~5 µs on
// each warm, several times that in a first poll's busy parse thread (a dozen rewrites of the
// string, then tokens); these two patterns pick the same fields out
// in one match and hand them to the same withTime and toDate, so the result is the same
// (test/normalize-dates.test.ts compares them on generated dates). Anything else, a stray space
// included, is left to the general reader.
const RFC822_COMMON = /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2})(?::(\d{2}))? (GMT|UTC|UT|Z|[+-]\d{4})$/;
const RFC3339_COMMON = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parts of a date in a common form; null when it is one but names no real zone; undefined when it
 * is not one. Exported for its tests.
 */
export function parseCommonForm(value: string, context: DateContext): Parts | null | undefined {
  let m = RFC822_COMMON.exec(value);
  if (m) {
    const [, day, month, year, h, mi, s, zone] = m;
    // The general reader takes a day outside 1–31 as a two-digit year and refuses the date.
    if (Number(day) < 1 || Number(day) > 31) return undefined;
    return withTime(Number(year), MONTHS.indexOf(month!.toLowerCase()) + 1, Number(day), h, mi, s, undefined, undefined, zone, context);
  }
  m = RFC3339_COMMON.exec(value);
  if (m) {
    const [, year, month, day, h, mi, s, frac, zone] = m;
    return withTime(Number(year), Number(month), Number(day), h, mi, s, frac, undefined, zone, context);
  }
  return undefined;
}

// Width-folded (full-width digits and colons become ASCII), comments dropped, Chinese date words
// turned into separators, whitespace collapsed.
function prepare(value: string): string {
  return value
    .normalize('NFKC')
    .replace(/\([^)]*\)/g, ' ')
    .replace(/北京时间|北京時間/g, ' +08:00 ')
    .replace(/(\d)\s*[年月]\s*(?=\d)/g, '$1-')
    .replace(/(\d)\s*[日号號]/g, '$1 ')
    .replace(/(\d)\s*[时時点點]\s*(\d+)\s*分?\s*(?:(\d+)\s*秒)?/g, (_, h: string, m: string, s?: string) => `${h}:${m}${s ? `:${s}` : ''}`)
    .replace(/(\d)\s*[时時点點]/g, '$1:00')
    .replace(/(上午|早上|凌晨|下午|晚上)\s*(\d{1,2}:\d{2}(?::\d{2})?)/g, (_, word: string, time: string) => ` ${time} ${/下午|晚上/.test(word) ? 'pm' : 'am'} `)
    .replace(/\s+/g, ' ')
    .trim();
}

function parseEpoch(text: string): Parts | null {
  if (!/^\d{10}(\d{3})?$/.test(text)) return null;
  const ms = text.length === 10 ? Number(text) * 1000 : Number(text);
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(),
    minute: d.getUTCMinutes(), second: d.getUTCSeconds(), ms: d.getUTCMilliseconds(), offset: 0,
  };
}

const TIME = String.raw`(\d{1,2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?`;
const NUMERIC_ZONE = String.raw`Z|[+-]\d{1,2}(?::?\d{2})?|(?:GMT|UTC|UT)(?:[+-]\d{1,2}(?::?\d{2})?)?|[A-Za-z]{1,5}`;
const YMD = new RegExp(String.raw`^(\d{4})(?:([-/.])(\d{1,2})\2(\d{1,2})|(\d{2})(\d{2}))(?:(?:[Tt]| )${TIME})?(?: ?([ap]m))?(?: ?(${NUMERIC_ZONE}))?$`, 'i');
const DMY = new RegExp(String.raw`^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?: ${TIME})?(?: ?([ap]m))?(?: ?(${NUMERIC_ZONE}))?$`, 'i');

function parseNumeric(text: string, context: DateContext): Parts | null {
  let m = YMD.exec(text);
  if (m) {
    const [, y, , mo1, d1, mo2, d2, h, mi, s, frac, ampm, zone] = m;
    return withTime(Number(y), Number(mo1 ?? mo2), Number(d1 ?? d2), h, mi, s, frac, ampm, zone, context);
  }
  m = DMY.exec(text);
  if (m) {
    const [, a, sep, b, y, h, mi, s, frac, ampm, zone] = m;
    const first = Number(a);
    const second = Number(b);
    const monthFirst = sep === '/' && first <= 12;
    const [month, day] = monthFirst ? [first, second] : [second, first];
    return withTime(Number(y), month, day, h, mi, s, frac, ampm, zone, context);
  }
  return null;
}

function withTime(
  year: number, month: number, day: number, h: string | undefined, mi: string | undefined,
  s: string | undefined, frac: string | undefined, ampm: string | undefined, zone: string | undefined,
  context: DateContext,
): Parts | null {
  const hour = applyMeridiem(h === undefined ? 0 : Number(h), ampm);
  const offset = zone === undefined ? null : zoneOffset(zone, context);
  if (offset === undefined) return null;
  return {
    year, month, day, hour, minute: mi === undefined ? 0 : Number(mi), second: s === undefined ? 0 : Number(s),
    ms: frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000), offset,
  };
}

// `8:00 PM` → 20; a 24-hour time with a stray marker (`20:00 pm`, `晚上 20:00`) keeps its hour.
function applyMeridiem(hour: number, ampm: string | undefined): number {
  if (ampm === undefined || hour === 0 || hour > 12) return hour;
  return (hour % 12) + (ampm.toLowerCase() === 'pm' ? 12 : 0);
}

/** Minutes east of UTC; undefined when the token is no zone at all. */
function zoneOffset(zone: string, context: DateContext): number | undefined {
  const upper = zone.toUpperCase();
  const numeric = /^(?:GMT|UTC|UT)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(upper);
  if (numeric) {
    const [, sign, hh, mm] = numeric;
    const hours = Number(hh);
    const minutes = Number(mm ?? 0);
    if (hours > 14 || minutes > 59) return undefined;
    const total = hours * 60 + minutes;
    return sign === '-' ? -total : total;
  }
  if (upper === 'CST') return context.cstOffset;
  if (upper in ZONES) return ZONES[upper];
  if (/^[A-Z]{1,5}$/.test(upper)) return 0; // RFC 5322 §4.3: unknown zone names mean -0000
  return undefined;
}

// Tokens in any order: weekday (ignored), month name, day, year, time, am/pm, zone.
function parseTokens(text: string, context: DateContext): Parts | null {
  const tokens = text.replace(/,/g, ' ').split(' ').flatMap(splitCompound);
  let year: number | null = null;
  let month: number | null = null;
  let day: number | null = null;
  let time: RegExpExecArray | null = null;
  let ampm: string | undefined;
  let zone: string | undefined;
  const twoDigit: number[] = [];
  for (const token of tokens) {
    if (token === '') continue;
    const lower = token.toLowerCase().replace(/\.$/, '');
    const t = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([ap]m)?$/i.exec(token);
    if (t && time === null) {
      time = t;
      ampm = t[5] ?? ampm;
    } else if (/^[ap]m$/.test(lower)) ampm = lower;
    else if (isWeekdayName(lower) || lower === 'at') continue;
    else if (monthOf(lower) !== null && month === null) month = monthOf(lower);
    else if (/^\d{4}$/.test(token) && year === null) year = Number(token);
    else if (/^\d{1,2}(st|nd|rd|th)?$/i.test(token)) {
      const n = parseInt(token, 10);
      if (day === null && n >= 1 && n <= 31) day = n;
      else twoDigit.push(n);
    } else if (zone === undefined && time !== null && zoneOffset(token, context) !== undefined) zone = token;
    else return null;
  }
  if (year === null && twoDigit.length === 1) year = twoDigit[0]! + (twoDigit[0]! < 50 ? 2000 : 1900);
  else if (twoDigit.length > 0) return null;
  if (year === null || month === null || day === null) return null;
  return withTime(year, month, day, time?.[1], time?.[2], time?.[3], time?.[4], ampm, zone, context);
}

// `02-Nov-2026` → `02`, `Nov`, `2026`; `2026-11-02` is left for the numeric parser (already tried).
function splitCompound(token: string): string[] {
  return /^\d{1,2}-[A-Za-z]+\.?-\d{2,4}$/.test(token) ? token.split('-') : [token];
}

function isWeekdayName(lower: string): boolean {
  return /^(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)$/.test(lower) || /^(mon|tues|wednes|thurs|fri|satur|sun)day$/.test(lower);
}

function monthOf(lower: string): number | null {
  if (!/^[a-z]{3,9}$/.test(lower)) return null;
  const index = MONTHS.indexOf(lower.slice(0, 3));
  if (index === -1) return null;
  const full = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'][index]!;
  return full.startsWith(lower) || lower === 'sept' ? index + 1 : null;
}

function toDate(p: Parts, context: DateContext): Date | null {
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > daysIn(p.year, p.month)) return null;
  if (p.hour > 24 || (p.hour === 24 && (p.minute > 0 || p.second > 0)) || p.minute > 59 || p.second > 60) return null;
  const second = Math.min(p.second, 59); // a leap second is the last second of its minute
  const local = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, second, p.ms);
  // Date.UTC maps years 0–99 to 1900–1999; such years are below MIN anyway.
  const ms = local - (p.offset ?? context.zonelessOffset) * 60_000;
  if (!Number.isFinite(ms) || ms < MIN || ms > MAX) return null;
  return new Date(ms);
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
