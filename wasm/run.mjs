// Runs a program of the wasm build under Node: an Emscripten ES6 module (emscripten.cmake's
// yl_wasm_finalize) is instantiated from its path with the .wasm beside it as wasmBinary
// (so the glue never tries fetch() on a file), its output captured, its exit code returned.
//
//   import { runModule } from './wasm/run.mjs';
//   const { code, stdout, stderr } = await runModule('build/wasm/tests/yl_tests.js', {
//     args: ['--list'],  // argv[1..]
//     echo: false,       // also write the output to this process's stdout/stderr
//   });
//
// As a command, `node wasm/run.mjs <module.js> [args...]` runs the program with its output
// on this process's and exits with its code.
//
// It waits for the program to exit, as built by yl_wasm_finalize (-sEXIT_RUNTIME): a
// program keeping its runtime alive (timers) exits when they are done. Output arrives
// from Emscripten a line at a time: a last line without a newline gets one.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export async function runModule(file, { args = [], echo = false, module = {} } = {}) {
  const js = path.resolve(file);
  const wasm = js.replace(/\.m?js$/, '.wasm');
  if (!existsSync(js)) throw new Error(`${file} not found`);
  const factory = (await import(pathToFileURL(js).href)).default;
  if (typeof factory !== 'function') {
    throw new Error(`${file} is not an Emscripten ES6 module (-sMODULARIZE -sEXPORT_ES6)`);
  }
  const out = [];
  const err = [];
  const line = (into, stream) => (s) => {
    into.push(`${s}\n`);
    if (echo) stream.write(`${s}\n`);
  };
  const printErr = line(err, process.stderr);
  let code = null;
  let aborted = false;
  let exited;
  const exit = new Promise((resolve) => {
    exited = resolve;
  });
  const instance = await factory({
    thisProgram: path.basename(js, path.extname(js)),
    arguments: args,
    ...(existsSync(wasm) ? { wasmBinary: readFileSync(wasm) } : {}),
    print: line(out, process.stdout),
    printErr,
    onAbort: () => {
      aborted = true; // Emscripten has printed "Aborted(...)" already
    },
    onExit: (status) => {
      code = status;
      exited();
    },
    // Called at every exit() and end of main (then onExit follows unless the runtime
    // is kept alive, by timers say), and with the exception that ended the program
    // (a trap, an abort). Emscripten's default would exit this process.
    quit: (status, toThrow) => {
      if (!toThrow || toThrow.name !== 'ExitStatus') {
        code = status;
        exited();
        if (toThrow && !aborted) printErr(String(toThrow.stack || toThrow));
      }
      throw toThrow; // unwinds the program; the glue catches it
    },
    ...module,
  });
  // main has returned; a program that keeps its runtime alive exits later.
  if (typeof instance._main === 'function') await exit;
  return { code: code ?? 0, stdout: out.join(''), stderr: err.join('') };
}

// For commands: output piped into `head` and closed early ends the program quietly.
export function quietOnClosedPipe() {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e) => {
      if (e.code !== 'EPIPE') throw e;
      process.exit(process.exitCode ?? 0);
    });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, ...args] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node wasm/run.mjs <module.js> [args...]');
    process.exit(2);
  }
  quietOnClosedPipe();
  const { code } = await runModule(file, { args, echo: true });
  process.exitCode = code;
}
