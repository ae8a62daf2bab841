#!/usr/bin/env python3
"""Differential test of task ordering: CPython 3.11's asyncio is the reference.

The programs of loop_diff.py (callbacks scheduled with call_soon / call_later /
call_at, cancelled, loop.stop(), on the same virtual-time loop) extended with tasks
and futures. A task's body is a sequence of operations: actions (everything a
callback can do), then an await: asyncio.sleep(d) (sleep(0) included), a shared
future, another task, or gather / shield / wait_for / wait of some of those; each
await may catch CancelledError, Exception, both or nothing; and in the end a return
of a value or a raise of ValueError. Actions are drawn from one menu by the driver,
callbacks and task bodies alike: schedule or cancel a callback, stop the loop, create
a task or a future, set a future's result or exception, cancel a future or a task
(with a message or without).

As in loop_diff.py, programs are drawn online: a body decides its next operation when
CPython resumes it, seeing the real state (it never awaits a task that awaits it, as
that cycle could never end), and the decisions are recorded as the program that
tests/test_task_diff.c replays on yl_loop with yieldloop's tasks. Every deadline (a
callback's, a sleep's, a timeout's) is unique and at least loop_diff.MARGIN from the
others.

A program runs in rounds. In each the driver performs its actions, then either runs
the loop until a gather of every task created so far (return_exceptions=True)
completes, or runs it forever (until a stop(); the driver often schedules a callback
that stops it). A round also ends when the loop would wait forever (nothing ready, no
timer): CPython would block in select() for good, yl_loop reports YL_EWOULDBLOCK.
The next round then resolves futures, cancels tasks... and runs the loop again.

Recorded, in order: every callback run, every task body's start and every return from
an await with its outcome (the value, or the exception raised there with its message),
each round's end with its outcome (the gather's results); at the end each task's and
future's state and outcome (result() read once: a cancelled task's first result()
carries the CancelledError that cancelled it, later ones a new one) and each task's
cancelling() count. Exceptions are written `Type: message` (`Type` without one:
yieldloop's exceptions carry a message, so CancelledError() and CancelledError('')
are the same).

Outputs (both checked in, both deterministic):
    tests/fixtures/task_diff.txt   the fixture, line-oriented (format at its top)
    tests/fixtures/task_diff.inc   the same data as C initializers for the C test

Usage:
    python3 tests/diff/task_diff.py           regenerate both files
    python3 tests/diff/task_diff.py --check   exit 1 unless both files are current
    python3 tests/diff/task_diff.py --show N  print program N as the fixture has it
"""

import argparse
import asyncio
import os
import random
import sys
from typing import NamedTuple

from fixtures import write_or_check
from loop_diff import FIXTURES, MARGIN, Program, WouldBlockForever, act_text, c_array, ftext

SEED = 20240612
NPROG = 300

TXT = os.path.join(FIXTURES, "task_diff.txt")
INC = os.path.join(FIXTURES, "task_diff.inc")

# What an await catches: nothing, CancelledError, Exception, both.
CATCH = ("-", "C", "E", "CE")

# The exception handler may hear of these (at the end, or when the objects go);
# anything else (an exception in a callback) is a bug of this script.
EXPECTED_REPORTS = ("Task exception was never retrieved", "Future exception was never retrieved",
                    "_GatheringFuture exception was never retrieved",
                    "Task was destroyed but it is pending!")

# asyncio.wait's return_when, as yl_wait_when_t numbers them.
RETURN_WHEN = (asyncio.ALL_COMPLETED, asyncio.FIRST_COMPLETED, asyncio.FIRST_EXCEPTION)


def outcome(v):
    """A value or an exception as the fixture writes it: repr of an int or None,
    `Type: message` or `Type`, a list in brackets, a set of children in braces."""
    if isinstance(v, BaseException):
        msg = str(v)
        return type(v).__name__ + (f": {msg}" if msg else "")
    if isinstance(v, list):
        return "[" + ", ".join(map(outcome, v)) + "]"
    if isinstance(v, str):  # wait's done set, written already
        return v
    assert v is None or type(v) is int
    return repr(v)


