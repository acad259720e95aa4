// xml:base (https://www.w3.org/TR/xmlbase/): each element's base is its own xml:base resolved
// against its parent's. With the document's URL every base becomes absolute; without it a chain
// of relative bases is still combined (`b/` then `c/` is `b/c/`) so the result is relative to the
// document, never applied twice.

// A stand-in origin for resolving relative references against relative bases.
const PLACEHOLDER = 'http://feedrelay.invalid/';

function isAbsolute(ref: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(ref);
}

/** `ref` resolved against `base`; either may be null or relative. Unresolvable input stays as is. */
export function resolveReference(ref: string | null, base: string | null): string | null {
  if (ref === null) return base;
  if (base === null || isAbsolute(ref)) return ref;
  try {
    if (isAbsolute(base)) return new URL(ref, base).href;
    const resolved = new URL(ref, new URL(base, PLACEHOLDER));
    if (!resolved.href.startsWith(PLACEHOLDER)) return resolved.href;
    const relative = resolved.href.slice(PLACEHOLDER.length);
    // Keep the form the inputs had: document-relative unless a base was root-relative.
    return base.startsWith('/') || ref.startsWith('/') ? `/${relative}` : relative;
  } catch {
    return ref;
  }
}

/**
 * The base in force inside an element with this xml:base, given the one in force outside it
 * (null while no element declared one: then the document URL is the base, and saying nothing
 * leaves the normalizer its own fallbacks).
 */
export function innerBase(xmlBase: string | null, outer: string | null, documentUrl: string | null): string | null {
  return xmlBase === null ? outer : resolveReference(xmlBase, outer ?? documentUrl);
}
