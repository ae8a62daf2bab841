// A TypeScript user of the JS API, type-checked against wasm/yieldloop.d.ts by
// tests/types.test.mjs (tsc --strict, never run). Each @ts-expect-error is a misuse the
// types must reject: tsc fails if one is accepted.
import { errors, load, YieldloopError } from 'yieldloop';
import type { Future, Handle, Loop, Run, RunEvent, Runtime } from 'yieldloop';

export async function main(): Promise<number> {
  const yl: Runtime = await load({ dist: new URL('./dist/', 'file:///opt/yieldloop/') });
  const ids: string[] = yl.examples.map((e) => e.id);

  const events: RunEvent[] = [];
  const run: Run = yl.run(ids[0], { args: ['--sends', '3'], trace: true, onEvent: (e) => events.push(e) });
  run.pause();
  run.resume();
  const { code, stopped } = await run.done;
  const lines: string[] = events.filter((e) => e.ev === 'out').map((e) => e.text ?? '');
  const states = events.flatMap((e) => e.state?.gens.map((g) => g.state) ?? []);
  // @ts-expect-error: ids are strings
  yl.run(7);
  // @ts-expect-error: virtualTime is a boolean
  yl.run('07_factorial_asyncio', { virtualTime: 'yes' });

  const loop: Loop = await yl.createLoop({ virtualTime: true, onError: (text: string) => lines.push(text) });
  const h: Handle = loop.callLater(1000, () => lines.push('later'));
  const when: number = h.when();
  const f: Future<number> = loop.createFuture<number>();
  f.addDoneCallback((done) => lines.push(`done ${done.result() + 1}`));
  loop.callSoon(() => f.setResult(41));
  // @ts-expect-error: a Future<number> takes numbers
  f.setResult('forty-one');
  const n: number = await loop.runUntilComplete(f);
  const viaPromise: string = await loop.runUntilComplete(Promise.resolve('ok'));
  const g = loop.fromPromise(Promise.resolve(true));
  const b: boolean = await g.promise();
  try {
    loop.createFuture().result();
  } catch (e) {
    if (e instanceof errors.InvalidStateError && e instanceof YieldloopError) lines.push(e.message);
  }
  const phase: 'idle' | 'wait' | 'due' | 'run' = loop.state().phase;
  loop.close();
  // @ts-expect-error: handles have no result
  h.result();
  return code ?? (stopped ? 1 : 0) + when + n + viaPromise.length + Number(b) + states.length + phase.length;
}
