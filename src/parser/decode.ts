// Bytes → text. Order of authority: byte-order mark, then the HTTP Content-Type charset, then the
// XML declaration, then UTF-8. Labels follow the WHATWG Encoding Standard (so `gb2312` decodes
// as GBK, `latin1` as windows-1252), which is what browsers and feed readers do.

const BOMS: [number[], string][] = [
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  [[0xff, 0xfe], 'utf-16le'],
  [[0xfe, 0xff], 'utf-16be'],
];

function bomEncoding(bytes: Uint8Array): string | null {
  for (const [bom, label] of BOMS) {
    if (bom.every((b, i) => bytes[i] === b)) return label;
  }
  return null;
}

export function charsetFromContentType(contentType: string | null): string | null {
  if (!contentType) return null;
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match ? match[1]!.toLowerCase() : null;
}

function declaredEncoding(bytes: Uint8Array): string | null {
  // The declaration is ASCII by definition; look only at the first bytes.
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 512));
  const match = /^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head);
  return match ? match[1]!.toLowerCase() : null;
}

function decoderFor(label: string | null): TextDecoder | null {
  if (!label) return null;
  try {
    return new TextDecoder(label);
  } catch {
    return null;
  }
}

export interface DecodedText {
  text: string;
  encoding: string;
}

export function decodeFeedBytes(bytes: Uint8Array, contentType: string | null): DecodedText {
  const decoder =
    decoderFor(bomEncoding(bytes)) ??
    decoderFor(charsetFromContentType(contentType)) ??
    decoderFor(declaredEncoding(bytes)) ??
    new TextDecoder('utf-8');
  // TextDecoder strips a matching BOM itself; invalid sequences become U+FFFD rather than failing.
  const text = decoder.decode(bytes);
  return { text, encoding: decoder.encoding };
}
