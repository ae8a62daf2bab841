// The benchmark panel: the runtime's benchmarks run in this browser, in a Worker of
// their own (web/worker.js), beside the native and Node figures of `npm run bench`
// (build/bench/results.json: { machine, date, rows: [{ name, native, wasm, ... }] }).
import { loadBenchResults, workerUrl } from './assets.js';
import { escapeHtml as esc } from './highlight.js';

// What is measured here, and how to find the same row in results.json.
const CASES = [
  { key: 'send', label: 'send round trip: v = g.send(v)', row: /send round trip/i },
  { key: 'call_soon', label: 'call_soon + dispatch, per callback', row: /call_soon/i },
  { key: 'switch', label: 'task switch: sleep(0) among 100 tasks', row: /task switch/i },
];

const ns = (x) => (typeof x === 'number' ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '–');

function render(table, here, results, state) {
  const found = (c) => results?.rows?.find((r) => c.row.test(r.name));
  const head = '<tr><th>ns per operation</th><th>wasm, this browser</th><th>native</th><th>wasm, Node</th></tr>';
  const rows = CASES.map((c) => `<tr><td>${esc(c.label)}</td><td>${here ? ns(here[c.key]) : esc(state)}</td>` +
    `<td>${ns(found(c)?.native)}</td><td>${ns(found(c)?.wasm)}</td></tr>`);
  const machine = results && (typeof results.machine === 'string' ? results.machine : results.machine?.cpu);
  const source = results
    ? `Native and Node: <code>npm run bench</code> of ${esc(results.date ?? '')}${machine ? ` on ${esc(machine)}` : ''}.`
    : 'No native figures yet: run <code>npm run bench</code> (it writes build/bench/results.json), then reload.';
  table.innerHTML = `<table>${head}${rows.join('')}</table><p>${source}</p>`;
}

export function setupBench(button, table) {
  let results = null;
  let here = null;
  render(table, here, results, 'not run');
  loadBenchResults().then(
    (r) => {
      results = r;
      render(table, here, results, 'not run');
    },
    () => {}, // no figures to compare with: the table says so
  );
  button.addEventListener('click', () => {
    button.disabled = true;
    render(table, null, results, 'running…');
    const worker = new Worker(workerUrl, { type: 'module', name: 'yieldloop benchmark' });
    worker.onmessage = ({ data }) => {
      worker.terminate();
      button.disabled = false;
      here = data.rows ?? null;
      render(table, here, results, data.error ? `failed: ${data.error}` : 'not run');
    };
    worker.postMessage({ type: 'bench' });
  });
}
