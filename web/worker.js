// The playground's runtime thread: runs the examples (wasm/yieldloop.mjs) and the
// benchmarks off the page's main thread, so the page never waits on them and Stop can
// end any run, a runaway one included, by terminating this Worker.
//
// Messages in:  { type: 'load' } (compile the runtime now, before the first run)
//               { type: 'run', run, example, args, virtualTime }   { type: 'pause' | 'resume' }
//               { type: 'bench' }
// Messages out: { type: 'ready', ms } (the runtime is loaded)
//               { type: 'events', run, events }  (batched: one message per task of this thread)
//               { type: 'done', run, code, error? }   { type: 'bench', rows } | { type: 'bench', error }
import { load } from '../wasm/yieldloop.mjs';

// The single-file build (scripts/build-web.mjs) prepends the programs it inlined:
// { name: { glue: data: URL, wasm: base64 } }.
const bundled = globalThis.ylPrograms;

// A program of wasm/dist: its glue's factory and its .wasm's bytes.
async function program(name) {
  if (bundled) {
    const { glue, wasm } = bundled[name];
    return { factory: (await import(glue)).default, wasm: Uint8Array.from(atob(wasm), (c) => c.charCodeAt(0)) };
  }
  const glue = new URL(`../wasm/dist/${name}.js`, import.meta.url);
  const [{ default: factory }, wasm] = await Promise.all([
    import(glue.href),
    fetch(new URL(`${name}.wasm`, glue)).then((r) => {
      if (!r.ok) throw new Error(`wasm/dist/${name}.wasm: HTTP ${r.status}`);
      return r.arrayBuffer();
    }),
  ]);
  return { factory, wasm };
}

// Loaded at the first message that needs it (a benchmark's Worker never does).
let runtime = null;
const getRuntime = () => (runtime ??= bundled ? program('playground').then(load) : load());

// A run that prints without end must not fill the page's memory.
const MAX_EVENTS = 200_000;

let current = null; // { run, id } of the run going on

async function startRun({ run: id, example, args, virtualTime }) {
  const yl = await getRuntime();
  current?.run.stop();
  let batch = [];
  let count = 0;
  const flush = () => {
    if (batch.length) postMessage({ type: 'events', run: id, events: batch });
    batch = [];
  };
  let run = null;
  const onEvent = (ev) => {
    if (++count > MAX_EVENTS) {
      run?.stop();
      return;
    }
    if (!batch.length) setTimeout(flush, 0);
    batch.push(ev);
  };
  run = yl.run(example, { args, virtualTime, trace: true, onEvent });
  current = { run, id };
  const result = await run.done;
  flush();
  if (current?.id === id) current = null;
  const error = count > MAX_EVENTS ? `stopped after ${MAX_EVENTS} events` : result.error && String(result.error);
  postMessage({ type: 'done', run: id, code: result.code, ...(error && { error }) });
}

// ---- the benchmark: short runs of scripts/bench's programs, ns per operation ----

const BENCH = [
  { program: 'yl_bench', args: ['--case', 'send', '--time', '0.05'], cases: { send: 'send' } },
  { program: 'loop_bench', args: ['--case', 'call_soon,switch', '--time', '0.05'],
    cases: { call_soon: 'call_soon', switch: 'switch' } },
];

async function runBench() {
  const rows = {};
  for (const b of BENCH) {
    const { factory, wasm } = await program(b.program);
    const lines = [];
    await new Promise((resolve, reject) => {
      factory({
        arguments: b.args,
        wasmBinary: wasm,
        print: (line) => lines.push(line),
        printErr: (line) => lines.push(line),
        onExit: (code) => (code === 0 ? resolve() : reject(new Error(`${b.program} exited ${code}: ${lines.join(' / ')}`))),
        // The glue's default quit would be the shell's; an exception ends the run here.
        quit: (code, toThrow) => {
          if (toThrow?.name !== 'ExitStatus') reject(toThrow);
          throw toThrow;
        },
      }).catch((e) => e?.name !== 'ExitStatus' && reject(e));
    });
    for (const line of lines) {
      const kv = Object.fromEntries(line.split(/\s+/).filter((w) => w.includes('=')).map((w) => w.split('=')));
      if (b.cases[kv.case] && kv.ns !== undefined) rows[b.cases[kv.case]] = Number(kv.ns);
    }
  }
  return rows;
}

onmessage = ({ data: m }) => {
  if (m.type === 'load') {
    const t0 = performance.now();
    // A failure shows at the run, which waits for the same promise.
    getRuntime().then(() => postMessage({ type: 'ready', ms: performance.now() - t0 }), () => {});
  } else if (m.type === 'run') {
    startRun(m).catch((e) => postMessage({ type: 'done', run: m.run, code: null, error: String(e?.stack || e) }));
  } else if (m.type === 'pause') {
    current?.run.pause();
  } else if (m.type === 'resume') {
    current?.run.resume();
  } else if (m.type === 'bench') {
    runBench().then(
      (rows) => postMessage({ type: 'bench', rows }),
      (e) => postMessage({ type: 'bench', error: String(e?.message || e) }),
    );
  }
};