def final(fut):
    """A task's or future's state at the end, with result() read once."""
    if not fut.done():
        return "pending"
    try:
        return f"result {outcome(fut.result())}"
    except (asyncio.CancelledError, Exception) as e:
        return f"{'cancelled' if fut.cancelled() else 'exception'} {outcome(e)}"


def catches(catch, e):
    return (catch in (1, 3) and isinstance(e, asyncio.CancelledError)) or \
           (catch in (2, 3) and isinstance(e, Exception))


class Op(NamedTuple):
    """An action of this script's (loop_diff's are (op, handle, param) tuples) or an
    operation of a body."""
    op: str
    target: int = None    # the task or future created, set, cancelled or awaited;
                          # wait: return_when (an index in RETURN_WHEN)
    param: object = None  # a value, a cancel message, a delay, a timeout;
                          # gather: return_exceptions
    flag: int = None      # an action: it succeeded; an await: what it catches (CATCH)
    children: tuple = ()  # gather, shield, wait_for, wait: what they wait for (T, F)


class T:
    """One task of a program."""

    def __init__(self, idx, budget):
        self.idx, self.budget = idx, budget
        self.obj = None         # the asyncio.Task
        self.ops = []           # what its body did, in order
        self.started = False
        self.awaits = 0         # awaits so far; at budget the body ends
        self.awaiting = []      # the tasks its current await waits for
        self.waiting_for = None  # what it awaits now, for the statistics

    def name(self):
        return f"t{self.idx}"


class F:
    """One future of a program."""

    def __init__(self, idx):
        self.idx = idx
        self.obj = None         # the asyncio.Future

    def name(self):
        return f"f{self.idx}"


