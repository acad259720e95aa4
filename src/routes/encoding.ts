// Accept-Encoding negotiation (RFC 9110 §12.5.3) among the encodings a render has ready.
export type Encoding = 'br' | 'gzip' | 'identity';

export function chooseEncoding(header: string | null, available: { br: boolean; gzip: boolean }): Encoding {
  if (!header) return 'identity';
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const weight = (name: string) => q.get(name) ?? q.get('*') ?? 0;
  const candidates: Encoding[] = [];
  if (available.br && weight('br') > 0) candidates.push('br');
  if (available.gzip && weight('gzip') > 0) candidates.push('gzip');
  // Highest q wins; on a tie brotli (smaller) is preferred by the order above.
  candidates.sort((a, b) => weight(b) - weight(a));
  return candidates[0] ?? 'identity';
}
