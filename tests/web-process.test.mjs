// Child processes in the browser (wasm/yl_process.js): example 08's programs run in a
// page of Debian's Chromium, and each server they spawn is a Web Worker running the
// same module with `--server N`. The output must be CPython's, as under Node
// (tests/examples.test.mjs); the servers must have been Workers; the page must log no
// error. The programs are the examples' own modules and the playground's (all examples
// in one module, whose servers are the same module run with options only), on the
// playground's server and from a page opened from file:// (an opaque origin, as the
// playground's single file). tests/web/fixtures/process.html runs a program and reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { withPage } from './web/browser.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.join(root, 'tests/fixtures/examples');
const WORKER = 'yieldloop server (Web Worker standing in for a process)';

// Runs wasm/dist/<module>.js with args in the page: window.result (see the page).
// `compiled`: the page compiles the module and hands it to the program, as
// wasm/yieldloop.mjs does (Module.instantiateWasm and ylWasmModule).
function runInPage(module, args, compiled) {
  const js = path.join(root, 'wasm/dist', `${module}.js`);
  assert.ok(existsSync(js), `wasm/dist/${module}.js missing: run npm run build`);
  const query = new URLSearchParams({ program: module, args: args.join(','), ...(compiled && { compiled: '' }) });
  return withPage(
    async ({ page, errors }) => {
      await page.waitForFunction(() => window.result, null, { timeout: 30_000 });
      return { ...(await page.evaluate(() => window.result)), errors };
    },
    { path: `/tests/web/fixtures/process.html?${query}`, mounts: { '/tests/web/fixtures/': 'tests/web/fixtures' } },
  );
}

// Runs wasm/dist/<module>.js with args in a copy of the page opened from file://, the
// program inlined as the playground's single-file build inlines it (scripts/build-web.mjs):
// the glue as a data: URL (its .wasm's URL based on the page's instead: a data: URL
// cannot be a base), the .wasm as base64.
async function runFromFile(module, args) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'yl-web-process-'));
  const page = path.join(dir, 'process.html');
  const glue = readFileSync(path.join(root, 'wasm/dist', `${module}.js`), 'utf8')
    .replace(/(new URL\('[\w.-]+\.wasm', )import\.meta\.url\)/, `$1${JSON.stringify(pathToFileURL(page).href)})`);
  const inlined = {
    glue: `data:text/javascript;charset=utf-8,${encodeURIComponent(glue)}`,
    wasm: readFileSync(path.join(root, 'wasm/dist', `${module}.wasm`)).toString('base64'),
  };
  try {
    writeFileSync(page, `<script>window.inlined = ${JSON.stringify(inlined).replace(/</g, '\\u003c')};</script>\n` +
      readFileSync(path.join(root, 'tests/web/fixtures/process.html'), 'utf8'));
    const query = new URLSearchParams({ program: module, args: args.join(',') });
    return await withPage(async ({ page: p, errors }) => {
      await p.goto(`${pathToFileURL(page).href}?${query}`);
      await p.waitForFunction(() => window.result, null, { timeout: 30_000 });
      return { ...(await p.evaluate(() => window.result)), errors };
    }, { path: null });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// A server of N rounds answers N + 1/2 rounds after it was spawned, or once it is up if
// that is later (examples/subprocess.h), and the output is CPython's if that is before
// round N + 1: its Worker must be up within 3.5 rounds. One is up in 50-250 ms (a
// thread, the glue imported and run, the module instantiated), more on a loaded
// machine: 3.5 rounds are 875 ms at this scale.
const SCALE = 0.25;
const runs = [
  // module, the program's args, how the page gets it, fixture, the time it takes in rounds
  ['client_subp', [], 'served', '08_client_subp', 6],
  ['client_subp_async', [], 'served', '08_client_subp_async', 5.5],
  ['playground', ['client_subp'], 'compiled by the page', '08_client_subp', 6],
  ['client_subp_async', [], 'from file://', '08_client_subp_async', 5.5],
];
for (const [module, pre, how, fixture, rounds] of runs) {
  const args = [...pre, '--scale', String(SCALE)];
  test(`${fixture}: wasm/dist/${module}.js ${args.join(' ')} in Chromium (${how}), its servers Web Workers, prints what CPython printed`, async () => {
    const r = how === 'from file://' ? await runFromFile(module, args) : await runInPage(module, args, how === 'compiled by the page');
    assert.equal(r.error, undefined, `${r.error}\n${r.stderr}`);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, readFileSync(path.join(fixtures, `${fixture}.out`), 'utf8'));
    assert.equal(r.code, 0);
    assert.deepEqual(r.workers, [WORKER, WORKER]);
    assert.deepEqual(r.errors, []);
    // No busy-waiting or lost wake-ups: from main's start it takes the time its sleeps
    // add up to.
    const min = rounds * SCALE * 1000;
    assert.ok(r.ms >= min - 10 && r.ms <= min + 600, `took ${r.ms.toFixed(0)} ms`);
  });
}
