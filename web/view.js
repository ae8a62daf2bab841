// What the page shows of a recording at its cursor: the two sources with the current
// line of each, the output printed so far, and the state snapshot (generators; the
// loop's ready queue, timers, tasks and its run_once iterations).
import { escapeHtml as esc, highlight } from './highlight.js';
import { PythonLines } from './lines.js';

// ---- sources ----

// A source pane: each line an element with data-line, so one can be marked.
export class CodePane {
  constructor(pre) {
    this.pre = pre;
    this.lines = [];
    this.marked = new Set();
  }

  show(source, lang) {
    this.pre.innerHTML = highlight(source, lang)
      .map((html, i) => `<span class="ln" data-line="${i + 1}">${html}</span>`)
      .join('');
    this.lines = [...this.pre.children];
    this.marked.clear();
  }

  // Marks line `hl` (0: none) as the current one and the `susp` lines as where
  // suspended generators are; scrolls the pane (only the pane) to the current line.
  mark(hl, susp = []) {
    for (const el of this.marked) el.classList.remove('hl', 'susp');
    this.marked.clear();
    for (const n of susp) this.#add(n, 'susp');
    const el = this.#add(hl, 'hl');
    if (el) {
      const top = el.offsetTop - this.pre.offsetTop;
      if (top < this.pre.scrollTop || top + el.offsetHeight > this.pre.scrollTop + this.pre.clientHeight) {
        this.pre.scrollTop = top - this.pre.clientHeight / 3;
      }
    }
  }

  #add(n, cls) {
    const el = this.lines[n - 1];
    if (!el) return null;
    el.classList.add(cls);
    this.marked.add(el);
    return el;
  }
}

// ---- output ----

// Shows the first `count` output lines of the recording; adds or removes only the
// difference, so playing forward appends (and the live region reads the new lines).
export function renderOutput(container, rec, count) {
  while (container.childElementCount > count) container.lastElementChild.remove();
  for (let k = container.childElementCount; k < count; k++) {
    const ev = rec.events[rec.outputs[k]];
    const line = document.createElement('div');
    line.className = ev.stream === 'stderr' ? 'line err' : 'line';
    line.textContent = ev.text;
    if (ev.t !== null) {
      line.dataset.t = String(ev.t);
      line.dataset.at = `${Math.round(ev.t - rec.t0)} ms`; // shown: the time since the run's start
    }
    container.append(line);
  }
  if (count && container.scrollHeight > container.clientHeight) container.scrollTop = container.scrollHeight;
}

// ---- state ----

// A table cell; its label shows beside it where the table is laid out as lines (phones).
const td = (label, html) => `<td data-label="${label}">${html}</td>`;

const fmtMs = (ms) => (ms === null || ms === undefined ? '–' : `${Number.isInteger(ms) ? ms : ms.toFixed(1)} ms`);

