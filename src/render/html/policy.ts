// The security headers of every HTML page. The pages carry no JavaScript at all, so the policy
// names no script source: `default-src 'none'` forbids scripts, inline event handlers and
// `javascript:` URLs even if upstream markup ever got past the sanitizer. What a page does load:
// - img-src http: https: — article images live on upstream hosts (often plain http); the sanitizer
//   already drops data: and other schemes from img/src, so they are not allowed here either.
// - media-src http: https: — <audio>/<video> in content and enclosures.
// - frame-src — exactly the sanitizer's iframe allowlist: each video player's host and player
//   path, https only (the sanitizer upgrades player URLs to https).
// - style-src 'self' — /assets/style.css; no 'unsafe-inline', so style attributes do nothing.
// - base-uri/form-action/frame-ancestors 'none' — no <base> hijack, no form posts, no framing.
// Referrer-Policy no-referrer: our readers' paths are not leaked to image hosts, and hotlink
// guards of Chinese CDNs (which refuse foreign referrers) accept requests that carry none.
// X-DNS-Prefetch-Control off: Chromium otherwise resolves the host of every link on an http page
// in advance, telling the resolver which upstream sites a reader merely looked at.
import { IFRAME_PLAYERS } from '../../normalize/sanitize-policy.ts';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  'img-src http: https:',
  'media-src http: https:',
  `frame-src ${Object.entries(IFRAME_PLAYERS)
    .map(([host, path]) => `https://${host}${path}`)
    .join(' ')}`,
  "style-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const HTML_CONTENT_TYPE = 'text/html; charset=utf-8';

/** Headers every HTML response carries, whatever its status. */
export function pageHeaders(): Record<string, string> {
  return {
    'content-type': HTML_CONTENT_TYPE,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-dns-prefetch-control': 'off',
    // For browsers that predate frame-ancestors.
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
  };
}
