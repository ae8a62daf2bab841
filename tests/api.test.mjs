// The JS API (wasm/yieldloop.mjs) under Node: every example's output through it, its
// trace equal to the native program's, virtual and real time, pause, stop, and the
// errors it gives for bad arguments.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { load } from '../wasm/yieldloop.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = (id) => readFileSync(path.join(root, 'tests/fixtures/examples', `${id}.out`), 'utf8');
const yl = await load();

async function collect(id, options = {}) {
  const events = [];
  const { code, stopped } = await yl.run(id, { trace: true, ...options, onEvent: (e) => events.push(e) }).done;
  return { code, stopped, events, out: events.filter((e) => e.ev === 'out') };
}

const text = (out) => out.map((e) => `${e.text}\n`).join('');

// Pointers (in reprs of unnamed callbacks) differ between builds.
const normal = (json) => json.replace(/0x[0-9a-f]+/g, '0x');

for (const ex of yl.examples.filter((e) => !e.id.startsWith('08'))) {
  test(`${ex.id}: the API prints CPython's output, and the wasm trace is the native one`, async () => {
    const { code, events, out } = await collect(ex.id, { virtualTime: ex.virtualTime });
    assert.equal(code, 0);
    assert.equal(text(out), fixture(ex.id));
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i));
    assert.ok(out.every((e) => e.line > 0), 'each output line names the C line that printed it');

    const file = path.join(root, 'build/native', `trace-${ex.id}.jsonl`);
    const args = ['--trace', file, ex.program, ...(ex.virtualTime ? ['--virtual-time'] : [])];
    const r = spawnSync(path.join(root, 'build/native/playground'), args, { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, fixture(ex.id));
    const native = readFileSync(file, 'utf8').trim().split('\n').map((j) => normal(j));
    const wasm = events.filter((e) => e.ev !== 'out').map((e) => {
      const { seq, ...rest } = e; // renumbered with the output events
      return normal(JSON.stringify({ seq: undefined, ...rest }));
    });
    assert.equal(wasm.length, native.length);
    native.forEach((j, i) => {
      const { seq, ...rest } = JSON.parse(j);
      assert.equal(typeof seq, 'number');
      assert.equal(wasm[i], normal(JSON.stringify({ seq: undefined, ...rest })), `event ${i}`);
    });
  });
}

test('the traced examples run clean under ASan and UBSan natively', () => {
  for (const ex of yl.examples) {
    const args = ex.id.startsWith('08') ? ['--scale', '0.1'] : ex.virtualTime ? ['--virtual-time'] : [];
    const r = spawnSync(path.join(root, 'build/asan/playground'), ['--trace', '/dev/null', ex.program, ...args],
      { encoding: 'utf8' });
    assert.equal(r.status, 0, `${ex.id}: ${r.stderr}`);
    assert.equal(r.stdout, fixture(ex.id), ex.id);
  }
});

test('03: a step of the trace is one resume, with the states before and after', async () => {
  const { events } = await collect('03_jumping_range');
  const steps = events.filter((e) => e.ev.startsWith('gen.'));
  assert.deepEqual(steps.slice(0, 5).map((e) => [e.ev, e.how ?? e.value ?? e.name]),
    [['gen.new', 'jumping_range'], ['gen.resume', 'next'], ['gen.yield', '0'], ['gen.resume', 'send'], ['gen.yield', '2']]);
  const gen = (e) => e.state.gens[0];
  assert.equal(gen(steps[1]).state, 'GEN_CREATED');
  assert.deepEqual([gen(steps[2]).state, gen(steps[2]).yielded], ['GEN_SUSPENDED', '0']);
  assert.deepEqual([gen(steps[3]).sent, gen(steps[4]).yielded], ['2', '2']);
});

test('03 with --sends: the values sent are parameters', async () => {
  const { code, out } = await collect('03_jumping_range', { args: ['--sends', '3,-2'] });
  assert.equal(code, 0);
  assert.deepEqual(out.slice(0, 4).map((e) => e.text), ['0', 'step is None', '3', 'step is 3']);
});

