// The physical limit for (a) and (f): bare node:http sending the same bytes from memory with the
// same headers, answering a matching If-None-Match with 304. Plain JS, no framework, no tsx.
// Usage: node serve-bytes.mjs <body-file> <headers-json-file>; prints the port on stdout.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const body = readFileSync(process.argv[2]);
const headers = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const etag = headers.etag;
const full = { ...headers, 'content-length': String(body.byteLength) };
const server = createServer((req, res) => {
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, full).end(body);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => console.log(String(server.address().port)));
process.on('SIGTERM', () => process.exit(0));
