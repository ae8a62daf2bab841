// The C test suite as wasm under Node: build/wasm/tests/yl_tests.js (tests/runner.c
// compiled with the Asyncify backend) runs once, and each of its "ok N - name" /
// "not ok N - name" lines becomes a subtest, failing with the "#" lines printed before
// it. Also: the run covers every test --list names, the modules load in Node with no
// help, and the Asyncify pass left no asyncify imports behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runModule } from '../wasm/run.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const build = path.resolve(root, process.env.YL_WASM_DIR || 'build/wasm');
const runner = path.join(build, 'tests/yl_tests.js');
const needBuild = () =>
  assert.ok(existsSync(runner), `${path.relative(root, runner)} missing: run npm run build`);

// Splits the runner's output into results, each with the "#" lines printed before it.
function parse(stdout) {
  const results = [];
  let notes = [];
  let closing = null;
  for (const line of stdout.split('\n')) {
    let m;
    if ((m = /^(not )?ok (\d+) - (\S+)$/.exec(line))) {
      results.push({ ok: !m[1], n: Number(m[2]), name: m[3], notes });
      notes = [];
    } else if ((m = /^(\d+) passed, (\d+) failed$/.exec(line))) {
      closing = { passed: Number(m[1]), failed: Number(m[2]) };
    } else if (line.startsWith('#')) {
      notes.push(line);
    }
  }
  return { results, closing };
}

test('C test suite in wasm (Asyncify backend)', async (t) => {
  needBuild();
  const list = await runModule(runner, { args: ['--list'] });
  assert.equal(list.code, 0, `--list exited ${list.code}: ${list.stderr}`);
  const names = list.stdout.split('\n').filter(Boolean);
  assert.ok(names.length > 0, '--list printed no test');

  const run = await runModule(runner);
  const { results, closing } = parse(run.stdout);
  for (const r of results) {
    await t.test(r.name, (st) => {
      if (!r.ok) assert.fail(r.notes.join('\n') || 'failed (no diagnostic printed)');
      for (const note of r.notes) st.diagnostic(note.replace(/^#\s*/, ''));
    });
  }
  await t.test('the run ends with "N passed, 0 failed" covering every listed test', () => {
    const tail = `exit code ${run.code}; stderr:\n${run.stderr.slice(-2000)}`;
    assert.ok(closing, `no closing line: the runner stopped early (${tail})`);
    assert.equal(closing.failed, 0, tail);
    assert.equal(closing.passed + closing.failed, names.length, 'tests run != tests listed');
    assert.deepEqual(results.map((r) => r.name), names);
    assert.equal(run.code, 0, tail);
  });
});

test('a module loads in Node by itself (no wasmBinary, no fetch)', async () => {
  needBuild();
  const factory = (await import(pathToFileURL(runner).href)).default;
  const lines = [];
  let code = null;
  await factory({
    arguments: ['--list'],
    print: (s) => lines.push(s),
    printErr: () => {},
    quit: (status, toThrow) => {
      code = status;
      throw toThrow;
    },
  });
  assert.equal(code, 0);
  assert.ok(lines.includes('error_names'), lines.slice(0, 5).join('\n'));
});

test('no asyncify imports are left in any module', () => {
  needBuild();
  const modules = ['tests', 'examples', 'bench']
    .map((dir) => path.join(build, dir))
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.wasm')).map((f) => path.join(dir, f)));
  assert.ok(modules.length > 0);
  for (const file of modules) {
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(file)));
    const left = imports.filter((i) => i.module === 'asyncify').map((i) => i.name);
    assert.deepEqual(left, [], `${path.relative(root, file)} still imports asyncify.*`);
  }
});
