// Node's own event loop, timed as scripts/bench/loop_bench.c times yieldloop's.
//
// Cases (see loop_bench.c):
//   call_soon   ns per callback: setImmediate; a driver schedules 1000 no-op callbacks
//               and itself after them (Node runs them all in one check phase)
//   call_later  ns per timer: 200k setTimeout with delays spread pseudo-randomly over
//               1..20 ms (Node's timers are real time with 1 ms granularity; no virtual
//               clock), timed until the last one fired: includes up to ~20 ms of idle
//               waiting, i.e. up to ~100 ns per timer
//   switch      ns per task switch: 100 async functions each `await undefined` (an
//               already resolved promise) in a loop
//   mem         resident memory growth (process.memoryUsage().rss, after a GC if
//               --expose-gc) per pending async function awaiting one never-resolved
//               promise
//
// Usage: node [--expose-gc] loop_bench.mjs [--case all|call_soon|call_later|switch|mem[,...]]
//             [--time S] [--reps R] [--timers N] [--ntasks N] [--mem-tasks N]
// Prints lines as loop_bench does: case=call_soon iters=N ns=X

const opts = { case: 'all', time: 0.25, reps: 1, timers: 200000, ntasks: 100, 'mem-tasks': 100000 };
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in opts) || i + 1 >= argv.length) {
      console.error(`loop_bench.mjs: bad option ${argv[i]}`);
      process.exit(2);
    }
    opts[k] = k === 'case' ? argv[i + 1] : Number(argv[i + 1]);
  }
}
const cases = opts.case.split(',');
const want = (c) => cases.includes('all') || cases.includes(c);
const now = () => Number(process.hrtime.bigint()) / 1e9;
const BATCH = 1000;

function timeCallSoon(n) {
  return new Promise((resolve) => {
    let left = Math.ceil(n / BATCH), done = 0;
    const total = left * BATCH;
    const noop = () => { done++; };
    const t0 = now();
    const driver = () => {
      if (left-- === 0) {
        if (done !== total) throw new Error('call_soon: callbacks missing');
        resolve((now() - t0) * (n / total));
        return;
      }
      for (let i = 0; i < BATCH; i++) setImmediate(noop);
      setImmediate(driver);
    };
    setImmediate(driver);
  });
}

function timeCallLater(n) {
  return new Promise((resolve) => {
    let x = 88172645463325252n;
    const mask = (1n << 64n) - 1n;
    const delays = new Array(n);
    for (let i = 0; i < n; i++) { // drawn before timing: BigInt is slow and not what is measured
      x ^= (x << 13n) & mask;
      x ^= x >> 7n;
      x ^= (x << 17n) & mask;
      delays[i] = 1 + Number(x % 20n);
    }
    let left = n;
    const t0 = now();
    const fired = () => {
      if (--left === 0) resolve(now() - t0);
    };
    for (let i = 0; i < n; i++) setTimeout(fired, delays[i]);
  });
}

async function timeSwitch(n, ntasks) {
  const rounds = Math.ceil(n / ntasks);
  const switcher = async () => {
    for (let i = 0; i < rounds; i++) await undefined;
  };
  const t0 = now();
  await Promise.all(Array.from({ length: ntasks }, switcher));
  return (now() - t0) * (n / (rounds * ntasks));
}

async function runMem(n) {
  const gc = globalThis.gc ?? (() => {});
  let wake;
  const fut = new Promise((r) => { wake = r; });
  const waiter = async () => await fut;
  gc();
  const rss0 = process.memoryUsage().rss;
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push(waiter());
  await new Promise((r) => setImmediate(r));
  gc();
  const rss1 = process.memoryUsage().rss;
  console.log(`case=mem tasks=${n} ok=${n} bytes_per_task=${((rss1 - rss0) / n).toFixed(0)} ` +
    `rss_before=${rss0} rss_after=${rss1}`);
  wake();
  await Promise.all(tasks);
}

async function calibrate(fn) {
  let n = 1000;
  for (;;) {
    const t = await fn(n);
    if (t >= 0.05) return Math.max(1000, Math.floor((n * opts.time) / t));
    n *= 2;
  }
}

async function run(name, fn, fixed = 0) {
  const n = fixed || (await calibrate(fn));
  if (fixed) await fn(n); // warm-up
  for (let r = 0; r < opts.reps; r++) {
    const t = await fn(n);
    console.log(`case=${name} iters=${n} ns=${((t * 1e9) / n).toFixed(3)}`);
  }
}

if (want('call_soon')) await run('call_soon', timeCallSoon);
if (want('call_later')) await run('call_later', timeCallLater, opts.timers);
if (want('switch')) await run('switch', (n) => timeSwitch(n, opts.ntasks));
if (want('mem')) await runMem(opts['mem-tasks']);