function generators(state, ev, lines) {
  if (!state.gens.length) return '<p class="empty">No live generators.</p>';
  const byId = new Map(state.gens.map((g) => [g.id, g]));
  // The yield-from chain below a generator: "filter → writer".
  const chain = (g) => {
    const names = [];
    for (let d = byId.get(g.yieldfrom); d && names.length < 32; d = byId.get(d.yieldfrom)) names.push(`#${d.id} ${d.name}`);
    return names.length ? esc(`→ ${names.join(' → ')}`) : '';
  };
  const rows = state.gens.map((g) => {
    const pyLine = PythonLines.at(lines, g.line);
    const at = g.line ? `C ${g.line}${pyLine ? ` · py ${pyLine}` : ''}` : '';
    const now = ev && ev.gen === g.id ? ' class="now"' : '';
    return `<tr data-gen-id="${g.id}" data-state="${esc(g.state)}"${now}>` +
      `${td('generator', `#${g.id} ${esc(g.name)}`)}${td('state', `<span class="gen-state">${esc(g.state)}</span>`)}` +
      `${td('last sent', g.sent === null ? '' : esc(g.sent))}${td('last yielded', g.yielded === null ? '' : esc(g.yielded))}` +
      `${td('yield from', chain(g))}${td('at', at)}</tr>`;
  });
  return '<table><thead><tr><th>generator</th><th>state</th><th>last sent</th><th>last yielded</th>' +
    `<th>yield from</th><th>at</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function loopState(loop, t0) {
  const ready = loop.ready.length
    ? `<ol>${loop.ready.map((h) => `<li>${esc(h.repr)}</li>`).join('')}</ol>`
    : '<p class="empty">empty</p>';
  const timers = loop.scheduled.length
    ? '<table><thead><tr><th>timer</th><th>deadline</th><th>in</th></tr></thead><tbody>' +
      loop.scheduled.map((h) => `<tr>${td('timer', esc(h.repr))}${td('deadline', fmtMs(h.when))}` +
        `${td('in', fmtMs(h.when - loop.time))}</tr>`).join('') +
      '</tbody></table>'
    : '<p class="empty">none</p>';
  const tasks = loop.tasks.length
    ? '<table><thead><tr><th>task</th><th>state</th><th>awaits</th><th>callbacks</th><th>result</th></tr></thead><tbody>' +
      loop.tasks.map((t) => `<tr data-task-id="${esc(t.id)}">${td('task', esc(t.name))}${td('state', esc(t.state))}` +
        `${td('awaits', esc(t.awaits))}${td('callbacks', t.callbacks)}${td('result', t.result === null ? '' : esc(t.result))}</tr>`).join('') +
      '</tbody></table>'
    : '<p class="empty">none</p>';
  const since = t0 ? ` (${fmtMs(loop.time - t0)} since the run began)` : '';
  return `<p class="clock">loop clock <strong>${fmtMs(loop.time)}</strong>${since} · iteration ${loop.iteration} · phase ` +
    `<strong>${esc(loop.phase)}</strong></p>` +
    `<h4>Ready queue (deque)</h4>${ready}<h4>Scheduled (timer heap)</h4>${timers}<h4>Tasks</h4>${tasks}`;
}

// The latest run_once iterations, the newest first, each with its phases in order
// (wait computed, due timers moved, handles run); the phase reached at the cursor stands out.
function timeline(iterations) {
  if (!iterations.length) return '';
  const items = iterations.map((it, k) => {
    const phase = (name, text) => `<span class="phase${k === iterations.length - 1 && it.phase === name ? ' on' : ''}">${text}</span>`;
    const parts = [`<strong>#${it.n}</strong> at ${fmtMs(it.t)}`];
    if (it.wait !== undefined) parts.push(phase('wait', `wait ${it.wait === null ? 'until woken' : fmtMs(it.wait)}`));
    if (it.due !== undefined) parts.push(phase('due', `${it.due} timer${it.due === 1 ? '' : 's'} due`));
    if (it.handles.length) parts.push(phase('run', `ran ${it.handles.length}: ${esc(it.handles.join(', '))}`));
    return `<li${k === iterations.length - 1 ? ' class="now"' : ''}>${parts.join(' · ')}</li>`;
  });
  return `<h4>run_once iterations (the latest ${iterations.length}, newest first)</h4>` +
    `<ol class="timeline">${items.reverse().join('')}</ol>`;
}

export function renderState(container, rec, cursor, example) {
  const state = rec.state(cursor);
  if (!state) {
    container.innerHTML = '<p class="empty">Nothing has run yet: Run, or Step to the first stop.</p>';
    return;
  }
  const ev = rec.events[cursor];
  const loop = state.loop ? loopState(state.loop, rec.t0) + timeline(rec.iterations(cursor, 8)) : '';
  container.innerHTML = `<h4>Generators</h4>${generators(state, ev, example.lines)}${loop}`;
}

// "event 12 of 97: gen.yield · t = 1000 ms"
export function describe(rec, cursor) {
  if (cursor < 0) return rec.events.length ? `before the first of ${rec.events.length} events` : '';
  const ev = rec.events[cursor];
  return `event ${cursor + 1} of ${rec.events.length}: ${ev.ev}${ev.t === null ? '' : ` · t = ${fmtMs(ev.t)}`}`;
}
