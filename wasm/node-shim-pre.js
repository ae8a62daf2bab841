// --pre-js for the ES6 modules the wasm build produces (emscripten.cmake).
// Under Node the glue would fetch() the .wasm (Node 20 has fetch, but not for files):
// read it from beside this module instead, unless the caller supplied wasmBinary.
if (typeof process == 'object' && process.versions && process.versions.node &&
    !Module['wasmBinary']) {
  Module['wasmBinary'] = require('node:fs').readFileSync(
    new URL(import.meta.url.replace(/\.m?js$/, '.wasm')));
}
