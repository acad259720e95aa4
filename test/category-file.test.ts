import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CategoryFileError, parseCategoryFile, parseCategoryFiles } from '../src/sources/category-file.ts';

const valid = `slug: kejiribao
title: 科技日报新闻
description: 科技日报的科技创新新闻
language: zh-CN
sources:
  - url: https://example.org/kejiribao/rss.xml
    title: 科技日报
    interval: 30m
  - url: https://example.org/other.xml
`;

function errorOf(file: string, text: string): CategoryFileError {
  try {
    parseCategoryFile(file, text);
  } catch (error) {
    if (error instanceof CategoryFileError) return error;
    throw error;
  }
  throw new Error('expected a CategoryFileError');
}

describe('parseCategoryFile', () => {
  it('parses the SPEC example', () => {
    const category = parseCategoryFile('feeds/kejiribao.yaml', valid);
    expect(category).toEqual({
      slug: 'kejiribao',
      title: '科技日报新闻',
      description: '科技日报的科技创新新闻',
      language: 'zh-CN',
      file: 'feeds/kejiribao.yaml',
      sources: [
        { url: 'https://example.org/kejiribao/rss.xml', title: '科技日报', intervalSeconds: 1800 },
        { url: 'https://example.org/other.xml', title: null, intervalSeconds: null },
      ],
    });
  });

  it.each([
    ['a bad URL scheme', valid.replace('https://example.org/other.xml', 'ftp://example.org/x'), 9, 'sources[1].url', /http/],
    ['an unknown field', valid.replace('    interval: 30m', '    intervall: 30m'), 8, 'sources[0].intervall', /unknown field/],
    ['a bad interval', valid.replace('30m', 'often'), 8, 'sources[0].interval', /not a duration/],
    ['a too-short interval', valid.replace('30m', '10s'), 8, 'sources[0].interval', /at least 60s/],
    ['a slug that is not the file name', valid.replace('slug: kejiribao', 'slug: other'), 1, 'slug', /file name/],
    ['a missing title', valid.replace('title: 科技日报新闻\n', ''), null, 'title', /required/],
    ['a reserved slug', valid.replace('slug: kejiribao', 'slug: all'), 1, 'slug', /reserved/],
    ['an uppercase slug', valid.replace('slug: kejiribao', 'slug: KJ'), 1, 'slug', /\[a-z0-9-\]/],
    ['a duplicate URL', valid.replace('https://example.org/other.xml', 'https://example.org/kejiribao/rss.xml'), 9, 'sources[1].url', /twice/],
    ['sources that are not a list', 'slug: kejiribao\ntitle: x\nsources: nope\n', 3, 'sources', /array/],
  ])('names file, line and field for %s', (_what, text, line, field, reason) => {
    const file = text.includes('slug: all') ? 'feeds/all.yaml' : text.includes('slug: KJ') ? 'feeds/KJ.yaml' : 'feeds/kejiribao.yaml';
    const error = errorOf(file, text);
    expect(error.file).toBe(file);
    if (line !== null) expect(error.line).toBe(line);
    expect(error.field).toBe(field);
    expect(error.reason).toMatch(reason);
    expect(error.message).toContain(file);
    expect(error.message).toContain(field);
  });

  it('reports YAML syntax errors with their line', () => {
    const error = errorOf('feeds/kejiribao.yaml', 'slug: kejiribao\ntitle: [unclosed\nsources:\n');
    expect(error.reason).toMatch(/invalid YAML/);
    expect(error.line).toBeGreaterThanOrEqual(2);
  });

  it('rejects two files with one slug, naming the second file and its slug line', () => {
    expect(() =>
      parseCategoryFiles([
        { name: 'feeds/kejiribao.yaml', text: valid },
        { name: 'feeds/kejiribao.yml', text: valid },
      ]),
    ).toThrowError(/also defined by feeds\/kejiribao.yaml/);
    const second = `# the same category again\n\n${valid}`;
    const expectedLine = second.split('\n').findIndex((line) => line.startsWith('slug:')) + 1;
    expect(expectedLine).toBeGreaterThan(2);
    const error = (() => {
      try {
        parseCategoryFiles([
          { name: 'feeds/kejiribao.yaml', text: valid },
          { name: 'feeds/kejiribao.yml', text: second },
        ]);
      } catch (e) {
        return e as CategoryFileError;
      }
      throw new Error('no error');
    })();
    expect(error.message).toBe(`feeds/kejiribao.yml:${expectedLine}: slug: "kejiribao" is also defined by feeds/kejiribao.yaml`);
  });

  it('accepts every file shipped in feeds/, including kejiribao and two more categories', () => {
    const files = readdirSync('feeds')
      .filter((n) => n.endsWith('.yaml'))
      .map((n) => ({ name: `feeds/${n}`, text: readFileSync(`feeds/${n}`, 'utf8') }));
    const categories = parseCategoryFiles(files);
    expect(categories.map((c) => c.slug)).toContain('kejiribao');
    expect(categories.length).toBeGreaterThanOrEqual(3);
    for (const c of categories) expect(c.sources.length).toBeGreaterThan(0);
  });
});