class TaskProgram(Program):
    HANDLE_BUDGETS = (2, 4, 6, 8, 10)

    def __init__(self, rng):
        super().__init__(rng)
        self.tasks, self.futures = [], []
        self.task_budget = rng.choice([2, 3, 4, 5, 6, 8])
        self.future_budget = rng.choice([1, 2, 2, 3, 4])
        self.nvalues = self.nmessages = 0
        self.loop.set_exception_handler(self.report)

    def report(self, loop, ctx):
        if ctx.get("message") not in EXPECTED_REPORTS:
            self.errors.append(ctx)

    @staticmethod
    def who(creator):
        return "task" if isinstance(creator, T) else Program.who(creator)

    def value(self):
        """A new value: results of futures and of tasks are distinct ints."""
        self.nvalues += 1
        return self.nvalues

    def message(self):
        """A cancel message, "m<n>" (numbered per program from 1), or None."""
        if self.rng.random() < 0.5:
            return None
        self.nmessages += 1
        return f"m{self.nmessages}"

    def pick(self, favoured, others):
        """One of `favoured` three times in four (if any), else of `others`."""
        pools = [p for p in (favoured, favoured, favoured, others) if p]
        return self.rng.choice(self.rng.choice(pools)) if pools else None

    # -- actions

    def action(self, creator):
        """One action drawn from the menu of the driver's, a callback's, a body's."""
        r = self.rng.random()
        if r < 0.26:
            return self.schedule(creator) if len(self.handles) < self.budget else None
        if r < 0.31:
            return self.cancel(creator)
        if r < 0.32:
            return self.stop(creator)
        if r < 0.50:
            return self.create_task(creator)
        if r < 0.58:
            return self.create_future(creator)
        if r < 0.78:
            return self.resolve(creator)
        return self.cancel_task(creator)

    def create_task(self, creator):
        if len(self.tasks) >= self.task_budget:
            return None
        t = T(len(self.tasks), self.rng.choice([1, 1, 2, 2, 3, 4, 5]))
        self.tasks.append(t)
        t.obj = self.loop.create_task(self.body(t))
        self.count(f"task created by {self.who(creator)}")
        return Op("task", t.idx)

    def create_future(self, creator):
        if len(self.futures) >= self.future_budget:
            return None
        f = F(len(self.futures))
        self.futures.append(f)
        f.obj = self.loop.create_future()
        self.count(f"future created by {self.who(creator)}")
        return Op("future", f.idx)

    def resolve(self, creator):
        """set_result / set_exception / cancel of a future, pending ones favoured."""
        f = self.pick([f for f in self.futures if not f.obj.done()], self.futures)
        if f is None:
            return None
        state = "done" if f.obj.done() else "pending"
        r = self.rng.random()
        if r < 0.75:
            op, param = ("result", self.value()) if r < 0.55 else ("fail", None)
            try:
                if op == "result":
                    f.obj.set_result(param)
                else:
                    f.obj.set_exception(ValueError(f"f{f.idx}"))
                ok = True
            except asyncio.InvalidStateError:
                ok = False
        else:
            op, param = "fcancel", self.message()
            ok = f.obj.cancel(param)
        self.count(f"future {op} by {self.who(creator)}: {state}")
        return Op(op, f.idx, param, ok)

    def task_state(self, t, creator):
        """What a task is doing, as another one cancelling it sees it."""
        if t is creator:
            return "itself"
        if t.obj.done():
            return "done"
        if not t.started:
            return "not started"
        return t.waiting_for or "ready"

    def cancel_task(self, creator):
        """Task.cancel(msg): pending tasks favoured; also done ones, and itself."""
        if isinstance(creator, T) and self.rng.random() < 0.15:
            t = creator
        else:
            t = self.pick([t for t in self.tasks if not t.obj.done() and t is not creator],
                          [t for t in self.tasks if t.obj.done()])
        if t is None:
            return None
        what = self.task_state(t, creator)
        msg = self.message()
        ok = t.obj.cancel(msg)
        self.count(f"task cancel by {self.who(creator)}: {what}")
        return Op("tcancel", t.idx, msg, ok)

    # -- task bodies

    def awaits_on(self, t, u):
        """True if task u is t or awaits t, directly or through other tasks."""
        return u is t or any(self.awaits_on(t, v) for v in u.awaiting)

    def children(self, t, n):
        """Up to n distinct tasks and futures for t to wait for (pending ones favoured,
        never one awaiting t), tasks first, each kind in creation order."""
        pool = [u for u in self.tasks if not self.awaits_on(t, u)] + self.futures
        picked = []
        while pool and len(picked) < n:
            c = self.pick([c for c in pool if not c.obj.done()], pool)
            pool.remove(c)
            picked.append(c)
        return tuple(sorted(picked, key=lambda c: (isinstance(c, F), c.idx)))

    def draw_delay(self):
        """A delay (for sleep, wait_for) whose deadline is unique; or <= 0, none."""
        drawn = self.draw_timer("later")
        if drawn is None:
            return 0.0
        if drawn[0] > 0:
            self.deadlines.append(drawn[1])
        return drawn[0]

    def draw_await(self, t):
        """The body's next await, or its end."""
        rng = self.rng
        if t.awaits >= t.budget:
            return Op("return", param=self.value()) if rng.random() < 0.75 else Op("raise")
        t.awaits += 1
        catch = rng.choices(range(len(CATCH)), weights=(40, 30, 10, 20))[0]
        r = rng.random()
        if r < 0.18 and self.futures:
            f = self.pick([f for f in self.futures if not f.obj.done()], self.futures)
            return Op("await", f.idx, flag=catch)
        joinable = [u for u in self.tasks if not self.awaits_on(t, u)]
        if r < 0.34 and joinable:
            u = self.pick([u for u in joinable if not u.obj.done()], joinable)
            return Op("join", u.idx, flag=catch)
        if r < 0.62:
            kind = "gather" if r < 0.44 else "shield" if r < 0.49 else "wait_for" if r < 0.55 else "wait"
            children = self.children(t, 1 if kind in ("shield", "wait_for") else rng.randint(1, 3))
            if children:
                return self.draw_waiting(kind, catch, children)
        return Op("sleep", param=self.draw_delay(), flag=catch)

    def draw_waiting(self, kind, catch, children):
        """An await of gather, shield, wait_for or wait."""
        rng = self.rng
        if kind == "gather":
            return Op(kind, param=rng.random() < 0.5, flag=catch, children=children)
        if kind == "wait_for":
            return Op(kind, param=self.draw_delay(), flag=catch, children=children)
        if kind == "shield":
            return Op(kind, flag=catch, children=children)
        # wait: a timeout of None, or of any delay (wait arms a timer even for <= 0).
        drawn = self.draw_timer("later") if rng.random() < 0.6 else None
        if drawn:
            self.deadlines.append(drawn[1])
        return Op(kind, rng.randrange(len(RETURN_WHEN)), None if drawn is None else drawn[0], catch, children)

    async def perform_await(self, t, op):
        """Performs the await `op` of t's body; returns what it returns."""
        kind = op.op
        t.awaiting = [c for c in op.children if isinstance(c, T)]
        if kind == "sleep":
            t.waiting_for = "sleeping" if op.param > 0 else "ready"
            return await asyncio.sleep(op.param)
        if kind == "await":
            t.waiting_for = "awaiting a future"
            return await self.futures[op.target].obj
        if kind == "join":
            t.waiting_for = "awaiting a task"
            t.awaiting = [self.tasks[op.target]]
            return await t.awaiting[0].obj
        t.waiting_for = f"in {kind}"
        objs = [c.obj for c in op.children]
        if kind == "gather":
            return await asyncio.gather(*objs, return_exceptions=op.param)
        if kind == "shield":
            return await asyncio.shield(objs[0])
        if kind == "wait_for":
            return await asyncio.wait_for(objs[0], op.param)
        done, _ = await asyncio.wait(objs, timeout=op.param, return_when=RETURN_WHEN[op.target])
        return "{" + ", ".join(c.name() for c in op.children if c.obj in done) + "}"

    async def body(self, t):
        loop = self.loop
        t.started = True
        self.events.append(("start", t.idx, loop.time()))
        while True:
            self.act(t, t.ops)
            op = self.draw_await(t)
            t.ops.append(op)
            k = len(t.ops) - 1
            if op.op in ("sleep", "wait_for"):
                self.count(f"body: {op.op} ({'timer' if op.param > 0 else 'no timer'})")
            else:
                self.count(f"body: {op.op}")
            if op.op == "return":
                return op.param
            if op.op == "raise":
                raise ValueError(f"t{t.idx}")
            try:
                v = await self.perform_await(t, op)
            except (asyncio.CancelledError, Exception) as e:
                self.events.append(("resume", t.idx, k, outcome(e), loop.time()))
                caught = catches(op.flag, e)
                self.count(f"await raised {type(e).__name__}, {'caught' if caught else 'not caught'}")
                if not caught:
                    raise
            else:
                self.events.append(("resume", t.idx, k, outcome(v), loop.time()))
            finally:
                t.waiting_for, t.awaiting = None, []

    # -- the driver

    def driver(self, r):
        """Round r: the driver's actions, then the loop runs."""
        rng = self.rng
        acts = [self.create_task(None) for _ in range(rng.randint(1, 2))] if r == 0 else []
        for _ in range(rng.randint(0, 4)):
            act = self.action(None)
            if act:
                acts.append(act)
        mode = "gather" if self.tasks and rng.random() < 0.65 else "forever"
        if mode == "forever" and rng.random() < 0.7:
            acts.append(self.schedule(None, rng.choice(["later", "at", "soon"]), must_stop=True))
        self.rounds.append((mode, acts))
        self.count(f"round: {mode}")
        loop = self.loop
        try:
            if mode == "gather":
                result = outcome(loop.run_until_complete(
                    asyncio.gather(*(t.obj for t in self.tasks), return_exceptions=True)))
            else:
                loop.run_forever()
                result = "-"
        except WouldBlockForever:
            result = "idle"
        except RuntimeError as e:
            if str(e) != "Event loop stopped before Future completed.":
                raise
            result = outcome(e)
        self.count(f"round ends: {'gathered' if result[0] == '[' else result.split(':')[0]}")
        self.events.append(("end", r, result, loop.time()))

    def run(self):
        for r in range(self.rng.choice([1, 1, 2, 2, 3])):
            self.driver(r)
        self.task_finals = [(final(t.obj), t.obj.cancelling()) for t in self.tasks]
        self.future_finals = [final(f.obj) for f in self.futures]
        for state, _ in self.task_finals:
            self.count(f"task ends {state.split(' ')[0]}")
        self.loop.close()
        # Pending bodies never run again: closed now (GeneratorExit, as yieldloop's
        # loop close does) rather than whenever they are collected.
        for t in self.tasks:
            if not t.obj.done():
                t.obj.get_coro().close()
        if self.errors:
            raise AssertionError(f"unexpected report: {self.errors[0]}")
        return self


