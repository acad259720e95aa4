// Namespace prefixes → the conventional prefix of their namespace, so `<a10:link>`, `<atom:feed>`,
// `<RDF:RDF>`, `<media:content>` bound to `http://search.yahoo.com/mrss` (no slash) or an iTunes
// namespace spelt in capitals all read as the names the adapters look for. xml2js keeps qualified
// names as written and knows nothing of namespaces; doing the mapping once, while the document is
// repaired, keeps the adapters simple.

/** Prefix → namespace URI in scope ('' is the default namespace). Copied on write. */
export type Bindings = Readonly<Record<string, string>>;

export const ROOT_BINDINGS: Bindings = Object.freeze(
  Object.assign(Object.create(null) as Record<string, string>, { xml: 'http://www.w3.org/xml/1998/namespace' }),
);

const ATOM = new Set(['http://www.w3.org/2005/atom', 'http://purl.org/atom/ns#']);

// Lowercased, trimmed URIs: feeds spell the iTunes URI in any case and pad URIs with spaces.
const CONVENTIONAL: Record<string, string> = {
  'http://www.w3.org/xml/1998/namespace': 'xml',
  'http://www.w3.org/1999/02/22-rdf-syntax-ns#': 'rdf',
  // RSS 1.0 and 0.90 elements are the document's own vocabulary: unprefixed, like RSS 2.0's.
  'http://purl.org/rss/1.0/': '',
  'http://my.netscape.com/rdf/simple/0.1/': '',
  'http://purl.org/rss/1.0/modules/content/': 'content',
  'http://purl.org/dc/elements/1.1/': 'dc',
  'http://purl.org/dc/terms/': 'dcterms',
  'http://search.yahoo.com/mrss/': 'media',
  'http://search.yahoo.com/mrss': 'media',
  'http://www.itunes.com/dtds/podcast-1.0.dtd': 'itunes',
  'http://www.w3.org/1999/xhtml': 'xhtml',
};

export function normalizeUri(uri: string): string {
  return uri.trim().toLowerCase();
}

/** Bindings in scope inside an element carrying these attributes (raw names). */
export function withDeclarations(bindings: Bindings, attrs: [string, string][]): Bindings {
  let next: Record<string, string> | null = null;
  for (const [name, value] of attrs) {
    if (name !== 'xmlns' && !name.startsWith('xmlns:')) continue;
    next ??= Object.assign(Object.create(null) as Record<string, string>, bindings);
    next[name === 'xmlns' ? '' : name.slice(6)] = normalizeUri(value);
  }
  return next ?? bindings;
}

export function isAtomNamespace(uri: string | undefined): boolean {
  return uri !== undefined && ATOM.has(uri);
}

/**
 * The conventional spelling of a qualified name. `atomIsOwn`: the root element is Atom's, so Atom
 * elements are unprefixed (`feed`, `entry`); elsewhere they are `atom:link` and so on.
 * Names in undeclared or unknown namespaces stay as written.
 */
export function conventionalName(qname: string, bindings: Bindings, atomIsOwn: boolean, isAttribute = false): string {
  const colon = qname.indexOf(':');
  if (colon === -1 && isAttribute) return qname; // unprefixed attributes are in no namespace
  const prefix = colon === -1 ? '' : qname.slice(0, colon);
  const local = colon === -1 ? qname : qname.slice(colon + 1);
  if (prefix === 'xmlns') return qname;
  const uri = bindings[prefix];
  if (uri === undefined) return qname;
  const conventional = isAtomNamespace(uri) ? (atomIsOwn ? '' : 'atom') : CONVENTIONAL[uri];
  if (conventional === undefined) return qname;
  return conventional === '' ? local : `${conventional}:${local}`;
}
