#!/usr/bin/env python3
"""Differential test of event loop ordering: CPython 3.11's asyncio loop is the reference.

Generates random programs of call_soon / call_later / call_at / Handle.cancel() /
loop.stop() and runs each on CPython's own BaseEventLoop under a virtual clock, the
way CPython's test_asyncio TestLoop does (Lib/test/test_asyncio/utils.py): time()
returns a counter starting at 0, the clock resolution is 1e-9 (yl_loop's virtual
clock's) and the selector's select(timeout) advances the counter by `timeout` instead
of sleeping, so the loop jumps to the next deadline whenever nothing is ready.

A program is a set of handles. Each handle is created once, by one scheduling action
(of "the driver", the code around run_forever, or of another handle's callback) and,
when its callback runs, it logs (handle, loop.time()) and then performs its own list
of actions: schedule new handles (soon / later / at), cancel a handle (one still
pending, ready or timer, one that already ran, one already cancelled, itself), stop
the loop. The program runs in a few rounds: in each the driver performs its actions
(possibly loop.stop() first, which makes run_forever run one iteration) then calls
loop.run_forever(); its return is logged with the time. At the end every handle's
cancelled() and, for timers, when() is recorded.

tests/diff/task_diff.py extends these programs with tasks and futures.

Programs are drawn online: a callback decides what it does when CPython runs it,
seeing the loop's real state, and the decisions are recorded as the program that
tests/test_loop_diff.c replays on yl_loop (YL_CLOCK_VIRTUAL, start 0). Deadlines are
kept unique (at least MARGIN apart, over everything a program ever schedules:
CPython leaves the order of equal deadlines unspecified), and far from the clock
resolution, so float rounding of call_later's time() + delay cannot reorder anything.
A program whose round could never end (nothing ready, no timer, no stop: CPython
would block forever in select) is discarded and counted.

Outputs (both checked in, both deterministic):
    tests/fixtures/loop_diff.txt   the fixture, line-oriented (format at its top)
    tests/fixtures/loop_diff.inc   the same data as C initializers for the C test

Usage:
    python3 tests/diff/loop_diff.py           regenerate both files
    python3 tests/diff/loop_diff.py --check   exit 1 unless both files are current
    python3 tests/diff/loop_diff.py --show N  print program N: its actions and events
"""

import argparse
import asyncio
import asyncio.base_events
import os
import random
import selectors
import sys

from fixtures import write_or_check

# The reference is CPython 3.11 (any 3.11.x): random's streams are only promised per
# version, and the loop's internals (_run_once) are 3.11's.
if sys.version_info[:2] != (3, 11) or sys.implementation.name != "cpython":
    print(f"loop_diff.py: needs CPython 3.11 (the reference), this is "
          f"{sys.implementation.name} {sys.version.split()[0]}", file=sys.stderr)
    sys.exit(2)

SEED = 20240611
NPROG = 420
RESOLUTION = 1e-9  # yl_loop's YL_CLOCK_VIRTUAL resolution (src/clock.c)
MARGIN = 1e-4      # minimum distance between any two deadlines of a program

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures"))
TXT = os.path.join(FIXTURES, "loop_diff.txt")
INC = os.path.join(FIXTURES, "loop_diff.inc")


# ---------------------------------------------------------------------------------
# The virtual-time loop: CPython's BaseEventLoop, as TestLoop drives it.


class WouldBlockForever(Exception):
    """select(None): nothing ready, no timer, no stop. The program is discarded."""


class VirtualSelector(selectors.BaseSelector):
    """TestSelector (no descriptors) whose select() advances the loop's clock by the
    timeout instead of sleeping."""

    def __init__(self, loop):
        self.loop = loop
        self.keys = {}

    def register(self, fileobj, events, data=None):
        raise AssertionError("no descriptors in these programs")

    def unregister(self, fileobj):
        raise AssertionError("no descriptors in these programs")

    def select(self, timeout=None):
        if timeout is None:
            raise WouldBlockForever()
        assert timeout >= 0
        self.loop._time += timeout
        return []

    def get_map(self):
        return self.keys


class VirtualLoop(asyncio.base_events.BaseEventLoop):
    """TestLoop without its time generator: the selector moves the time."""

    def __init__(self):
        super().__init__()
        self.set_debug(False)
        self._time = 0
        self._clock_resolution = RESOLUTION
        self._selector = VirtualSelector(self)

    def time(self):
        return self._time

    def _process_events(self, event_list):
        return

    def _write_to_self(self):
        pass


