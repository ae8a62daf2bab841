// The npm package, as a user gets it: `npm pack`, installed with no network into a
// fresh project, then used from there: the JS API running example 07 in virtual
// time, the `yieldloop` command, and a C program built with the packaged header,
// static library and CMake toolchain, run in Node.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = (id) => readFileSync(path.join(root, 'tests/fixtures/examples', `${id}.out`), 'utf8');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'yieldloop-package-'));
const proj = path.join(tmp, 'consumer');
const pkg = path.join(proj, 'node_modules/yieldloop');
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { cwd: proj, encoding: 'utf8', ...opts });

before(() => {
  execFileSync('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: root, stdio: 'ignore' });
  const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz')); // (prepack's own output fills stdout)
  mkdirSync(proj);
  writeFileSync(path.join(proj, 'package.json'), '{ "name": "consumer", "private": true, "type": "module" }\n');
  const r = run('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(tmp, tgz)]);
  assert.equal(r.status, 0, r.stderr);
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('the package holds the runtime, its types, the headers, the static library, the toolchain and the page', () => {
  const files = (dir) => readdirSync(path.join(pkg, dir));
  assert.ok(['yieldloop.mjs', 'yieldloop.d.ts', 'cli.mjs'].every((f) => files('wasm').includes(f)));
  assert.deepEqual(files('wasm/dist').sort(), ['libyieldloop.a', 'package.json', 'playground.js', 'playground.wasm']);
  assert.ok(files('src').every((f) => /^(yieldloop|yl_\w+)\.h$/.test(f)), 'public headers only');
  assert.ok(files('.').includes('emscripten.cmake'));
  assert.ok(files('web').includes('index.html'));
  const manifest = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8'));
  assert.match(manifest.version, /^\d+\.\d+\.\d+$/);
  assert.equal(manifest.types, './wasm/yieldloop.d.ts');
});

test('import it in Node and run example 07 in virtual time', () => {
  const script = `
    import { load } from 'yieldloop';
    const yl = await load();
    const t0 = performance.now();
    const lines = [];
    const { code } = await yl.run('07_factorial_asyncio', { virtualTime: true, onEvent: (e) => lines.push(e.text) }).done;
    process.stdout.write(lines.map((l) => l + '\\n').join(''));
    process.stderr.write(JSON.stringify({ code, ms: performance.now() - t0 }));`;
  const r = run(process.execPath, ['--input-type=module', '-e', script]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, fixture('07_factorial_asyncio'));
  const { code, ms } = JSON.parse(r.stderr);
  assert.equal(code, 0);
  assert.ok(ms < 1000, `took ${ms} ms`);
});

test('npx yieldloop serve: the packaged playground, served from the package', async () => {
  const { spawn } = await import('node:child_process');
  // Its own process group: npx runs the server as a child of its own, and both must go.
  const server = spawn('npx', ['--offline', 'yieldloop', 'serve', '--port', '0'], { cwd: proj, detached: true });
  try {
    const url = await new Promise((resolve, reject) => {
      server.stdout.on('data', (d) => {
        const m = /http:\/\/\S+/.exec(String(d));
        if (m) resolve(m[0]);
      });
      server.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    for (const [file, type] of [['', 'text/html'], ['gen/examples.json', 'application/json'],
      ['wasm/dist/playground.wasm', 'application/wasm'], ['wasm/yieldloop.mjs', 'text/javascript']]) {
      const res = await fetch(new URL(file, url));
      assert.equal(res.status, 200, file);
      assert.ok(res.headers.get('content-type').startsWith(type), `${file}: ${res.headers.get('content-type')}`);
    }
  } finally {
    process.kill(-server.pid);
  }
});

test('npx yieldloop run jumping_range', () => {
  const r = run('npx', ['--offline', 'yieldloop', 'run', 'jumping_range']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, fixture('03_jumping_range'));
  const bad = run('npx', ['--offline', 'yieldloop', 'run', 'nothing']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /no example 'nothing'/);
});

test('a C program built with the packaged header, library and toolchain runs in Node', () => {
  const src = path.join(proj, 'demo');
  mkdirSync(src);
  for (const f of ['demo.c', 'CMakeLists.txt']) copyFileSync(path.join(root, 'tests/package', f), path.join(src, f));
  const build = path.join(proj, 'build');
  let r = run('cmake', ['-S', src, '-B', build, '-G', 'Ninja', `-DCMAKE_TOOLCHAIN_FILE=${path.join(pkg, 'emscripten.cmake')}`,
    `-DYIELDLOOP=${pkg}`]);
  if (r.status !== 0 && /Ninja/.test(r.stderr)) {
    r = run('cmake', ['-S', src, '-B', build, `-DCMAKE_TOOLCHAIN_FILE=${path.join(pkg, 'emscripten.cmake')}`, `-DYIELDLOOP=${pkg}`]);
  }
  assert.equal(r.status, 0, r.stdout + r.stderr);
  r = run('cmake', ['--build', build]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  r = run(process.execPath, [path.join(pkg, 'wasm/run.mjs'), path.join(build, 'demo.js')]); // the module exports a factory
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 't=0.0 s: yielded 3\nt=0.5 s: yielded 2\nt=1.0 s: yielded 1\nt=1.5 s: returned \'liftoff\'\nloop stopped\n');
});
