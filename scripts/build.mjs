#!/usr/bin/env node
// Builds yieldloop's variants with CMake, each in its own build/<variant>:
//   native    gcc, the default backend (x86_64 here)
//   clang     clang, the default backend
//   asan      clang with -DYL_SANITIZE=address,undefined
//   ucontext  gcc with -DYL_BACKEND=ucontext (the portable fallback)
//   aarch64   cross-compiled (cmake/aarch64-linux-gnu.cmake); runs under qemu-aarch64
//   wasm      Emscripten (emscripten.cmake), the Asyncify backend
// A variant is configured when its directory has no CMake cache or was configured
// with other options, then built with `cmake --build -j2`. Each step is printed.
//
// Usage: node scripts/build.mjs [--only native,asan] [--list]
// `valgrind` is accepted in --only as a name for the build it runs (native).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const variants = [
  { name: 'native', args: ['-DCMAKE_C_COMPILER=gcc'] },
  { name: 'clang', args: ['-DCMAKE_C_COMPILER=clang'] },
  { name: 'asan', args: ['-DCMAKE_C_COMPILER=clang', '-DYL_SANITIZE=address,undefined'] },
  { name: 'ucontext', args: ['-DCMAKE_C_COMPILER=gcc', '-DYL_BACKEND=ucontext'] },
  {
    name: 'aarch64',
    args: [`-DCMAKE_TOOLCHAIN_FILE=${path.join(root, 'cmake/aarch64-linux-gnu.cmake')}`],
    needs: ['aarch64-linux-gnu-gcc'],
  },
  {
    name: 'wasm',
    args: [`-DCMAKE_TOOLCHAIN_FILE=${path.join(root, 'emscripten.cmake')}`],
    env: { NODE_PATH: '/usr/share/nodejs' },
    needs: ['emcc'],
  },
];
const aliases = { valgrind: 'native' };

function usage(msg) {
  if (msg) console.error(`build: ${msg}`);
  console.error('usage: node scripts/build.mjs [--only name,...] [--list]');
  console.error(`variants: ${variants.map((v) => v.name).join(', ')} (valgrind: native)`);
  process.exit(2);
}

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

function run(cmd, args, env) {
  console.log(`build: $ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) throw new Error(`${cmd} failed to start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} exited with ${r.status ?? r.signal}`);
}

function build(v) {
  const dir = path.join('build', v.name);
  const missing = (v.needs || []).filter((c) => !has(c));
  if (missing.length) throw new Error(`${v.name}: ${missing.join(', ')} not found (npm run setup installs it)`);
  // The options this variant was configured with: configure again if they changed.
  const stamp = path.join(root, dir, '.yl-configure');
  const wanted = JSON.stringify(v.args);
  const cached = existsSync(path.join(root, dir, 'CMakeCache.txt'));
  if (!cached || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
    console.log(`build: ${v.name}: configuring ${dir}`);
    const gen = !cached && has('ninja') ? ['-G', 'Ninja'] : [];
    run('cmake', ['-S', '.', '-B', dir, ...gen, ...v.args], v.env);
    writeFileSync(stamp, wanted);
  }
  console.log(`build: ${v.name}: building ${dir}`);
  run('cmake', ['--build', dir, '-j2'], v.env);
  return 'built';
}

const argv = process.argv.slice(2);
let only = null;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--list') {
    for (const v of variants) console.log(v.name);
    process.exit(0);
  } else if (a === '--only') {
    if (i + 1 >= argv.length) usage('--only needs a list');
    only = argv[++i];
  } else if (a.startsWith('--only=')) {
    only = a.slice('--only='.length);
  } else {
    usage(`unknown argument ${a}`);
  }
}

let chosen = variants;
if (only !== null) {
  const names = [...new Set(only.split(',').map((s) => s.trim()).filter(Boolean).map((n) => aliases[n] || n))];
  const unknown = names.filter((n) => !variants.some((v) => v.name === n));
  if (unknown.length) usage(`unknown variant ${unknown.join(', ')}`);
  chosen = variants.filter((v) => names.includes(v.name));
}

const results = [];
for (const v of chosen) {
  try {
    results.push(`${v.name} ${build(v)}`);
  } catch (e) {
    console.error(`build: ${v.name} FAILED: ${e.message}`);
    process.exit(1);
  }
}
console.log(`build: done: ${results.join(', ')}`);
