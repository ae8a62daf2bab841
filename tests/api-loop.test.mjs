// The JS API's loops, handles and futures (wasm/yieldloop.mjs over wasm/api.c): asyncio's
// behaviours from JS, in virtual and real time, with its errors as JS Error subclasses.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

import { load, YieldloopError } from '../wasm/yieldloop.mjs';

const yl = await load();
const { InvalidStateError, CancelledError, RuntimeError, ValueError } = yl.errors;

test('call_soon runs in order, call_later by deadline (ties in scheduling order), cancelled never', async () => {
  const loop = await yl.createLoop({ virtualTime: true });
  const ran = [];
  const log = (x) => () => ran.push([x, loop.time()]);
  loop.callLater(2, log('b'));
  loop.callLater(1, log('a1'));
  loop.callAt(1, log('a2'));
  const h = loop.callLater(0.5, log('never'));
  loop.callSoon(log('s1'));
  loop.callSoon(log('s2'));
  assert.equal(h.when(), 0.5);
  h.cancel();
  assert.ok(h.cancelled());
  loop.callLater(3, () => loop.stop());
  await loop.runForever();
  assert.deepEqual(ran, [['s1', 0], ['s2', 0], ['a1', 1], ['a2', 1], ['b', 2]]);
  assert.equal(loop.time(), 3);
  loop.close();
});

test('stop() lets the running batch finish; what the batch schedules waits for the next run', async () => {
  const loop = await yl.createLoop({ virtualTime: true });
  const ran = [];
  loop.callSoon(() => {
    ran.push(1);
    loop.stop();
    loop.callSoon(() => ran.push(3));
  });
  loop.callSoon(() => ran.push(2));
  await loop.runForever();
  assert.deepEqual(ran, [1, 2]);
  loop.callSoon(() => loop.stop());
  await loop.runForever();
  assert.deepEqual(ran, [1, 2, 3]);
  loop.close();
});

test('futures: result, InvalidStateError, cancel with a message, done callbacks in order', async () => {
  const loop = await yl.createLoop({ virtualTime: true });
  const f = loop.createFuture();
  assert.equal(f.state(), 'PENDING');
  assert.throws(() => f.result(), (e) => e instanceof InvalidStateError && e instanceof YieldloopError &&
    e.name === 'InvalidStateError' && e.message === 'Result is not set.');
  const seen = [];
  const cb = f.addDoneCallback((x) => seen.push(['cb1', x.result()]));
  f.addDoneCallback(() => seen.push(['cb2']));
  f.addDoneCallback(cb);
  assert.equal(f.removeDoneCallback(cb), 2);
  loop.callLater(1, () => f.setResult({ answer: 42 }));
  const obj = await loop.runUntilComplete(f);
  assert.deepEqual(obj, { answer: 42 });
  assert.deepEqual(seen, [['cb2']]);
  assert.throws(() => f.setResult(1), (e) => e instanceof InvalidStateError && e.message === 'invalid state');

  const g = loop.createFuture();
  assert.equal(g.cancel('bye'), true);
  assert.equal(g.cancel(), false);
  assert.throws(() => g.result(), (e) => e instanceof CancelledError && e.message === 'bye');

  for (const [v, back] of [[null, null], [true, true], [7, 7], [2.5, 2.5], ['text', 'text']]) {
    const h = loop.createFuture();
    h.setResult(v);
    assert.deepEqual(h.result(), back);
  }
  loop.close();
});

test('errors cross both ways: a JS error comes back as itself, a runtime kind as its class', async () => {
  const loop = await yl.createLoop({ virtualTime: true });
  const boom = new TypeError('boom');
  const f = loop.createFuture();
  loop.callSoon(() => f.setException(boom));
  await assert.rejects(loop.runUntilComplete(f), (e) => e === boom);
  assert.equal(f.exception(), boom);
  const g = loop.createFuture();
  g.setException(new ValueError('bad value'));
  assert.throws(() => g.result(), (e) => e instanceof ValueError && e.message === 'bad value');
  loop.close();
});

test('Promises and futures: fromPromise and promise()', async () => {
  const loop = await yl.createLoop({ virtualTime: true });
  const p = new Promise((resolve) => setTimeout(() => resolve('from js'), 20));
  assert.equal(await loop.runUntilComplete(loop.fromPromise(p)), 'from js');
  assert.equal(await loop.runUntilComplete(Promise.reject(new RangeError('no'))).catch((e) => e.message), 'no');
  const f = loop.createFuture();
  const settled = f.promise();
  loop.callLater(5, () => f.setResult('later'));
  loop.callLater(6, () => loop.stop());
  await loop.runForever();
  assert.equal(await settled, 'later');
  loop.close();
});

