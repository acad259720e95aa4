// Bytes → text. Order of authority (browsers' and Miniflux's, plus the repairs real feeds need):
//   1. a byte-order mark (UTF-8, UTF-16LE/BE, UTF-32LE/BE);
//   2. a 16/32-bit byte pattern of the first characters (XML 1.0 Appendix F: `<?xml` as
//      00 3C 00 3F is UTF-16BE even when nothing says so);
//   3. bytes that are valid UTF-8 *are* UTF-8, whatever the Content-Type or the declaration claim.
//      Miniflux's encoding.CharsetReader does exactly this ("the document is already UTF-8 …
//      the specified encoding in XML prolog is wrong"): re-decoding valid UTF-8 as Latin-1 or GBK
//      would double-encode every non-ASCII character, and real text in a legacy multi-byte
//      encoding is practically never valid UTF-8 by accident;
//   4. the Content-Type charset, then the XML declaration — a label that is unknown, names UTF-8
//      (already ruled out by step 3) or names a 16/32-bit encoding without its byte pattern is
//      passed over, so `charset=utf-8` from a misconfigured server does not hide a GB2312 document
//      that says `encoding="gb2312"`. When both name usable encodings and disagree, the bytes are
//      decoded both ways and the reading with fewer signs of a wrong guess (U+FFFD, C1 control
//      characters) wins, the header on a tie (RFC 7303) — unless the header says windows-1252
//      (which ISO-8859-1 and US-ASCII mean): that is the charset servers attach to every text/*
//      response by default (Apache's AddDefaultCharset, RFC 2616), so a document that declares
//      another encoding and decodes cleanly in it is believed;
//   5. nothing usable: bytes that show UTF-8 sequences are UTF-8 with U+FFFD for the damage;
//      bytes with none are windows-1252, the web's default for undeclared legacy text (what
//      Miniflux's charset.NewReader and feedparser fall back to).
// After decoding, the XML declaration loses its encoding (it no longer describes the string) and
// characters XML 1.0 forbids are removed. Decoding never throws.
import { WIDE_ENCODINGS, decodeWith, encodingForLabel, type Encoding } from './charset.ts';
import { stripForbiddenChars } from './text.ts';

export interface DecodedText {
  text: string;
  /** The encoding the bytes were read as (WHATWG name). */
  encoding: Encoding;
}

const BOMS: [number[], Encoding][] = [
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  [[0xff, 0xfe, 0x00, 0x00], 'utf-32le'], // before UTF-16LE, whose BOM is its prefix
  [[0x00, 0x00, 0xfe, 0xff], 'utf-32be'],
  [[0xff, 0xfe], 'utf-16le'],
  [[0xfe, 0xff], 'utf-16be'],
];

function bomOf(bytes: Uint8Array): { encoding: Encoding; length: number } | null {
  for (const [bom, encoding] of BOMS) {
    if (bytes.length >= bom.length && bom.every((b, i) => bytes[i] === b)) return { encoding, length: bom.length };
  }
  return null;
}

// An ASCII character (`<`, `{`, whitespace) in a 16- or 32-bit encoding leaves zero bytes in
// places no 8-bit document has them.
function wideEncodingFromPattern(bytes: Uint8Array): Encoding | null {
  if (bytes.length < 4) return null;
  const [a, b, c, d] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
  const ascii = (x: number) => x > 0 && x < 0x80;
  if (a === 0 && b === 0 && c === 0 && ascii(d)) return 'utf-32be';
  if (ascii(a) && b === 0 && c === 0 && d === 0) return 'utf-32le';
  if (a === 0 && ascii(b) && c === 0 && ascii(d)) return 'utf-16be';
  if (ascii(a) && b === 0 && ascii(c) && d === 0) return 'utf-16le';
  return null;
}

