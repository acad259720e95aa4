// The physical limit for (e): embedded PGlite opened on DATA_DIR and a bare node:http /healthz that
// runs SELECT 1, as a plain JS process. Usage: PORT=… DATA_DIR=… node pglite-health.mjs
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

const path = resolve(process.env.DATA_DIR, 'pglite');
mkdirSync(path, { recursive: true });
const db = await PGlite.create(path);
const server = createServer(async (req, res) => {
  await db.query('SELECT 1');
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', async () => {
  server.close();
  await db.close();
  process.exit(0);
});
