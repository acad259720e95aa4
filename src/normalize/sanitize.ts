// Upstream HTML is hostile. A strict allowlist through sanitize-html (well kept; ≥ 2.17.4 for
// CVE-2026-44990), with our own fixes for what it leaves (see ../../docs/architecture.md):
// URL schemes are re-checked after removing the invisible characters browsers and other
// aggregators ignore, and target=_blank links get rel="noopener noreferrer".
import sanitizeHtml from 'sanitize-html';
import { absoluteUrl } from './urls.ts';

const ALLOWED_TAGS = [
  'a', 'abbr', 'b', 'blockquote', 'br', 'caption', 'cite', 'code', 'dd', 'del', 'details', 'dfn',
  'div', 'dl', 'dt', 'em', 'figcaption', 'figure', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i',
  'iframe', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'picture', 'pre', 'q', 'rp', 'rt', 'ruby',
  's', 'samp', 'small', 'source', 'span', 'strike', 'strong', 'sub', 'summary', 'sup', 'table',
  'tbody', 'td', 'tfoot', 'th', 'thead', 'time', 'tr', 'u', 'ul', 'var', 'audio', 'video', 'wbr',
];

// Only players from these hosts survive as iframes; matched on the parsed hostname, never a prefix.
export const IFRAME_HOSTS = [
  'www.youtube.com', 'www.youtube-nocookie.com', 'player.vimeo.com', 'player.bilibili.com',
  'www.dailymotion.com', 'player.youku.com', 'v.qq.com',
];

// Whitespace, controls and invisible separators before a scheme are ignored by browsers
// (`java\tscript:`, `\u2028javascript:`), so compare the scheme with them removed.
const INVISIBLE = /[\u0000-\u0020\u007F-\u00A0\u1680\u180E\u2000-\u200F\u2028-\u202F\u205F-\u206F\u3000\uFEFF]/g;

function safeUrl(value: string, base: string | null, kind: 'link' | 'media'): string | null {
  const squeezed = value.replace(INVISIBLE, '');
  if (/^[a-z][a-z0-9+.-]*:/i.test(squeezed) && !/^https?:/i.test(squeezed)) {
    return kind === 'link' && /^mailto:/i.test(squeezed) ? squeezed : null;
  }
  return absoluteUrl(value.trim(), base);
}

function safeSrcset(value: string, base: string | null): string | null {
  const parts = value
    .split(',')
    .map((candidate) => {
      const [url, ...descriptor] = candidate.trim().split(/\s+/);
      const safe = url ? safeUrl(url, base, 'media') : null;
      return safe ? [safe, ...descriptor].join(' ') : null;
    })
    .filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join(', ') : null;
}

function isAllowedIframe(src: string | null): boolean {
  if (!src) return false;
  try {
    const url = new URL(src);
    return url.protocol === 'https:' && url.username === '' && url.password === '' && IFRAME_HOSTS.includes(url.hostname);
  } catch {
    return false;
  }
}

/** Sanitized HTML with every URL absolute against `base`; null when nothing is left. */
export function sanitizeContent(html: string | null, base: string | null): string | null {
  if (html === null || html.trim() === '') return null;
  const out = sanitizeHtml(html, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'title', 'target', 'rel'],
      img: ['src', 'srcset', 'alt', 'title', 'width', 'height', 'loading'],
      source: ['src', 'srcset', 'type', 'media'],
      audio: ['src', 'controls'],
      video: ['src', 'controls', 'poster', 'width', 'height'],
      iframe: ['src', 'width', 'height', 'allowfullscreen'],
      td: ['colspan', 'rowspan'],
      th: ['colspan', 'rowspan', 'scope'],
      time: ['datetime'],
      '*': ['lang', 'dir'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'], source: ['http', 'https'], iframe: ['https'] },
    allowProtocolRelative: true,
    disallowedTagsMode: 'discard',
    // Text inside these is dropped along with the tag.
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'template', 'xmp', 'noembed', 'noframes', 'title'],
    transformTags: {
      '*': (tagName, attribs) => {
        const next: Record<string, string> = {};
        for (const [name, value] of Object.entries(attribs)) {
          if (name === 'href') {
            const url = safeUrl(value, base, 'link');
            if (url) next.href = url;
          } else if (name === 'src' || name === 'poster') {
            const url = safeUrl(value, base, 'media');
            if (url) next[name] = url;
          } else if (name === 'srcset') {
            const set = safeSrcset(value, base);
            if (set) next.srcset = set;
          } else {
            next[name] = value;
          }
        }
        if (tagName === 'a') {
          if (next.target && next.target !== '_blank') delete next.target;
          if (next.target === '_blank' || next.href) next.rel = 'noopener noreferrer';
        }
        if (tagName === 'iframe' && !isAllowedIframe(next.src ?? null)) {
          return { tagName: 'span', attribs: {} };
        }
        return { tagName, attribs: next };
      },
    },
  });
  const trimmed = out.trim();
  return trimmed === '' ? null : trimmed;
}
