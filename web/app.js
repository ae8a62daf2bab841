// The playground page: the list of examples, the controls, and the player that moves
// a cursor over the recorded events of a run (web/player.js) while web/worker.js runs
// it. Status: idle (nothing run), running (the run or its playback advances), paused,
// finished (the cursor at the last event of a completed run), stopped (Stop).
import { loadExamples } from './assets.js';
import { setupBench } from './bench.js';
import { PythonLines } from './lines.js';
import { playDelay, Recording } from './player.js';
import { Runner } from './runner.js';
import { CodePane, describe, renderOutput, renderState } from './view.js';

const $ = (id) => document.getElementById(id);
const ui = {
  examples: $('examples'), title: $('title'), note: $('note'), workersNote: $('workers-note'), params: $('params'),
  run: $('run'), pause: $('pause'), step: $('step'), back: $('back'), reset: $('reset'), stop: $('stop'),
  speed: $('speed'), gran: $('gran'), status: $('status'), position: $('position'),
  pyFile: $('py-file'), pyError: $('py-error'), cFile: $('c-file'),
  output: $('output'), notice: $('notice'), state: $('state'), theme: $('theme'), runtime: $('runtime'),
};
const py = new CodePane($('py'));
const c = new CodePane($('c'));

class Player {
  constructor(examples) {
    this.examples = examples;
    this.example = null;
    this.values = new Map(); // example id -> { param name: value } edited
    this.runner = new Runner({
      onError: (msg) => this.fail(msg),
      onReady: (ms) => {
        ui.runtime.textContent = `WebAssembly runtime loaded in ${Math.round(ms)} ms.`;
        ui.runtime.dataset.ready = 'true';
      },
    });
    this.rec = null;
    this.cursor = -1;
    this.status = 'idle';
    this.done = false; // the worker's run has ended
    this.playing = false; // the cursor advances by itself
    this.timer = null; // the next advance, when playing paces events
    this.stepping = false; // Step waits for the next stop to arrive
    this.target = null; // a cursor asked for (a link) that has not arrived yet
    this.urlTimer = null;
  }

  get speed() {
    return ui.speed.value;
  }

  get gran() {
    return ui.gran.value;
  }

  // ---- the example ----

  select(id, { gran } = {}) {
    this.abandon();
    this.example = this.examples.find((e) => e.id === id) ?? this.examples[0];
    const ex = this.example;
    for (const b of ui.examples.querySelectorAll('button')) b.setAttribute('aria-current', String(b.dataset.example === ex.id));
    ui.title.textContent = `${ex.id.slice(0, 2)} · ${ex.title}`;
    ui.note.textContent = ex.note;
    ui.workersNote.hidden = !ex.workers;
    ui.pyFile.textContent = ex.python.file;
    ui.cFile.textContent = ex.c.file;
    py.show(ex.python.source, 'python');
    c.show(ex.c.source, 'c');
    this.showSyntaxError(ex);
    this.showParams(ex);
    for (const o of ui.speed.options) o.disabled = !ex.clocks.includes(o.value);
    if (!ex.clocks.includes(ui.speed.value)) ui.speed.value = ex.clocks[0];
    for (const o of ui.gran.options) o.disabled = !ex.loop && o.value !== 'yield';
    ui.gran.value = gran && (ex.loop || gran === 'yield') ? gran : ex.loop ? 'handle' : 'yield';
    this.reset();
  }

  showSyntaxError(ex) {
    ui.pyError.hidden = !ex.python.syntaxError;
    if (!ex.python.syntaxError) return;
    ui.pyError.innerHTML = '<p>The document writes <code>if __name__ = "__main__":</code>, which CPython 3.11 rejects:</p>' +
      '<pre></pre><p>The corrected line (<code>==</code>, below) is what runs here.</p>';
    ui.pyError.querySelector('pre').textContent = ex.python.syntaxError;
  }

  showParams(ex) {
    ui.params.hidden = !ex.params.length;
    ui.params.replaceChildren(...ex.params.map((p) => {
      const label = document.createElement('label');
      const input = document.createElement('input');
      Object.assign(input, { name: p.name, value: this.values.get(ex.id)?.[p.name] ?? p.value, required: true, spellcheck: false });
      input.pattern = p.pattern;
      input.addEventListener('input', () => {
        if (!input.checkValidity()) return;
        this.values.set(ex.id, { ...this.values.get(ex.id), [p.name]: input.value });
        this.updateUrl();
      });
      label.append(`${p.label} (${p.flag}, default ${p.value})`, input);
      return label;
    }));
  }

  // The example's argv: each parameter that differs from the document's value.
  args() {
    const edited = this.values.get(this.example.id) ?? {};
    return this.example.params.flatMap((p) => (edited[p.name] && edited[p.name] !== p.value ? [p.flag, edited[p.name]] : []));
  }