test('07 in virtual time: logical stamps 0/1000/2000/3000 ms, the loop in every snapshot', async () => {
  const { out, events } = await collect('07_factorial_asyncio', { virtualTime: true });
  assert.deepEqual(out.map((e) => e.t), [0, 0, 0, 1000, 1000, 1000, 2000, 2000, 3000]);
  const handles = events.filter((e) => e.ev === 'loop.handle');
  assert.ok(handles.some((e) => e.repr === '<Handle Task-1.__step()>'));
  const waits = events.filter((e) => e.ev === 'loop.wait').map((e) => e.timeout);
  assert.ok(waits.includes(1000), 'the loop waits a second between rounds');
  const mid = events.find((e) => e.ev === 'loop.wait' && e.timeout === 1000);
  assert.deepEqual(mid.state.loop.scheduled.map((s) => s.when), [1000, 1000, 1000]);
  assert.ok(mid.state.loop.tasks.some((t) => t.awaits === 'Task-1 factorial() awaits sleep until 1'));
});

test('07 in real time: lines at 0/1/2/3 s; pause holds the loop, resume lets it go on', async () => {
  const t0 = performance.now();
  const at = [];
  const run = yl.run('07_factorial_asyncio', { onEvent: (e) => at.push(performance.now() - t0) });
  setTimeout(run.pause, 900);
  setTimeout(run.resume, 1600);
  const { code } = await run.done;
  assert.equal(code, 0);
  assert.equal(at.length, 9);
  assert.ok(at[0] < 250, `first line at ${at[0]} ms`);
  // The 1 s wake-up fired while paused: the round ran at resume, and the next
  // sleeps count from there.
  assert.ok(at[3] >= 1600 && at[3] < 1850, `second round at ${at[3]} ms`);
  assert.ok(at[8] >= 3600 && at[8] < 3900, `last line at ${at[8]} ms`);
});

test('stop ends a run at once: nothing more is reported and nothing keeps Node alive', async () => {
  const events = [];
  const run = yl.run('07_factorial_asyncio', { onEvent: (e) => events.push(e) });
  await new Promise((r) => setTimeout(r, 100));
  const n = events.length;
  assert.equal(n, 3);
  run.stop();
  assert.deepEqual(await run.done, { code: null, stopped: true });
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(events.length, n);
});

test('08 through the API: the servers are child processes of the same module', async () => {
  for (const id of ['08_client_subp', '08_client_subp_async']) {
    const { code, out } = await collect(id, { args: ['--scale', '0.2'] });
    assert.equal(code, 0);
    assert.equal(text(out), fixture(id));
  }
});

// The pids of this process's live children: /proc/<pid>/stat's fourth field is the
// parent's pid (the command in the second may hold spaces: it ends at the last ')').
function children() {
  return readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return false; // gone meanwhile
    }
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(ppid) === process.pid && state !== 'Z';
  });
}

test('stop ends the server processes 08 started', async () => {
  const before = children();
  const events = [];
  const run = yl.run('08_client_subp', { onEvent: (e) => events.push(e) });
  // Its two servers sleep 5 and 3 s; the client polls every 0.5 s.
  while (!events.some((e) => e.ev === 'out' && e.text.startsWith('still working'))) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const servers = children().filter((pid) => !before.includes(pid));
  assert.equal(servers.length, 2);
  run.stop();
  assert.deepEqual(await run.done, { code: null, stopped: true });
  const t0 = Date.now();
  while (children().some((pid) => servers.includes(pid)) && Date.now() - t0 < 2000) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(children().filter((pid) => servers.includes(pid)), []);
  assert.ok(Date.now() - t0 < 1000, `servers ended ${Date.now() - t0} ms after stop`);
});

test('bad arguments are errors that say what is wrong', () => {
  assert.throws(() => yl.run('09_nothing'), /no example '09_nothing' \(one of: 01_yrange, .*08_client_subp_async\)/);
  assert.throws(() => yl.run('03_jumping_range', { virtualTime: true }), /example '03_jumping_range' has no virtual time/);
});

test('a bad parameter is the program\'s own error, on stderr, with a non-zero exit', async () => {
  const { code, out } = await collect('03_jumping_range', { args: ['--sends', 'x'] });
  assert.notEqual(code, 0);
  assert.ok(out.some((e) => e.stream === 'stderr'));
});
