// --extern-pre-js for the ES6 modules the wasm build produces (emscripten.cmake).
// Emscripten 3.1.6's glue, loaded as an ES6 module under Node, still calls CommonJS's
// require() and reads __dirname, which modules do not have: give it both, scoped to
// this module. In a browser this does nothing.
var require, __dirname;
if (typeof process == 'object' && process.versions && process.versions.node) {
  require = (await import('node:module')).createRequire(import.meta.url);
  __dirname = require('node:path').dirname(require('node:url').fileURLToPath(import.meta.url));
}