test('state(): the ready queue, the timers in deadline order, the clock', async () => {
  const loop = await yl.createLoop({ virtualTime: true });
  loop.callSoon(() => {});
  loop.callLater(2, () => {});
  loop.callLater(1, () => {});
  const s = loop.state();
  assert.equal(s.time, 0);
  assert.equal(s.ready.length, 1);
  assert.deepEqual(s.scheduled.map((t) => t.when), [1000, 2000]);
  assert.match(s.scheduled[0].repr, /^<TimerHandle when=1 /);
  assert.deepEqual(s.tasks, []);
  loop.close();
});

test('an exception in a callback goes to onError and the loop goes on', async () => {
  const reported = [];
  const loop = await yl.createLoop({ virtualTime: true, onError: (t) => reported.push(t) });
  const ran = [];
  loop.callSoon(function bad() {
    throw new Error('oops');
  });
  loop.callSoon(() => ran.push('next'));
  loop.callLater(1, () => loop.stop());
  await loop.runForever();
  assert.deepEqual(ran, ['next']);
  assert.equal(reported.length, 1);
  assert.match(reported[0], /^Exception in callback bad\(\)\nError: oops/);
  loop.close();
});

test('misuse is a clear error: running twice, closing while running, scheduling on a closed loop', async () => {
  const loop = await yl.createLoop({ virtualTime: true });
  loop.callLater(1, () => {
    assert.throws(() => loop.close(), (e) => e instanceof RuntimeError && e.message === 'Cannot close a running event loop');
    loop.stop();
  });
  const first = loop.runForever();
  await assert.rejects(loop.runForever(), (e) => e instanceof RuntimeError && e.message === 'This event loop is already running');
  await first;
  loop.close();
  assert.ok(loop.isClosed());
  assert.throws(() => loop.callSoon(() => {}), (e) => e instanceof RuntimeError && e.message === 'Event loop is closed');
  assert.throws(() => loop.callSoon('not a function'), TypeError);
});

test('real time: a timer fires on time and the loop sleeps meanwhile (no busy-waiting)', async () => {
  const loop = await yl.createLoop();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let at = null;
  loop.callLater(0.3, () => {
    at = performance.now() - t0;
    loop.stop();
  });
  let ticks = 0;
  const js = setInterval(() => ticks++, 20); // JS runs while the loop waits
  await loop.runForever();
  clearInterval(js);
  const cpu = process.cpuUsage(cpu0);
  assert.ok(at >= 299 && at < 450, `fired at ${at} ms`);
  assert.ok(ticks >= 10, `JS ran ${ticks} times meanwhile`);
  assert.ok((cpu.user + cpu.system) / 1000 < 100, `used ${(cpu.user + cpu.system) / 1000} ms of CPU`);
  // A callSoon from JS while the loop sleeps wakes it at once.
  const woke = [];
  loop.callLater(10, () => woke.push('late'));
  setTimeout(() => loop.callSoon(() => {
    woke.push(performance.now() - t1);
    loop.stop();
  }), 50);
  const t1 = performance.now();
  await loop.runForever();
  assert.equal(woke.length, 1);
  assert.ok(woke[0] >= 49 && woke[0] < 150, `woke after ${woke[0]} ms`);
  loop.close();
});

// A JS object set as a result or exception is held for the future that carries it, and
// let go with it: 3 x 1,000 futures of 100 KB each, made and dropped, leave nothing.
test('objects set on futures are released when their futures are collected', () => {
  const script = `
    import { load } from ${JSON.stringify(new URL('../wasm/yieldloop.mjs', import.meta.url).href)};
    const loop = await (await load()).createLoop({ virtualTime: true });
    const round = () => {
      for (let i = 0; i < 1000; i++) {
        const f = loop.createFuture();
        if (i % 2) f.setResult(new ArrayBuffer(100_000));
        else f.setException(Object.assign(new Error('e'), { data: new ArrayBuffer(100_000) }));
      }
    };
    const collect = async () => {
      for (let i = 0; i < 5; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 10)); // finalizers run between tasks
      }
    };
    round();
    await collect();
    const before = process.memoryUsage().arrayBuffers;
    for (let k = 0; k < 3; k++) {
      round();
      await collect();
    }
    console.log(JSON.stringify({ before, after: process.memoryUsage().arrayBuffers }));
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { before, after } = JSON.parse(r.stdout);
  assert.ok(after - before < 30e6, `ArrayBuffers grew by ${((after - before) / 1e6).toFixed(0)} MB`);
});