def generate():
    rng = random.Random(SEED)
    return [TaskProgram(rng).run() for _ in range(NPROG)]


# ---------------------------------------------------------------------------------
# Output.

TXT_HEADER = """\
# Task ordering recorded from CPython {pyver}'s asyncio: the differential fixture.
# GENERATED by tests/diff/task_diff.py (seed {seed}) -- do not edit; regenerate with
#   python3 tests/diff/task_diff.py        (or check it is current with --check)
# tests/fixtures/task_diff.inc holds the same data as C initializers.
#
# Each program ran on asyncio.BaseEventLoop in virtual time, as loop_diff's (time()
# starts at 0, clock resolution 1e-9, select(timeout) advances the clock by timeout),
# with asyncio's tasks and futures. tests/test_task_diff.c replays it on yl_loop
# (YL_CLOCK_VIRTUAL, start 0) with yieldloop's and must log the same events at the same
# times (within 1e-9) with the same outcomes, and end in the same states.
#
# {nprog} programs, {nhandles} handles, {ntasks} tasks, {nfutures} futures,
# {nops} actions and operations, {nevents} events. Lines are TAB-separated fields;
# '#' lines are comments; times and delays are Python float reprs. Per program:
#   P <TAB> id <TAB> handles <TAB> tasks <TAB> futures <TAB> rounds <TAB> events
#   R <TAB> round <TAB> gather|forever
#           the driver's actions (the A lines that follow), then for gather:
#           loop.run_until_complete(asyncio.gather(every task so far, in creation
#           order, return_exceptions=True)), for forever: loop.run_forever()
#   C <TAB> handle     the actions of the handle's callback (only those that did some)
#   T <TAB> task       the operations of the task's body, in order (every task)
#   A <TAB> soon|later|at|cancel|stop ...  as in loop_diff.txt (handles h)
#   A <TAB> task <TAB> t                t = loop.create_task(body of t)
#   A <TAB> future <TAB> f              f = loop.create_future()
#   A <TAB> result <TAB> f <TAB> v <TAB> ok     f.set_result(v)
#   A <TAB> fail <TAB> f <TAB> ok               f.set_exception(ValueError('f<f>'))
#   A <TAB> fcancel <TAB> f <TAB> msg <TAB> ok  f.cancel(msg)
#   A <TAB> tcancel <TAB> t <TAB> msg <TAB> ok  t.cancel(msg)
#           ok: 1 if it succeeded (set_*: no InvalidStateError; cancel(): True);
#           msg: "m<n>", or - for None
#   A <TAB> sleep <TAB> delay <TAB> catch     await asyncio.sleep(delay)
#   A <TAB> await <TAB> f <TAB> catch         await f
#   A <TAB> join <TAB> t <TAB> catch          await t
#   A <TAB> gather <TAB> children <TAB> rx <TAB> catch
#           await asyncio.gather(*children, return_exceptions=rx (0|1)); children
#           are tasks and futures, e.g. t0,t2,f1 (tasks first, in creation order)
#   A <TAB> shield <TAB> child <TAB> catch    await asyncio.shield(child)
#   A <TAB> wait_for <TAB> child <TAB> timeout <TAB> catch
#           await asyncio.wait_for(child, timeout)
#   A <TAB> wait <TAB> children <TAB> return_when <TAB> timeout <TAB> catch
#           await asyncio.wait(children, timeout=timeout (- for None),
#           return_when=return_when); its outcome is the done set, e.g. {{t0, f1}}
#           catch (of every await): what the body catches there and goes on after:
#           - nothing, C CancelledError, E Exception, CE both; the rest ends the body
#   A <TAB> return <TAB> v                    return v
#   A <TAB> raise                             raise ValueError('t<t>')
#   E <TAB> handle <TAB> time                 a callback ran; in order, with
#   S <TAB> task <TAB> time                   the body of a task started
#   W <TAB> task <TAB> op <TAB> outcome <TAB> time   an await (the body's op-th
#                              operation, from 0) returned this value or raised this
#   X <TAB> round <TAB> outcome <TAB> time    the round's run returned: the gather's
#                              results, - (run_forever returned), idle (the loop would
#                              have waited forever), or the error raised
#   F <TAB> task <TAB> final <TAB> cancelling   at the end, each task and each
#   G <TAB> future <TAB> final                  future: pending, result <value>,
#                              exception <exception>, cancelled <its CancelledError>
#                              (result() read once); and task.cancelling()
# Handles, tasks and futures are numbered per program from 0, in creation order;
# values are numbered per program from 1. Outcomes: ints, None, exceptions as
# `Type: message` (`Type` without one), lists in brackets, wait's done sets in braces.
# Deadlines of a program (callbacks', sleeps', timeouts') are all at least {margin}
# apart.
#
# Coverage (counts over all programs):
{coverage}"""


