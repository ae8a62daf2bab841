#!/usr/bin/env node
// npm run bench: yieldloop's generator switch against its peers, measured in one run on
// this machine, printed as one table (ns per operation, median of several rounds) with
// the project's targets judged from it, and written to build/bench.md and build/bench.json.
//
// Programs timed (each prints `case=... depth=D frames=F iters=N ns=X` lines):
//   yieldloop native   build/native/bench/yl_bench          (scripts/bench/yl_bench.c)
//   yieldloop wasm     build/wasm/bench/yl_bench.js in Node (the same C, Asyncify backend)
//   CPython            python3 scripts/bench/gen_bench.py
//   Node JS generators node scripts/bench/gen_bench.mjs
//   emscripten fibers  build/bench-baseline/fiber_swap.js, built here from
//                      scripts/bench/baseline/fiber_swap.c with emcc -O2 -sASYNCIFY
// The second table, "event loop", times asyncio's loop against its peers (each prints
// `case=... iters=N ns=X` lines, and `case=mem ... bytes_per_task=B` for memory):
//   yieldloop native   build/native/bench/loop_bench          (scripts/bench/loop_bench.c)
//   yieldloop wasm     build/wasm/bench/loop_bench.js in Node
//   CPython asyncio    python3 scripts/bench/loop_bench.py
//   Node               node scripts/bench/loop_bench.mjs (setImmediate, setTimeout, await)
// with --loop-rounds rounds of call_soon, call_later and the task switch, then memory per
// pending task once per program, the size of the example yrange's wasm module and glue
// (raw and gzipped) and the time from spawning `node scripts/run-example.mjs yrange` to its
// first line of output (median of --startup-runs; without NODE_EXTRA_CA_CERTS, see below).
// The yieldloop programs are first copied to build/bench-run/ and run from there.
// Every program runs once per round, in a rotating order, so load that comes and goes
// (this is a 2-core VM) spreads over all of them; each figure is the median over rounds.
//
// Usage: node scripts/bench.mjs [--rounds N] [--time S] [--quick] [--strict]
//                               [--loop-rounds N] [--startup-runs N]
//                               [--native-dir build/native] [--wasm-dir build/wasm]
//   --time S    seconds per timed repetition (default 0.25; the program calibrates N)
//   --quick     3 rounds of 0.1 s (event loop: 1 round, 20k timers), for a smoke test
//   --loop-rounds N   rounds of the event loop timings (default 3)
//   --startup-runs N  node processes started to time start-up (default 7)
//   --strict    exit 1 if a target fails (by default only a program that fails does)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rel = (p) => path.relative(root, p) || '.';

// ---- options ----

const opts = { rounds: 7, time: 0.25, strict: false, nativeDir: 'build/native', wasmDir: 'build/wasm',
  loopRounds: 3, startupRuns: 7, timers: 200000 };
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--rounds') opts.rounds = Number(val());
    else if (a === '--time') opts.time = Number(val());
    else if (a === '--quick') Object.assign(opts, { rounds: 3, time: 0.1, loopRounds: 1, startupRuns: 3, timers: 20000 });
    else if (a === '--loop-rounds') opts.loopRounds = Number(val());
    else if (a === '--startup-runs') opts.startupRuns = Number(val());
    else if (a === '--strict') opts.strict = true;
    else if (a === '--native-dir') opts.nativeDir = val();
    else if (a === '--wasm-dir') opts.wasmDir = val();
    else usage(`unknown option ${a}`);
  }
  if (!(opts.rounds >= 1 && opts.time > 0)) usage('--rounds must be >= 1 and --time > 0');
  if (!(opts.loopRounds >= 1 && opts.startupRuns >= 1)) usage('--loop-rounds and --startup-runs must be >= 1');
}

function usage(msg) {
  console.error(`bench: ${msg}\nusage: node scripts/bench.mjs [--rounds N] [--time S] [--quick] [--strict] ` +
    '[--loop-rounds N] [--startup-runs N] [--native-dir DIR] [--wasm-dir DIR]');
  process.exit(2);
}

const log = (msg) => process.stderr.write(`bench: ${msg}\n`);
const t0 = Date.now();

// ---- the machine ----

function firstLine(cmd, args, env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.error || r.status !== 0) return null;
  return `${r.stdout}${r.stderr}`.split('\n').find((l) => l.trim()) ?? null;
}

