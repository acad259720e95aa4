// The independent check of (a): `npm start` on a seeded anchor database (POLLING=off) and bare
// node:http with the same bytes and headers, for wrk to load alternately (bench/wrk/run.sh).
// Writes /tmp/wrk-targets.sh (OURS=, BARE=, ETAG=, BYTES=) and stays up until SIGTERM/SIGINT.
import { writeFileSync } from 'node:fs';
import { seededAnchorDatabase } from '../a-serve.ts';
import { createContext } from '../lib/context.ts';
import { SLUG, startBareBytes, startService } from '../lib/fixtures.ts';
const ctx = createContext(true);
const { db, env } = await seededAnchorDatabase(ctx, 'wrk');
const service = await startService({ ...env, POLLING: 'off' });
const path = `/feeds/${SLUG}.atom`;
const res = await fetch(`${service.url}${path}`);
const body = Buffer.from(await res.arrayBuffer());
const headers: Record<string, string> = {};
for (const name of ['content-type', 'etag', 'last-modified', 'cache-control', 'x-content-type-options', 'vary']) { const v = res.headers.get(name); if (v !== null) headers[name] = v; }
const bare = await startBareBytes(body, headers);
writeFileSync('/tmp/wrk-targets.sh', `OURS=${service.url}${path}\nBARE=${bare.url}${path}\nETAG='${headers.etag}'\nBYTES=${body.byteLength}\n`);
console.log('ready');
const stop = async () => { await service.stop(); await bare.stop(); await db.drop(); process.exit(0); };
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
setInterval(() => undefined, 1 << 30);