  // ---- running ----

  // Starts a fresh run. `mode`: 'play' (advance as it comes), 'step' (stop at the first
  // stop of the granularity), or a cursor to stop at (a link).
  run(mode = 'play') {
    if (!ui.params.checkValidity()) {
      this.notify('A parameter is not valid: see the fields above Run.');
      return;
    }
    this.abandon();
    this.rec = new Recording(this.example);
    this.cursor = -1;
    this.done = false;
    this.playing = mode === 'play';
    this.stepping = mode === 'step';
    this.target = typeof mode === 'number' ? mode : null;
    this.notify('');
    const virtualTime = this.speed !== 'real' && this.example.clocks.includes('virtual') && this.example.loop;
    this.runner.start(this.example.id, { args: this.args(), virtualTime }, {
      onEvents: (events) => this.onEvents(events),
      onDone: (m) => this.onDone(m),
    });
    this.setStatus('running');
    this.render();
  }

  onEvents(events) {
    const now = performance.now();
    for (const ev of events) this.rec.add(ev, now);
    if (this.target !== null && this.rec.last >= this.target) {
      this.halt(this.target);
    } else if (this.stepping) {
      const next = this.rec.nextStop(this.cursor, this.gran);
      if (next >= 0) this.halt(next);
    } else if (this.playing && this.timer === null) {
      this.tick();
      return;
    }
    this.render();
  }

  onDone({ code, error }) {
    this.done = true;
    if (error) this.notify(`The run failed: ${error}`);
    else if (code !== 0) this.notify(`The program exited with status ${code}.`);
    if (this.target !== null || this.stepping) this.halt(Math.min(this.target ?? Infinity, this.rec.last));
    else if (this.playing && this.timer === null) this.tick();
    this.render();
  }

  // Stops advancing and shows event i, paused (finished if it is the end of the run).
  halt(i) {
    this.target = null;
    this.stepping = false;
    this.playing = false;
    clearTimeout(this.timer);
    this.timer = null;
    if (this.speed === 'real') this.runner.pause();
    this.cursor = i;
    this.setStatus(this.done && i >= this.rec.last ? 'finished' : 'paused');
  }

  // Playing: shows every event due now, then waits for the next one's time.
  tick() {
    clearTimeout(this.timer); // one chain of advances, whoever calls
    this.timer = null;
    if (!this.playing) return;
    const live = this.runner.live;
    while (this.cursor < this.rec.last && playDelay(this.rec, this.cursor, this.speed, live) === 0) this.cursor++;
    if (this.cursor < this.rec.last) {
      this.timer = setTimeout(() => {
        this.cursor++;
        this.tick();
      }, playDelay(this.rec, this.cursor, this.speed, live));
    } else if (this.done) {
      this.playing = false;
      this.setStatus('finished');
    }
    this.render();
  }

  // ---- the controls ----

  togglePause() {
    if (this.status === 'running') {
      this.halt(this.cursor);
    } else if (this.status === 'paused') {
      this.playing = true;
      this.runner.resume();
      this.setStatus('running');
      this.tick();
    } else {
      this.run();
    }
  }

  step() {
    if (!this.rec || this.status === 'stopped') {
      this.run('step');
      return;
    }
    const next = this.rec.nextStop(this.cursor, this.gran);
    if (next >= 0) this.halt(next);
    else if (this.done) this.halt(this.rec.last);
    else {
      // The next stop has not happened yet: let the run go on until it comes.
      this.playing = false;
      clearTimeout(this.timer);
      this.timer = null;
      this.stepping = true;
      this.runner.resume();
      this.setStatus('running');
    }
    this.render();
  }

  back() {
    if (!this.rec) return;
    this.halt(this.rec.prevStop(this.cursor, this.gran));
    this.render();
  }

  stop() {
    this.abandon();
    if (this.rec) this.setStatus('stopped');
    this.render();
  }

  reset() {
    this.abandon();
    this.rec = null;
    this.cursor = -1;
    this.notify('');
    this.setStatus('idle');
    this.render();
  }

  // Ends the run (the Worker's, if it goes on) and the playback.
  abandon() {
    this.runner.abandon();
    this.playing = false;
    this.stepping = false;
    this.target = null;
    clearTimeout(this.timer);
    this.timer = null;
  }

  fail(msg) {
    this.abandon();
    this.notify(msg);
    if (this.rec) this.setStatus('stopped');
    this.render();
  }

  // ---- showing ----

  setStatus(s) {
    this.status = s;
    ui.status.textContent = s;
    ui.status.dataset.status = s;
  }

  notify(msg) {
    ui.notice.hidden = !msg;
    ui.notice.textContent = msg;
  }