function cpuModel() {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name) => info.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim();
    const model = field('model name') ?? os.cpus()[0]?.model ?? 'unknown';
    const family = field('cpu family'), number = field('model'), mhz = field('cpu MHz');
    const vm = / hypervisor( |$)/m.test(field('flags') ?? '') ? ', virtual machine' : '';
    return `${model}${family ? ` (family ${family} model ${number})` : ''}` +
      `${mhz ? `, cpu MHz ${Math.round(Number(mhz))} as /proc/cpuinfo reports it` : ''}${vm}`;
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

const EMCC_ENV = { NODE_PATH: process.env.NODE_PATH || '/usr/share/nodejs' };
const machine = {
  cpu: cpuModel(),
  cores: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
  python: firstLine('python3', ['--version']) ?? 'not found',
  emcc: ((v) => (v ? `emcc ${v.match(/\d+\.\d+\.\d+/)?.[0] ?? v}` : 'not found'))(firstLine('emcc', ['--version'], EMCC_ENV)),
  gcc: firstLine('gcc', ['--version']) ?? 'not found',
  loadavg_start: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  backends: {},
};

// ---- the programs ----

const failures = []; // programs that could not be built, run, or failed

// The naive baseline is not part of the CMake build: build it here, every run (~1 s).
function buildFiberBaseline() {
  const src = path.join(root, 'scripts/bench/baseline/fiber_swap.c');
  const dir = path.join(root, 'build/bench-baseline');
  const out = path.join(dir, 'fiber_swap.js');
  mkdirSync(dir, { recursive: true });
  // The glue is CommonJS; the package.json above build/ says "module".
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "commonjs" }\n');
  try {
    execFileSync('emcc', ['-O2', '-sASYNCIFY', '-sENVIRONMENT=node', '-Wall', '-Wextra', '-Werror', src, '-o', out], {
      env: { ...process.env, ...EMCC_ENV },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return out;
  } catch (e) {
    failures.push(`emscripten_fiber_swap: cannot build ${rel(src)}: ${e.stderr?.toString().trim() || e.message}`);
    return null;
  }
}

// The wasm build's own runner: `node wasm/run.mjs <module.js> [args...]`.
const wasmRunner = path.join(root, 'wasm/run.mjs');

// The programs under test are copied first to build/bench-run/: a build started while
// this runs (npm run build in another shell) must not swap them between rounds.
function snapshot(files, into) {
  const dir = path.join(root, 'build/bench-run', into);
  mkdirSync(dir, { recursive: true });
  const copies = files.map((f) => {
    const to = path.join(dir, path.basename(f));
    if (existsSync(f)) copyFileSync(f, to); // keeps the mode: executables stay executable
    else rmSync(to, { force: true });
    return to;
  });
  return copies[0];
}

const T = String(opts.time);
const nativeBuilt = path.resolve(root, opts.nativeDir, 'bench/yl_bench');
const nativeExe = snapshot([nativeBuilt], 'native');
const wasmBuilt = path.resolve(root, opts.wasmDir, 'bench/yl_bench.js');
const wasmJs = snapshot([wasmBuilt, wasmBuilt.replace(/\.js$/, '.wasm')], 'wasm');
writeFileSync(path.join(path.dirname(wasmJs), 'package.json'), '{ "type": "module" }\n');
log(`building the emscripten_fiber_swap baseline (emcc -O2 -sASYNCIFY) into build/bench-baseline/`);
const fiberJs = buildFiberBaseline();

const programs = [
  { id: 'native', name: 'yieldloop native', cmd: nativeExe, args: ['--time', T, '--frames', '0,20,50'],
    need: nativeExe, built: nativeBuilt },
  { id: 'wasm', name: 'yieldloop wasm', cmd: process.execPath,
    args: [wasmRunner, wasmJs, '--time', T, '--frames', '0,20,50'], need: wasmJs, built: wasmBuilt, needRunner: wasmRunner },
  { id: 'python', name: 'CPython', cmd: 'python3', args: [path.join(root, 'scripts/bench/gen_bench.py'), '--time', T] },
  { id: 'js', name: 'Node JS generator', cmd: process.execPath,
    args: [path.join(root, 'scripts/bench/gen_bench.mjs'), '--time', T] },
  { id: 'fiber', name: 'emscripten_fiber_swap', cmd: process.execPath,
    args: ['--no-experimental-fetch', fiberJs, '--time', T, '--frames', '0,20,50'], missing: !fiberJs },
];

const samples = new Map(); // "impl|case|depth|frames" -> { ns: [], iters: [], rounds: [] }

function runProgram(p, round) {
  for (const [need, shown] of [[p.need, p.built], [p.needRunner, p.needRunner]]) {
    if (need !== undefined && !existsSync(need)) {
      failures.push(`${p.name}: ${rel(shown)} missing (npm run build?)`);
      p.missing = true;
      return;
    }
  }
  const r = spawnSync(p.cmd, p.args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`;
    failures.push(`${p.name}: ${why}`);
    p.missing = true;
    return;
  }
  for (const line of r.stdout.split('\n')) {
    const kv = Object.fromEntries(line.trim().split(/\s+/).filter((w) => w.includes('=')).map((w) => w.split('=')));
    if (kv.backend) machine.backends[p.id] = kv.backend;
    if (!kv.case || kv.ns === undefined) continue;
    const key = [p.id, kv.case, kv.depth ?? 0, kv.frames ?? 0].join('|');
    if (!samples.has(key)) samples.set(key, { ns: [], iters: [], rounds: [] });
    const s = samples.get(key);
    s.ns.push(Number(kv.ns));
    s.iters.push(Number(kv.iters));
    s.rounds.push(round);
  }
}

for (let round = 0; round < opts.rounds; round++) {
  const order = programs.map((_, i) => programs[(i + round) % programs.length]).filter((p) => !p.missing);
  log(`round ${round + 1}/${opts.rounds}: ${order.map((p) => p.id).join(', ')}`);
  for (const p of order) runProgram(p, round);
}

// ---- the event loop ----

const loopNativeBuilt = path.resolve(root, opts.nativeDir, 'bench/loop_bench');
const loopNativeExe = snapshot([loopNativeBuilt], 'native');
const loopWasmBuilt = path.resolve(root, opts.wasmDir, 'bench/loop_bench.js');
const loopWasmJs = snapshot([loopWasmBuilt, loopWasmBuilt.replace(/\.js$/, '.wasm')], 'wasm');

// Natively a stack's guard page is a madvise() guard region on Linux 6.13+ (the stacks'
// mappings merge into a few), else an mprotect()ed page that splits each mapping in two
// under vm.max_map_count (65530 by default): about 32k coroutines at once. Memory per
// task is measured with 100k tasks; where fewer start, the table says how many.
const NATIVE_MEM_TASKS = 100000, MEM_TASKS = 100000;
const loopCases = ['--case', 'call_soon,call_later,switch', '--time', T, '--timers', String(opts.timers)];
const loopPrograms = [
  { id: 'native', name: 'yieldloop native (loop_bench)', cmd: loopNativeExe, args: loopCases,
    memArgs: [['--case', 'mem', '--mem-tasks', String(NATIVE_MEM_TASKS)]],
    need: loopNativeExe, built: loopNativeBuilt },
  { id: 'wasm', name: 'yieldloop wasm (loop_bench)', cmd: process.execPath, args: [wasmRunner, loopWasmJs, ...loopCases],
    memArgs: [[wasmRunner, loopWasmJs, '--case', 'mem', '--mem-tasks', String(MEM_TASKS)]],
    need: loopWasmJs, built: loopWasmBuilt, needRunner: wasmRunner },
  { id: 'python', name: 'CPython asyncio (loop_bench.py)', cmd: 'python3',
    args: [path.join(root, 'scripts/bench/loop_bench.py'), ...loopCases],
    memArgs: [[path.join(root, 'scripts/bench/loop_bench.py'), '--case', 'mem', '--mem-tasks', String(MEM_TASKS)]] },
  { id: 'node', name: 'Node (loop_bench.mjs)', cmd: process.execPath,
    args: [path.join(root, 'scripts/bench/loop_bench.mjs'), ...loopCases],
    memArgs: [['--expose-gc', path.join(root, 'scripts/bench/loop_bench.mjs'), '--case', 'mem', '--mem-tasks', String(MEM_TASKS)]] },
];

const loopSamples = new Map(); // "impl|case" -> { ns: [], iters: [], rounds: [] }
const memResults = {};         // impl -> [{ tasks, ok, bytes_per_task, heap_per_task, ... }]

function readMaxMapCount() {
  try {
    return readFileSync('/proc/sys/vm/max_map_count', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

const kvOf = (line) => Object.fromEntries(line.trim().split(/\s+/).filter((w) => w.includes('=')).map((w) => w.split('=')));

function runLoopProgram(p, args) {
  for (const [need, shown] of [[p.need, p.built], [p.needRunner, p.needRunner]]) {
    if (need !== undefined && !existsSync(need)) {
      failures.push(`${p.name}: ${rel(shown)} missing (npm run build?)`);
      p.missing = true;
      return null;
    }
  }
  const r = spawnSync(p.cmd, args, { cwd: root, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`;
    failures.push(`${p.name} ${args.filter((a) => !a.includes('/')).join(' ')}: ${why}`);
    p.missing = true;
    return null;
  }
  return r.stdout.split('\n').map(kvOf).filter((kv) => kv.case);
}

for (let round = 0; round < opts.loopRounds; round++) {
  const order = loopPrograms.map((_, i) => loopPrograms[(i + round) % loopPrograms.length]).filter((p) => !p.missing);
  log(`event loop round ${round + 1}/${opts.loopRounds}: ${order.map((p) => p.id).join(', ')}`);
  for (const p of order) {
    for (const kv of runLoopProgram(p, p.args) ?? []) {
      if (kv.ns === undefined) continue;
      const key = `${p.id}|${kv.case}`;
      if (!loopSamples.has(key)) loopSamples.set(key, { ns: [], iters: [], rounds: [] });
      const s = loopSamples.get(key);
      s.ns.push(Number(kv.ns));
      s.iters.push(Number(kv.iters));
      s.rounds.push(round);
    }
  }
}

log(`memory per pending task: ${loopPrograms.filter((p) => !p.missing).map((p) => p.id).join(', ')}`);
for (const p of loopPrograms) {
  if (p.missing) continue;
  for (const args of p.memArgs) {
    for (const kv of runLoopProgram(p, args) ?? []) {
      if (kv.case !== 'mem') continue;
      (memResults[p.id] ??= []).push({
        tasks: Number(kv.tasks), ok: Number(kv.ok), bytes_per_task: Number(kv.bytes_per_task),
        heap_per_task: kv.heap_per_task !== undefined && Number(kv.heap_per_task) >= 0 ? Number(kv.heap_per_task) : null,
        rss_before: Number(kv.rss_before), rss_after: Number(kv.rss_after),
      });
    }
  }
}

// The example's module: build/wasm/examples/yrange.wasm and its glue, raw and gzipped.
const exampleSize = (() => {
  const base = path.resolve(root, opts.wasmDir, 'examples/yrange');
  const files = [`${base}.wasm`, `${base}.js`];
  if (!files.every(existsSync)) {
    failures.push(`module size: ${files.map(rel).join(', ')} missing (npm run build?)`);
    return null;
  }
  const sizes = Object.fromEntries(files.map((f) => {
    const buf = readFileSync(f);
    return [path.basename(f), { raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length }];
  }));
  const total = Object.values(sizes).reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip }), { raw: 0, gzip: 0 });
  return { files: sizes, total };
})();

