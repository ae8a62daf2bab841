// The differential fixtures (tests/fixtures/<name>.txt and .inc, replayed by the C
// tests of the same names) are what CPython 3.11 does today: each script's --check
// reruns every recorded sequence or program in memory and compares. gen_diff records
// generator steps, loop_diff the event loop's callbacks, task_diff tasks and futures.
// python3 must be CPython 3.11 (Debian 12's is).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('python3 is CPython 3.11', () => {
  const probe = spawnSync('python3', ['-c', 'import sys; print(sys.implementation.name, *sys.version_info[:2])'], {
    encoding: 'utf8',
  });
  assert.equal(probe.stdout?.trim(), 'cpython 3 11', 'python3 must be CPython 3.11');
});

for (const name of ['gen_diff', 'loop_diff', 'task_diff']) {
  test(`${name} fixtures are current with CPython 3.11`, () => {
    const r = spawnSync('python3', [`tests/diff/${name}.py`, '--check'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.error, undefined, `python3 failed to start: ${r.error}`);
    assert.equal(r.status, 0, `${name}.py --check exited ${r.status}:\n${r.stderr}${r.stdout}`);
  });
}