# ---------------------------------------------------------------------------------
# Programs.

SCHED_OPS = ("soon", "later", "at")


class H:
    """One handle of a program."""

    def __init__(self, idx, op, param, when, creator):
        self.idx, self.op, self.param, self.when, self.creator = idx, op, param, when, creator
        self.obj = None        # the asyncio Handle / TimerHandle
        self.ran = False
        self.actions = []      # what its callback did, in order
        self.must_stop = False  # its callback calls loop.stop() (the driver's guard)
        self.protected = False  # never cancelled (the last round's guard)


class Program:
    HANDLE_BUDGETS = (4, 8, 12, 16, 20, 25, 30, 40, 50, 60)  # handles a program may create

    def __init__(self, rng):
        self.rng = rng
        self.loop = VirtualLoop()
        self.handles = []
        self.deadlines = []
        self.budget = rng.choice(self.HANDLE_BUDGETS)
        self.rounds = []      # each round: the driver's actions
        self.events = []      # ("run", handle, time) | ("end", round, time)
        self.errors = []
        self.stats = {}
        self.loop.set_exception_handler(lambda loop, ctx: self.errors.append(ctx))

    def count(self, key):
        self.stats[key] = self.stats.get(key, 0) + 1

    # -- deadlines

    def offset(self):
        """A delay: 0, negative, or positive on a few grids."""
        rng = self.rng
        r = rng.random()
        if r < 0.10:
            return 0.0
        if r < 0.22:
            return -rng.randint(1, 50) * 0.01
        if r < 0.35:
            return rng.randint(1, 40) * 0.001
        if r < 0.45:
            return rng.randint(1, 16) * 0.125
        return rng.randint(1, 150) * 0.01

    def unique(self, when):
        return all(abs(when - d) >= MARGIN for d in self.deadlines)

    def draw_timer(self, op):
        """(param, deadline) for a new timer, unique, or None after a few tries."""
        now = self.loop.time()
        for _ in range(12):
            if op == "later":
                param = self.offset()
                when = now + param  # as call_later computes it
            elif self.rng.random() < 0.5:
                param = when = now + self.offset()
            else:  # an absolute time on the 10 ms grid, possibly past
                param = when = self.rng.randint(0, int(now * 100) + 200) * 0.01
            if self.unique(when):
                return param, when
        return None

    # -- actions (each performed at once and recorded)

    def schedule(self, creator, op=None, must_stop=False, when=None):
        rng = self.rng
        if op is None:
            op = rng.choices(SCHED_OPS, weights=(35, 40, 25))[0]
        param = None
        if when is not None:
            param = when
        elif op != "soon":
            drawn = self.draw_timer(op)
            if drawn is None:
                self.count("timer draws given up (call_soon instead)")
                op = "soon"
            else:
                param, when = drawn
        h = H(len(self.handles), op, param, when, creator)
        h.must_stop = must_stop
        self.handles.append(h)
        loop = self.loop
        if op == "soon":
            h.obj = loop.call_soon(self.callback, h.idx)
        elif op == "later":
            h.obj = loop.call_later(param, self.callback, h.idx)
            assert h.obj.when() == when
        else:
            h.obj = loop.call_at(param, self.callback, h.idx)
        if when is not None:
            if when not in self.deadlines:
                self.deadlines.append(when)
            self.count(f"{op}: deadline " + ("past" if when < loop.time() else
                                             "now" if when == loop.time() else "future"))
        self.count(f"{op} by {self.who(creator)}")
        return (op, h.idx, param)

    def cancel(self, creator):
        """Cancels a handle: pending ones are favoured; also ones that ran, ones
        cancelled already, and the running callback's own."""
        rng = self.rng
        hs = self.handles
        pending = [h for h in hs if not h.ran and not h.obj.cancelled() and not h.protected]
        ran = [h for h in hs if h.ran and h.idx != creator]
        cancelled = [h for h in hs if h.obj.cancelled() and not h.ran]
        pools = [pending, pending, pending, ran, cancelled]
        if isinstance(creator, int):  # a callback: its own handle
            pools.append([hs[creator]])
        pools = [p for p in pools if p]
        if not pools:
            return None
        t = rng.choice(rng.choice(pools))
        if t.idx == creator:
            what = "itself"
        elif t.obj.cancelled():
            what = "cancelled already"
        elif t.ran:
            what = "ran already"
        elif getattr(t.obj, "_scheduled", False):
            what = "pending timer"
        elif t.op == "soon":
            what = "pending call_soon"
        else:
            what = "due timer, in the ready queue"
        self.count(f"cancel by {self.who(creator)}: {what}")
        t.obj.cancel()
        return ("cancel", t.idx, None)

    def stop(self, creator):
        self.count(f"stop by {self.who(creator)}")
        self.loop.stop()
        return ("stop", None, None)

    def callback(self, idx):
        h = self.handles[idx]
        assert not h.ran
        h.ran = True
        self.events.append(("run", idx, self.loop.time()))
        self.act(idx, h.actions, h.must_stop)

    def act(self, creator, actions, must_stop=False):
        """A few actions drawn from action()'s menu, appended to `actions`, with
        loop.stop() among them if `must_stop`."""
        n = self.rng.choice([0, 0, 1, 1, 1, 2, 2, 3, 4])
        stop_at = self.rng.randint(0, n) if must_stop else -1
        for i in range(n + 1):
            if i == stop_at:
                actions.append(self.stop(creator))
            if i == n:
                break
            act = self.action(creator)
            if act:
                actions.append(act)

    def action(self, creator):
        """One action of a callback's (None if it drew one it cannot do)."""
        r = self.rng.random()
        if r < 0.55:
            return self.schedule(creator) if len(self.handles) < self.budget else None
        if r < 0.95:
            return self.cancel(creator)
        return self.stop(creator)

    @staticmethod
    def who(creator):
        """Who performs an action, for the statistics: the driver (None) or the
        callback of a handle (its number)."""
        return "driver" if creator is None else "callback"

    def driver(self, r, drain=False):
        """Round r's driver actions, then run_forever(). A draining round ends with a
        guard after every deadline so far, which nothing cancels: all that is pending
        runs (what it schedules too, unless a stop comes first)."""
        rng = self.rng
        acts = []
        if drain:
            last = max(self.deadlines + [self.loop.time()])
            h = self.schedule(None, "at", must_stop=True, when=last + 1.0)
            self.handles[h[1]].protected = True
            self.rounds.append([h])
            self.loop.run_forever()
            self.events.append(("end", r, self.loop.time()))
            return
        n = rng.randint(1 if r == 0 else 0, 6)
        stop_at = rng.randint(0, n) if rng.random() < 0.12 else -1
        for i in range(n + 1):
            if i == stop_at:
                acts.append(self.stop(None))
            if i == n:
                break
            if rng.random() < 0.75 or r == 0:
                if len(self.handles) < self.budget or r == 0:
                    acts.append(self.schedule(None))
            else:
                act = self.cancel(None)
                if act:
                    acts.append(act)
        if stop_at < 0 and rng.random() < 0.85:
            # A guard, so that the round ends: a handle scheduled last stops the loop.
            # (A callback may cancel it, or a stop may end the round before it runs
            # and leave it pending; rounds that cannot end are discarded.)
            acts.append(self.schedule(None, rng.choice(["later", "at", "soon"]), must_stop=True))
        self.rounds.append(acts)
        self.loop.run_forever()
        self.events.append(("end", r, self.loop.time()))

    def run(self):
        nrounds = self.rng.choice([1, 1, 2, 2, 3, 3, 4, 5])
        try:
            drain = self.rng.random() < 0.6
            for r in range(nrounds):
                self.driver(r)
            if drain:
                self.driver(nrounds, drain=True)
        finally:
            finals = [(h.obj.cancelled(), h.obj.when() if h.op != "soon" else None)
                      for h in self.handles]
            self.loop.close()
        if self.errors:
            raise AssertionError(f"callback raised: {self.errors[0]}")
        self.finals = finals
        return self