// Start-up: a fresh node process to the first line example 01 (yrange) prints; and, for
// scale, a fresh node process doing nothing (`node -e 0`) to its exit.
function timeSpawn(args, untilOutput, env) {
  return new Promise((resolve) => {
    const t = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - t) / 1e6;
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'ignore'] });
    let first = null;
    child.stdout.on('data', () => {
      if (first === null) first = ms();
    });
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code !== 0 ? null : untilOutput ? first : ms()));
  });
}

// Start-up is timed without NODE_EXTRA_CA_CERTS: Node reads and parses that bundle
// before running anything (about 40 ms with Debian's whole bundle, as some sandboxes
// and corporate machines set it), which no program can avoid. Where it is set, the
// figures with it are reported too.
const startup = { example: [], bare: [], extraCerts: process.env.NODE_EXTRA_CA_CERTS ?? null,
  exampleWithCerts: [], bareWithCerts: [] };
if (existsSync(path.resolve(root, opts.wasmDir, 'examples/yrange.js'))) {
  log(`start-up: ${opts.startupRuns} x node scripts/run-example.mjs yrange, ${opts.startupRuns} x node -e 0`);
  const withCerts = { ...process.env, YL_WASM_DIR: opts.wasmDir };
  const plain = { ...withCerts };
  delete plain.NODE_EXTRA_CA_CERTS;
  const example = [path.join(root, 'scripts/run-example.mjs'), 'yrange'];
  for (let i = 0; i < opts.startupRuns; i++) {
    startup.example.push(await timeSpawn(example, true, plain));
    startup.bare.push(await timeSpawn(['-e', '0'], false, plain));
    if (startup.extraCerts === null) continue;
    startup.exampleWithCerts.push(await timeSpawn(example, true, withCerts));
    startup.bareWithCerts.push(await timeSpawn(['-e', '0'], false, withCerts));
  }
  if ([...startup.example, ...startup.exampleWithCerts].some((x) => x == null)) {
    failures.push('start-up: node scripts/run-example.mjs yrange failed or printed nothing');
  }
}

