// The page's side of web/worker.js: one Worker kept warm (the module compiled before
// the first Run), runs numbered so that nothing of an abandoned run is taken for the
// next one's. Abandoning a run that has not finished terminates the Worker: it may be
// stuck in a loop that never returns to the event loop, and terminate() is the one
// thing that ends that.
import { workerUrl } from './assets.js';

export class Runner {
  constructor({ onError, onReady }) {
    this.onError = onError;
    this.onReady = onReady;
    this.worker = null;
    this.runId = 0;
    this.live = false; // a run started and not yet done
    this.handlers = null;
  }

  // Starts the Worker now, so that its module is loaded before the first run.
  warm() {
    if (this.worker) return;
    this.worker = new Worker(workerUrl, { type: 'module', name: 'yieldloop playground runtime' });
    this.worker.postMessage({ type: 'load' });
    this.worker.onmessage = ({ data: m }) => {
      if (m.type === 'ready') this.onReady(m.ms);
      if (m.run !== this.runId || !this.handlers) return;
      if (m.type === 'events') this.handlers.onEvents(m.events);
      else if (m.type === 'done') {
        this.live = false;
        this.handlers.onDone(m);
      }
    };
    // The Worker's script could not load or threw outside a run: the next start()
    // tries a fresh one.
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.#kill();
      this.onError(`the runtime's Worker failed: ${e.message || 'it could not load'}`);
    };
  }

  // Runs example `id` (the Worker queues it until its runtime is loaded):
  // onEvents(events[]) as they come, onDone({ code, error? }) at the end.
  start(id, { args, virtualTime }, handlers) {
    this.abandon();
    this.warm();
    this.handlers = handlers;
    this.live = true;
    this.worker.postMessage({ type: 'run', run: ++this.runId, example: id, args, virtualTime });
  }

  pause() {
    if (this.live) this.worker.postMessage({ type: 'pause' });
  }

  resume() {
    if (this.live) this.worker.postMessage({ type: 'resume' });
  }

  // Drops the current run: nothing more is reported from it. A fresh Worker warms up
  // for the next one.
  abandon() {
    this.handlers = null;
    if (!this.live) return;
    this.#kill();
    this.warm();
  }

  #kill() {
    this.worker?.terminate();
    this.worker = null;
    this.live = false;
    this.runId++;
  }
}
