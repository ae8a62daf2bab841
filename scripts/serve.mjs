#!/usr/bin/env node
// The playground's static server (node:http only):
//   /                      web/ (index.html for /)
//   /wasm/                 the repo's wasm/ (yieldloop.mjs, the glue, dist/*.js, dist/*.wasm)
//   /bench/results.json    build/bench/results.json, written by `npm run bench`; 204 (no
//                          content) until it exists, so the page can tell without an error
//   /tests/web/fixtures/   pages the browser tests load (tests/web-process.test.mjs)
// Anything else is a 404; paths are resolved inside those folders only.
//
// Usage: node scripts/serve.mjs [--port N]   (N = 0: any free port; default 8000)
//   import { startServer } from './scripts/serve.mjs';
//   const { url, close } = await startServer({ port: 0 });
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// URL prefix -> folder, or a single file (`optional`: 204 while it does not exist).
const MOUNTS = [
  { prefix: '/bench/results.json', file: path.join(root, 'build/bench/results.json'), optional: true },
  { prefix: '/wasm/', dir: path.join(root, 'wasm') },
  { prefix: '/tests/web/fixtures/', dir: path.join(root, 'tests/web/fixtures') },
  { prefix: '/', dir: path.join(root, 'web') },
];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

// The mount and file a request path names, or null. Decoding first and then checking
// that the result stays inside the mount is what keeps `..` (also as %2e%2e) out.
function resolve(urlPath) {
  let p;
  try {
    p = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (p.includes('\0')) return null;
  for (const m of MOUNTS) {
    if (m.file) {
      if (p === m.prefix) return { mount: m, file: m.file };
      continue;
    }
    if (!p.startsWith(m.prefix)) continue;
    const rel = p.slice(m.prefix.length) || 'index.html';
    const file = path.resolve(m.dir, rel.endsWith('/') ? `${rel}index.html` : rel);
    return file.startsWith(m.dir + path.sep) ? { mount: m, file } : null;
  }
  return null;
}

async function handle(req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' });
    res.end('method not allowed\n');
    return;
  }
  const { pathname } = new URL(req.url, 'http://localhost');
  const found = resolve(pathname);
  const info = found && (await stat(found.file).catch(() => null));
  if (!info?.isFile()) {
    res.writeHead(found?.mount.optional ? 204 : 404, { 'content-type': 'text/plain' });
    res.end(found?.mount.optional ? undefined : 'not found\n');
    return;
  }
  const { file } = found;
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': info.size,
    // A rebuilt module must not mix with a cached glue of the previous build.
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

export function startServer({ port = 8000, host = '127.0.0.1' } = {}) {
  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      res.destroy(e);
    });
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const url = `http://${host}:${server.address().port}/`;
      resolveStart({
        url,
        close: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

function parsePort(argv) {
  const i = argv.indexOf('--port');
  if (i < 0) return 8000;
  const port = Number(argv[i + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('usage: [--port N]  (0: any free port)');
    process.exit(2);
  }
  return port;
}

// The command line of this script and of scripts/start.mjs: serves until Ctrl-C.
export async function serveFromCommandLine(argv) {
  const port = parsePort(argv);
  let server;
  try {
    server = await startServer({ port });
  } catch (e) {
    if (e.code !== 'EADDRINUSE') throw e;
    console.error(`port ${port} is in use: pass --port N (npm start -- --port N), or --port 0 for any free port`);
    process.exit(1);
  }
  console.log(`yieldloop playground: ${server.url}`);
  process.once('SIGINT', () => {
    server.close().then(() => process.exit(0));
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await serveFromCommandLine(process.argv.slice(2));
}