machine.loadavg_end = os.loadavg().map((x) => x.toFixed(2)).join(' ');

// ---- figures ----

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function get(impl, kase, depth = 0, frames = 0) {
  const s = samples.get([impl, kase, depth, frames].join('|'));
  return s && s.ns.length ? median(s.ns) : null;
}

// a/b for two measurements of one program: the median over rounds of the ratio within
// each round (both taken in the same process, seconds apart), so load that drifts between
// rounds cancels out.
function pairedRatio(a, b) {
  const sa = samples.get(a.join('|')), sb = samples.get(b.join('|'));
  if (!sa || !sb) return null;
  const ratios = [];
  sa.rounds.forEach((r, i) => {
    const j = sb.rounds.indexOf(r);
    if (j >= 0) ratios.push(sa.ns[i] / sb.ns[j]);
  });
  return ratios.length ? median(ratios) : null;
}

const fmt = (x) => (x == null ? '—' : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));

const columns = [
  ['native', 'yieldloop native'],
  ['wasm', 'yieldloop wasm (Node)'],
  ['python', `CPython ${machine.python.replace(/^Python /, '')}`],
  ['js', `Node ${process.version} JS generator`],
  ['fiber', 'emscripten_fiber_swap (wasm)'],
];

// Each row: a label and, per column, which measurement fills it (null: not applicable).
const rows = [
  ['send round trip: `v = g.send(v)`, the generator yields back', {
    native: ['send'], wasm: ['send'], python: ['send'], js: ['send'], fiber: ['fiber', 0, 0] }],
  ...[1, 4, 16].map((d) => [`send through a \`yield from\` chain of depth ${d}`, {
    native: ['depth', d], wasm: ['depth', d], python: ['depth', d], js: ['depth', d] }]),
  ...[0, 20, 50].map((f) => [`send, resumer ${f} C frames deep`, {
    native: ['resumer', 0, f], wasm: ['resumer', 0, f], fiber: ['fiber', 0, f] }]),
  ['floor: bare switch round trip (`yl__ctx_resume`/`yl__ctx_yield`)', { native: ['floor-ctx'], wasm: ['floor-ctx'] }],
  ['floor: `yl_coro_resume`/`yl_coro_yield` round trip', { native: ['floor-coro'], wasm: ['floor-coro'] }],
];

