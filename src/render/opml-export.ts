// OPML 2.0 of the upstream sources, for operators (GET /admin/opml): one folder outline per
// category holding its sources' feed outlines, which is also what POST /admin/opml reads back.
// (src/render/opml.ts writes the subscriber OPML of our own category feeds.)
import { xmlEscape as x } from './xml.ts';

export interface SourceOutline {
  title: string;
  xmlUrl: string;
  htmlUrl: string | null;
}

export interface CategoryFolder {
  slug: string;
  title: string;
  sources: SourceOutline[];
}

function feedOutline(s: SourceOutline, indent: string): string {
  return (
    `${indent}<outline type="rss" text="${x(s.title)}" title="${x(s.title)}" xmlUrl="${x(s.xmlUrl)}"` +
    (s.htmlUrl ? ` htmlUrl="${x(s.htmlUrl)}"` : '') +
    '/>'
  );
}

/** `uncategorized` are sources linked to no category; they are listed at the top level. */
export function renderSourcesOpml(title: string, folders: CategoryFolder[], uncategorized: SourceOutline[], dateCreated: Date): string {
  const lines: string[] = [];
  for (const folder of folders) {
    // `category` carries the slug, so an import recognises the category even when titles differ.
    lines.push(`    <outline text="${x(folder.title)}" title="${x(folder.title)}" category="/${x(folder.slug)}">`);
    for (const s of folder.sources) lines.push(feedOutline(s, '      '));
    lines.push('    </outline>');
  }
  for (const s of uncategorized) lines.push(feedOutline(s, '    '));
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<opml version="2.0">',
    '  <head>',
    `    <title>${x(title)}</title>`,
    `    <dateCreated>${dateCreated.toUTCString()}</dateCreated>`,
    '  </head>',
    '  <body>',
    ...lines,
    '  </body>',
    '</opml>',
    '',
  ].join('\n');
}
