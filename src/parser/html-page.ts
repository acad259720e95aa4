// An HTML page where a feed was expected: say why in words an operator understands, and list the
// feeds the page advertises (`<link rel="alternate" type="application/rss+xml" href>` — feed
// autodiscovery, as Miniflux's subscription finder reads it), resolved against the page URL.
import { Parser } from 'htmlparser2';
import { ParseError, type AdvertisedFeed } from './raw-feed.ts';

const FEED_TYPES = new Set([
  'application/rss+xml',
  'application/atom+xml',
  'application/feed+json',
  'application/json',
  'application/rdf+xml',
]);

// Anti-bot interstitials answer 200 (or 403/503) with a page instead of the feed. Vendor markers
// are looked for anywhere near the top; the generic words only in the title, since ordinary pages
// embed CAPTCHA widgets in comment forms.
const CHALLENGES: [RegExp, 'page' | 'title', string][] = [
  [/cf-browser-verification|challenge-platform|cf_chl_|attention required! \| cloudflare/i, 'page', 'Cloudflare'],
  [/^\s*just a moment\.\.\.\s*$/i, 'title', 'Cloudflare'],
  [/ddos-guard/i, 'page', 'DDoS-Guard'],
  [/sucuri website firewall/i, 'page', 'Sucuri'],
  [/captcha|verify you are (a )?human|are you a robot/i, 'title', 'CAPTCHA'],
  [/access denied/i, 'title', 'access denied'],
];

interface PageFacts {
  base: string | null;
  links: AdvertisedFeed[];
  title: string;
}

function readPage(html: string): PageFacts {
  const facts: PageFacts = { base: null, links: [], title: '' };
  let inTitle = false;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'title') inTitle = true;
        if (name === 'base' && facts.base === null && attrs.href) facts.base = attrs.href.trim();
        if (name !== 'link' || !attrs.href) return;
        const rel = (attrs.rel ?? '').toLowerCase().split(/\s+/);
        const type = (attrs.type ?? '').toLowerCase().split(';')[0]!.trim();
        if (rel.includes('alternate') && FEED_TYPES.has(type)) {
          facts.links.push({ url: attrs.href.trim(), type, title: attrs.title?.trim() || null });
        }
      },
      ontext(text) {
        if (inTitle && facts.title.length < 200) facts.title += text;
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return facts;
}

function resolve(href: string, base: string | null): string | null {
  try {
    const url = base ? new URL(href, base) : new URL(href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    // Without a page URL a relative link cannot be made absolute: report it as written.
    return base ? null : href;
  }
}

/** The error for an HTML page, carrying the feed links it advertises. */
export function htmlPageError(html: string, pageUrl: string | null): ParseError {
  const facts = readPage(html);
  const base = facts.base ? (resolve(facts.base, pageUrl) ?? pageUrl) : pageUrl;
  const seen = new Set<string>();
  const links: AdvertisedFeed[] = [];
  for (const link of facts.links) {
    const url = resolve(link.url, base);
    if (url === null || seen.has(url)) continue;
    seen.add(url);
    links.push({ ...link, url });
  }
  const top = html.slice(0, 20_000);
  const challenge = CHALLENGES.find(([pattern, where]) => pattern.test(where === 'title' ? facts.title : top))?.[2];
  const what = challenge
    ? `an anti-bot challenge page (${challenge}) instead of the feed`
    : links.length > 0
      ? `an HTML page; it advertises ${links.length === 1 ? 'this feed' : 'these feeds'}: ${links.map((l) => l.url).join(', ')}`
      : 'an HTML page that advertises no feed';
  return new ParseError(`parser: not a feed: the upstream answered with ${what}`, links);
}