const table = rows.map(([label, cells]) => ({
  label,
  cells: Object.fromEntries(columns.map(([id]) => [id, cells[id] ? get(id, ...cells[id]) : null])),
  na: Object.fromEntries(columns.map(([id]) => [id, !cells[id]])),
}));

// ---- targets ----

// Across programs: the ratio of the medians; within one program: paired by round.
const ratio = (a, b) => (a == null || b == null ? null : a / b);
const send = (impl) => get(impl, 'send');
const targets = [
  { name: 'wasm send round trip <= CPython\'s', value: ratio(send('wasm'), send('python')), unit: 'x CPython',
    ok: (v) => v <= 1, required: '<= 1' },
  { name: 'wasm >= 10x faster than emscripten_fiber_swap', value: ratio(get('fiber', 'fiber', 0, 0), send('wasm')),
    unit: 'x faster', ok: (v) => v >= 10, required: '>= 10' },
  { name: 'native >= 3x faster than CPython', value: ratio(send('python'), send('native')), unit: 'x faster',
    ok: (v) => v >= 3, required: '>= 3' },
  { name: 'native send within 1.5x of the bare switch', value: pairedRatio(['native', 'send', 0, 0], ['native', 'floor-ctx', 0, 0]),
    unit: 'x bare switch', ok: (v) => v <= 1.5, required: '<= 1.5' },
  ...['native', 'wasm'].map((impl) => ({
    name: `${impl}: depth 16 within 2x of depth 1`, value: pairedRatio([impl, 'depth', 16, 0], [impl, 'depth', 1, 0]),
    unit: 'x depth 1', ok: (v) => v <= 2, required: '<= 2' })),
  ...['native', 'wasm'].map((impl) => ({
    name: `${impl}: resumer 20 frames deep costs the same as 0 (within 10%)`,
    value: pairedRatio([impl, 'resumer', 0, 20], [impl, 'resumer', 0, 0]), unit: 'x 0 deep',
    ok: (v) => Math.abs(v - 1) <= 0.1, required: '0.90 .. 1.10' })),
];

