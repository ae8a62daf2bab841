// The C test suite natively, once per build variant (scripts/build.mjs makes them):
// each `ok N - name` / `not ok N - name` line of build/<variant>/tests/yl_tests
// becomes a subtest (the `#` lines before a `not ok` are its failure message), and
// the closing `N passed, 0 failed` line must count every test `--list` names.
//
//   native    gcc, the default backend        clang     clang, the default backend
//   asan      clang, ASan + UBSan              ucontext  the ucontext backend
//   aarch64   cross-built, under qemu-aarch64  valgrind  build/native under memcheck
//
// Each variant also runs tests/overflow/overflow.c (build/<variant>/tests/yl_overflow)
// in a child process: overflowing a coroutine's stack must kill it by SIGABRT with
// yieldloop's message, and a fault that is not an overflow must reach the default
// action (or the sanitizer's handler) untouched.
//
// YL_VARIANTS=native,asan limits the run to those; a variant that is asked for and
// not built fails with what to run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const qemu = ['qemu-aarch64', '-L', '/usr/aarch64-linux-gnu'];
const valgrind = [
  'valgrind',
  '-q',
  '--leak-check=full',
  '--errors-for-leak-kinds=all',
  '--show-leak-kinds=all',
  '--error-exitcode=99',
];
const VALGRIND_ERROR = 99;

const variants = [
  { name: 'native', build: 'native' },
  { name: 'clang', build: 'clang' },
  {
    name: 'asan',
    build: 'asan',
    sanitizer: true,
    env: {
      ASAN_OPTIONS: 'detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1',
      UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
    },
  },
  { name: 'ucontext', build: 'ucontext' },
  { name: 'aarch64', build: 'aarch64', wrap: qemu },
  { name: 'valgrind', build: 'native', wrap: valgrind, listWrap: [], noOverflow: true },
];

const wanted = process.env.YL_VARIANTS ? process.env.YL_VARIANTS.split(',').map((s) => s.trim()) : null;
if (wanted) {
  const unknown = wanted.filter((n) => !variants.some((v) => v.name === n));
  if (unknown.length) throw new Error(`YL_VARIANTS: unknown variant ${unknown.join(', ')}`);
}

function hasCommand(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

// Runs exe (through `wrap`) with core dumps off: some of these die on purpose.
function run(v, wrap, exe, args, timeout) {
  const argv = [...wrap, exe, ...args];
  const r = spawnSync('sh', ['-c', 'ulimit -c 0; exec "$@"', 'sh', ...argv], {
    cwd: root,
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...(v.env || {}) },
  });
  assert.equal(r.error, undefined, `${argv.join(' ')} failed to start: ${r.error}`);
  return r;
}

// The last lines of a stream, for failure messages.
const tail = (s, n = 30) => s.split('\n').slice(-n).join('\n');

function missing(v, file) {
  const exe = path.join(root, 'build', v.build, 'tests', file);
  if (existsSync(exe)) return null;
  const target = file === 'yl_overflow' ? ' (the yl_overflow target of CMakeLists.txt)' : '';
  return `build/${v.build}/tests/${file}${target} missing: run node scripts/build.mjs --only ${v.build} (npm test builds every variant)`;
}

function precondition(v) {
  const wrapper = v.wrap && v.wrap[0];
  if (wrapper && !hasCommand(wrapper)) return `${wrapper} not found: run npm run setup`;
  return null;
}

// Parses the runner's output: one entry per ok/not ok line, with the `#` and other
// lines printed before it, plus the closing counts.
function parse(stdout) {
  const results = [];
  let notes = [];
  let closing = null;
  for (const line of stdout.split('\n')) {
    let m;
    if ((m = /^(not ok|ok) (\d+) - (.+)$/.exec(line))) {
      results.push({ ok: m[1] === 'ok', n: Number(m[2]), name: m[3], notes });
      notes = [];
    } else if ((m = /^(\d+) passed, (\d+) failed$/.exec(line))) {
      closing = { passed: Number(m[1]), failed: Number(m[2]) };
    } else if (line !== '') {
      notes.push(line);
    }
  }
  return { results, closing, trailing: notes };
}

