#!/usr/bin/env node
// `npm start`: after package.json's start script has installed and built what was
// missing (setup, native and wasm), generates the playground's files
// (scripts/build-web.mjs) and serves it until Ctrl-C.
//
// Usage: node scripts/start.mjs [--port N]   (default 8000; 0: any free port)
import { buildWeb } from './build-web.mjs';
import { serveFromCommandLine } from './serve.mjs';

buildWeb({ log: (msg) => console.log(msg) });
await serveFromCommandLine(process.argv.slice(2));
