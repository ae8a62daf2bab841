// A run as the page keeps it: every event in order, and what the views need of each,
// derived once as it arrives. The page is a player over this list with a cursor (the
// event shown, -1 before the first): stepping, stepping back and links to a moment
// all move the cursor; in real time it follows the last event while the run goes on.
import { PythonLines } from './lines.js';

// What Step stops at, per granularity (wasm/yieldloop.mjs's events; the contract).
const STOPS = {
  handle: (ev) => ev.ev === 'loop.handle',
  iteration: (ev) => ev.ev === 'loop.iter',
  yield: (ev) => ev.ev === 'gen.yield' || ev.ev === 'gen.return' || ev.ev === 'gen.raise',
};

export class Recording {
  constructor(example) {
    this.events = [];
    this.arrival = []; // performance.now() at each event's arrival: real-time replay
    this.py = []; // the Python line at each event (0: none known)
    this.snapshot = []; // the index of the event whose state holds at each (out events have none)
    this.outputs = []; // indices of the `out` events
    this.t0 = null; // the loop's clock at the first event that has one (real time: not 0)
    this.lines = new PythonLines(example.lines);
  }

  add(ev, now) {
    const i = this.events.length;
    this.events.push(ev);
    this.arrival.push(now);
    this.py.push(this.lines.next(ev));
    this.snapshot.push(ev.state ? i : i > 0 ? this.snapshot[i - 1] : -1);
    if (ev.ev === 'out') this.outputs.push(i);
    if (this.t0 === null && ev.t !== null) this.t0 = ev.t;
  }

  get last() {
    return this.events.length - 1;
  }

  // The state snapshot in force at event i (null before any).
  state(i) {
    return i >= 0 && this.snapshot[i] >= 0 ? this.events[this.snapshot[i]].state : null;
  }

  // How many output lines were printed up to event i, included.
  outputCount(i) {
    let lo = 0;
    let hi = this.outputs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.outputs[mid] <= i) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // The next event after `cursor` that Step at granularity `gran` stops at, or -1.
  nextStop(cursor, gran) {
    for (let i = cursor + 1; i < this.events.length; i++) if (STOPS[gran](this.events[i])) return i;
    return -1;
  }

  // The stop before `cursor`, or -1 (before the first event) if there is none.
  prevStop(cursor, gran) {
    for (let i = Math.min(cursor, this.events.length) - 1; i >= 0; i--) if (STOPS[gran](this.events[i])) return i;
    return -1;
  }

  // The run_once iterations up to event `cursor`, at most `max` of the latest: each
  // { n, t, wait (ms, null: none), due (timers moved), handles: [repr], phase } with
  // phase the one it reached by the cursor (wait, due or run), from the loop.* events.
  iterations(cursor, max) {
    const out = [];
    for (let i = 0; i <= cursor && i < this.events.length; i++) {
      const ev = this.events[i];
      if (ev.ev === 'loop.iter') out.push({ n: ev.n, t: ev.t, wait: undefined, due: undefined, handles: [], phase: 'idle' });
      const it = out[out.length - 1];
      if (!it) continue;
      if (ev.ev === 'loop.wait') Object.assign(it, { wait: ev.timeout, phase: 'wait' });
      else if (ev.ev === 'loop.due') Object.assign(it, { due: ev.moved, phase: 'due' });
      else if (ev.ev === 'loop.handle') {
        it.handles.push(ev.repr);
        it.phase = 'run';
      }
    }
    return out.slice(-max);
  }
}

// Milliseconds to wait before showing event i + 1 after event i, when playing.
//   real:    live, at once (the run itself keeps time); replaying a finished run, the
//            gaps between the events' arrivals (at most 2 s each)
//   virtual: at once
//   slow:    the virtual clock at half speed (1 s takes 2 s) plus a beat per event, or
//            one event per 300 ms without a loop
export function playDelay(rec, i, speed, live) {
  if (speed === 'virtual' || i < 0) return 0;
  if (speed === 'real') return live ? 0 : Math.min(2000, Math.max(0, rec.arrival[i + 1] - rec.arrival[i]));
  const a = rec.events[i].t;
  const b = rec.events[i + 1].t;
  return a === null || b === null ? 300 : 2 * (b - a) + 80;
}
