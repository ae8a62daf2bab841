// Waiting in real time through yl_main (src/yl_host.h): tests/host/host_demo.c runs in a
// child process natively (build/native/tests/host_demo) and as wasm under Node
// (node wasm/run.mjs build/wasm/tests/host_demo.js), once per scenario. Its output must
// be the expected lines, and its closing line
//   stats wall=<s> cpu=<s> wakeups=<n> at=<s>
// must show the waits' timings: a timer fires at its deadline, not before and not
// much after; zero-delay wake-ups cost no setTimeout clamp; the process uses little
// CPU while it waits (measured by the program itself: in wasm, Node's
// process.cpuUsage()); and in wasm, how many times a JS wake-up resumed the program.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const platforms = [
  {
    name: 'native',
    file: 'build/native/tests/host_demo',
    argv: (args) => [path.join(root, 'build/native/tests/host_demo'), ...args],
  },
  {
    name: 'wasm',
    file: 'build/wasm/tests/host_demo.js',
    argv: (args) => [process.execPath, path.join(root, 'wasm/run.mjs'), 'build/wasm/tests/host_demo.js', ...args],
  },
];

// How late a wake-up may be: the loaded machine running the other test files too.
const LATE = 0.25;

function run(p, args) {
  const exe = path.join(root, p.file);
  assert.ok(existsSync(exe), `${p.file} missing: run node scripts/build.mjs (the host_demo target)`);
  const [cmd, ...rest] = p.argv(args);
  const t0 = performance.now();
  const r = spawnSync(cmd, rest, { cwd: root, encoding: 'utf8', timeout: 60_000 });
  const elapsed = (performance.now() - t0) / 1000;
  assert.equal(r.error, undefined, `${cmd} failed to start: ${r.error}`);
  const lines = r.stdout.split('\n').filter(Boolean);
  const statsLine = lines.find((l) => l.startsWith('stats '));
  let stats = null;
  if (statsLine) {
    stats = Object.fromEntries(statsLine.slice(6).split(' ').map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
  }
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, lines: lines.filter((l) => l !== statsLine), stats, elapsed };
}

function ok(r, what) {
  const context = `${what}: exit ${r.code ?? r.signal}\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`;
  assert.equal(r.code, 0, context);
  assert.equal(r.stderr, '', context);
  assert.ok(r.stats, `no stats line: ${context}`);
  return context;
}

function between(value, lo, hi, what) {
  assert.ok(value >= lo && value < hi, `${what}: ${value} s is not in [${lo}, ${hi})`);
}

