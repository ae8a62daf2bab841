// The JS API's types (wasm/yieldloop.d.ts) against TypeScript and against the API itself:
// tests/types/usage.ts, a user of every part of it (and of some misuses the types must
// reject), type-checks under tsc --strict; and every member the .d.ts declares on the
// module, the runtime, a run, a loop, a handle and a future exists on the real objects
// with the same kind (method or value), and nothing public exists there undeclared.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as api from '../wasm/yieldloop.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const ts = require('typescript');

test('tests/types/usage.ts type-checks against the package\'s types (tsc --strict)', () => {
  const r = spawnSync(process.execPath, [require.resolve('typescript/lib/tsc.js'), '-p', 'tests/types/tsconfig.json'],
    { cwd: root, encoding: 'utf8' });
  assert.equal(r.stdout + r.stderr, '');
  assert.equal(r.status, 0);
});

// What the .d.ts declares: its exported values, and each interface's members, each
// 'method' or 'value' (a property, getter included).
function declared() {
  const file = path.join(root, 'wasm/yieldloop.d.ts');
  const program = ts.createProgram([file], { strict: true, noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file));
  const exports = checker.getExportsOfModule(moduleSymbol);
  const values = exports.filter((s) => s.flags & ts.SymbolFlags.Value).map((s) => s.name).sort();
  const members = (name) => {
    const iface = exports.find((s) => s.name === name);
    assert.ok(iface, `the .d.ts declares no ${name}`);
    return Object.fromEntries(checker.getDeclaredTypeOfSymbol(iface).getProperties().map((p) =>
      [p.name, p.flags & ts.SymbolFlags.Method ? 'method' : 'value']));
  };
  return { values, members };
}

// The public members of a JS object: own properties and its class's, as the .d.ts
// would declare them (Object's own, the constructor and symbol-keyed ones excluded).
function actual(obj) {
  const out = {};
  for (let o = obj; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(o))) {
      if (name === 'constructor' || Object.hasOwn(out, name)) continue;
      out[name] = typeof d.value === 'function' ? 'method' : 'value';
    }
  }
  return out;
}

const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

test('the .d.ts declares exactly the API the module has', async () => {
  const { values, members } = declared();
  assert.deepEqual(Object.keys(api).sort(), values);

  // The runtime and a run are plain objects: functions stored as properties count as
  // methods, as the .d.ts declares them.
  const yl = await api.load();
  assert.deepEqual(sorted(actual(yl)), sorted(members('Runtime')));
  const run = yl.run('01_yrange');
  assert.deepEqual(sorted(actual(run)), sorted(members('Run')));
  await run.done;

  assert.deepEqual(sorted(actual(yl.examples[0])), sorted(members('Example')));

  const loop = await yl.createLoop({ virtualTime: true });
  const handle = loop.callSoon(() => {});
  const future = loop.createFuture();
  assert.deepEqual(sorted(actual(loop)), sorted(members('Loop')));
  assert.deepEqual(sorted(actual(handle)), sorted(members('Handle')));
  // Future's toString() is the repr (asyncio's <Future pending>): Object's, not declared.
  const { toString, ...futureMembers } = actual(future);
  assert.equal(toString, 'method');
  assert.deepEqual(sorted(futureMembers), sorted(members('Future')));
  future.cancel();
  loop.close();
});
