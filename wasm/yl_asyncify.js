// Emscripten --js-library for the Asyncify backend (src/ctx/asyncify.c).
// The C code imports Binaryen's asyncify.start_unwind and friends; the --asyncify
// pass that yl_wasm_finalize (emscripten.cmake) runs after link turns them into
// internal calls. These stand-ins only satisfy emcc's check for undefined symbols
// at link (which goes by import name) and are never called; if one is, the module
// was not post-processed.
// (Emscripten turns each function into source text: no shared closure possible.)
mergeInto(LibraryManager.library, {
  start_unwind: function() {
    abort('yieldloop: asyncify.start_unwind reached JS: run wasm-opt --asyncify after link');
  },
  stop_unwind: function() {
    abort('yieldloop: asyncify.stop_unwind reached JS: run wasm-opt --asyncify after link');
  },
  start_rewind: function() {
    abort('yieldloop: asyncify.start_rewind reached JS: run wasm-opt --asyncify after link');
  },
  stop_rewind: function() {
    abort('yieldloop: asyncify.stop_rewind reached JS: run wasm-opt --asyncify after link');
  },
});
