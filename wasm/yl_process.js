// Emscripten --js-library: child processes for wasm programs (what
// examples/subprocess.h needs of Python's subprocess.Popen). A child is this same
// program, its main run with the arguments given and its stdout collected here:
//   - under Node, a Node process (process.execPath) that imports this module (the
//     glue's own URL) and runs its main; its stderr is this process's;
//   - in a browser (page or Worker), a module Web Worker standing in for the process:
//     it imports the glue from the same URL, instantiates the same .wasm (compiled
//     here, once) and runs its main, posting each printed line back (stderr lines go
//     to this program's stderr). It is terminated once its main has exited, as the
//     process would be gone.
// Nothing blocks: poll() answers from the child's end (it exited and its output is
// all in: Node's 'close' event, or the Worker's last message).
//
//   int  yl_process_js_spawn(const char *const *argv, int argc)  -> id, or -1
//        argv: the child's arguments (its argv[1..])
//   int  yl_process_js_poll(int id)       -> -1 while it runs, else its exit code
//   int  yl_process_js_read(int id, char *buf, int n)  -> its stdout's length in
//        UTF-8 bytes; copies it (NUL-terminated, at most n bytes) into buf if n > 0
//   void yl_process_js_free(int id)       forgets it (a running child goes on)
//   void yl_process_js_on_close(int id, void (*fn)(void *), void *arg)
//        calls fn(arg) from the JS event loop once the child ended (from a
//        macrotask at once if it has already)
//   double yl_process_js_now(void)        a clock all processes (and Workers) share,
//        in ms (performance.timeOrigin + performance.now())
// and on the module, Module.ylProcessKillAll(): ends every child still running (a
// Node process gets SIGTERM; a Worker is terminated and ends with 143, as a process
// killed by SIGTERM), as stopping a run must not leave its servers going on.
//
// An embedder that compiled the .wasm itself (Module.instantiateWasm) may pass the
// WebAssembly.Module as Module.ylWasmModule: Workers then use it as it is.
mergeInto(LibraryManager.library, {
  $ylProcess: {
    next: 1,
    procs: {}, // id -> { id, out: [strings], code: null | exit code, onclose: [fn], kill: fn }
    live: {}, // id -> the same, while it runs, forgotten (yl_process_js_free) or not
    workerUrl: null, // browsers: the URL of the Worker's script, made once
    wasmModule: null, // browsers: a promise of this program's WebAssembly.Module
  },

  // The child ended with `code`: what waits for it runs. Only its first end counts
  // (Node may report an 'error' and then a 'close').
  $ylProcessEnd__deps: ['$ylProcess'],
  $ylProcessEnd: function(p, code) {
    if (p.code !== null) return;
    p.code = code;
    delete ylProcess.live[p.id];
    var fns = p.onclose;
    p.onclose = [];
    fns.forEach(function(fn) { fn(); });
  },

  $ylProcessSpawnNode__deps: ['$ylProcessEnd'],
  $ylProcessSpawnNode: function(p, args) {
    // The child: import this module and run its main with args; its print is stdout.
    var script =
      'const [url, ...args] = process.argv.slice(1);' +
      'const m = await import(url);' +
      'await m.default({ arguments: args, print: (s) => process.stdout.write(s + "\\n") });';
    var child = require('node:child_process').spawn(process.execPath,
      ['--input-type=module', '-e', script, _scriptDir].concat(args),
      { stdio: ['ignore', 'pipe', 'inherit'] });
    p.kill = function() { child.kill('SIGTERM'); };
    child.stdout.setEncoding('utf8'); // whole characters, even split across reads
    child.stdout.on('data', function(s) { p.out.push(s); });
    child.on('error', function() { ylProcessEnd(p, 255); });
    child.on('close', function(code, signal) {
      ylProcessEnd(p, code !== null ? code : 128 + (require('node:os').constants.signals[signal] || 0));
    });
  },

  // The Worker's script: this function's source, so it must not use anything of the
  // glue around it. It gets { glue, wasm, args } (wasm: the program's compiled
  // WebAssembly.Module), runs the program and posts { stream: 'out' | 'err', text }
  // for each printed line, then { code } once main has exited.
  $ylProcessWorkerMain: function() {
    onmessage = async function(e) {
      var d = e.data;
      var ended = false;
      var end = function(code) {
        if (!ended) postMessage({ code: code });
        ended = true;
      };
      var printer = function(stream) {
        return function(text) { postMessage({ stream: stream, text: text }); };
      };
      var printErr = printer('err');
      var fail = function(error) {
        if (!ended) printErr(String(error && error.stack || error));
        end(1);
      };
      try {
        await (await import(d.glue)).default({
          arguments: d.args,
          // The glue must not load the .wasm itself: in a module Worker it finds neither
          // a window nor importScripts, takes itself for a JS shell and cannot fetch.
          instantiateWasm: function(imports, receive) {
            WebAssembly.instantiate(d.wasm, imports).then(function(instance) {
              receive(instance, d.wasm);
            }, fail);
            return {};
          },
          print: printer('out'),
          printErr: printErr,
          onExit: end,
          // Called at exit() (after onExit) and with the exception that ended the
          // program (a trap, an abort): that one is reported as Node's glue would.
          quit: function(status, toThrow) {
            if (!(toThrow && toThrow.name == 'ExitStatus')) {
              printErr('exiting due to exception: ' + toThrow);
              end(status);
            }
            throw toThrow; // unwinds the program; the glue catches it
          },
        });
      } catch (error) {
        fail(error);
      }
    };
  },

  // This program's compiled .wasm for its Workers: posting a compiled module to a
  // Worker shares it, so a Worker only instantiates it (the start of a server counts:
  // see SERVER_STARTUP in examples/subprocess.h). The embedder's own if it handed it
  // over as Module.ylWasmModule (wasm/yieldloop.mjs compiles once for all runs), else
  // compiled once for this instance from what it was given or fetched.
  $ylProcessWasmModule__deps: ['$ylProcess'],
  $ylProcessWasmModule: function() {
    if (!ylProcess.wasmModule) {
      ylProcess.wasmModule = Module['ylWasmModule'] ? Promise.resolve(Module['ylWasmModule']) :
        wasmBinary ? WebAssembly.compile(wasmBinary) :
        fetch(wasmBinaryFile, { credentials: 'same-origin' }).then(function(r) {
          if (!r.ok) throw new Error(wasmBinaryFile + ': HTTP ' + r.status);
          return r.arrayBuffer();
        }).then(function(bytes) { return WebAssembly.compile(bytes); });
    }
    return ylProcess.wasmModule;
  },

  $ylProcessSpawnWorker__deps: ['$ylProcess', '$ylProcessEnd', '$ylProcessWorkerMain', '$ylProcessWasmModule'],
  $ylProcessSpawnWorker: function(p, args) {
    if (!ylProcess.workerUrl) {
      // A Blob URL keeps this origin, so that the Worker may import the glue from it;
      // an opaque origin (a page opened from file://, a Worker from a data: URL) cannot
      // start a module Worker from a Blob URL, only from a data: URL (its glue is then
      // a data: URL too, or the program could not have loaded).
      var script = '(' + ylProcessWorkerMain + ')();';
      ylProcess.workerUrl = self.origin == 'null' ?
        'data:text/javascript;charset=utf-8,' + encodeURIComponent(script) :
        URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
    }
    var worker = new Worker(ylProcess.workerUrl, {
      type: 'module',
      name: 'yieldloop server (Web Worker standing in for a process)',
    });
    var end = function(code) {
      worker.terminate();
      ylProcessEnd(p, code);
    };
    p.kill = function() { end(143); };
    worker.onmessage = function(e) {
      var m = e.data;
      if (m.stream == 'out') p.out.push(m.text + '\n');
      else if (m.stream == 'err') err(m.text);
      else end(m.code);
    };
    // The Worker's script could not run at all (its own errors arrive as messages).
    worker.onerror = function(e) {
      e.preventDefault();
      if (p.code === null) err('yl_process: the Worker failed: ' + (e.message || 'cannot load it'));
      end(255);
    };
    ylProcessWasmModule().then(function(wasm) {
      worker.postMessage({ glue: _scriptDir, wasm: wasm, args: args });
    }, function(e) {
      err('yl_process: cannot load the program for the Worker: ' + e);
      end(255);
    });
  },

  yl_process_js_spawn__sig: 'iii',
  yl_process_js_spawn__deps: ['$ylProcess', '$ylProcessSpawnNode', '$ylProcessSpawnWorker'],
  yl_process_js_spawn__postset:
    "Module['ylProcessKillAll'] = function() {" +
    "  Object.keys(ylProcess.live).forEach(function(id) { ylProcess.live[id].kill(); });" +
    "};",
  yl_process_js_spawn: function(argv, argc) {
    var args = [];
    for (var i = 0; i < argc; i++) args.push(UTF8ToString(HEAP32[(argv >> 2) + i]));
    var p = { id: ylProcess.next++, out: [], code: null, onclose: [], kill: null };
    try {
      if (ENVIRONMENT_IS_NODE) ylProcessSpawnNode(p, args);
      else ylProcessSpawnWorker(p, args);
    } catch (e) {
      return -1;
    }
    if (p.code === null) ylProcess.live[p.id] = p;
    ylProcess.procs[p.id] = p;
    return p.id;
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
    var s = p ? p.out.join('') : '';
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
    if (p && p.code === null) p.onclose.push(call);
    else if (typeof setImmediate == 'function') setImmediate(call);
    else setTimeout(call, 0);
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
