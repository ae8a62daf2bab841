// Where the page's files come from: beside this module when the page is served
// (scripts/serve.mjs), or from the single-file build (scripts/build-web.mjs), which
// defines globalThis.ylBundle before any module runs: the URL of its Worker and the
// data it inlined.
const bundle = globalThis.ylBundle;

export const workerUrl = bundle ? bundle.worker : new URL('./worker.js', import.meta.url);

export async function loadExamples() {
  if (bundle) return bundle.examples;
  const res = await fetch(new URL('./gen/examples.json', import.meta.url));
  if (!res.ok) throw new Error(`gen/examples.json: HTTP ${res.status} (run node scripts/build-web.mjs)`);
  return (await res.json()).examples;
}

// The figures of the last `npm run bench` (build/bench/results.json), or null if there
// are none: the server answers 204 then.
export async function loadBenchResults() {
  if (bundle) return bundle.benchResults;
  const res = await fetch(new URL('../bench/results.json', location.href));
  return res.status === 200 ? res.json() : null;
}