for (const p of platforms) {
  const wasm = p.name === 'wasm';

  test(`${p.name}: call_later(0.2) on main's coroutine fires after 0.2 s, not before`, (t) => {
    const r = run(p, ['sleep', '0.2']);
    const context = ok(r, 'sleep 0.2');
    assert.deepEqual(r.lines, ['timer fired'], context);
    between(r.stats.at, 0.2, 0.2 + LATE, 'the timer fired at');
    if (wasm) assert.equal(r.stats.wakeups, 1, `one JS wake-up for one wait: ${context}`);
    t.diagnostic(`fired at ${r.stats.at} s`);
  });

  test(`${p.name}: a 1 s wait uses well under 30% of a core`, (t) => {
    const r = run(p, ['sleep', '1']);
    const context = ok(r, 'sleep 1');
    between(r.stats.at, 1, 1 + LATE, 'the timer fired at');
    assert.ok(r.stats.cpu >= 0, `no CPU time measured: ${context}`);
    assert.ok(r.stats.cpu < 0.3 * r.stats.wall, `${r.stats.cpu} s of CPU in ${r.stats.wall} s: ${context}`);
    t.diagnostic(`${r.stats.wall} s of wall time, ${r.stats.cpu} s of CPU during the wait; whole process ${r.elapsed.toFixed(3)} s`);
  });

  test(`${p.name}: 200 zero-delay wake-ups from outside the loop pay no timer clamp`, (t) => {
    const r = run(p, ['zero', '200']);
    const context = ok(r, 'zero 200');
    assert.deepEqual(r.lines, ['cycles 200'], context);
    // setTimeout(0) would cost at least 1 ms each in Node (4 ms in browsers).
    assert.ok(r.stats.wall < 0.1, `200 cycles took ${r.stats.wall} s: ${context}`);
    if (wasm) assert.equal(r.stats.wakeups, 200, context);
    t.diagnostic(`200 cycles in ${(r.stats.wall * 1000).toFixed(1)} ms`);
  });

  test(`${p.name}: a cancelled handle never runs, even when the wake-up was armed for it`, () => {
    const r = run(p, ['cancel']);
    const context = ok(r, 'cancel');
    assert.deepEqual(r.lines, ['cancelled the timer due at 0.1 s', 'cancelled a call_soon', 'timer at 0.3 s ran'], context);
    between(r.stats.at, 0.3, 0.3 + LATE, 'the next timer ran at');
    // The wake-up for the cancelled timer (0.1 s) makes the loop look again and run
    // nothing; the cancelled call_soon woke it at 0.15 s; the last timer at 0.3 s.
    if (wasm) assert.equal(r.stats.wakeups, 3, context);
  });

  test(`${p.name}: a timer earlier than the armed wake-up, added from outside, re-arms it`, () => {
    const r = run(p, ['rearm']);
    const context = ok(r, 'rearm');
    assert.deepEqual(r.lines, ['added a timer 0.1 s ahead', 'the earlier timer ran'], context);
    between(r.stats.at, 0.15, 0.15 + LATE, 'the earlier timer ran at');
    if (wasm) assert.equal(r.stats.wakeups, 1, context);
  });

  test(`${p.name}: a delay past setTimeout's 2^31-1 ms neither fires nor wakes the loop`, () => {
    const r = run(p, ['long']);
    const context = ok(r, 'long');
    assert.deepEqual(r.lines, ['stop', '1 timer pending, 3000000 s ahead'], context);
    between(r.stats.at, 0.3, 0.3 + LATE, 'the stop came at');
    assert.ok(r.stats.cpu < 0.3 * r.stats.wall, `${r.stats.cpu} s of CPU in ${r.stats.wall} s: ${context}`);
    if (wasm) assert.equal(r.stats.wakeups, 1, `only the stop woke the loop: ${context}`);
  });

  test(`${p.name}: a loop that is never idle still lets outside code in`, (t) => {
    const r = run(p, ['busy']);
    const context = ok(r, 'busy');
    assert.deepEqual(r.lines, ['the busy loop let the poke in'], context);
    between(r.stats.at, 0.05, 0.05 + LATE, 'the poke was seen at');
    if (wasm) assert.ok(r.stats.wakeups >= 1, context);
    t.diagnostic(`poke at 0.05 s seen at ${r.stats.at} s, after ${r.stats.wakeups} zero-delay wake-ups`);
  });

  test(`${p.name}: a reader with no timer wakes when its pipe is written`, () => {
    const r = run(p, ['reader']);
    const context = ok(r, 'reader');
    assert.deepEqual(r.lines, ['read x'], context);
    between(r.stats.at, 0.2, 0.2 + LATE, 'the reader ran at');
  });

  test(`${p.name}: a loop inside another coroutine ${wasm ? 'cannot wait, and says why' : 'waits too'}`, () => {
    const r = run(p, ['nested']);
    const context = ok(r, 'nested');
    const expected = wasm
      ? [
          'can wait on main: yes',
          'can wait in another coroutine: no',
          'run_forever there: YL_EWOULDBLOCK RuntimeError: Event loop must wait (0.050 s) and cannot ' +
            'block here: waiting in real time in wasm needs the JS event loop (start main with yl_main() ' +
            'and run the loop on its coroutine, not inside another; or use YL_CLOCK_VIRTUAL)',
          'timer fired',
        ]
      : [
          'can wait on main: yes',
          'can wait in another coroutine: yes',
          'timer fired in the coroutine',
          'run_forever there: YL_OK ',
          'timer fired',
        ];
    assert.deepEqual(r.lines, expected, context);
  });

  test(`${p.name}: exit() after a wait, exit() from outside while waiting, and returning`, () => {
    let r = run(p, ['exit', '4']);
    assert.equal(r.code, 4, `exit 4: ${r.stdout}${r.stderr}`);
    assert.deepEqual(r.lines, ['timer fired', 'exit(4) from main']);
    r = run(p, ['exit-poke', '5']);
    assert.equal(r.code, 5, `exit-poke 5: ${r.stdout}${r.stderr}`);
    assert.deepEqual(r.lines, ['exit(5) from a poke']);
    assert.ok(r.elapsed < 10, `the pending 30 s wake-up kept the process for ${r.elapsed} s`);
    r = run(p, ['return', '3']);
    assert.equal(r.code, 3, `return 3: ${r.stdout}${r.stderr}`);
    assert.deepEqual(r.lines, ['returning 3 without waiting']);
  });
}
