// The document's examples: each C port prints byte for byte what CPython 3.11 printed
// (tests/fixtures/examples/*.out), natively and as wasm under Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.join(root, 'tests/fixtures/examples');

export const examples = [
  ['yrange', '01_yrange'],
  ['yrange_global', '02_yrange_global'],
  ['jumping_range', '03_jumping_range'],
  ['pipeline', '04_pipeline'],
  ['pipeline_yield_from', '05_pipeline_yield_from'],
  ['return_value', '06_return_value'],
];

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.error, undefined, `${cmd} failed to start: ${r.error}`);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

for (const [name, fixture] of examples) {
  const expected = readFileSync(path.join(fixtures, `${fixture}.out`), 'utf8');

  test(`${fixture}: native ${name} prints what CPython printed`, () => {
    const exe = path.join(root, 'build/native/examples', name);
    assert.ok(existsSync(exe), `${exe} missing: run npm run build`);
    assert.equal(run(exe, []), expected);
  });

  test(`${fixture}: wasm ${name} under Node prints what CPython printed`, () => {
    assert.equal(run(process.execPath, ['scripts/run-example.mjs', name]), expected);
  });
}

// 07: three tasks sleeping on the loop. In real time it takes 3 s (natively the loop
// sleeps in poll(); in wasm it yields to Node's event loop between JS timers) and
// stays nearly idle; with --virtual-time the clock jumps from timer to timer.
const factorialOut = readFileSync(path.join(fixtures, '07_factorial_asyncio.out'), 'utf8');

function timed(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { out: r.stdout, wall };
}

const factorialRuns = [
  ['native', path.join(root, 'build/native/examples/factorial'), []],
  ['wasm', process.execPath, ['scripts/run-example.mjs', 'factorial']],
];
for (const [where, cmd, pre] of factorialRuns) {
  test(`07_factorial_asyncio: ${where} factorial takes 3 s of real time and prints what CPython printed`, () => {
    const { out, wall } = timed(cmd, pre);
    assert.equal(out, factorialOut);
    // 3.0 s +-5%, plus Node's start-up for wasm.
    assert.ok(wall >= 2.85 && wall <= 3.15 + (where === 'wasm' ? 0.3 : 0), `took ${wall.toFixed(3)} s`);
  });

  test(`07_factorial_asyncio: ${where} factorial --virtual-time runs at once with the same output`, () => {
    const { out, wall } = timed(cmd, [...pre, '--virtual-time']);
    assert.equal(out, factorialOut);
    assert.ok(wall < (where === 'wasm' ? 1.0 : 0.05), `took ${wall.toFixed(3)} s`);
  });
}

// 08: the subprocess polling client, and its asyncio-style variant (tasks awaiting
// subprocess futures; its fixture is what 08_client_subp_async.py prints: task2's
// line at 3 s, task1's at 5 s). The server is the same program with --server N; with
// --scale S every sleep is S times as long, so the same rounds take a fraction of
// the 6 s (5.5 s for the async one) they take unscaled. The output depends on the
// rounds' timing relative to the servers' ends, as the Python's does: each server
// answers half a round after the round it is due at (examples/subprocess.h), so the
// client's rounds may drift, or a server start, by up to half a round. Natively
// 0.1 (0.6 s); in wasm each server is a Node process (0.1 s to start, more under
// load): 0.5 (3 s).
const subpRuns = [
  ['client_subp', '08_client_subp', 'native', path.join(root, 'build/native/examples/client_subp'), [], 0.1],
  ['client_subp', '08_client_subp', 'wasm', process.execPath, ['scripts/run-example.mjs', 'client_subp'], 0.5],
  ['client_subp_async', '08_client_subp_async', 'native',
    path.join(root, 'build/native/examples/client_subp_async'), [], 0.1],
  ['client_subp_async', '08_client_subp_async', 'wasm', process.execPath,
    ['scripts/run-example.mjs', 'client_subp_async'], 0.5],
];
for (const [name, fixture, where, cmd, pre, scale] of subpRuns) {
  const expected = readFileSync(path.join(fixtures, `${fixture}.out`), 'utf8');
  const rounds = name === 'client_subp' ? 6 : 5.5; // the time it takes, in rounds
  test(`${fixture}: ${where} ${name} --scale ${scale} prints what CPython printed, in ${rounds} rounds`, () => {
    const { out, wall } = timed(cmd, [...pre, '--scale', String(scale)]);
    assert.equal(out, expected);
    // No busy-waiting or lost wake-ups: it takes the time its sleeps add up to (plus
    // Node's start-up for wasm).
    const min = rounds * scale;
    assert.ok(wall >= min - 0.01 && wall <= min + (where === 'wasm' ? 0.6 : 0.15), `took ${wall.toFixed(3)} s`);
  });
}

// The fixtures are CPython 3.11's own output (Debian 12's python3 is 3.11): re-check them.
test('fixtures match what CPython 3.11 prints', () => {
  const v = spawnSync('python3', ['-c', 'import sys; print(sys.version_info[:2])'], { encoding: 'utf8' });
  assert.equal(v.stdout.trim(), '(3, 11)', 'python3 must be CPython 3.11');
  for (const [, fixture] of examples) {
    const out = spawnSync('python3', [`${fixture}.py`], { cwd: fixtures, encoding: 'utf8' });
    assert.equal(out.stdout, readFileSync(path.join(fixtures, `${fixture}.out`), 'utf8'), fixture);
  }
});