for (const v of variants) {
  if (wanted && !wanted.includes(v.name)) continue;

  test(`${v.name}: yl_tests`, async (t) => {
    const pre = precondition(v) || missing(v, 'yl_tests');
    if (pre) assert.fail(`${v.name}: ${pre}`);
    const exe = path.join('build', v.build, 'tests', 'yl_tests');

    const list = run(v, v.listWrap ?? v.wrap ?? [], exe, ['--list'], 60_000);
    assert.equal(list.status, 0, `${exe} --list exited ${list.status ?? list.signal}: ${tail(list.stderr)}`);
    const names = list.stdout.split('\n').filter(Boolean);
    assert.ok(names.length > 0, `${exe} --list named no test`);

    const r = run(v, v.wrap || [], exe, [], 20 * 60_000);
    const { results, closing, trailing } = parse(r.stdout);
    for (const res of results) {
      await t.test(res.name, (st) => {
        if (res.ok) {
          for (const note of res.notes) st.diagnostic(note);
          return;
        }
        assert.fail(`${v.name}: ${res.name} failed:\n${res.notes.join('\n')}`);
      });
    }

    const how = r.signal ? `was killed by ${r.signal}` : `exited ${r.status}`;
    const context = `\n--- last output ---\n${tail(trailing.join('\n'))}\n--- stderr ---\n${tail(r.stderr)}`;
    assert.notEqual(r.status, VALGRIND_ERROR, `${v.name}: memcheck found errors or leaks:${context}`);
    assert.ok(closing, `${v.name}: ${exe} ${how} before its closing line:${context}`);
    assert.equal(closing.failed, 0, `${v.name}: ${closing.failed} test(s) failed`);
    assert.equal(closing.passed, results.length, `${v.name}: the closing line does not count the ok lines`);
    assert.equal(results.length, names.length, `${v.name}: ran ${results.length} tests, --list names ${names.length}`);
    assert.deepEqual(results.map((x) => x.name), names, `${v.name}: the tests run are not those --list names`);
    assert.equal(r.status, 0, `${v.name}: ${exe} ${how}:${context}`);
    // Reports fail the run already; warnings (e.g. an unannotated stack switch) do not.
    if (v.sanitizer) {
      assert.doesNotMatch(r.stderr, /Sanitizer|WARNING: ASan|runtime error:/, `${v.name}: sanitizer output:${context}`);
    }
  });

  if (v.noOverflow) continue;

  const message =
    /yieldloop: coroutine stack overflow \(stack of 16384 bytes at 0x[0-9a-f]+\); create the coroutine with a larger stack\n/;

  for (const mode of ['main', 'thread', 'nested']) {
    test(`${v.name}: a stack overflow (${mode}) aborts with the message`, () => {
      const pre = precondition(v) || missing(v, 'yl_overflow');
      if (pre) assert.fail(`${v.name}: ${pre}`);
      const r = run(v, v.wrap || [], path.join('build', v.build, 'tests', 'yl_overflow'), [mode], 60_000);
      assert.match(r.stderr, message, `${v.name}: no overflow message; stderr:\n${tail(r.stderr)}`);
      assert.equal(r.signal, 'SIGABRT', `${v.name}: expected death by SIGABRT, got ${r.signal ?? `exit ${r.status}`}`);
    });
  }

  test(`${v.name}: a fault that is not an overflow goes to the previous handler`, () => {
    const pre = precondition(v) || missing(v, 'yl_overflow');
    if (pre) assert.fail(`${v.name}: ${pre}`);
    const r = run(v, v.wrap || [], path.join('build', v.build, 'tests', 'yl_overflow'), ['segv'], 60_000);
    assert.doesNotMatch(r.stderr, /yieldloop: coroutine stack overflow/, `${v.name}: a NULL read was taken for an overflow`);
    if (v.sanitizer) {
      // ASan's own SIGSEGV handler was there first: it reports and exits non-zero.
      assert.match(r.stderr, /AddressSanitizer: SEGV/, `${v.name}: ASan did not report the fault:\n${tail(r.stderr)}`);
      assert.notEqual(r.status, 0);
    } else {
      assert.equal(r.signal, 'SIGSEGV', `${v.name}: expected death by SIGSEGV, got ${r.signal ?? `exit ${r.status}`}`);
    }
  });
}

// A hundred thousand tasks pending at once natively. Each coroutine stack has a guard
// page: on Linux 6.13+ a madvise() guard region, which leaves the stacks' mappings
// mergeable, so the process's limit on mappings (vm.max_map_count) is no limit; on an
// older kernel the guard is an mprotect()ed page, two mappings a stack, and tasks past
// the limit fail to start with MemoryError (cleanly: the program goes on).
test('native: 100k tasks pending at once, each on its own guarded stack', () => {
  const exe = path.join(root, 'build/native/bench/loop_bench');
  const r = spawnSync(exe, ['--case', 'mem', '--mem-tasks', '100000'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const ok = Number(/ ok=(\d+) /.exec(r.stdout)?.[1]);
  const [major, minor] = os.release().split('.').map(Number);
  if (major > 6 || (major === 6 && minor >= 13)) assert.equal(ok, 100000);
  else assert.ok(ok > 30000 && ok < 100000, `${ok} started`);
});