// The event loop's targets (issue 4, "Speed and memory").
const loopGet = (impl, kase) => {
  const s = loopSamples.get(`${impl}|${kase}`);
  return s && s.ns.length ? median(s.ns) : null;
};
// The memory measurement an implementation is judged on: the largest count that all started.
const memOf = (impl) => {
  const rs = (memResults[impl] ?? []).filter((m) => m.ok === m.tasks);
  return rs.length ? rs.reduce((a, b) => (b.tasks > a.tasks ? b : a)) : null;
};
const memTried = (impl, n) => (memResults[impl] ?? []).find((m) => m.tasks === n) ?? null;
const medianOrNull = (xs) => (xs.length && xs.every((x) => x != null) ? median(xs) : null);
const startupMs = medianOrNull(startup.example);
const bareMs = medianOrNull(startup.bare);
const startupCertsMs = medianOrNull(startup.exampleWithCerts);
const bareCertsMs = medianOrNull(startup.bareWithCerts);
for (const [impl, times] of [['native', 20], ['wasm', 10]]) {
  for (const [kase, what] of [['call_soon', 'call_soon+dispatch'], ['switch', 'task switch (sleep(0))']]) {
    targets.push({ name: `${impl} ${what} >= ${times}x faster than CPython asyncio`,
      value: ratio(loopGet('python', kase), loopGet(impl, kase)), unit: 'x faster', ok: (v) => v >= times,
      required: `>= ${times}` });
  }
}
{
  const w = memTried('wasm', MEM_TASKS);
  targets.push({ name: `${MEM_TASKS / 1000}k pending tasks fit in wasm`, value: w ? w.ok : null,
    unit: `of ${MEM_TASKS} pending` + (w ? `, linear memory ${(w.rss_after / 2 ** 20).toFixed(0)} MiB` : ''),
    ok: (v) => v === MEM_TASKS, required: `${MEM_TASKS}`, digits: 0 });
  const n = memOf('native');
  targets.push({ name: `native resident memory per pending task <= 8 KB` + (n ? ` (${n.tasks / 1000}k tasks)` : ''),
    value: n ? n.bytes_per_task / 1024 : null, unit: 'KB', ok: (v) => v <= 8, required: '<= 8' });
}
targets.push({ name: 'wasm module (yrange.wasm + yrange.js) gzipped <= 100 KB',
  value: exampleSize ? exampleSize.total.gzip / 1024 : null, unit: 'KB', ok: (v) => v <= 100, required: '<= 100' });
targets.push({ name: 'start-up: fresh node to example 01\'s first line <= 50 ms', value: startupMs, unit: 'ms',
  ok: (v) => v <= 50, required: '<= 50' });
for (const t of targets) t.result = t.value == null ? 'n/a' : t.ok(t.value) ? 'PASS' : 'FAIL';

// The event loop table.
const loopColumns = [
  ['native', 'yieldloop native'],
  ['wasm', 'yieldloop wasm (Node)'],
  ['python', `CPython ${machine.python.replace(/^Python /, '')} asyncio`],
  ['node', `Node ${process.version}`],
];
const fmtMem = (m, impl) => {
  if (!m) return '—';
  let text = `${fmt(m.bytes_per_task)} B (${m.tasks / 1000}k)`;
  if (m.heap_per_task != null) text += `; malloc ${fmt(m.heap_per_task)} B`;
  const big = memTried(impl, MEM_TASKS);
  if (big && big.tasks !== m.tasks) text += `; ${big.ok} of ${big.tasks / 1000}k started`;
  return text;
};
const loopRows = [
  ['`call_soon` + dispatch, ns per callback (Node: `setImmediate`)', 'call_soon'],
  [`\`call_later\` + dispatch, ${opts.timers / 1000}k timers, spread deadlines, ns per timer (Node: \`setTimeout\`)`, 'call_later'],
  ['task switch, `sleep(0)` among 100 tasks, ns per switch (Node: `await` of a resolved promise)', 'switch'],
].map(([label, kase]) => [label, ...loopColumns.map(([id]) => fmt(loopGet(id, kase)))]);
loopRows.push(['memory per pending task (bytes; tasks measured)', ...loopColumns.map(([id]) => fmtMem(memOf(id), id))]);
const loopVs = ['call_soon', 'switch'].map((kase) => `${kase}: native ${fmt(ratio(loopGet('python', kase), loopGet('native', kase)))}x, ` +
  `wasm ${fmt(ratio(loopGet('python', kase), loopGet('wasm', kase)))}x faster than CPython; ` +
  `wasm ${fmt(ratio(loopGet('wasm', kase), loopGet('node', kase)))}x Node's time`).join('; ');