def op_text(a):
    """An action or body operation as a fixture line's fields."""
    if not isinstance(a, Op):  # loop_diff's
        return act_text(a)
    op, target, param, flag, children = a
    catch = CATCH[flag] if flag is not None else None
    match op:
        case "task" | "future":
            fields = [target]
        case "result":
            fields = [target, param, int(flag)]
        case "fail":
            fields = [target, int(flag)]
        case "fcancel" | "tcancel":
            fields = [target, param or "-", int(flag)]
        case "sleep":
            fields = [ftext(param), catch]
        case "await" | "join":
            fields = [target, catch]
        case "gather":
            fields = [",".join(c.name() for c in children), int(param), catch]
        case "shield":
            fields = [children[0].name(), catch]
        case "wait_for":
            fields = [children[0].name(), ftext(param), catch]
        case "wait":
            fields = [",".join(c.name() for c in children), RETURN_WHEN[target],
                      "-" if param is None else ftext(param), catch]
        case "return":
            fields = [param]
        case _:
            fields = []
    return "\t".join(map(str, [op] + fields))


def event_text(e):
    kind = e[0]
    if kind == "run":
        return f"E\t{e[1]}\t{ftext(e[2])}"
    if kind == "start":
        return f"S\t{e[1]}\t{ftext(e[2])}"
    if kind == "resume":
        return f"W\t{e[1]}\t{e[2]}\t{e[3]}\t{ftext(e[4])}"
    return f"X\t{e[1]}\t{e[2]}\t{ftext(e[3])}"


