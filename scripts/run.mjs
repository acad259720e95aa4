#!/usr/bin/env node
// `npm start` and `npm run poll`: runs src/entry/<name>.ts from JavaScript compiled ahead of time.
// Under tsx, loading the ~150 modules of an entry costs 1–1.5 s of CPU at every start (its loader
// runs every import through a hook thread), a whole second of a 2 s unchanged re-poll; a bundle
// loads in ~0.3 s (docs/performance.md). The bundles are built here with esbuild (tsx's own
// compiler, always installed with it) into dist/entry-<stamp>/, where the stamp changes with any
// file under src/ or migrations/, package.json, package-lock.json or this script: an edited checkout rebuilds on
// its next start (~0.5 s), a fresh clone on its first. Without esbuild, or when a build fails, the
// entry runs from source under tsx as before.
// Usage: node scripts/run.mjs <entry> [args…]   (entry: node, poll; --build only builds)
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRIES = ['node', 'poll', 'parse-worker'];
const name = process.argv[2];
if (!name || !(ENTRIES.includes(name) || name === '--build') || name === 'parse-worker') {
  console.error(`usage: node scripts/run.mjs <${ENTRIES.filter((e) => e !== 'parse-worker').join('|')}|--build> [args…]`);
  process.exit(2);
}
// The entry parses its own arguments from process.argv.slice(2).
process.argv.splice(2, 1);

function stamp() {
  const hash = createHash('sha256').update(process.version);
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const s = statSync(path);
        hash.update(`${relative(root, path)}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  walk(join(root, 'src'));
  walk(join(root, 'migrations'));
  // This script too: it holds the build's options.
  for (const file of ['package.json', 'package-lock.json', 'scripts/run.mjs']) {
    const path = join(root, file);
    if (existsSync(path)) hash.update(`${file}\0${statSync(path).mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

async function build(outdir) {
  const esbuild = await import('esbuild');
  const staging = `${outdir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ENTRIES.map((e) => ({ in: `src/entry/${e}.ts`, out: e })),
    outdir: staging,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Dependencies are bundled too: loading some 400 module files (kysely, undici, pg, hono,
    // yaml …) one by one was ~0.45 s of every process start (docs/performance.md). PGlite stays a
    // package (its WebAssembly and data files sit beside its code; only the embedded database
    // loads it); pg-native is pg's optional native binding, never installed.
    external: ['@electric-sql/pglite', '@electric-sql/pglite/*', 'pg-native', 'esbuild', 'tsx', 'tsx/*'],
    // Bundled CommonJS packages call require(), which ESM output does not have by itself.
    banner: { js: "import { createRequire as __feedrelayRequire } from 'node:module'; const require = __feedrelayRequire(import.meta.url);" },
    sourcemap: 'linked',
    // Stack traces name src/*.ts and node_modules files, which are there to read; embedding their
    // text made the maps 7 MB to parse at every start.
    sourcesContent: false,
    logLevel: 'error',
  });
  try {
    renameSync(staging, outdir);
  } catch (error) {
    // Another process built the same stamp meanwhile: theirs is as good.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(outdir, 'parse-worker.mjs'))) throw error;
  }
  // Older builds are of no use any more.
  for (const entry of readdirSync(join(root, 'dist'))) {
    const path = join(root, 'dist', entry);
    if (entry.startsWith('entry-') && path !== outdir && !entry.endsWith('.tmp')) rmSync(path, { recursive: true, force: true });
  }
}

let target = null;
try {
  const outdir = join(root, 'dist', `entry-${stamp()}`);
  if (!existsSync(join(outdir, 'parse-worker.mjs'))) {
    mkdirSync(join(root, 'dist'), { recursive: true });
    await build(outdir);
  }
  if (name === '--build') process.exit(0);
  target = join(outdir, `${name}.mjs`);
} catch (error) {
  if (name === '--build') throw error;
  console.error(`feedrelay: running from source (no compiled build: ${error instanceof Error ? error.message.split('\n')[0] : error})`);
}

if (target) {
  // Stack traces point into src/*.ts, as they do under tsx.
  process.setSourceMapsEnabled(true);
  process.argv[1] = target;
  await import(pathToFileURL(target).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const source = join(root, 'src', 'entry', `${name}.ts`);
  process.argv[1] = source;
  await import(pathToFileURL(source).href);
}
