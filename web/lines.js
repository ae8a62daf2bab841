// Which Python line the program is at, event by event. Events carry the C port's line;
// scripts/build-web.mjs mapped each C line to the Python lines it quotes (`lines`:
// per C line { fn, py: [...] } or null). Two cases need the run's history:
//  - a C line that ports several identical Python lines (03's print_step prints each
//    of four `print('step is ...')` lines): the one after the last that this C
//    function showed, wrapping around (the k-th call is the k-th line);
//  - a C line that ports none (a helper such as print(v), a loop's internals): the
//    Python program is still where it was, and after a yield it is back in the code
//    that resumed the generator, at the line of that resume.
export class PythonLines {
  constructor(lines) {
    this.lines = lines;
    this.lastByFn = new Map();
    this.resumers = []; // the Python line of each resume not yet answered by a yield
    this.current = 0;
  }

  // The Python line of `ev` (0: none known); call once per event, in order.
  next(ev) {
    const info = this.lines[ev.line - 1];
    let py = this.current;
    if (info?.py.length) {
      const last = this.lastByFn.get(info.fn) ?? 0;
      py = info.py.find((n) => n > last) ?? info.py[0];
      this.lastByFn.set(info.fn, py);
    }
    if (ev.ev === 'gen.resume') this.resumers.push(py);
    const back = /^gen\.(yield|return|raise)$/.test(ev.ev);
    this.current = back ? this.resumers.pop() ?? py : py;
    return py;
  }

  // Where a suspended generator is, from its C line alone.
  static at(lines, cLine) {
    return lines[cLine - 1]?.py[0] ?? 0;
  }
}