def totals(progs):
    return dict(
        nprog=len(progs),
        nhandles=sum(len(p.handles) for p in progs),
        ntasks=sum(len(p.tasks) for p in progs),
        nfutures=sum(len(p.futures) for p in progs),
        nops=sum(len(acts) for p in progs for _, acts in p.rounds)
        + sum(len(h.actions) for p in progs for h in p.handles)
        + sum(len(t.ops) for p in progs for t in p.tasks),
        nevents=sum(len(p.events) for p in progs),
    )


def coverage(progs):
    stats = {}
    for p in progs:
        for k, v in p.stats.items():
            stats[k] = stats.get(k, 0) + v
    return "".join(f"#   {k}: {stats[k]}\n" for k in sorted(stats))


def render_prog(pid, p):
    out = [f"P\t{pid}\t{len(p.handles)}\t{len(p.tasks)}\t{len(p.futures)}\t{len(p.rounds)}\t{len(p.events)}\n"]
    for r, (mode, acts) in enumerate(p.rounds):
        out.append(f"R\t{r}\t{mode}\n")
        out.extend(f"A\t{op_text(a)}\n" for a in acts)
    for h in p.handles:
        if h.actions:
            out.append(f"C\t{h.idx}\n")
            out.extend(f"A\t{op_text(a)}\n" for a in h.actions)
    for t in p.tasks:
        out.append(f"T\t{t.idx}\n")
        out.extend(f"A\t{op_text(a)}\n" for a in t.ops)
    out.extend(event_text(e) + "\n" for e in p.events)
    out.extend(f"F\t{i}\t{state}\t{cancelling}\n" for i, (state, cancelling) in enumerate(p.task_finals))
    out.extend(f"G\t{i}\t{state}\n" for i, state in enumerate(p.future_finals))
    return "".join(out)