export function charsetFromContentType(contentType: string | null): string | null {
  if (!contentType) return null;
  const match = /;\s*charset\s*=\s*["']?([^"';\s]+)/i.exec(contentType);
  return match ? match[1]!.toLowerCase() : null;
}

// The XML declaration; not anchored at the start, since some servers print warnings before it.
const DECLARATION = /<\?xml\s[^>]*?\bencoding\s*=\s*(["'])([^"']*)\1[^>]*\?>/i;

/** The encoding label of the XML declaration; the declaration is ASCII by definition. */
export function declaredLabel(bytes: Uint8Array): string | null {
  let head = '';
  for (const byte of bytes.subarray(0, 1024)) head += String.fromCharCode(byte);
  return DECLARATION.exec(head)?.[2]!.trim().toLowerCase() ?? null;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function strictUtf8Decode(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

// For bytes that are not valid UTF-8: do they still look like UTF-8 with some damage (more
// well-formed multi-byte sequences than stray bytes), or like a single-byte legacy encoding?
function mostlyUtf8(bytes: Uint8Array): boolean {
  let valid = 0;
  let invalid = 0;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    let ok = length > 0 && i + length <= bytes.length;
    for (let k = 1; ok && k < length; k++) ok = (bytes[i + k]! & 0xc0) === 0x80;
    if (ok) {
      valid++;
      i += length;
    } else {
      invalid++;
      i++;
    }
  }
  return valid > 0 && valid >= invalid;
}

// Signs that bytes were decoded with the wrong encoding: replacement characters, and C1 controls
// (what GBK or UTF-8 bytes become in windows-1252's few undefined positions, or in ISO-8859-x).
function suspicion(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || (c >= 0x80 && c <= 0x9f)) count++;
  }
  return count;
}

interface Choice {
  encoding: Encoding;
  bomLength: number;
  /** Set when choosing already produced the text (the strict UTF-8 attempt). */
  text?: string;
}

function chooseEncoding(bytes: Uint8Array, contentType: string | null): Choice {
  const bom = bomOf(bytes);
  if (bom) return { encoding: bom.encoding, bomLength: bom.length };
  const wide = wideEncodingFromPattern(bytes);
  if (wide) return { encoding: wide, bomLength: 0 };
  const text = strictUtf8Decode(bytes);
  if (text !== null) return { encoding: 'utf-8', bomLength: 0, text };
  const usable = (e: Encoding | null): e is Encoding => e !== null && e !== 'utf-8' && !WIDE_ENCODINGS.has(e);
  const fromHeader = encodingForLabel(charsetFromContentType(contentType));
  const declared = encodingForLabel(declaredLabel(bytes));
  if (usable(fromHeader) && usable(declared) && fromHeader !== declared) {
    const byHeader = decodeWith(fromHeader, bytes);
    const byDeclaration = decodeWith(declared, bytes);
    const declarationDoubt = suspicion(byDeclaration);
    const believeDeclaration =
      declarationDoubt < suspicion(byHeader) || (declarationDoubt === 0 && fromHeader === 'windows-1252');
    return believeDeclaration
      ? { encoding: declared, bomLength: 0, text: byDeclaration }
      : { encoding: fromHeader, bomLength: 0, text: byHeader };
  }
  if (usable(fromHeader)) return { encoding: fromHeader, bomLength: 0 };
  if (usable(declared)) return { encoding: declared, bomLength: 0 };
  return { encoding: mostlyUtf8(bytes) ? 'utf-8' : 'windows-1252', bomLength: 0 };
}

/** Drops the encoding pseudo-attribute of the XML declaration: the text is no longer bytes. */
export function withoutDeclaredEncoding(text: string): string {
  const head = text.slice(0, 1024);
  const match = DECLARATION.exec(head);
  if (!match) return text;
  const fixed = match[0].replace(/\s+encoding\s*=\s*(["'])[^"']*\1/i, '');
  return head.slice(0, match.index) + fixed + text.slice(match.index + match[0].length);
}

export function decodeFeedBytes(bytes: Uint8Array, contentType: string | null): DecodedText {
  const choice = chooseEncoding(bytes, contentType);
  const raw = choice.text ?? decodeWith(choice.encoding, bytes.subarray(choice.bomLength));
  // A BOM the label-driven path did not consume (e.g. UTF-16 declared, BOM present) is not text.
  const text = withoutDeclaredEncoding(stripForbiddenChars(raw.replace(/^\uFEFF/, '')));
  return { text, encoding: choice.encoding };
}