// ---- output ----

function mdTable(header, body) {
  const esc = (s) => String(s).replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

// How noisy the run was: the widest spread (max - min over rounds, relative to the median).
const spreads = [...samples].map(([key, s]) => [key, (Math.max(...s.ns) - Math.min(...s.ns)) / median(s.ns)]);
const widest = spreads.reduce((a, b) => (b[1] > a[1] ? b : a), ['', 0]);
const medianSpread = spreads.length ? median(spreads.map(([, x]) => x)) : 0;

const elapsed = (Date.now() - t0) / 1000;
const md = [
  `# yieldloop benchmark`,
  '',
  `ns per operation, median of ${opts.rounds} rounds of about ${opts.time} s each; all measured in this one run ` +
    `(${new Date(t0).toISOString()}, ${elapsed.toFixed(0)} s). A round trip is one resume and one yield. ` +
    `Depth d: the caller sends to the outermost of d generators each \`yield from\` the next, over the one that yields. ` +
    `Resumer F frames deep: the send loop runs at the bottom of F noinline recursive C calls. ` +
    `emscripten_fiber_swap: a bare pair of fibers swapping (no generator), the naive Asyncify baseline.`,
  '',
  mdTable(['ns per op', ...columns.map(([, name]) => name)],
    table.map((r) => [r.label, ...columns.map(([id]) => (r.na[id] ? '' : fmt(r.cells[id])))])),
  '',
  `Spread over rounds (max - min, relative to the median): ${(medianSpread * 100).toFixed(0)}% typically, ` +
    `${(widest[1] * 100).toFixed(0)}% at worst (${widest[0].replace(/\|/g, ' ')}).`,
  '',
  '## Event loop',
  '',
  `ns per operation, median of ${opts.loopRounds} rounds (one process per program per round, each case calibrated ` +
    `to about ${opts.time} s, call_later a fixed ${opts.timers / 1000}k timers after one warm-up run of them). ` +
    `call_soon: a callback schedules a batch of 1000 no-op callbacks and itself after them, so an iteration runs ` +
    `a batch. call_later: deadlines pseudo-random over 1000 s on a virtual clock (yieldloop: YL_CLOCK_VIRTUAL; ` +
    `CPython: a SelectorEventLoop whose time() is logical and whose selector advances it instead of sleeping, as ` +
    `asyncio's TestLoop); Node has no virtual clock: delays of 1..20 ms in real time, so its figure includes up to ` +
    `~20 ms of idle waiting (up to ~${fmt(20e6 / opts.timers)} ns per timer). Memory: each task runs to \`await fut\` ` +
    `on one never-done future; natively (yieldloop, CPython, Node) the growth of the resident set, in wasm of ` +
    `linear memory (and of malloc'd bytes). Natively each coroutine stack is 64 KiB reserved (touched pages ` +
    `resident) with a guard page: a madvise() guard region on Linux 6.13+, else an mprotect()ed page ` +
    `costing a mapping under vm.max_map_count (${readMaxMapCount()}), when about 32k fit and the rest ` +
    `fail with MemoryError (the table shows how many started).`,
  '',
  mdTable(['', ...loopColumns.map(([, name]) => name)], loopRows),
  '',
  `Ratios: ${loopVs}.`,
  '',
  exampleSize
    ? `wasm module of example 01 (yrange): ${Object.entries(exampleSize.files).map(([f, x]) =>
      `${f} ${fmt(x.raw / 1024)} KB (${fmt(x.gzip / 1024)} KB gzipped)`).join(', ')}; together ` +
      `${fmt(exampleSize.total.raw / 1024)} KB, ${fmt(exampleSize.total.gzip / 1024)} KB gzipped (zlib level 9).`
    : 'wasm module of example 01: not built.',
  '',
  `Start-up: a fresh \`node scripts/run-example.mjs yrange\` to its first line of output, median of ` +
    `${startup.example.length}: ${fmt(startupMs)} ms (runs: ${startup.example.map((x) => fmt(x)).join(', ')}); ` +
    `for scale, a fresh \`node -e 0\` to its exit: ${fmt(bareMs)} ms. Both without NODE_EXTRA_CA_CERTS` +
    (startup.extraCerts === null ? ' (not set here).'
      : `; with it, as this environment sets it (${startup.extraCerts}, which Node parses before running ` +
        `anything): ${fmt(startupCertsMs)} ms, and \`node -e 0\` ${fmt(bareCertsMs)} ms.`),
  '',
  '## Targets',
  '',
  'Ratios between programs are ratios of the medians above; ratios within one program are the median ' +
    'over rounds of the ratio measured within each round.',
  '',
  mdTable(['target', 'measured', 'required', 'result'],
    targets.map((t) => [t.name, t.value == null ? '—' : `${t.value.toFixed(t.digits ?? 2)} ${t.unit}`, t.required, t.result])),
  '',
  '## Machine',
  '',
  `- CPU: ${machine.cpu}, ${machine.cores} cores (${machine.os})`,
  `- load average (1, 5, 15 min): ${machine.loadavg_start} at start, ${machine.loadavg_end} at end`,
  `- Node ${machine.node}; ${machine.python}; ${machine.emcc}; ${machine.gcc}`,
  `- backends: native ${machine.backends.native ?? '—'}, wasm ${machine.backends.wasm ?? '—'}, ` +
    `baseline ${machine.backends.fiber ?? '—'}`,
  ...(failures.length ? ['', '## Failures', '', ...failures.map((f) => `- ${f}`)] : []),
  '',
].join('\n');

const json = {
  date: new Date(t0).toISOString(),
  seconds: elapsed,
  config: { rounds: opts.rounds, time_per_rep_s: opts.time, native_dir: opts.nativeDir, wasm_dir: opts.wasmDir },
  machine,
  columns: Object.fromEntries(columns),
  table: table.map((r) => ({ label: r.label, ns: r.cells })),
  measurements: [...samples].map(([key, s]) => {
    const [impl, kase, depth, frames] = key.split('|');
    return { impl, case: kase, depth: Number(depth), frames: Number(frames), median_ns: median(s.ns),
      min_ns: Math.min(...s.ns), max_ns: Math.max(...s.ns), samples_ns: s.ns, rounds: s.rounds, iters: s.iters };
  }),
  event_loop: {
    config: { rounds: opts.loopRounds, timers: opts.timers, native_mem_tasks: NATIVE_MEM_TASKS, mem_tasks: MEM_TASKS },
    columns: Object.fromEntries(loopColumns),
    measurements: [...loopSamples].map(([key, s]) => {
      const [impl, kase] = key.split('|');
      return { impl, case: kase, median_ns: median(s.ns), min_ns: Math.min(...s.ns), max_ns: Math.max(...s.ns),
        samples_ns: s.ns, rounds: s.rounds, iters: s.iters };
    }),
    memory: memResults,
    module_size: exampleSize,
    startup_ms: { example_yrange: startup.example, median: startupMs, bare_node: startup.bare, bare_median: bareMs,
      node_extra_ca_certs: startup.extraCerts, with_extra_ca_certs: startup.extraCerts === null ? null
        : { example_yrange: startup.exampleWithCerts, median: startupCertsMs, bare_node: startup.bareWithCerts,
          bare_median: bareCertsMs } },
  },
  targets: targets.map(({ name, value, unit, required, result }) => ({ name, value, unit, required, result })),
  failures,
  // What the playground's benchmark panel shows beside its own figures (web/).
  summary: {
    date: new Date(t0).toISOString(),
    machine: `${machine.cpu}, ${machine.cores} cores`,
    rows: [
      { name: 'send round trip', native: get('native', 'send'), wasm: get('wasm', 'send'), python: get('python', 'send') },
      ...['call_soon', 'switch'].map((kase) => ({
        name: kase === 'switch' ? 'task switch (sleep(0))' : 'call_soon + dispatch',
        native: loopGet('native', kase), wasm: loopGet('wasm', kase), python: loopGet('python', kase) })),
    ],
  },
};

mkdirSync(path.join(root, 'build'), { recursive: true });
writeFileSync(path.join(root, 'build/bench.md'), md);
writeFileSync(path.join(root, 'build/bench.json'), `${JSON.stringify(json, null, 2)}\n`);
mkdirSync(path.join(root, 'build/bench'), { recursive: true }); // the playground's benchmark panel reads it
writeFileSync(path.join(root, 'build/bench/results.json'), `${JSON.stringify(json.summary, null, 2)}\n`);
process.stdout.write(md);
log(`wrote build/bench.md, build/bench.json and build/bench/results.json in ${elapsed.toFixed(0)} s`);
if (failures.length) process.exit(1);
if (opts.strict && targets.some((t) => t.result === 'FAIL')) process.exit(1);
