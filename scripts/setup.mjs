#!/usr/bin/env node
// Installs what the build and the tests need on a fresh Debian machine, and nothing
// when it is all there: Debian packages (as root, or with passwordless sudo), then the
// npm devDependencies (playwright-core, which drives Debian's chromium in the browser
// tests; it downloads no browser of its own; typescript, which checks the API's types).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Each need: how to tell it is present, and the Debian packages that provide it.
const needs = [
  { what: 'cmake', cmd: 'cmake', pkgs: ['cmake'] },
  { what: 'gcc', cmd: 'gcc', pkgs: ['gcc'] },
  { what: 'clang', cmd: 'clang', pkgs: ['clang'] },
  { what: 'ASan/UBSan runtime for clang', glob: '/usr/lib/llvm-14/lib/clang', file: 'libclang_rt.asan-x86_64.a', pkgs: ['libclang-rt-14-dev'] },
  { what: 'valgrind', cmd: 'valgrind', pkgs: ['valgrind'] },
  { what: 'Emscripten', cmd: 'emcc', pkgs: ['emscripten'] },
  { what: 'Binaryen', cmd: 'wasm-opt', pkgs: ['binaryen'] },
  { what: 'AArch64 cross compiler', cmd: 'aarch64-linux-gnu-gcc', pkgs: ['gcc-aarch64-linux-gnu', 'libc6-dev-arm64-cross'] },
  { what: 'qemu-user', cmd: 'qemu-aarch64', pkgs: ['qemu-user'] },
  { what: 'python3', cmd: 'python3', pkgs: ['python3'] },
  { what: 'Chromium', cmd: 'chromium', pkgs: ['chromium'] },
];

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

function hasFile(dir, name) {
  const r = spawnSync('find', [dir, '-name', name, '-print', '-quit'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

function installDebianPackages() {
  const missing = needs.filter((n) => (n.cmd ? !has(n.cmd) : !existsSync(n.glob) || !hasFile(n.glob, n.file)));
  if (process.arch !== 'x64') {
    // The ASan runtime check above names the x86-64 library; elsewhere clang's package provides its own.
    const i = missing.findIndex((n) => n.file);
    if (i >= 0) missing.splice(i, 1);
  }
  if (missing.length === 0) return;

  const pkgs = [...new Set(missing.flatMap((n) => n.pkgs))];
  console.log(`setup: installing ${missing.map((n) => n.what).join(', ')} (${pkgs.join(' ')})`);
  const isRoot = process.getuid && process.getuid() === 0;
  const sudo = isRoot ? [] : has('sudo') ? ['sudo', '-n'] : null;
  if (!sudo) {
    console.error(`setup: missing ${pkgs.join(' ')} and not root (no sudo): install them with apt-get, then retry.`);
    process.exit(1);
  }
  const run = (args) => {
    const [cmd, ...rest] = [...sudo, ...args];
    execFileSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  try {
    run(['apt-get', 'update', '-qq']);
    run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...pkgs]);
  } catch (e) {
    console.error(`setup: apt-get failed (${e.message}); install ${pkgs.join(' ')} by hand, then retry.`);
    process.exit(1);
  }
  const still = missing.filter((n) => n.cmd && !has(n.cmd));
  if (still.length) {
    console.error(`setup: still missing after install: ${still.map((n) => n.what).join(', ')}`);
    process.exit(1);
  }
}

// The npm devDependencies, as package-lock.json pins them.
function installNodeModules() {
  const deps = Object.keys(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).devDependencies ?? {});
  if (deps.every((d) => existsSync(path.join(root, 'node_modules', d, 'package.json')))) return;
  const args = existsSync(path.join(root, 'package-lock.json')) ? ['ci'] : ['install'];
  console.log(`setup: npm ${args[0]} (${deps.join(', ')})`);
  const r = spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`setup: npm ${args[0]} failed (${r.error?.message ?? `exit ${r.status}`}); run it by hand in ${root}.`);
    process.exit(1);
  }
}

installDebianPackages();
installNodeModules();
