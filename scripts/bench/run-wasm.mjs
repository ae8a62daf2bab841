// Runs one of the wasm build's programs (an ES6 module from emcc -sMODULARIZE
// -sEXPORT_ES6) under Node with command-line arguments, for scripts/bench.mjs when
// wasm/run.mjs does not exist. The .wasm beside the module is handed over as
// wasmBinary, so the glue never tries fetch() on a file path.
//
// Usage: node scripts/bench/run-wasm.mjs build/wasm/bench/yl_bench.js [args...]
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/bench/run-wasm.mjs <module.js> [args...]');
  process.exit(2);
}
const js = path.resolve(file);
const wasm = js.replace(/\.m?js$/, '.wasm');
const mod = await import(pathToFileURL(js).href);
if (typeof mod.default !== 'function') {
  console.error(`run-wasm: ${file} does not export a module factory (build it with -sMODULARIZE -sEXPORT_ES6)`);
  process.exit(2);
}
await mod.default({
  arguments: args,
  thisProgram: path.basename(js, path.extname(js)),
  ...(existsSync(wasm) ? { wasmBinary: readFileSync(wasm) } : {}),
  print: (s) => process.stdout.write(`${s}\n`),
  printErr: (s) => process.stderr.write(`${s}\n`),
});
