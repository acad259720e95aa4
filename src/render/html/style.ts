// The one stylesheet, served from /assets/style.css (CSP `style-src 'self'`: no inline styles, so
// a `style` attribute that slipped past the sanitizer does nothing either). Pages link it with the
// hash of its bytes as `?v=`, so it can be cached for a year and still change with a release.
import { sha256 } from '../../hash.ts';

export const STYLESHEET = `:root {
  color-scheme: light dark;
  --fg: #1d1d1f; --muted: #5f6368; --bg: #fff; --line: #d9d9de; --link: #0b57d0; --card: #f6f7f9;
}
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8e8ea; --muted: #a0a4aa; --bg: #16171a; --line: #33353a; --link: #8ab4f8; --card: #1f2125; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 17px/1.7 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC",
    "Microsoft YaHei", sans-serif;
  overflow-wrap: anywhere;
}
:lang(zh-Hant) body, body:lang(zh-Hant) { font-family: system-ui, "Noto Sans CJK TC", "PingFang TC", sans-serif; }
a { color: var(--link); }
main, .site { max-width: 46rem; margin: 0 auto; padding: 0 1rem; }
.site { padding-top: .75rem; padding-bottom: .75rem; border-bottom: 1px solid var(--line); }
.site a { color: var(--fg); font-weight: 600; text-decoration: none; }
main { padding-top: 1rem; padding-bottom: 3rem; }
h1 { font-size: 1.6rem; line-height: 1.35; margin: .5rem 0 .75rem; }
h2 { font-size: 1.2rem; line-height: 1.4; margin: 0; }
.meta, .sources, .count, .feeds, .original, .pager { color: var(--muted); font-size: .9rem; }
.meta, .sources { margin: .25rem 0; }
.description { margin: .25rem 0; }
ul.categories, ul.articles { list-style: none; padding: 0; margin: 0; }
ul.categories > li { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin: 0 0 .75rem; }
ul.articles > li { padding: .6rem 0; border-bottom: 1px solid var(--line); }
ul.articles a.title { font-weight: 600; text-decoration: none; color: var(--fg); }
ul.articles a.title:hover { text-decoration: underline; }
.feeds a { margin-right: .5rem; }
.content { margin: 1.25rem 0; }
.content img, .content video, .content iframe, .content picture { display: block; max-width: 100%; height: auto; margin: 1rem auto; }
.content iframe { aspect-ratio: 16 / 9; width: 100%; border: 0; }
.content figure { margin: 1rem 0; text-align: center; }
.content pre { overflow-x: auto; background: var(--card); padding: .75rem; }
.content table { border-collapse: collapse; display: block; overflow-x: auto; }
.content td, .content th { border: 1px solid var(--line); padding: .25rem .5rem; }
.content blockquote { margin: 1rem 0; padding-left: 1rem; border-left: 3px solid var(--line); color: var(--muted); }
.lead-image { display: block; max-width: 100%; height: auto; margin: 1rem auto; }
.attachments audio, .attachments video { display: block; width: 100%; margin: .5rem 0; }
.original { word-break: break-all; }
nav.back { margin-top: 2rem; padding-top: 1rem; border-top: 1px solid var(--line); }
nav.back a { margin-right: .25rem; }
.pager { display: flex; justify-content: space-between; margin-top: 1.5rem; }
.empty { color: var(--muted); }
`;

export const STYLESHEET_BYTES = new TextEncoder().encode(STYLESHEET);
/** Short content hash: the `?v=` of the stylesheet link. */
export const STYLESHEET_VERSION = sha256(STYLESHEET_BYTES).slice(0, 16);
export const STYLESHEET_PATH = '/assets/style.css';
