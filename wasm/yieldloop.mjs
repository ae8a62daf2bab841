// yieldloop's JS API: the wasm runtime in Node, a browser page or a Web Worker.
//
//   import { load } from 'yieldloop';          // this file
//   const yl = await load();                    // compiles wasm/dist/playground.wasm once
//   yl.examples;                                // [{ id: '03_jumping_range', program, virtualTime }, ...]
//   const run = yl.run('07_factorial_asyncio', {
//     virtualTime: true,                        // the loop's virtual clock: no real waiting
//     args: ['--inputs', '2,3,4'],              // the example's own options
//     trace: true,                              // runtime events (src/yl_trace.h) besides output
//     onEvent: (ev) => {},                      // each event and each line printed, in order
//   });
//   const { code } = await run.done;
//
// Events are the runtime's trace, as src/yl_trace.h describes them (JSON made by the C
// code, parsed here), and the program's output as { ev: 'out', text, stream, line, t,
// state: null }: `line` is the C line that printed it and `t` the loop's time in ms
// (null without a loop); an output event carries no snapshot (the previous one holds).
// `seq` numbers all of them from 0 per run.
//
// Each run gets a fresh instance of the module (its own memory: runs are independent,
// and a stopped run is simply dropped). In real time a run's loop waits on JS timers
// (src/yl_host.h); pause() holds its wake-ups until resume(); stop() cancels them
// and ends the run at once, and nothing more is reported from it.

const isNode = typeof process === 'object' && !!process.versions?.node;

// The playground module's examples, in the document's order ([id, program, has
// --virtual-time]); the C side (wasm/playground.c) accepts either name.
const EXAMPLES = [
  ['01_yrange', 'yrange', false],
  ['02_yrange_global', 'yrange_global', false],
  ['03_jumping_range', 'jumping_range', false],
  ['04_pipeline', 'pipeline', false],
  ['05_pipeline_yield_from', 'pipeline_yield_from', false],
  ['06_return_value', 'return_value', false],
  ['07_factorial_asyncio', 'factorial', true],
  ['08_client_subp', 'client_subp', false],
  ['08_client_subp_async', 'client_subp_async', false],
].map(([id, program, virtualTime]) => Object.freeze({ id, program, virtualTime }));

async function wasmBytes(url) {
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`yieldloop: cannot load ${url}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

// Loads the runtime. `dist`: the folder (URL or path) holding playground.js and
// playground.wasm; by default wasm/dist beside this file. `factory` and `wasm`
// (playground.js's default export and playground.wasm's bytes) stand in for them
// when given: a page that inlined both (the playground's single file) has no folder.
export async function load({ dist = null, factory = null, wasm = null } = {}) {
  const base = () => (!dist ? new URL('./dist/', import.meta.url) : dist instanceof URL ? dist
    : new URL(String(dist).replace(/\/?$/, '/'), isNode ? `file://${process.cwd()}/` : location.href));
  const [module, glue] = await Promise.all([
    (wasm ? Promise.resolve(wasm) : wasmBytes(new URL('playground.wasm', base()))).then((b) => WebAssembly.compile(b)),
    factory ?? import(new URL('playground.js', base()).href).then((m) => m.default),
  ]);
  let api = null; // the instance loops live in, made at the first createLoop
  return {
    examples: EXAMPLES,
    run: (id, options) => start(glue, module, id, options),
    createLoop: async (options) => {
      api ??= await apiInstance(glue, module);
      return new Loop(api, options);
    },
    errors,
  };
}

// Module options that instantiate the compiled `module` (no fetch, no second compile);
// example 08's servers (wasm/yl_process.js) take it as ylWasmModule too.
function fromCompiled(module) {
  return {
    ylWasmModule: module,
    instantiateWasm: (imports, receive) => {
      WebAssembly.instantiate(module, imports).then((inst) => receive(inst, module));
      return {};
    },
  };
}

