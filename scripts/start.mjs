#!/usr/bin/env node
// `npm start`: runs the document's examples, natively and as wasm under Node, after
// `npm start` has built them (the playground issue will make this serve the page).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const examples = ['yrange', 'yrange_global', 'jumping_range', 'pipeline', 'pipeline_yield_from', 'return_value', 'factorial'];

let failed = 0;
for (const name of examples) {
  for (const [where, cmd, args] of [
    ['native', path.join(root, 'build/native/examples', name), []],
    ['wasm', process.execPath, [path.join(root, 'scripts/run-example.mjs'), name]],
  ]) {
    console.log(`--- ${name} (${where})`);
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`start: ${name} (${where}) failed: ${r.error?.message ?? `exit ${r.status}`}`);
      failed++;
    }
  }
}
process.exit(failed ? 1 : 0);