def render_txt(progs):
    out = [TXT_HEADER.format(pyver="3.11", seed=SEED, margin=MARGIN, coverage=coverage(progs), **totals(progs))]
    out.extend(render_prog(pid, p) for pid, p in enumerate(progs))
    return "".join(out)


INC_HEADER = """\
/* GENERATED by tests/diff/task_diff.py from CPython {pyver} (seed {seed}) -- do not edit.
 * The data of tests/fixtures/task_diff.txt as C initializers, for tests/test_task_diff.c,
 * which defines the types before including this file (members left out are 0):
 *   td_actions[]  the actions and body operations: op (TD_<name>), target (the handle,
 *                 task or future; gather: return_exceptions; wait: return_when as
 *                 yl_wait_when_t), param (delay, when, timeout), flag (ok, or what an
 *                 await catches: 1 CancelledError, 2 Exception, 3 both), num (a value;
 *                 a message's number, 0 for none; gather, shield, wait_for, wait: the
 *                 children, bit i for task i, bit 16 + j for future j)
 *   td_rounds[]   mode (TD_RUN_GATHER, TD_RUN_FOREVER), the driver's actions: first,
 *                 count
 *   td_handles[]  its callback's actions: first, count
 *   td_tasks[]    its body's operations: first, count; at the end: cancelling(), final
 *   td_futures[]  at the end: final
 *   td_events[]   kind (TD_RAN, TD_STARTED, TD_RESUMED, TD_RETURNED), who (handle, task
 *                 or round), op (TD_RESUMED: the body's operation), time, outcome
 *   td_progs[]    first and count of its handles, tasks, futures, rounds and events
 * Numbers in td_actions and td_events are per program.
 * {nprog} programs, {nhandles} handles, {ntasks} tasks, {nfutures} futures,
 * {nops} actions and operations, {nevents} events. */
"""


def c_str(s):
    assert '"' not in s and "\\" not in s
    return f'"{s}"'


