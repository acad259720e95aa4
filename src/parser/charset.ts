// Charset labels → encodings → decoders, portable to runtimes whose TextDecoder knows UTF-8 only
// (Cloudflare Workers).
//
// Labels follow the WHATWG Encoding Standard (https://encoding.spec.whatwg.org/#names-and-labels),
// as browsers and feed readers do: `gb2312` means GBK, `latin1`/`iso-8859-1`/`us-ascii` mean
// windows-1252, `iso-8859-9` means windows-1254, `big5` means Big5-HKSCS, `euc-kr` means
// windows-949. The label table comes from @exodus/bytes (maintained, used by jsdom, tested on
// Node, Deno, Bun and workerd); decoding of single-byte encodings and UTF-16 comes from it too.
// The multi-byte CJK decoders come from iconv-lite, whose tables are far smaller than a full
// WHATWG polyfill. UTF-32 is not in the WHATWG standard but appears in real (test) feeds.
import { TextDecoder as WhatwgDecoder, normalizeEncoding } from '@exodus/bytes/encoding-lite.js';
import iconv from 'iconv-lite';

/** WHATWG encoding name (lowercase), or `utf-32le`/`utf-32be`. */
export type Encoding = string;

// WHATWG encoding → iconv-lite codec. The WHATWG "gbk" decoder *is* the gb18030 decoder, so both
// labels decode as GB18030 (a superset: GBK-only characters such as 镕 and 堃 come out right).
const ICONV_CODECS: Record<string, string> = {
  gbk: 'gb18030',
  gb18030: 'gb18030',
  big5: 'big5hkscs',
  'euc-jp': 'eucjp',
  shift_jis: 'cp932',
  'euc-kr': 'cp949',
  'utf-32le': 'utf32le',
  'utf-32be': 'utf32be',
};

/** 16- and 32-bit encodings: only believed when the bytes show their pattern. */
export const WIDE_ENCODINGS = new Set(['utf-16le', 'utf-16be', 'utf-32le', 'utf-32be']);

/**
 * The encoding a charset label names, or null for a label nobody knows (`bogus`, `x-fake`) and for
 * WHATWG's "replacement" labels (ISO-2022-KR, HZ: a decoder that yields one U+FFFD helps nobody).
 */
export function encodingForLabel(label: string | null | undefined): Encoding | null {
  if (!label) return null;
  const name = normalizeEncoding(label.trim().replace(/^["']|["']$/g, ''));
  if (name === null || name === 'replacement') return null;
  return name;
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Decodes without ever throwing: invalid sequences become U+FFFD. */
export function decodeWith(encoding: Encoding, bytes: Uint8Array): string {
  if (encoding === 'utf-8') return utf8.decode(bytes);
  const codec = ICONV_CODECS[encoding];
  if (codec) return iconv.decode(bytes as Buffer, codec, { stripBOM: false });
  try {
    return new WhatwgDecoder(encoding, { ignoreBOM: true }).decode(bytes);
  } catch {
    // iso-2022-jp is the one WHATWG encoding neither library above decodes; Node's own
    // TextDecoder does (full ICU). Elsewhere the document is read as UTF-8.
    try {
      return new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes);
    } catch {
      return utf8.decode(bytes);
    }
  }
}
