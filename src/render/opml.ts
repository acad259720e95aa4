// OPML 2.0 (http://opml.org/spec2.opml) listing feeds, for subscribers to import in one go.
import { xmlEscape as x } from './xml.ts';

export interface OpmlOutline {
  title: string;
  xmlUrl: string;
  htmlUrl: string | null;
  description?: string;
  language?: string | null;
}

export function renderOpml(title: string, ownerUrl: string, outlines: OpmlOutline[], dateCreated: Date): string {
  const body = outlines
    .map(
      (o) =>
        `    <outline type="rss" text="${x(o.title)}" title="${x(o.title)}" xmlUrl="${x(o.xmlUrl)}"` +
        (o.htmlUrl ? ` htmlUrl="${x(o.htmlUrl)}"` : '') +
        (o.description ? ` description="${x(o.description)}"` : '') +
        (o.language ? ` language="${x(o.language)}"` : '') +
        '/>',
    )
    .join('\n');
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<opml version="2.0">',
    '  <head>',
    `    <title>${x(title)}</title>`,
    `    <dateCreated>${dateCreated.toUTCString()}</dateCreated>`,
    `    <ownerId>${x(ownerUrl)}</ownerId>`,
    '  </head>',
    '  <body>',
    body,
    '  </body>',
    '</opml>',
    '',
  ].join('\n');
}
