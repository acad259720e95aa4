// The site icon, linked from every page so browsers do not ask for /favicon.ico. Static SVG with
// no script or external reference; served with its own `default-src 'none'` policy.
import { sha256 } from '../../hash.ts';

export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
<rect width="64" height="64" rx="14" fill="#e8710a"/>
<circle cx="18" cy="46" r="6" fill="#fff"/>
<path d="M12 28a24 24 0 0 1 24 24h-8a16 16 0 0 0-16-16z" fill="#fff"/>
<path d="M12 12a40 40 0 0 1 40 40h-8a32 32 0 0 0-32-32z" fill="#fff"/>
</svg>
`;

export const ICON_BYTES = new TextEncoder().encode(ICON_SVG);
export const ICON_VERSION = sha256(ICON_BYTES).slice(0, 16);
export const ICON_PATH = '/assets/icon.svg';
