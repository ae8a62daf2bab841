#!/usr/bin/env node
// `npx yieldloop run <example> [--virtual-time] [example options...]`: runs one of the
// document's examples on the wasm runtime (wasm/yieldloop.mjs), its output on this
// process's, exiting with its code. `npx yieldloop list` names them; `npx yieldloop
// serve [--port N]` serves the playground.
import { quietOnClosedPipe } from './run.mjs';
import { load } from './yieldloop.mjs';

quietOnClosedPipe();

const usage = (yl) =>
  `usage: yieldloop run <example> [--virtual-time] [options...]\n       yieldloop list\n` +
  `       yieldloop serve [--port N]\nexamples: ${
    yl.examples.map((e) => `${e.id} (${e.program})`).join(', ')}\n`;

const [cmd, name, ...rest] = process.argv.slice(2);
const yl = cmd === 'serve' ? null : await load();
if (cmd === 'serve') {
  const { serveFromCommandLine } = await import('../scripts/serve.mjs');
  await serveFromCommandLine(process.argv.slice(3));
} else if (cmd === 'list') {
  for (const e of yl.examples) console.log(`${e.id}\t${e.program}${e.virtualTime ? '\t--virtual-time' : ''}`);
} else if (cmd === 'run' && name) {
  const virtualTime = rest.includes('--virtual-time');
  try {
    const run = yl.run(name, {
      virtualTime,
      args: rest.filter((a) => a !== '--virtual-time'),
      onEvent: (e) => (e.stream === 'stderr' ? process.stderr : process.stdout).write(`${e.text}\n`),
    });
    process.exitCode = (await run.done).code ?? 1;
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 2;
  }
} else {
  process.stderr.write(usage(yl));
  process.exitCode = 2;
}