function start(factory, module, id, { args = [], virtualTime = false, trace = false, onEvent = () => {} } = {}) {
  const ex = EXAMPLES.find((e) => e.id === id || e.program === id);
  if (!ex) throw new Error(`yieldloop: no example '${id}' (one of: ${EXAMPLES.map((e) => e.id).join(', ')})`);
  if (virtualTime && !ex.virtualTime) throw new Error(`yieldloop: example '${ex.id}' has no virtual time`);

  let seq = 0;
  let stopped = false;
  let finish;
  const done = new Promise((resolve) => {
    finish = resolve;
  });
  const end = (result) => {
    if (finish) finish(result);
    finish = null;
  };
  const deliver = (ev) => {
    if (stopped) return;
    ev.seq = seq++;
    onEvent(ev);
  };
  // The glue makes this object the module: its exports appear on it once compiled.
  const mod = {};
  const output = (stream) => (text) => {
    const ready = typeof mod._yl_playground_line === 'function';
    const t = ready ? mod._yl_playground_time() : NaN;
    deliver({ ev: 'out', text, stream, line: ready ? mod._yl_playground_line() : 0, t: Number.isNaN(t) ? null : t, state: null });
  };

  factory(Object.assign(mod, {
    thisProgram: ex.program,
    arguments: [ex.program, ...(virtualTime ? ['--virtual-time'] : []), ...args],
    ...fromCompiled(module),
    print: output('stdout'),
    printErr: output('stderr'),
    ...(trace ? { ylTrace: (json) => deliver(JSON.parse(json)) } : {}),
    onExit: (code) => end({ code, stopped: false }),
    // Every exit() and the end of main come here (onExit follows unless the runtime is
    // kept alive); so does what ended the program otherwise (a trap, an abort), with
    // `toThrow` set. Emscripten's default would end the whole Node process.
    quit: (code, toThrow) => {
      if (toThrow && toThrow.name !== 'ExitStatus') {
        output('stderr')(String(toThrow.stack || toThrow));
        end({ code: code || 1, stopped: false });
      }
      throw toThrow;
    },
  })).catch(
    (e) => {
      // main threw something the glue did not handle: the run is over
      if (e?.name !== 'ExitStatus') end({ code: 1, stopped: false, error: e });
    },
  );

  return {
    done,
    pause: () => mod.ylHostPause?.(true),
    resume: () => mod.ylHostPause?.(false),
    stop: () => {
      if (stopped) return;
      stopped = true;
      mod.ylHostStop?.();
      mod.ylProcessKillAll?.(); // example 08's servers: processes or Workers
      end({ code: null, stopped: true });
    },
  };
}

// ---- Loops, handles and futures from JS (wasm/api.c is the C side) ----

// Errors from the runtime: a YieldloopError subclass per Python exception kind, named
// as Python names it (yl.errors.InvalidStateError, yl.errors.CancelledError, ...).
export class YieldloopError extends Error {}
const errorClasses = new Map();
function errorClass(name) {
  if (!errorClasses.has(name)) {
    const cls = { [name]: class extends YieldloopError {} }[name];
    Object.defineProperty(cls.prototype, 'name', { value: name });
    errorClasses.set(name, cls);
  }
  return errorClasses.get(name);
}
export const errors = new Proxy({}, { get: (_, name) => (typeof name === 'string' ? errorClass(name) : undefined) });

const K = { none: 0, bool: 1, int: 2, float: 3, str: 4, ref: 5, exc: 6 };
const FUTURE_STATES = ['PENDING', 'CANCELLED', 'FINISHED'];

