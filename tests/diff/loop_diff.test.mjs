// The event loop differential fixture (tests/fixtures/loop_diff.txt and .inc, replayed
// by the C test loop_diff) is what CPython 3.11's asyncio does today: loop_diff.py
// --check reruns every program in memory and compares. python3 must be CPython 3.11
// (Debian 12's is).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('loop_diff fixtures are current with CPython 3.11', () => {
  const probe = spawnSync('python3', ['-c', 'import sys; print(sys.implementation.name, *sys.version_info[:2])'], {
    encoding: 'utf8',
  });
  assert.equal(probe.stdout?.trim(), 'cpython 3 11', 'python3 must be CPython 3.11');
  const r = spawnSync('python3', ['tests/diff/loop_diff.py', '--check'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.error, undefined, `python3 failed to start: ${r.error}`);
  assert.equal(r.status, 0, `loop_diff.py --check exited ${r.status}:\n${r.stderr}${r.stdout}`);
});