def c_init(*fields):
    """A C initializer with its trailing zero members left out."""
    fields = ["0" if f == "0.0" else f for f in fields]
    while len(fields) > 1 and fields[-1] == "0":
        fields.pop()
    return "{" + ", ".join(fields) + "}"


FUTURE_BIT = 16  # in the C initializers' children masks, f<j> is bit 16 + j


def op_init(a):
    if not isinstance(a, Op):  # loop_diff's
        op, target, param = a
        return c_init(f"TD_{op.upper()}", str(0 if target is None else target), ftext(param or 0.0))
    op, target, param, flag, children = a
    if op == "gather":
        target = int(param)
    if op in ("fcancel", "tcancel"):
        num = int(param[1:]) if param else 0
    elif op in ("result", "return"):
        num = param
    else:
        num = sum(1 << (c.idx + (FUTURE_BIT if isinstance(c, F) else 0)) for c in children)
    if op in ("sleep", "wait_for", "wait"):
        delay = "INFINITY" if param is None else ftext(param)  # wait's timeout None
    else:
        delay = "0"
    return c_init(f"TD_{op.upper()}", str(target or 0), delay, str(int(flag or 0)), str(num))


def event_init(e):
    kind = e[0]
    if kind in ("run", "start"):
        return c_init("TD_RAN" if kind == "run" else "TD_STARTED", str(e[1]), "0", ftext(e[2]))
    if kind == "resume":
        return c_init("TD_RESUMED", str(e[1]), str(e[2]), ftext(e[4]), c_str(e[3]))
    return c_init("TD_RETURNED", str(e[1]), "0", ftext(e[3]), c_str(e[2]))


def render_inc(progs):
    out = [INC_HEADER.format(pyver="3.11", seed=SEED, **totals(progs))]
    actions, rounds, handles, tasks, futures, events, table = [], [], [], [], [], [], []

    def add(ops):
        first = len(actions)
        actions.extend(op_init(a) for a in ops)
        return f"{first}, {len(ops)}"

    for p in progs:
        table.append(c_init(*map(str, (len(handles), len(p.handles), len(tasks), len(p.tasks), len(futures),
                                       len(p.futures), len(rounds), len(p.rounds), len(events), len(p.events)))))
        rounds.extend(f"{{TD_RUN_{mode.upper()}, {add(acts)}}}" for mode, acts in p.rounds)
        handles.extend(f"{{{add(h.actions)}}}" for h in p.handles)
        tasks.extend(f"{{{add(t.ops)}, {cancelling}, {c_str(state)}}}"
                     for t, (state, cancelling) in zip(p.tasks, p.task_finals))
        futures.extend(c_str(state) for state in p.future_finals)
        events.extend(event_init(e) for e in p.events)

    out.append(c_array("td_action_t td_actions", actions, 4))
    out.append(c_array("td_round_t td_rounds", rounds, 6))
    out.append(c_array("td_handle_t td_handles", handles, 8))
    out.append(c_array("td_task_t td_tasks", tasks, 3))
    out.append(c_array("char *const td_futures", futures, 4))
    out.append(c_array("td_event_t td_events", events, 3))
    out.append(c_array("td_prog_t td_progs", table, 2))
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="verify the checked-in files")
    ap.add_argument("--show", type=int, metavar="N", help="print program N")
    args = ap.parse_args()
    progs = generate()
    if args.show is not None:
        print(render_prog(args.show, progs[args.show]), end="")
        return 0
    txt = render_txt(progs)
    inc = render_inc(progs)
    t = totals(progs)
    summary = f"{t['nprog']} programs, {t['nevents']} events"
    if not args.check:
        summary += (f", {t['ntasks']} tasks, {t['nops']} actions and operations "
                    f"({len(txt)} bytes of text, {len(inc)} of C)")
    return write_or_check("task_diff.py", ((TXT, txt), (INC, inc)), args.check, summary)


if __name__ == "__main__":
    sys.exit(main())