def generate():
    rng = random.Random(SEED)
    progs = []
    discarded = 0
    while len(progs) < NPROG:
        p = Program(rng)
        try:
            p.run()
        except WouldBlockForever:
            discarded += 1
            continue
        progs.append(p)
    return progs, discarded


# ---------------------------------------------------------------------------------
# Output.

TXT_HEADER = """\
# Event loop ordering recorded from CPython {pyver}'s asyncio: the differential fixture.
# GENERATED by tests/diff/loop_diff.py (seed {seed}) -- do not edit; regenerate with
#   python3 tests/diff/loop_diff.py        (or check it is current with --check)
# tests/fixtures/loop_diff.inc holds the same data as C initializers.
#
# Each program ran on asyncio.BaseEventLoop in virtual time (as test_asyncio's
# TestLoop: time() starts at 0, clock resolution 1e-9, select(timeout) advances the
# clock by timeout). tests/test_loop_diff.c replays it on yl_loop (YL_CLOCK_VIRTUAL,
# start 0) and must log the same events at the same times (within 1e-9) and end with
# the same cancelled() flags and deadlines.
#
# {nprog} programs, {nhandles} handles, {nactions} actions, {nevents} events
# ({nruns} callbacks run, {nends} run_forever returns). Lines are TAB-separated
# fields; '#' lines are comments; times are Python float reprs. Per program:
#   P <TAB> id <TAB> handles <TAB> rounds <TAB> events
#   R <TAB> round              the driver: the A lines that follow are what it does
#                              before calling loop.run_forever() for this round
#   C <TAB> handle             handle's callback: when it runs it logs the event
#                              (handle, loop.time()), then does the A lines that follow
#                              (only callbacks that did something are listed)
#   A <TAB> soon <TAB> h               h = loop.call_soon(callback of h)
#   A <TAB> later <TAB> h <TAB> delay  h = loop.call_later(delay, callback of h)
#   A <TAB> at <TAB> h <TAB> when      h = loop.call_at(when, callback of h)
#   A <TAB> cancel <TAB> h             h.cancel()
#   A <TAB> stop                       loop.stop()
#   E <TAB> handle <TAB> time  a callback ran, at that loop time; in order, with
#   X <TAB> round <TAB> time   the round's run_forever() returned, at that loop time
#   F <TAB> handle <TAB> cancelled 0|1 <TAB> when   at the end, before loop.close():
#                              h.cancelled(), and h.when() (- for call_soon handles)
# Handles are numbered per program from 0, in the order they were created.
# Deadlines of a program are all at least {margin} apart.
#
# Coverage (counts over all programs):
{coverage}# ({discarded} drawn programs were discarded: a round of theirs could never end,
# CPython would block in select() forever, yl_loop reports YL_EWOULDBLOCK.)
"""


