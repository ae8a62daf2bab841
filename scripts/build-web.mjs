#!/usr/bin/env node
// Generates what the playground (web/) needs from the repo:
//   web/gen/examples.json   each example's Python (tests/fixtures/examples/NN_*.py) and C
//                           port (examples/*.c), which Python line each C line ports, a
//                           short note, its parameters, and for 01/02 the SyntaxError
//                           CPython reports for the document's `if __name__ = "__main__":`
//   build/web/yieldloop-playground.html
//                           the whole page in one file that opens from file:// (scripts,
//                           styles, the examples and the wasm modules inlined); made when
//                           the wasm build is there (wasm/dist/playground.wasm)
//
// Usage: node scripts/build-web.mjs
// scripts/start.mjs calls buildWeb() itself, the playground's tests buildExamples().
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const examplesJson = path.join(root, 'web/gen/examples.json');
export const singleFile = path.join(root, 'build/web/yieldloop-playground.html');

// The examples in the order of the document. `clocks`: the speeds that make sense (08's
// servers are real Web Workers: no virtual clock). `params`: argv the C port accepts
// (examples/args.h), each passed only when it differs from its default.
const EXAMPLES = [
  {
    id: '01_yrange', program: 'yrange', title: 'yrange', documentTypo: true,
    note: 'Calling a generator function only creates a generator; next() runs its body up to the first ' +
      '`yield` and hands out i+x. It stays suspended there (GEN_SUSPENDED) until the program frees it.',
  },
  {
    id: '02_yrange_global', program: 'yrange_global', title: 'yrange with a global', documentTypo: true,
    note: 'The generator reads the global x only when it runs: the caller sets x = 2 between the two ' +
      'next() calls, so the second value uses the new x.',
  },
  {
    id: '03_jumping_range', program: 'jumping_range', title: 'jumping_range: send()',
    note: 'send(v) resumes the generator and makes v the value of the paused `yield` expression ' +
      '(jump = yield index); next() sends None. Step with granularity "yield": one resume per step.',
    params: [{ name: 'sends', flag: '--sends', label: 'Values sent: iterator.send(A), then iterator.send(B)',
      value: '2,-1', pattern: '-?\\d{1,6},-?\\d{1,6}' }],
  },
  {
    id: '04_pipeline', program: 'pipeline', title: 'a pipeline of coroutines',
    note: 'filter primes writer with send(None), then passes on what it is sent with coro.send(x): ' +
      'two generators suspended at once, one resuming the other.',
  },
  {
    id: '05_pipeline_yield_from', program: 'pipeline_yield_from', title: 'the pipeline with yield from',
    note: '`yield from` delegates: f.send(7) goes straight to writer (the chain filter → writer shows ' +
      'in the state panel), and the first value out is writer\'s "a", not "hello".',
  },
  {
    id: '06_return_value', program: 'return_value', title: 'return value of a generator',
    note: '`return 1` ends f with StopIteration(1), which becomes the value of `yield from f()`. ' +
      'Calling g() alone only creates a generator and prints nothing.',
  },
  {
    id: '07_factorial_asyncio', program: 'factorial', title: 'asyncio: three factorial tasks', loop: true,
    clocks: ['real', 'virtual', 'slow'],
    note: 'Three tasks interleave on the event loop, each sleeping per step. Every run_once iteration moves ' +
      'due timers to the ready queue, runs the ready handles, then waits for the next deadline: 3 s in ' +
      'real time, at once on the virtual clock, with the same lines.',
    params: [
      { name: 'inputs', flag: '--inputs', label: 'factorial(n) of tasks A, B, C', value: '2,3,4',
        pattern: '(1?\\d|20),(1?\\d|20),(1?\\d|20)' },
      { name: 'sleep', flag: '--sleep', label: 'asyncio.sleep per step (s)', value: '1',
        pattern: '\\d{1,2}(\\.\\d{1,3})?' },
    ],
  },
  {
    id: '08_client_subp', program: 'client_subp', title: 'polling subprocesses', loop: true, clocks: ['real'],
    workers: true,
    note: 'Each round sends None into both readers, which yield None while their server runs, then ' +
      'sleeps 1 s. The two server processes (python3 server_subp.py 5 and 3) are Web Workers here, ' +
      'standing in for processes.',
    params: [{ name: 'scale', flag: '--scale', label: 'Time scale: every sleep × S', value: '1',
      pattern: '\\d(\\.\\d{1,3})?' }],
  },
  {
    id: '08_client_subp_async', program: 'client_subp_async', title: 'subprocesses, the asyncio way', loop: true,
    clocks: ['real'], workers: true,
    note: 'Not in the document: example 08 with two tasks awaiting their server on the event loop, no ' +
      'polling; the loop sleeps until a server is done. The servers are Web Workers standing in for processes.',
    params: [{ name: 'scale', flag: '--scale', label: 'Time scale: every sleep × S', value: '1',
      pattern: '\\d(\\.\\d{1,3})?' }],
  },
];

