// The pages speak their category's language: the `lang` attribute, the few words of the page
// chrome, and dates. Categories carry a BCP 47 tag (feeds/*.yaml `language`) but no time zone, so
// dates show in the zone of the language's region when that region has a single zone (zh-CN →
// Beijing time, like the seed page's +0800), in UTC otherwise, always with the offset written out.

export interface Messages {
  categories: string;
  articleCount(n: number): string;
  newest: string;
  noArticles: string;
  feeds: string;
  sources: string;
  original: string;
  attachments: string;
  backTo(title: string): string;
  home: string;
  older: string;
  newestPage: string;
  /** Joins names in a list: "A, B" / "A、B". */
  listSeparator: string;
  /** Between a label and what it labels: ": " / "：". */
  colon: string;
  /** Between the links of the back navigation: " | " / "｜" (the seed's). */
  navSeparator: string;
}

const en: Messages = {
  categories: 'Categories',
  articleCount: (n) => (n === 1 ? '1 article' : `${n.toLocaleString('en')} articles`),
  newest: 'newest',
  noArticles: 'No articles yet.',
  feeds: 'Feeds',
  sources: 'Sources',
  original: 'Original article',
  attachments: 'Attachments',
  backTo: (title) => `Back to ${title}`,
  home: 'Home',
  older: 'Older articles →',
  newestPage: '← Newest articles',
  listSeparator: ', ',
  colon: ': ',
  navSeparator: ' | ',
};

// The seed page's own wording: 返回科技日报新闻｜返回首页.
const zhHans: Messages = {
  categories: '分类',
  articleCount: (n) => `${n} 篇文章`,
  newest: '最新',
  noArticles: '暂无文章。',
  feeds: '订阅',
  sources: '来源',
  original: '原文链接',
  attachments: '附件',
  backTo: (title) => `返回${title}`,
  home: '返回首页',
  older: '更早的文章 →',
  newestPage: '← 最新文章',
  listSeparator: '、',
  colon: '：',
  navSeparator: '｜',
};

const zhHant: Messages = {
  ...zhHans,
  categories: '分類',
  articleCount: (n) => `${n} 篇文章`,
  noArticles: '暫無文章。',
  feeds: '訂閱',
  sources: '來源',
  original: '原文連結',
  attachments: '附件',
  backTo: (title) => `返回${title}`,
  home: '返回首頁',
  older: '更早的文章 →',
  newestPage: '← 最新文章',
};

// Regions with one civil time zone; elsewhere (US, RU, AU, BR, …) there is no single right answer.
const REGION_ZONES: Record<string, string> = {
  CN: 'Asia/Shanghai', TW: 'Asia/Taipei', HK: 'Asia/Hong_Kong', MO: 'Asia/Macau', SG: 'Asia/Singapore',
  JP: 'Asia/Tokyo', KR: 'Asia/Seoul', VN: 'Asia/Ho_Chi_Minh', TH: 'Asia/Bangkok', IN: 'Asia/Kolkata',
  GB: 'Europe/London', IE: 'Europe/Dublin', FR: 'Europe/Paris', DE: 'Europe/Berlin', IT: 'Europe/Rome',
  NL: 'Europe/Amsterdam', PL: 'Europe/Warsaw', SE: 'Europe/Stockholm', UA: 'Europe/Kyiv',
};

export interface Locale {
  /** The `lang` attribute value: a canonical BCP 47 tag. */
  tag: string;
  messages: Messages;
  timeZone: string;
  /** "2022年3月9日 20:32 (UTC+8)" / "March 9, 2022, 12:32 UTC". */
  formatDateTime(date: Date): string;
  /** "2022年3月9日" / "Mar 9, 2022". */
  formatDate(date: Date): string;
}

export const DEFAULT_TAG = 'en';
const cache = new Map<string, Locale>();

/** The locale for a category's language tag; null, empty or malformed tags fall back to English. */
export function localeFor(language: string | null | undefined): Locale {
  const key = language?.trim() ?? '';
  let locale = cache.get(key);
  if (!locale) {
    locale = buildLocale(key);
    if (cache.size < 256) cache.set(key, locale);
  }
  return locale;
}

function canonicalTag(language: string): string {
  if (language === '') return DEFAULT_TAG;
  try {
    return Intl.getCanonicalLocales(language.replace(/_/g, '-'))[0] ?? DEFAULT_TAG;
  } catch {
    return DEFAULT_TAG;
  }
}

function buildLocale(language: string): Locale {
  const tag = canonicalTag(language);
  const full = new Intl.Locale(tag).maximize();
  const messages = full.language === 'zh' ? (full.script === 'Hant' ? zhHant : zhHans) : en;
  const timeZone = (full.region && REGION_ZONES[full.region]) || 'UTC';
  // Intl only formats in locales it has data for; it falls back on its own for the rest.
  const dateLong = new Intl.DateTimeFormat(tag, { timeZone, year: 'numeric', month: 'long', day: 'numeric' });
  const dateShort = new Intl.DateTimeFormat(tag, { timeZone, year: 'numeric', month: 'short', day: 'numeric' });
  const clock = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const offset = new Intl.DateTimeFormat('en', { timeZone, timeZoneName: 'shortOffset' });
  const zoneLabel = (date: Date): string => {
    const name = offset.formatToParts(date).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    return name === 'GMT' || name === 'GMT+0' ? 'UTC' : name.replace('GMT', 'UTC');
  };
  const cjk = full.language === 'zh' || full.language === 'ja';
  return {
    tag,
    messages,
    timeZone,
    formatDateTime: (date) => {
      const zone = zoneLabel(date);
      return cjk
        ? `${dateLong.format(date)} ${clock.format(date)}（${zone}）`
        : `${dateLong.format(date)}, ${clock.format(date)} ${zone}`;
    },
    formatDate: (date) => dateShort.format(date),
  };
}

/** The machine-readable value of `<time datetime>`: UTC, to the second. */
export function isoDateTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