def ftext(x):
    r = repr(float(x))
    assert r not in ("inf", "-inf", "nan")
    return r


def c_array(decl, items, per_line):
    """A C array definition `static const <decl>[] = {...};`, per_line items a line."""
    rows = ("  " + ", ".join(items[i:i + per_line]) + ",\n" for i in range(0, len(items), per_line))
    return f"static const {decl}[] = {{\n" + "".join(rows) + "};\n"


def act_text(a):
    op, h, param = a
    if op == "stop":
        return "stop"
    if op in ("soon", "cancel"):
        return f"{op}\t{h}"
    return f"{op}\t{h}\t{ftext(param)}"


def totals(progs):
    return dict(
        nprog=len(progs),
        nhandles=sum(len(p.handles) for p in progs),
        nactions=sum(len(a) for p in progs for a in p.rounds)
        + sum(len(h.actions) for p in progs for h in p.handles),
        nevents=sum(len(p.events) for p in progs),
        nruns=sum(1 for p in progs for e in p.events if e[0] == "run"),
        nends=sum(1 for p in progs for e in p.events if e[0] == "end"),
    )


def coverage(progs):
    stats = {}
    for p in progs:
        for k, v in p.stats.items():
            stats[k] = stats.get(k, 0) + v
    nrounds = {}
    for p in progs:
        nrounds[len(p.rounds)] = nrounds.get(len(p.rounds), 0) + 1
    lines = [f"#   {k}: {stats[k]}\n" for k in sorted(stats)]
    lines.append("#   programs by rounds: " + ", ".join(f"{k}: {nrounds[k]}" for k in sorted(nrounds)) + "\n")
    never = sum(1 for p in progs for h in p.handles if not h.ran)
    lines.append(f"#   handles that never ran: {never}\n")
    return "".join(lines)


def render_txt(progs, discarded):
    out = [TXT_HEADER.format(pyver="3.11", seed=SEED, margin=MARGIN, discarded=discarded,
                             coverage=coverage(progs), **totals(progs))]
    for pid, p in enumerate(progs):
        out.append(f"P\t{pid}\t{len(p.handles)}\t{len(p.rounds)}\t{len(p.events)}\n")
        for r, acts in enumerate(p.rounds):
            out.append(f"R\t{r}\n")
            out.extend(f"A\t{act_text(a)}\n" for a in acts)
        for h in p.handles:
            if h.actions:
                out.append(f"C\t{h.idx}\n")
                out.extend(f"A\t{act_text(a)}\n" for a in h.actions)
        for kind, x, t in p.events:
            out.append(f"{'E' if kind == 'run' else 'X'}\t{x}\t{ftext(t)}\n")
        for i, (cancelled, when) in enumerate(p.finals):
            out.append(f"F\t{i}\t{int(cancelled)}\t{'-' if when is None else ftext(when)}\n")
    return "".join(out)


