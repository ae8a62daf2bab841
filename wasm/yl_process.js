// Emscripten --js-library: child processes for wasm programs under Node (what
// examples/subprocess.h needs of Python's subprocess.Popen). A child is this same
// program: a Node process (process.execPath) that imports this module (the glue's own
// URL) and runs its main with the arguments given, its stdout collected here. Nothing
// blocks: poll() answers from the child's 'close' event (it exited and its output is
// all in). Outside Node (a browser) spawning fails with -1: a Web Worker standing in
// for the process would plug in here, behind the same four functions.
//
//   int  yl_process_js_spawn(const char *const *argv, int argc)  -> id, or -1
//   int  yl_process_js_poll(int id)       -> -1 while it runs, else its exit code
//   int  yl_process_js_read(int id, char *buf, int n)  -> its stdout's length in
//        UTF-8 bytes; copies it (NUL-terminated, at most n bytes) into buf if n > 0
//   void yl_process_js_free(int id)       forgets it (a running child goes on)
//   void yl_process_js_on_close(int id, void (*fn)(void *), void *arg)
//        calls fn(arg) from the JS event loop once the child's 'close' came (at
//        once, from a macrotask, if it came already)
//   double yl_process_js_now(void)        a clock all processes share, in ms
//        (performance.timeOrigin + performance.now())
mergeInto(LibraryManager.library, {
  $ylProcess: {
    next: 1,
    procs: {}, // id -> { out: [chunks], code: null | exit code, onclose: [fn] }
  },

  yl_process_js_spawn__sig: 'iii',
  yl_process_js_spawn__deps: ['$ylProcess'],
  yl_process_js_spawn: function(argv, argc) {
    if (!(typeof process == 'object' && process.versions && process.versions.node)) return -1;
    var args = [];
    for (var i = 0; i < argc; i++) args.push(UTF8ToString(HEAP32[(argv >> 2) + i]));
    // The child: import this module and run its main with args; its print is stdout.
    var script =
      'const [url, ...args] = process.argv.slice(1);' +
      'const m = await import(url);' +
      'await m.default({ arguments: args, print: (s) => process.stdout.write(s + "\\n") });';
    var child;
    try {
      child = require('node:child_process').spawn(process.execPath,
        ['--input-type=module', '-e', script, _scriptDir].concat(args),
        { stdio: ['ignore', 'pipe', 'inherit'] });
    } catch (e) {
      return -1;
    }
    var id = ylProcess.next++;
    var p = { out: [], code: null, onclose: [] };
    ylProcess.procs[id] = p;
    child.stdout.on('data', function(d) { p.out.push(d); });
    child.on('error', function() { if (p.code === null) p.code = 255; });
    child.on('close', function(code, signal) {
      p.code = code !== null ? code : 128 + (require('node:os').constants.signals[signal] || 0);
      var fns = p.onclose;
      p.onclose = [];
      fns.forEach(function(fn) { fn(); });
    });
    return id;
  },

  yl_process_js_poll__sig: 'ii',
  yl_process_js_poll__deps: ['$ylProcess'],
  yl_process_js_poll: function(id) {
    var p = ylProcess.procs[id];
    return !p ? 255 : p.code === null ? -1 : p.code;
  },

  yl_process_js_read__sig: 'iiii',
  yl_process_js_read__deps: ['$ylProcess'],
  yl_process_js_read: function(id, buf, n) {
    var p = ylProcess.procs[id];
    var s = p ? Buffer.concat(p.out).toString('utf8') : '';
    if (n > 0) stringToUTF8(s, buf, n);
    return lengthBytesUTF8(s);
  },

  yl_process_js_on_close__sig: 'viii',
  yl_process_js_on_close__deps: ['$ylProcess', '$callUserCallback'],
  yl_process_js_on_close: function(id, fn, arg) {
    var p = ylProcess.procs[id];
    var call = function() {
      callUserCallback(function() { {{{ makeDynCall('vi', 'fn') }}}(arg); });
    };
    if (!p || p.code !== null) setImmediate(call);
    else p.onclose.push(call);
  },

  yl_process_js_now__sig: 'd',
  yl_process_js_now: function() {
    return performance.timeOrigin + performance.now();
  },

  yl_process_js_free__sig: 'vi',
  yl_process_js_free__deps: ['$ylProcess'],
  yl_process_js_free: function(id) {
    delete ylProcess.procs[id];
  },
});
