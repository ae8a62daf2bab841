#!/usr/bin/env node
// Runs one of the document's examples as wasm under Node: build/wasm/examples/<name>.js,
// built from examples/<name>.c. Prints what the program prints; exits with its code.
//
// Usage: node scripts/run-example.mjs <name> [args...]
// (YL_WASM_DIR names another build directory than build/wasm.)
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { quietOnClosedPipe, runModule } from '../wasm/run.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [name, ...args] = process.argv.slice(2);
if (!name) {
  console.error('usage: node scripts/run-example.mjs <name> [args...]');
  process.exit(2);
}
const js = path.resolve(root, process.env.YL_WASM_DIR || 'build/wasm', 'examples', `${name}.js`);
if (!existsSync(js)) {
  console.error(`run-example: ${path.relative(root, js)} not found: is there an examples/${name}.c, ` +
    'and is the wasm variant built (npm run build)?');
  process.exit(2);
}
quietOnClosedPipe();
const { code } = await runModule(js, { args, echo: true });
process.exitCode = code;