INC_HEADER = """\
/* GENERATED by tests/diff/loop_diff.py from CPython {pyver} (seed {seed}) -- do not edit.
 * The data of tests/fixtures/loop_diff.txt as C initializers, for tests/test_loop_diff.c,
 * which defines the types before including this file:
 *   ld_actions[]  op (LD_SOON, LD_LATER, LD_AT, LD_CANCEL, LD_STOP), handle (the one
 *                 created or cancelled; -1 for stop), param (delay or when; 0)
 *   ld_rounds[]   the driver's actions for a round: first action, count
 *   ld_handles[]  per handle: its callback's actions (first, count), and at the end:
 *                 cancelled, is a timer, when (its deadline; 0 for call_soon)
 *   ld_events[]   handle (-1: run_forever returned), round (for -1), time
 *   ld_progs[]    first handle, handles, first round, rounds, first event, events
 * Handle, round and event numbers in ld_actions and ld_events are per program.
 * {nprog} programs, {nhandles} handles, {nactions} actions, {nevents} events. */
"""


def render_inc(progs):
    out = [INC_HEADER.format(pyver="3.11", seed=SEED, **totals(progs))]
    actions, rounds, handles, events, table = [], [], [], [], []

    def add_actions(acts):
        first = len(actions)
        for op, h, param in acts:
            actions.append(f"{{LD_{op.upper()}, {-1 if h is None else h}, "
                           f"{ftext(0.0 if param is None else param)}}}")
        return first, len(acts)

    for pid, p in enumerate(progs):
        hfirst, rfirst, efirst = len(handles), len(rounds), len(events)
        for acts in p.rounds:
            rounds.append("{%d, %d}" % add_actions(acts))
        for h, (cancelled, when) in zip(p.handles, p.finals):
            first, n = add_actions(h.actions)
            handles.append(f"{{{first}, {n}, {int(cancelled)}, {int(when is not None)}, "
                           f"{ftext(0.0 if when is None else when)}}}")
        for kind, x, t in p.events:
            events.append(f"{{{x if kind == 'run' else -1}, {0 if kind == 'run' else x}, {ftext(t)}}}")
        table.append(f"{{{hfirst}, {len(p.handles)}, {rfirst}, {len(p.rounds)}, "
                     f"{efirst}, {len(p.events)}}}")

    out.append(c_array("ld_action_t ld_actions", actions, 4))
    out.append(c_array("ld_round_t ld_rounds", rounds, 8))
    out.append(c_array("ld_handle_t ld_handles", handles, 3))
    out.append(c_array("ld_event_t ld_events", events, 4))
    out.append(c_array("ld_prog_t ld_progs", table, 3))
    return "".join(out)


def show(progs, n):
    p = progs[n]
    print(f"program {n}: {len(p.handles)} handles, {len(p.rounds)} rounds")
    for h in p.handles:
        by = "driver" if h.creator is None else f"h{h.creator}"
        what = h.op if h.param is None else f"{h.op}({h.param!r})"
        fin = p.finals[h.idx]
        print(f"  h{h.idx} = {what} by {by}; when={h.when!r}; end: cancelled={fin[0]}"
              f"{'' if h.ran else ', never ran'}")
    for r, acts in enumerate(p.rounds):
        print(f"  round {r}: driver " + "; ".join(act_text(a).replace("\t", " ") for a in acts))
    for kind, x, t in p.events:
        if kind == "run":
            acts = "; ".join(act_text(a).replace("\t", " ") for a in p.handles[x].actions)
            print(f"    t={t!r}: h{x} runs: {acts}")
        else:
            print(f"    t={t!r}: round {x}: run_forever returns")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="verify the checked-in files")
    ap.add_argument("--show", type=int, metavar="N", help="print program N")
    args = ap.parse_args()
    progs, discarded = generate()
    if args.show is not None:
        show(progs, args.show)
        return 0
    txt = render_txt(progs, discarded)
    inc = render_inc(progs)
    t = totals(progs)
    summary = (f"{t['nprog']} programs, {t['nevents']} events" if args.check else
               f"{t['nprog']} programs, {t['nhandles']} handles, {t['nactions']} actions, "
               f"{t['nevents']} events ({discarded} discarded), {len(inc)} bytes of C")
    return write_or_check("loop_diff.py", ((TXT, txt), (INC, inc)), args.check, summary)


if __name__ == "__main__":
    sys.exit(main())