  render() {
    const { rec, cursor } = this;
    const ev = rec && cursor >= 0 ? rec.events[cursor] : null;
    const state = rec?.state(cursor);
    const suspended = state?.gens.filter((g) => g.state === 'GEN_SUSPENDED' && g.line) ?? [];
    c.mark(ev?.line ?? 0, suspended.map((g) => g.line));
    py.mark(ev ? rec.py[cursor] : 0, suspended.map((g) => PythonLines.at(this.example.lines, g.line)));
    if (rec) {
      renderOutput(ui.output, rec, rec.outputCount(cursor));
      renderState(ui.state, rec, cursor, this.example);
    } else {
      ui.output.replaceChildren();
      ui.state.innerHTML = '<p class="empty">Nothing has run yet: Run, or Step to the first stop.</p>';
    }
    ui.position.textContent = rec ? describe(rec, cursor) : '';
    const active = this.status === 'running' || this.status === 'paused';
    ui.pause.disabled = !active;
    ui.pause.textContent = this.status === 'paused' ? 'Resume' : 'Pause';
    ui.stop.disabled = !active;
    ui.back.disabled = !rec || cursor < 0;
    ui.step.disabled = !!rec && this.done && cursor >= rec.last;
    ui.reset.disabled = !rec;
    ui.run.textContent = rec ? 'Run again' : 'Run';
    this.updateUrl();
  }

  // ---- the URL: ?ex=03_jumping_range&speed=virtual&gran=yield&step=4[&param=value] ----

  updateUrl() {
    if (this.urlTimer) return;
    this.urlTimer = setTimeout(() => {
      this.urlTimer = null;
      const q = new URLSearchParams({ ex: this.example.id, speed: this.speed, gran: this.gran });
      if (this.rec && this.cursor >= 0) q.set('step', String(this.cursor));
      for (const [name, value] of Object.entries(this.values.get(this.example.id) ?? {})) q.set(name, value);
      history.replaceState(null, '', `?${q}`);
    }, 150);
  }

  restore(q) {
    if (q.get('speed')) ui.speed.value = q.get('speed');
    const ex = this.examples.find((e) => e.id === q.get('ex')) ?? this.examples[0];
    const edited = Object.fromEntries(ex.params.filter((p) => q.has(p.name)).map((p) => [p.name, q.get(p.name)]));
    if (Object.keys(edited).length) this.values.set(ex.id, edited);
    this.select(ex.id, { gran: q.get('gran') });
    const step = Number(q.get('step'));
    if (q.has('step') && Number.isInteger(step) && step >= 0) this.run(step);
  }
}

// ---- wiring ----

function setupTheme() {
  const show = () => {
    const dark = document.documentElement.dataset.theme === 'dark';
    ui.theme.setAttribute('aria-pressed', String(dark));
    ui.theme.textContent = dark ? 'Light theme' : 'Dark theme';
  };
  ui.theme.addEventListener('click', () => {
    const theme = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = theme;
    try {
      localStorage.setItem('yl-theme', theme);
    } catch {
      // storage unavailable (some file:// setups): the choice lasts for this page
    }
    show();
  });
  show();
}

function setupKeys(player) {
  document.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.target.closest('input, select, textarea')) return;
    const action = { ' ': () => player.togglePause(), ArrowRight: () => player.step(), ArrowLeft: () => player.back() }[e.key];
    if (!action) return;
    e.preventDefault(); // Space would also press the focused button, arrows scroll
    action();
  });
}

setupTheme();
setupBench($('bench-run'), $('bench-table'));
const examples = await loadExamples().catch((e) => {
  ui.title.textContent = `The examples could not be loaded: ${e.message}`;
  throw e;
});
const player = new Player(examples);
ui.examples.replaceChildren(...examples.map((ex) => {
  const li = document.createElement('li');
  const b = document.createElement('button');
  b.type = 'button';
  b.dataset.example = ex.id;
  b.textContent = `${ex.id.slice(0, 2)} ${ex.title}`;
  b.addEventListener('click', () => player.select(ex.id, { gran: player.gran }));
  li.append(b);
  return li;
}));
ui.run.addEventListener('click', () => player.run());
ui.run.disabled = false; // until now a press would do nothing
ui.params.addEventListener('submit', (e) => {
  e.preventDefault(); // Enter in a parameter's field runs with it
  player.run();
});
ui.pause.addEventListener('click', () => player.togglePause());
ui.step.addEventListener('click', () => player.step());
ui.back.addEventListener('click', () => player.back());
ui.reset.addEventListener('click', () => player.reset());
ui.stop.addEventListener('click', () => player.stop());
ui.speed.addEventListener('change', () => player.reset());
ui.gran.addEventListener('change', () => player.render());
setupKeys(player);
player.runner.warm();
player.restore(new URLSearchParams(location.search));