async function apiInstance(factory, module) {
  const mod = {
    noInitialRun: true,
    ...fromCompiled(module),
    print: (s) => console.log(s),
    printErr: (s) => console.error(s),
  };
  await factory(mod);
  const calls = new Map(); // id -> JS function, for C's callbacks
  const refs = new Map(); // id -> JS object carried by the runtime as a pointer-valued ref
  let nextId = 1;
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const api = {
    mod,
    reporters: new Set(),
    register(fn) {
      const id = nextId++;
      calls.set(id, fn);
      return id;
    },
    forget: (id) => calls.delete(id),
    ref(obj) {
      const id = nextId++;
      refs.set(id, obj);
      return id;
    },
    unref: (id) => refs.delete(id),
    // A NUL-terminated string at ptr.
    str(ptr) {
      const heap = mod.HEAPU8;
      let end = ptr;
      while (heap[end]) end++;
      return decoder.decode(heap.subarray(ptr, end));
    },
    // Calls fn(ptrs...) with each string copied into the module's memory.
    withStrings(strings, fn) {
      const ptrs = strings.map((s) => {
        const bytes = encoder.encode(`${s ?? ''}\0`);
        const p = mod._yl_js_alloc(bytes.length);
        mod.HEAPU8.set(bytes, p);
        return p;
      });
      try {
        return fn(...ptrs);
      } finally {
        ptrs.forEach((p) => mod._yl_js_free(p));
      }
    },
    // The value a call left in C's `out`, as JS.
    out() {
      const kind = mod._yl_js_out_kind();
      const num = mod._yl_js_out_num();
      switch (kind) {
        case K.bool: return num !== 0;
        case K.int: case K.float: return num;
        case K.str: return api.str(mod._yl_js_out_str());
        case K.ref: return refs.has(num) ? refs.get(num) : { pointer: num };
        case K.exc: {
          if (num && refs.has(num)) return refs.get(num); // a JS error that went in
          const Cls = errorClass(api.str(mod._yl_js_out_str()));
          return new Cls(api.str(mod._yl_js_out_message()));
        }
        default: return null;
      }
    },
    // Throws the exception a failed call left in `out`.
    fail() {
      throw api.out();
    },
  };
  mod.ylJsCall = (id) => {
    const fn = calls.get(id);
    if (fn) fn();
  };
  mod.ylJsReport = (text) => {
    if (api.reporters.size === 0) console.error(text);
    api.reporters.forEach((r) => r(text));
  };
  return api;
}

// A JS value as (kind, number, string) for C.
function toC(api, v) {
  if (v === null || v === undefined) return [K.none, 0, ''];
  if (typeof v === 'boolean') return [K.bool, v ? 1 : 0, ''];
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER ? [K.int, v, ''] : [K.float, v, ''];
  if (typeof v === 'string') return [K.str, 0, v];
  return [K.ref, api.ref(v), ''];
}

// A macrotask: setImmediate in Node, a MessageChannel message in browsers (no 4 ms clamp).
const macrotask = typeof setImmediate === 'function' ? (fn) => setImmediate(fn) : (() => {
  const ch = new MessageChannel();
  const queue = [];
  ch.port1.onmessage = () => queue.shift()();
  return (fn) => {
    queue.push(fn);
    ch.port2.postMessage(0);
  };
})();

// An asyncio event loop in the runtime, driven from JS: callSoon/callLater/callAt take
// JS functions; run() iterates (CPython's run_once) and sleeps on a JS timer while
// the loop has nothing to do, so JS keeps running meanwhile; futures convert to and
// from Promises. In virtual time the clock jumps to the next timer whenever nothing
// is ready (after letting settled Promises in).
class Loop {
  #api;
  #ptr;
  #virtual;
  #wake = null; // ends the current sleep early (something was scheduled from JS)
  #running = false;
  #stopping = false; // stop() was called: run_forever returns after this iteration
  #onError;

