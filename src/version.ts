import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;

export function userAgent(publicUrl: string): string {
  return `feedrelay/${VERSION} (+${publicUrl})`;
}