// ---- which Python line each C line ports ----

// A Python line's code without its comment (a `#` outside string quotes), spaces squeezed.
function pythonCode(line) {
  let quote = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#') {
      return squeeze(line.slice(0, i));
    }
  }
  return squeeze(line);
}

const squeeze = (s) => s.trim().replace(/\s+/g, ' ');
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The comments on one C line: each `/* ... */` closed on it, and a `// ...`.
function cComments(line) {
  const out = [...line.matchAll(/\/\*(.*?)\*\//g)].map((m) => squeeze(m[1]));
  const slash = line.match(/\/\/(.*)$/);
  if (slash && !line.slice(0, slash.index).includes('"')) out.push(squeeze(slash[1]));
  return out.filter(Boolean);
}

// Does comment `c` quote Python `code`? It does when it is the code, or the code then a
// space and a remark (`print(next(g)) # 0`, `for _ in g(): pass -- prints 1`); `...` in
// it stands for any text (`process = subprocess.Popen(...)`), up to a ` -- ` remark.
function quotes(c, code) {
  if (c === code || c.startsWith(`${code} `)) return true;
  if (!c.includes('...')) return false;
  const pattern = c.split(' -- ')[0].split('...').map(escapeRegExp).join('.*');
  return new RegExp(`^${pattern}$`).test(code);
}

// The C function each line is in (by brace depth; the name is the first `name(` on the
// line that opens its body), null outside functions.
function cFunctions(lines) {
  let depth = 0;
  let fn = null;
  let inComment = false;
  return lines.map((line) => {
    // Braces in comments and strings do not count.
    let code = '';
    for (let i = 0; i < line.length; i++) {
      if (inComment) {
        if (line.startsWith('*/', i)) { inComment = false; i++; }
      } else if (line.startsWith('/*', i)) { inComment = true; i++; }
      else if (line.startsWith('//', i)) break;
      else if (line[i] === '"' || line[i] === "'") {
        const q = line[i];
        for (i++; i < line.length && line[i] !== q; i++) if (line[i] === '\\') i++;
      } else code += line[i];
    }
    const before = depth;
    for (const c of code) depth += c === '{' ? 1 : c === '}' ? -1 : 0;
    if (before === 0 && depth > 0) fn = code.match(/(\w+)\s*\(/)?.[1] ?? null;
    const here = before > 0 || depth > 0 ? fn : null;
    if (depth === 0) fn = null;
    return here;
  });
}

// The lines of the Python block a `def` line opens: [def line, last line], 1-based.
function pythonBlock(lines, def) {
  const indent = (l) => l.match(/^ */)[0].length;
  let end = def;
  for (let i = def; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    if (indent(lines[i]) <= indent(lines[def - 1])) break;
    end = i + 1;
  }
  return [def, end];
}

// For each C line (index = line - 1): { fn, py: [Python lines it may port] } or null
// outside functions. A C function that quotes a `def` ports that function: its lines
// port lines of that block (04's writer and filter both have a `while True:`). A line
// may still port several identical Python lines (a helper called for each, say 03's
// print_step): the page resolves those as the program runs (web/lines.js).
export function mapLines(pySource, cSource) {
  const pyLines = pySource.split('\n');
  const py = pyLines.map(pythonCode);
  const cLines = cSource.split('\n');
  const fns = cFunctions(cLines);
  const found = cLines.map((line) => {
    const lines = new Set();
    for (const c of cComments(line)) py.forEach((code, j) => code && quotes(c, code) && lines.add(j + 1));
    return [...lines].sort((a, b) => a - b);
  });
  const blocks = new Map(); // C function -> the Python block of the def it quotes
  found.forEach((lines, i) => {
    const def = lines.find((n) => /^(async )?def /.test(py[n - 1]));
    if (fns[i] && def && !blocks.has(fns[i])) blocks.set(fns[i], pythonBlock(pyLines, def));
  });
  return cLines.map((_, i) => {
    const block = blocks.get(fns[i]);
    const lines = block ? found[i].filter((n) => n >= block[0] && n <= block[1]) : found[i];
    return fns[i] || lines.length ? { fn: fns[i], py: lines } : null;
  });
}

// ---- the document's SyntaxError (01, 02) ----

const TYPO_FIXED = /^if __name__ == "__main__":$/m;

// What python3 says for the document's text of the fixture: run on a copy with `=`.
function documentSyntaxError(file, source) {
  if (!TYPO_FIXED.test(source)) throw new Error(`${file}: no \`if __name__ == "__main__":\` line to restore`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'yl-typo-'));
  try {
    writeFileSync(path.join(dir, file), source.replace(TYPO_FIXED, 'if __name__ = "__main__":'));
    const r = spawnSync('python3', [file], { cwd: dir, encoding: 'utf8' });
    if (r.error) throw new Error(`python3 (needed for ${file}'s SyntaxError): ${r.error.message}`);
    if (r.status === 0 || !r.stderr.includes('SyntaxError')) throw new Error(`python3 ${file}: no SyntaxError`);
    // python3 names the script by its absolute path: show the name the document's reader ran.
    return r.stderr.replaceAll(path.join(dir, file), file).replace(/\n$/, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- examples.json ----

export function buildExamples() {
  const fixtures = path.join(root, 'tests/fixtures/examples');
  const examples = EXAMPLES.map(({ documentTypo, ...ex }) => {
    const pyFile = `${ex.id}.py`;
    const cFile = `examples/${ex.program}.c`;
    const python = readFileSync(path.join(fixtures, pyFile), 'utf8').replace(/\n$/, '');
    const c = readFileSync(path.join(root, cFile), 'utf8').replace(/\n$/, '');
    return {
      loop: false, clocks: ['real', 'virtual', 'slow'], params: [], workers: false, ...ex,
      python: { file: pyFile, source: python, ...(documentTypo && { syntaxError: documentSyntaxError(pyFile, python) }) },
      c: { file: cFile, source: c },
      lines: mapLines(python, c),
    };
  });
  mkdirSync(path.dirname(examplesJson), { recursive: true });
  writeFileSync(examplesJson, `${JSON.stringify({ examples }, null, 1)}\n`);
  return examples;
}

// ---- the single file ----
//
// The page's ES modules go in as text, and a small loader turns each into a data: URL
// with its relative imports rewritten to its dependencies' data: URLs (dependencies
// first). data: rather than Blob URLs because a page opened from file:// has an opaque
// origin, and Chromium loads a module Worker from a data: URL there but not from a
// Blob URL. The Worker gets the wasm programs it runs (the glue as a data: URL, the
// .wasm as base64) through globalThis.ylPrograms, which web/worker.js reads; the page
// gets the Worker's URL, the examples and the bench figures through globalThis.ylBundle
// (web/assets.js).

// A static import or re-export of a relative path; group 3 is the path.
const IMPORT = /(\bimport\s*(?:[\w*{}\s,]+?\s*from\s*)?|\bexport\s*[\w*{}\s,]+?\s*from\s*)(['"])(\.\.?\/[^'"]+)\2/g;
const PROGRAMS = ['playground', 'yl_bench', 'loop_bench'];

// The modules reachable from `entries` by static relative imports: { repo path: source }.
function moduleGraph(entries) {
  const modules = {};
  const visit = (rel) => {
    if (modules[rel] !== undefined) return;
    const source = readFileSync(path.join(root, rel), 'utf8');
    modules[rel] = source;
    for (const m of source.matchAll(IMPORT)) visit(path.posix.join(path.posix.dirname(rel), m[3]));
  };
  entries.forEach(visit);
  return modules;
}

// The loader, run first in the page: it makes the data: URLs and imports the page.
function loader(importPattern) {
  const data = JSON.parse(document.getElementById('yl-bundle').textContent);
  const js = (text) => `data:text/javascript;charset=utf-8,${encodeURIComponent(text)}`;
  const urls = {};
  const moduleUrl = (rel, prelude = '') => {
    urls[rel] ??= js(prelude + data.modules[rel].replace(new RegExp(importPattern, 'g'), (m, head, q, spec) => {
      const dep = new URL(spec, `https://bundle/${rel}`).pathname.slice(1);
      return `${head}${JSON.stringify(moduleUrl(dep))}`; // "": encodeURIComponent leaves ' as is
    }));
    return urls[rel];
  };
  // Emscripten's ES6 glue resolves its .wasm with `new URL('x.wasm', import.meta.url)`,
  // and a data: URL cannot be the base of another: this page's URL is instead (nothing
  // is fetched from it: the .wasm comes as bytes).
  const wasmUrl = /(new URL\('[\w.-]+\.wasm', )import\.meta\.url\)/;
  const programs = {};
  for (const [name, p] of Object.entries(data.programs)) {
    programs[name] = { glue: js(p.glue.replace(wasmUrl, (m, head) => `${head}${JSON.stringify(location.href)})`)), wasm: p.wasm };
  }
  globalThis.ylBundle = {
    worker: moduleUrl('web/worker.js', `globalThis.ylPrograms = ${JSON.stringify(programs)};\n`),
    examples: data.examples,
    benchResults: data.benchResults,
  };
  import(moduleUrl('web/app.js'));
}

// Inside <script>: nothing may close the element early.
const scriptText = (s) => s.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');

export function bundleSingleFile(examples, out) {
  const modules = moduleGraph(['web/app.js', 'web/worker.js']);
  const programs = Object.fromEntries(PROGRAMS.map((name) => [name, {
    glue: readFileSync(path.join(root, `wasm/dist/${name}.js`), 'utf8'),
    wasm: readFileSync(path.join(root, `wasm/dist/${name}.wasm`)).toString('base64'),
  }]));
  const results = path.join(root, 'build/bench/results.json');
  const benchResults = existsSync(results) ? JSON.parse(readFileSync(results, 'utf8')) : null;
  const data = JSON.stringify({ modules, programs, examples, benchResults }).replace(/</g, '\\u003c');
  let html = readFileSync(path.join(root, 'web/index.html'), 'utf8');
  const css = readFileSync(path.join(root, 'web/style.css'), 'utf8');
  const link = '<link rel="stylesheet" href="style.css">';
  const script = '<script type="module" src="app.js"></script>';
  if (!html.includes(link) || !html.includes(script)) throw new Error('web/index.html: the stylesheet link or app.js script changed');
  html = html
    .replace(link, () => `<style>\n${css}</style>`)
    .replace(script, () => `<script type="application/json" id="yl-bundle">${data}</script>\n` +
      `<script type="module">(${scriptText(String(loader))})(${JSON.stringify(IMPORT.source)});</script>`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, html);
  return html.length;
}

// Everything: examples.json, and the single file when the wasm build is there.
export function buildWeb({ log = () => {} } = {}) {
  const examples = buildExamples();
  log(`build-web: ${path.relative(root, examplesJson)} (${examples.length} examples)`);
  const missing = PROGRAMS.map((name) => `wasm/dist/${name}.wasm`).filter((f) => !existsSync(path.join(root, f)));
  if (missing.length) {
    log(`build-web: ${missing.join(', ')} missing (node scripts/build.mjs --only wasm): no single file`);
    return;
  }
  const size = bundleSingleFile(examples, singleFile);
  log(`build-web: ${path.relative(root, singleFile)} (${(size / 1024).toFixed(0)} KB)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildWeb({ log: (msg) => console.log(msg) });
}
