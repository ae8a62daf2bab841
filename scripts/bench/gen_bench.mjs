// JavaScript's generators under Node, timed as scripts/bench/yl_bench.c times yieldloop's.
//
// Cases (ns per round trip: one gen.next(v), one value yielded back):
//   send    gen.next(1) to `let acc = 0; for (;;) acc += yield acc;`
//   depth   the same sent to the outermost of D delegators, each `return yield* sub`,
//           the innermost being the echo generator (depth 1: one yield*)
//
// Usage: node gen_bench.mjs [--case all|send|depth[,...]] [--depth 1,4,16]
//                           [--iters N] [--time S] [--reps R]
// Prints one line per repetition, as yl_bench does:
//   case=send depth=0 frames=0 iters=20000000 ns=12.300

function* echo() {
  let acc = 0;
  for (;;) acc += yield acc;
}

function* delegator(sub) {
  return yield* sub;
}

function chain(depth) {
  let g = echo();
  for (let i = 0; i < depth; i++) g = delegator(g);
  g.next();
  return g;
}

function sendLoop(g, n) {
  let acc = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) acc += g.next(1).value;
  const t = Number(process.hrtime.bigint() - t0) / 1e9;
  if (acc < 0) console.log(acc); // keeps acc live, as the C loops' volatile sink does
  return t;
}

const timeCase = (depth, n) => sendLoop(chain(depth), n);

function calibrate(depth, target) {
  for (let n = 1000; ; n *= 2) {
    const t = timeCase(depth, n);
    if (t >= 0.05) return Math.max(1000, Math.floor((n * target) / t));
  }
}

const opts = { case: 'all', depth: '1,4,16', iters: '0', time: '0.25', reps: '1' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in opts) || argv[i + 1] === undefined) {
    console.error(`gen_bench.mjs: bad option ${argv[i]}`);
    process.exit(1);
  }
  opts[key] = argv[i + 1];
}
const cases = opts.case === 'all' ? ['send', 'depth'] : opts.case.split(',');
const runs = [];
if (cases.includes('send')) runs.push(['send', 0]);
if (cases.includes('depth')) for (const d of opts.depth.split(',').filter(Boolean)) runs.push(['depth', Number(d)]);

console.log(`node=${process.version} v8=${process.versions.v8}`);
for (const [name, depth] of runs) {
  const n = Number(opts.iters) || calibrate(depth, Number(opts.time));
  for (let r = 0; r < Number(opts.reps); r++) {
    const t = timeCase(depth, n);
    console.log(`case=${name} depth=${depth} frames=0 iters=${n} ns=${((t * 1e9) / n).toFixed(3)}`);
  }
}
