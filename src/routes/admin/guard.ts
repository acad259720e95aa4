// The gate in front of /admin: runs first, on every request, before routing. It decides from a
// canonical form of the path (percent-decoded, slashes collapsed, dot segments resolved, `;params`
// dropped, case-folded), so no spelling of the path reaches an admin handler without the token:
// `//admin/x`, `/ADMIN/x`, `/admin%2Fx`, `/%61dmin/x`, `/admin/../admin/x`, `/./admin`, `/admin;x`.
// (@hono/node-server once let encoded and repeated slashes past route middleware:
// CVE-2026-29087, CVE-2026-39406.) The token is compared in constant time; client addresses and
// X-Forwarded-For are never consulted.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

const MAX_DECODE_ROUNDS = 8;

/** Decodes every valid %XX escape (a stray `%` stays as it is), as UTF-8 where it can. */
function percentDecode(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      // Not UTF-8: each byte as the character of that code, which is all the guard needs.
      return run.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    }
  });
}

/** The path part of a request URL as sent: after scheme://authority, before `?` or `#`. */
export function rawPathOf(url: string): string {
  const schemeEnd = url.indexOf('://');
  const start = schemeEnd === -1 ? 0 : url.indexOf('/', schemeEnd + 3);
  if (start === -1) return '/';
  const end = url.slice(start).search(/[?#]/);
  return end === -1 ? url.slice(start) : url.slice(start, start + end);
}

function segmentsOf(decodedPath: string): string[] {
  return decodedPath
    .toLowerCase()
    .split(/[/\\]/)
    .map((s) => s.replace(/;.*$/s, '').trim());
}

function resolveDots(segments: string[]): string[] {
  const out: string[] = [];
  for (const s of segments) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return out;
}

/** Percent-decoded until stable (double encoding too), slashes collapsed, dots resolved, lower case. */
export function canonicalPath(rawPath: string): string {
  let path = rawPath;
  for (let i = 0; i < MAX_DECODE_ROUNDS; i++) {
    const decoded = percentDecode(path);
    if (decoded === path) break;
    path = decoded;
  }
  return '/' + resolveDots(segmentsOf(path)).join('/');
}

// `admin` followed by nothing a name could continue with: `admin`, `admin.json`, `admin\0`.
const ADMIN_SEGMENT = /^admin(?![a-z0-9_-])/;

/**
 * Whether a request path is the admin API's. Judged twice — on the canonical path, and on the first
 * real segment before dot segments are resolved — so that `/admin/..`, which a router might still
 * match against an `/admin/*` pattern, is guarded as well as `/x/../admin`.
 */
export function isAdminPath(rawPath: string): boolean {
  const canonical = canonicalPath(rawPath);
  const first = canonical.split('/')[1] ?? '';
  if (ADMIN_SEGMENT.test(first)) return true;
  let decoded = rawPath;
  for (let i = 0; i < MAX_DECODE_ROUNDS; i++) {
    const next = percentDecode(decoded);
    if (next === decoded) break;
    decoded = next;
  }
  const unresolved = segmentsOf(decoded).find((s) => s !== '' && s !== '.');
  return unresolved !== undefined && ADMIN_SEGMENT.test(unresolved);
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Both sides are hashed first so the comparison takes the same time whatever the lengths, then
 * compared with timingSafeEqual (node:crypto, also under Workers' nodejs_compat).
 */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The credentials of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 9110 §11.1). */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
  return match ? match[1]! : null;
}

export const DISABLED_MESSAGE = 'the admin API is disabled: set ADMIN_TOKEN to enable it';

export function adminGuard(adminToken: string | null): MiddlewareHandler {
  return async (c, next) => {
    if (!isAdminPath(rawPathOf(c.req.url))) return next();
    c.header('cache-control', 'no-store');
    if (adminToken === null) return c.json({ error: DISABLED_MESSAGE }, 503);
    const token = bearerToken(c.req.header('authorization'));
    if (token === null || !tokenMatches(token, adminToken)) {
      c.header('www-authenticate', 'Bearer realm="feedrelay admin"');
      const error = token === null ? 'authorization required: send Authorization: Bearer <ADMIN_TOKEN>' : 'invalid token';
      return c.json({ error }, 401);
    }
    return next();
  };
}
