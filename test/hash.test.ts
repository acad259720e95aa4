// sha256 keys dedup and ETags: the one-shot path (crypto.hash) and createHash must give the same hex.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../src/hash.ts';

describe('sha256', () => {
  it('is the hex SHA-256 of a string as UTF-8 and of bytes', () => {
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    for (const text of ['科技日报新闻', '😀 lone \uD800 surrogate', 'x'.repeat(100_000)]) {
      expect(sha256(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      const bytes = new TextEncoder().encode(text);
      expect(sha256(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });
});
