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
// playground.wasm; by default wasm/dist beside this file.
export async function load({ dist = new URL('./dist/', import.meta.url) } = {}) {
  const base = dist instanceof URL ? dist : new URL(String(dist).replace(/\/?$/, '/'), isNode ? `file://${process.cwd()}/` : location.href);
  const [{ default: factory }, module] = await Promise.all([
    import(new URL('playground.js', base).href),
    wasmBytes(new URL('playground.wasm', base)).then((bytes) => WebAssembly.compile(bytes)),
  ]);
  return {
    examples: EXAMPLES,
    run: (id, options) => start(factory, module, id, options),
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
    instantiateWasm: (imports, receive) => {
      WebAssembly.instantiate(module, imports).then((inst) => receive(inst, module));
      return {};
    },
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
      end({ code: null, stopped: true });
    },
  };
}