  constructor(api, { virtualTime = false, onError } = {}) {
    this.#api = api;
    this.#virtual = virtualTime;
    this.#ptr = api.mod._yl_js_loop_new(virtualTime ? 1 : 0);
    if (!this.#ptr) throw new (errorClass('MemoryError'))('cannot create a loop');
    if (onError) api.reporters.add(onError);
    this.#onError = onError;
  }

  time() {
    return this.#api.mod._yl_js_loop_time(this.#ptr);
  }

  isClosed() {
    return this.#api.mod._yl_js_loop_is_closed(this.#ptr) !== 0;
  }

  isRunning() {
    return this.#running;
  }

  // call_soon(fn): a Handle.
  callSoon(fn) {
    return this.#schedule(0, NaN, fn);
  }

  // call_later(delay s, fn): a TimerHandle.
  callLater(delay, fn) {
    return this.#schedule(0, Number(delay), fn);
  }

  // call_at(when, fn), `when` on this loop's time(): a TimerHandle.
  callAt(when, fn) {
    return this.#schedule(1, Number(when), fn);
  }

  #schedule(at, t, fn) {
    if (typeof fn !== 'function') throw new TypeError('a callback must be a function');
    const api = this.#api;
    let handle = null;
    const id = api.register(() => {
      api.forget(id);
      handle[release]();
      try {
        fn();
      } catch (e) {
        api.mod.ylJsReport(`Exception in callback ${fn.name || 'anonymous'}()\n${e?.stack ?? e}`);
      }
    });
    const ptr = api.mod._yl_js_schedule(this.#ptr, at, t, id);
    if (!ptr) {
      api.forget(id);
      api.fail();
    }
    handle = new Handle(api, ptr, id);
    this.#wake?.();
    return handle;
  }

  createFuture() {
    const ptr = this.#api.mod._yl_js_future_new(this.#ptr);
    if (!ptr) throw new (errorClass('RuntimeError'))('Event loop is closed');
    return new Future(this.#api, ptr, this);
  }

  // A future done when `promise` settles (cancelling the future does not cancel it).
  fromPromise(promise) {
    const fut = this.createFuture();
    Promise.resolve(promise).then(
      (v) => fut.cancelled() || fut.setResult(v),
      (e) => fut.cancelled() || fut.setException(e),
    );
    return fut;
  }

  // The loop's state: { time, iteration, phase, ready, scheduled, tasks } (src/yl_trace.h).
  state() {
    return JSON.parse(this.#api.str(this.#api.mod._yl_js_loop_state(this.#ptr)));
  }

  // stop(): run_forever returns after the iteration running (the next one if none).
  stop() {
    this.#stopping = true;
    this.#api.mod._yl_js_loop_stop(this.#ptr); // its next wait is none
    this.#wake?.();
  }

  // run_forever(): resolves when stop() is called.
  async runForever() {
    if (this.#running) throw new (errorClass('RuntimeError'))('This event loop is already running');
    this.#running = true;
    try {
      let slice = performance.now();
      for (;;) {
        await this.#idle();
        const rc = this.#api.mod._yl_js_loop_run_once(this.#ptr);
        if (rc < 0 && rc !== -10) this.#api.fail(); // -10, YL_EWOULDBLOCK: woke a little early
        if (this.#stopping) return;
        if (performance.now() - slice > 10) { // let JS in now and then, as the host does
          await new Promise(macrotask);
          slice = performance.now();
        }
      }
    } finally {
      this.#running = false;
      this.#stopping = false;
    }
  }

  // run_until_complete(fut): its result, or its exception thrown.
  async runUntilComplete(fut) {
    if (!(fut instanceof Future)) fut = this.fromPromise(fut);
    const done = fut.addDoneCallback(() => this.stop());
    if (!fut.done()) await this.runForever();
    fut.removeDoneCallback(done);
    return fut.result();
  }

  close() {
    if (this.#api.mod._yl_js_loop_close(this.#ptr) < 0) this.#api.fail();
    if (this.#onError) this.#api.reporters.delete(this.#onError);
  }

  // Waits until the loop has something to do now: sleeps on a JS timer until its next
  // deadline (real time), or lets settled Promises in first (virtual time); either
  // ends early when JS schedules something or stops the loop.
  #idle() {
    const timeout = this.#api.mod._yl_js_loop_timeout(this.#ptr);
    if (timeout <= 0) return null;
    return new Promise((resolve) => {
      let timer = null;
      const wake = () => {
        if (timer !== null) clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      this.#wake = wake;
      if (this.#virtual) macrotask(wake);
      else if (timeout < Infinity) timer = setTimeout(wake, Math.min(timeout * 1000, 0x7fffffff));
    });
  }
}

const release = Symbol('release');

// A scheduled callback (asyncio.Handle / TimerHandle).
class Handle {
  #api;
  #ptr; // 0 once released (it ran, or was cancelled)
  #id;
  #when;
  #cancelled = false;

  constructor(api, ptr, id) {
    this.#api = api;
    this.#ptr = ptr;
    this.#id = id;
    this.#when = api.mod._yl_js_handle_when(ptr);
  }

  // The deadline on the loop's time() for a timer; NaN for call_soon's handles.
  when() {
    return this.#when;
  }

  cancel() {
    if (!this.#ptr) return; // ran already, or cancelled
    this.#cancelled = true;
    this.#api.mod._yl_js_handle_cancel(this.#ptr);
    this.#api.forget(this.#id);
    this[release]();
  }

  cancelled() {
    return this.#cancelled;
  }

  // Drops the runtime's handle (it ran, or was cancelled). Symbol-keyed: the Loop
  // calls it, users cannot.
  [release]() {
    if (!this.#ptr) return;
    this.#api.mod._yl_js_handle_release(this.#ptr);
    this.#ptr = 0;
  }
}

// asyncio.Future in the runtime. Its errors are yl.errors' (InvalidStateError,
// CancelledError...); values are null, booleans, numbers, strings, or any other JS
// object, which the runtime carries by reference and hands back as itself.
class Future {
  #api;
  #ptr;
  #loop;
  #refs = []; // the JS objects set as its result or exception (ids in api's refs)

  constructor(api, ptr, loop) {
    this.#api = api;
    this.#ptr = ptr;
    this.#loop = loop;
    // The runtime's reference goes with this object, and so do the objects it carries:
    // only this object can hand them back.
    Future.#registry?.register(this, { api, ptr, refs: this.#refs });
  }

  static #registry = typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry(({ api, ptr, refs }) => {
      api.mod._yl_js_future_release(ptr);
      refs.forEach(api.unref);
    }) : null;

  // Keeps ref `id` (0: none) while this future lives if `rc` says it was set, else
  // drops it; then throws a failed call's error.
  #settled(rc, id) {
    if (id && rc >= 0) this.#refs.push(id);
    else if (id) this.#api.unref(id);
    if (rc < 0) this.#api.fail();
  }

  get loop() {
    return this.#loop;
  }

  state() {
    return FUTURE_STATES[this.#api.mod._yl_js_future_state(this.#ptr)];
  }

  done() {
    return this.state() !== 'PENDING';
  }

  cancelled() {
    return this.state() === 'CANCELLED';
  }

  result() {
    if (this.#api.mod._yl_js_future_result(this.#ptr, 0) < 0) this.#api.fail();
    return this.#api.out();
  }

  exception() {
    if (this.#api.mod._yl_js_future_result(this.#ptr, 1) < 0) this.#api.fail();
    return this.#api.out();
  }

  setResult(value) {
    const [kind, num, str] = toC(this.#api, value);
    const rc = this.#api.withStrings([str], (s) => this.#api.mod._yl_js_future_set_result(this.#ptr, kind, num, s));
    this.#settled(rc, kind === K.ref ? num : 0);
  }

  // An Error (a yl.errors class maps to its Python kind; any other is carried as
  // itself and comes back from exception() and result() unchanged).
  setException(error) {
    const api = this.#api;
    const name = error instanceof YieldloopError ? error.name : 'Exception';
    const ref = error instanceof YieldloopError ? 0 : api.ref(error);
    const message = error instanceof Error ? error.message : String(error);
    const rc = api.withStrings([name, message], (n, m) => api.mod._yl_js_future_set_exception(this.#ptr, n, m, ref));
    this.#settled(rc, ref);
  }

  cancel(msg) {
    const api = this.#api;
    return msg == null ? api.mod._yl_js_future_cancel(this.#ptr, 0) !== 0
      : api.withStrings([msg], (m) => api.mod._yl_js_future_cancel(this.#ptr, m) !== 0);
  }

  // fn(future), scheduled with call_soon once the future is done. Returns fn.
  addDoneCallback(fn) {
    const api = this.#api;
    const id = api.register(() => {
      api.forget(id);
      try {
        fn(this);
      } catch (e) {
        api.mod.ylJsReport(`Exception in callback ${fn.name || 'anonymous'}()\n${e?.stack ?? e}`);
      }
    });
    (this.#callbacks ??= new Map()).set(fn, [...(this.#callbacks.get(fn) ?? []), id]);
    if (api.mod._yl_js_future_add_done_callback(this.#ptr, id) < 0) api.fail();
    return fn;
  }

  #callbacks = null;

  // Removes every registration of fn; how many there were.
  removeDoneCallback(fn) {
    const ids = this.#callbacks?.get(fn) ?? [];
    this.#callbacks?.delete(fn);
    let n = 0;
    for (const id of ids) {
      n += this.#api.mod._yl_js_future_remove_done_callback(this.#ptr, id);
      this.#api.forget(id);
    }
    return n;
  }

  // A Promise of the result (rejected with the exception), settled by the loop.
  promise() {
    return new Promise((resolve, reject) => {
      this.addDoneCallback(() => {
        try {
          resolve(this.result());
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  toString() {
    return this.#api.str(this.#api.mod._yl_js_future_repr(this.#ptr));
  }
}
