#!/usr/bin/env python3
"""Differential test of generator semantics: CPython 3.11 is the reference.

Builds random trees of generator *shapes* (small generator functions parametrized by
integers, composed with `yield from`), drives each with a random sequence of
next / send(v) / throw(Kind(msg)) / close, and records for every step what CPython
did: the outcome, the value or exception, inspect.getgeneratorstate() afterwards and
the side-effect log the shapes wrote during the step.

tests/test_gen_diff.c implements the same shapes over yl_gen and replays every
sequence. Outputs (both checked in, both deterministic):
    tests/fixtures/gen_diff.txt   the fixture, line-oriented (format at its top)
    tests/fixtures/gen_diff.inc   the same data as C initializers for the C test

Usage:
    python3 tests/diff/gen_diff.py           regenerate both files
    python3 tests/diff/gen_diff.py --check   exit 1 unless both files are current
    python3 tests/diff/gen_diff.py --show N  print sequence N: its tree and steps

The shapes below are the specification the C port follows line by line; keep the two
in sync (a change here needs the matching change in test_gen_diff.c).
"""

import argparse
import gc
import inspect
import os
import random
import sys
import weakref

from fixtures import write_or_check

# The reference is CPython 3.11 (any 3.11.x): other versions differ (3.13's close()
# returns the return value, for one), and random's streams are only promised per version.
if sys.version_info[:2] != (3, 11) or sys.implementation.name != "cpython":
    print(f"gen_diff.py: needs CPython 3.11 (the reference), this is "
          f"{sys.implementation.name} {sys.version.split()[0]}", file=sys.stderr)
    sys.exit(2)

SEED = 479380342
NSEQ = 440

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures"))
TXT = os.path.join(FIXTURES, "gen_diff.txt")
INC = os.path.join(FIXTURES, "gen_diff.inc")


class MyError(Exception):
    pass


# Values sent in and returned: by index (shape parameters index this table too).
VALUES = [None, True, False, 0, 1, 2, 7, -3, "a", "xy", "", "a b", "probe", "it's"]
# Kinds thrown in by the driver.
THROW_KINDS = [ValueError, KeyError, TypeError, RuntimeError, GeneratorExit, StopIteration,
               MyError, LookupError]
THROW_MESSAGES = ["", "x", "two words"]
# Kinds a `catch` mask selects from (bit i: CATCH_KINDS[i]).
CATCH_KINDS = [ValueError, KeyError, LookupError, TypeError, RuntimeError, MyError,
               StopIteration, GeneratorExit, Exception, BaseException]
# Kinds the `raise` shape raises.
RAISE_KINDS = [ValueError, KeyError, TypeError, RuntimeError, MyError, StopIteration,
               GeneratorExit]
# Every kind named anywhere, for the C side's name table.
ALL_KINDS = []
for _k in THROW_KINDS + CATCH_KINDS + RAISE_KINDS:
    if _k not in ALL_KINDS:
        ALL_KINDS.append(_k)


def fmt(e):
    """An exception as the last line of its traceback: 'Kind: str' or 'Kind'."""
    s = str(e)
    return f"{type(e).__name__}: {s}" if s else type(e).__name__


def catch_tuple(mask):
    return tuple(k for i, k in enumerate(CATCH_KINDS) if mask >> i & 1)


# ---------------------------------------------------------------------------------
# Shapes. Each is `def shape(c, p0, p1, ...)`; c is the Ctx (tag, log, children).
# Log entries are "<tag>:<text>". Ported to C in tests/test_gen_diff.c.


def sh_plain(c, n, ret):
    """Yields n strings, logs what it is sent, returns VALUES[ret]."""
    c.log("start")
    for i in range(n):
        v = yield f"{c.tag}{i}"
        c.log(f"got {v!r}")
    c.log("end")
    return VALUES[ret]


def sh_catch(c, n, mask, mode):
    """try/except around each yield: catches the kinds in `mask`; then
    mode 0 yields in the handler, 1 re-raises, 2 raises TypeError from it, 3 swallows."""
    kinds = catch_tuple(mask)
    i = 0
    while i < n:
        try:
            v = yield i
            c.log(f"got {v!r}")
        except kinds as e:
            c.log(f"caught {fmt(e)}")
            if mode == 0:
                v = yield f"{c.tag}h{i}"
                c.log(f"handler got {v!r}")
            elif mode == 1:
                raise
            elif mode == 2:
                raise TypeError(f"from {type(e).__name__}") from e
        i += 1
    c.log("end")
    return i


def sh_fin(c, n, mode, ret):
    """try/finally around the body; the finally logs the states of the chain and
    then: mode 0 nothing, 1 yields (RuntimeError on close), 2 returns (swallowing any
    exception), 3 raises ValueError."""
    c.log("start")
    try:
        for i in range(n):
            v = yield f"{c.tag}{i}"
            c.log(f"got {v!r}")
        c.log("body done")
        return VALUES[ret]
    finally:
        c.log(f"finally {c.states()}")
        if mode == 1:
            v = yield f"{c.tag}fin"
            c.log(f"finally got {v!r}")
        elif mode == 2:
            return f"{c.tag}fin"
        elif mode == 3:
            raise ValueError("in finally")


def sh_ignore(c, n, k):
    """Catches GeneratorExit and yields again, the first k times."""
    ignored = 0
    i = 0
    while i < n:
        try:
            v = yield f"{c.tag}{i}"
        except GeneratorExit:
            ignored += 1
            c.log(f"ignored GeneratorExit {ignored}")
            if ignored > k:
                raise
            continue
        c.log(f"got {v!r}")
        i += 1
    return "done"


def sh_raise(c, n, trig, kind):
    """Yields ints; raises RAISE_KINDS[kind] when sent a value == VALUES[trig]
    (n == 0: raises at once)."""
    if n == 0:
        c.log("raise at start")
        raise RAISE_KINDS[kind]("at start")
    for i in range(n):
        v = yield 10 * i
        if v == VALUES[trig]:
            c.log(f"raise on {v!r}")
            raise RAISE_KINDS[kind](f"bad {v!r}")
    return n


def sh_accum(c, n, mode):
    """Yields a running total of the ints sent; returns, by mode, the total, the last
    non-None value sent or how many were sent. 'xy' returns early."""
    total = 0
    last = None
    count = 0
    for i in range(n):
        v = yield total
        if v is None:
            continue
        count += 1
        last = v
        if type(v) is int:
            total += v
        if v == "xy":
            c.log("early return")
            break
    return [total, last, count][mode]


def sh_reenter(c, n, act):
    """Sent 'probe': logs the chain's states and re-enters a running generator:
    act 0 next(self), 1 next(root), 2 self.throw(MyError), 3 self.close(), 4 root.close()."""
    for i in range(n):
        v = yield f"{c.tag}{i}"
        c.log(f"got {v!r}")
        if v == "probe":
            c.log(f"states {c.states()}")
            try:
                if act == 0:
                    next(c.gen())
                elif act == 1:
                    next(c.root().gen())
                elif act == 2:
                    c.gen().throw(MyError("re"))
                elif act == 3:
                    c.gen().close()
                else:
                    c.root().gen().close()
            except ValueError as e:
                c.log(f"reenter {fmt(e)}")
    return n


def sh_deleg(c, pre, mode, post, mask):
    """Yields `pre` values, then `yield from` each child in turn: mode 0 plainly,
    1 catching the kinds in `mask`, 2 in try/finally, 3 twice on the same sub (the
    second returns None at once), 4 catching and yielding in the handler; then yields
    `post` values and returns the results."""
    c.log("start")
    for i in range(pre):
        v = yield f"{c.tag}p{i}"
        c.log(f"got {v!r}")
    results = []
    for child in c.node.children:
        if mode == 0:
            r = yield from c.spawn(child)
            c.log(f"sub returned {r!r}")
        elif mode == 1 or mode == 4:
            try:
                r = yield from c.spawn(child)
                c.log(f"sub returned {r!r}")
            except catch_tuple(mask) as e:
                c.log(f"sub raised {fmt(e)}")
                r = "caught"
                if mode == 4:
                    v = yield f"{c.tag}h"
                    c.log(f"handler got {v!r}")
        elif mode == 2:
            try:
                r = yield from c.spawn(child)
                c.log(f"sub returned {r!r}")
            finally:
                c.log("deleg finally")
        else:
            # The local goes before the frame does: a traceback keeps a finished
            # frame's locals alive, which would delay finalizing an abandoned sub.
            s = c.spawn(child)
            try:
                r = yield from s
                c.log(f"sub returned {r!r}")
                r2 = yield from s
                c.log(f"again {r2!r}")
            finally:
                del s
        results.append(r)
    for i in range(post):
        v = yield f"{c.tag}q{i}"
        c.log(f"got {v!r}")
    c.log("end")
    return f"{c.tag}<" + ",".join(repr(r) for r in results) + ">"


SHAPES = {
    "plain": sh_plain,
    "catch": sh_catch,
    "fin": sh_fin,
    "ignore": sh_ignore,
    "raise": sh_raise,
    "accum": sh_accum,
    "reenter": sh_reenter,
    "deleg": sh_deleg,
}
NPARAMS = {name: fn.__code__.co_argcount - 1 for name, fn in SHAPES.items()}


# ---------------------------------------------------------------------------------
# Trees and contexts.


class Node:
    def __init__(self, kind, params, children=()):
        self.kind, self.params, self.children = kind, tuple(params), list(children)
        self.label = "?"
        assert len(self.params) == NPARAMS[kind]

    def text(self):
        s = f"{self.kind}({','.join(map(str, self.params))})"
        if self.children:
            s += "[" + ",".join(ch.text() for ch in self.children) + "]"
        return s

    def walk(self):
        yield self
        for ch in self.children:
            yield from ch.walk()


class Run:
    """One sequence's shared state."""

    def __init__(self):
        self.log = []
        self.subs = []  # weakrefs to every sub generator
        self.nodes = {}  # id(generator) -> its node


class Ctx:
    def __init__(self, node, parent, run):
        self.node, self.parent, self.run = node, parent, run
        self.tag = node.label
        self.gen = None  # weakref to this context's generator

    def log(self, text):
        self.run.log.append(f"{self.tag}:{text}")

    def root(self):
        c = self
        while c.parent is not None:
            c = c.parent
        return c

    def states(self):
        chain = []
        c = self
        while c is not None:
            chain.append(c)
            c = c.parent
        return " ".join(f"{x.tag}={inspect.getgeneratorstate(x.gen())}" for x in reversed(chain))

    def spawn(self, node):
        return make_gen(node, self, self.run)


def make_gen(node, parent, run):
    c = Ctx(node, parent, run)
    g = SHAPES[node.kind](c, *node.params)
    c.gen = weakref.ref(g)
    run.nodes[id(g)] = node
    if parent is not None:
        run.subs.append(c.gen)
    return g


def rand_leaf(rng, is_sub):
    nv = len(VALUES)
    kind = rng.choice(["plain", "plain", "catch", "catch", "fin", "fin", "ignore", "raise",
                       "raise", "accum", "reenter"])
    if kind == "plain":
        p = (rng.choice([0, 1, 2, 4, 8, 12, 16, 20, 24]), rng.randrange(nv))
    elif kind == "catch":
        mask = 0
        for _ in range(rng.choice([1, 2, 2, 3])):
            mask |= 1 << rng.randrange(len(CATCH_KINDS))
        p = (rng.randint(1, 24), mask, rng.choice([0, 0, 1, 2, 3, 3]))
    elif kind == "fin":
        p = (rng.choice([0, 1, 2, 4, 8, 12, 16, 20, 24]), rng.randrange(4), rng.randrange(nv))
    elif kind == "ignore":
        p = (rng.randint(1, 24), 1 if is_sub else rng.randint(1, 3))
    elif kind == "raise":
        p = (rng.choice([0, 1, 2, 4, 8, 12, 16, 20, 24]), rng.randrange(nv),
             rng.randrange(len(RAISE_KINDS)))
    elif kind == "accum":
        p = (rng.randint(1, 24), rng.randrange(3))
    else:
        p = (rng.randint(1, 24), rng.randrange(5))
    return Node(kind, p)


def rand_tree(rng, levels, is_sub=False):
    """A shape tree with `levels` levels of yield-from delegation below the root."""
    if levels == 0:
        return rand_leaf(rng, is_sub)
    mask = 0
    for _ in range(rng.choice([1, 1, 2])):
        mask |= 1 << rng.randrange(len(CATCH_KINDS))
    params = (rng.randint(0, 8), rng.choice([0, 1, 1, 2, 3, 4, 4]), rng.randint(0, 8), mask)
    nchildren = 2 if rng.random() < 0.2 else 1
    children = [rand_tree(rng, levels - 1 if i == 0 else rng.randint(0, levels - 1), True)
                for i in range(nchildren)]
    return Node("deleg", params, children)


def label_tree(root):
    for i, node in enumerate(root.walk()):
        node.label = chr(ord("A") + i)


# ---------------------------------------------------------------------------------
# Driving a sequence.


class Discard(Exception):
    """The sequence depends on something the C port cannot mirror: when CPython
    finalizes a subgenerator left suspended."""


def active_nodes(root, run):
    """The nodes of the generators in root's yield-from chain, outermost first."""
    nodes = []
    g = root
    while g is not None:
        nodes.append(run.nodes[id(g)])
        g = g.gi_yieldfrom
    return nodes


def caught_kinds(nodes):
    """Indices of THROW_KINDS one of the nodes catches: throws favour them."""
    masks = [n.params[1] if n.kind == "catch" else n.params[3] for n in nodes
             if n.kind == "catch" or (n.kind == "deleg" and n.params[1] in (1, 4)
                                      and n is not nodes[-1])]
    kinds = set()
    for mask in masks:
        for i, k in enumerate(THROW_KINDS):
            if issubclass(k, catch_tuple(mask)):
                kinds.add(i)
    if any(n.kind == "ignore" for n in nodes):
        kinds.add(THROW_KINDS.index(GeneratorExit))
    return sorted(kinds)


def trigger_values(nodes):
    """Indices of VALUES one of the nodes reacts to: sends favour them."""
    vals = set()
    for n in nodes:
        if n.kind == "raise":
            vals.add(n.params[1])
        elif n.kind == "accum":
            vals.add(VALUES.index("xy"))
        elif n.kind == "reenter":
            vals.add(VALUES.index("probe"))
    return sorted(vals)


def rand_op(rng, state, favoured):
    """A random op. favoured: (kinds the active generators catch, values they react
    to); throws are likelier, and mostly of those kinds, when something would catch."""
    nv, nk, nm = len(VALUES), len(THROW_KINDS), len(THROW_MESSAGES)
    kinds, values = favoured
    r = rng.random()
    if state == "GEN_CREATED":
        table = [(0.78, "next"), (0.85, "send"), (0.90, "sendnone"), (0.975, "throw"), (1.0, "close")]
    elif kinds:
        table = [(0.40, "next"), (0.80, "send"), (0.985, "throw"), (1.0, "close")]
    else:
        table = [(0.48, "next"), (0.965, "send"), (0.99, "throw"), (1.0, "close")]
    for bound, op in table:
        if r < bound:
            break
    if op == "send":
        if values and rng.random() < 0.2:
            return ("send", rng.choice(values))
        return ("send", rng.randrange(1, nv))
    if op == "sendnone":
        return ("send", 0)
    if op == "throw":
        if kinds and rng.random() < 0.85:
            return ("throw", rng.choice(kinds), rng.randrange(nm))
        return ("throw", rng.randrange(nk), rng.randrange(nm))
    return (op,)


def do_step(gen, op):
    """Performs op; returns (outcome, text)."""
    exc = None
    try:
        if op[0] == "next":
            return ("yield", repr(next(gen)))
        if op[0] == "send":
            return ("yield", repr(gen.send(VALUES[op[1]])))
        if op[0] == "throw":
            kind, msg = THROW_KINDS[op[1]], THROW_MESSAGES[op[2]]
            exc = kind(msg) if msg else kind()
            return ("yield", repr(gen.throw(exc)))
        assert op[0] == "close"
        r = gen.close()
        assert r is None
        return ("ok", "None")
    except StopIteration as e:
        if e is exc:
            # A StopIteration thrown into a finished generator comes back as itself:
            # at the C level that is gen_send_ex2's PYGEN_ERROR, not a return.
            return ("raise", fmt(e))
        return ("return", repr(e.value))
    except BaseException as e:  # noqa: B036 - GeneratorExit is an outcome like others
        return ("raise", fmt(e))


def run_sequence(rng, tree):
    run = Run()
    unraisable = []
    old_hook = sys.unraisablehook
    sys.unraisablehook = lambda u: unraisable.append(u)
    gc.disable()
    try:
        root = make_gen(tree, None, run)
        steps = []
        limit = rng.randint(20, 60)
        after_close = rng.choice([0, 0, 1, 1, 2, 3])
        while True:
            state = inspect.getgeneratorstate(root)
            if state == "GEN_CLOSED":
                if after_close == 0:
                    break
                after_close -= 1
                op = rand_op(rng, state, ([], []))
            elif len(steps) >= limit:
                op = ("close",)
                if len(steps) > limit + 10:
                    raise AssertionError(f"{tree.text()}: does not close")
            else:
                active = active_nodes(root, run)
                op = rand_op(rng, state, (caught_kinds(active), trigger_values(active)))
                del active
            mark = len(run.log)
            outcome, text = do_step(root, op)
            state = inspect.getgeneratorstate(root)
            steps.append((op, outcome, text, state, run.log[mark:]))
            if abandoned_alive(root, run):
                raise Discard("abandoned sub still alive")
            if unraisable:
                raise Discard("unraisable exception")
        marked = len(run.log)
        del root
        gc.collect()
        if len(run.log) != marked or unraisable:
            raise Discard("late finalization")
        return steps
    finally:
        gc.enable()
        sys.unraisablehook = old_hook


def abandoned_alive(root, run):
    """A sub abandoned while suspended (it ignored GeneratorExit) must be finalized at
    once, as C frees it at once; True if one is still alive. (A function, so that no
    reference it takes outlives the check.)"""
    live = set()
    g = root
    while g is not None:
        live.add(id(g))
        g = g.gi_yieldfrom
    for ref in run.subs:
        g = ref()
        if g is not None and id(g) not in live and inspect.getgeneratorstate(g) != "GEN_CLOSED":
            return True
    return False


def generate():
    rng = random.Random(SEED)
    seqs = []
    discarded = 0
    while len(seqs) < NSEQ:
        levels = rng.choice([0, 0, 1, 1, 1, 2, 2, 3])
        tree = rand_tree(rng, levels)
        label_tree(tree)
        try:
            steps = run_sequence(rng, tree)
        except Discard:
            discarded += 1
            continue
        seqs.append((tree, steps))
    return seqs, discarded


# ---------------------------------------------------------------------------------
# Output.

TXT_HEADER = """\
# Generator semantics recorded from CPython {pyver}: the differential fixture.
# GENERATED by tests/diff/gen_diff.py (seed {seed}) -- do not edit; regenerate with
#   python3 tests/diff/gen_diff.py        (or check it is current with --check)
# tests/fixtures/gen_diff.inc holds the same data as C initializers.
#
# {nseq} sequences, {nsteps} steps. Lines are TAB-separated fields; '#' lines are
# comments. Tables first:
#   V <TAB> index <TAB> type <TAB> payload     a value: type none|bool|int|str, payload
#                                              0/1, decimal, or the raw string
#   K <TAB> index <TAB> name                   an exception kind (MyError: user-defined,
#                                              derived from Exception)
#   T <TAB> list <TAB> k0,k1,...               kind indices of the THROW, CATCH and RAISE
#                                              lists the shapes and ops index
#   M <TAB> index <TAB> message                a message thrown with (may be empty)
# Then each sequence:
#   Q <TAB> id <TAB> tree                      tree: kind(p0,p1,...)[child,child]; node
#                                              labels A, B, ... are given in preorder
#   > <TAB> next
#   > <TAB> send <TAB> V index <TAB> repr of the value
#   > <TAB> throw <TAB> index in T throw <TAB> M index <TAB> Kind('message') as thrown
#                                              (Kind() for an empty message)
#   > <TAB> close
#   = <TAB> outcome <TAB> state <TAB> text     outcome: yield | return | raise | ok
#                                              (close returned); state: the
#                                              inspect.getgeneratorstate() after the
#                                              step; text: repr of the yielded or
#                                              returned (StopIteration.value) value,
#                                              "Kind: str(exc)" (or "Kind") for raise,
#                                              None for ok
#   L <TAB> entry                              a log entry written during the step
#                                              ("<label>:<text>"), in order
# Shapes (see gen_diff.py for their code, the specification):
{shapes}"""


def value_type(v):
    if v is None:
        return "none", "0"
    if isinstance(v, bool):
        return "bool", str(int(v))
    if isinstance(v, int):
        return "int", str(v)
    assert isinstance(v, str)
    return "str", v


def check_text(s):
    assert "\t" not in s and "\n" not in s and "\r" not in s, s
    return s


def op_text(op):
    if op[0] == "send":
        return f"send\t{op[1]}\t{VALUES[op[1]]!r}"
    if op[0] == "throw":
        msg = THROW_MESSAGES[op[2]]
        return f"throw\t{op[1]}\t{op[2]}\t{THROW_KINDS[op[1]].__name__}({msg!r})"
    return op[0]


def render_txt(seqs, discarded):
    nsteps = sum(len(s) for _, s in seqs)
    shapes = ""
    for name, fn in SHAPES.items():
        shapes += f"#   {name}{inspect.signature(fn)}".replace("(c, ", "(") + "\n"
        shapes += "".join(f"#       {line}\n" for line in inspect.cleandoc(fn.__doc__).split("\n"))
    out = [TXT_HEADER.format(pyver="3.11", seed=SEED, nseq=len(seqs),
                             nsteps=nsteps, shapes=shapes)]
    out.append(f"# ({discarded} drawn sequences were discarded: in them a subgenerator its delegator\n"
               "# left suspended outlived the step, or ignored GeneratorExit again when finalized;\n"
               "# the C port cannot mirror such finalization exactly.)\n")
    for i, v in enumerate(VALUES):
        t, p = value_type(v)
        out.append(f"V\t{i}\t{t}\t{check_text(p)}\n")
    for i, k in enumerate(ALL_KINDS):
        out.append(f"K\t{i}\t{k.__name__}\n")
    for name, lst in (("throw", THROW_KINDS), ("catch", CATCH_KINDS), ("raise", RAISE_KINDS)):
        out.append(f"T\t{name}\t{','.join(str(ALL_KINDS.index(k)) for k in lst)}\n")
    for i, m in enumerate(THROW_MESSAGES):
        out.append(f"M\t{i}\t{m}\n")
    for sid, (tree, steps) in enumerate(seqs):
        out.append(f"Q\t{sid}\t{tree.text()}\n")
        for op, outcome, text, state, log in steps:
            out.append(f">\t{op_text(op)}\n")
            out.append(f"=\t{outcome}\t{state}\t{check_text(text)}\n")
            for entry in log:
                out.append(f"L\t{check_text(entry)}\n")
    return "".join(out)


def c_str(s):
    out = ['"']
    for ch in s:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            raise AssertionError(f"unexpected character {ch!r}")
    out.append('"')
    return "".join(out).replace("??", "?\\?")


INC_HEADER = """\
/* GENERATED by tests/diff/gen_diff.py from CPython {pyver} (seed {seed}) -- do not edit.
 * The data of tests/fixtures/gen_diff.txt as C initializers, for tests/test_gen_diff.c,
 * which defines the types before including this file:
 *   gd_values[]  the value table (type, integer, string)
 *   gd_kinds[]   exception kind names; gd_throw_kinds/gd_catch_kinds/gd_raise_kinds
 *                index it
 *   gd_messages[] messages thrown with
 *   gd_nodes[]   shape tree nodes: shape (GD_S_*), label, params, children (node
 *                indices or -1)
 *   gd_steps[]   op (GD_OP_*), arg1, arg2 (send: value index; throw: kind, message
 *                indices), outcome (GD_R_*), state, text, log (entries joined by '\\n')
 *   gd_seqs[]    root node, first step, step count, tree (as in the .txt)
 * {nseq} sequences, {nsteps} steps. */
"""


def render_inc(seqs):
    nsteps = sum(len(s) for _, s in seqs)
    out = [INC_HEADER.format(pyver="3.11", seed=SEED, nseq=len(seqs),
                             nsteps=nsteps)]
    out.append("static const gd_value_t gd_values[] = {\n")
    for v in VALUES:
        t, p = value_type(v)
        if t == "str":
            out.append(f"  {{GD_V_STR, 0, {c_str(p)}}},\n")
        else:
            out.append(f"  {{GD_V_{t.upper()}, {p}, NULL}},\n")
    out.append("};\n")
    out.append("static const char *const gd_kinds[] = {"
               + ", ".join(c_str(k.__name__) for k in ALL_KINDS) + "};\n")
    for name, lst in (("throw", THROW_KINDS), ("catch", CATCH_KINDS), ("raise", RAISE_KINDS)):
        out.append(f"static const int gd_{name}_kinds[] = {{"
                   + ", ".join(str(ALL_KINDS.index(k)) for k in lst) + "};\n")
    out.append("static const char *const gd_messages[] = {"
               + ", ".join(c_str(m) for m in THROW_MESSAGES) + "};\n")
    nodes = []
    roots = []

    def add(node):
        idx = len(nodes)
        nodes.append(None)
        kids = [add(ch) for ch in node.children]
        assert len(kids) <= 2 and len(node.params) <= 4
        kids += [-1] * (2 - len(kids))
        params = list(node.params) + [0] * (4 - len(node.params))
        nodes[idx] = (f"GD_S_{node.kind.upper()}", node.label, params, kids)
        return idx

    for tree, _ in seqs:
        roots.append(add(tree))
    out.append("static const gd_node_t gd_nodes[] = {\n")
    for kind, label, params, kids in nodes:
        out.append(f"  {{{kind}, {c_str(label)}, {{{', '.join(map(str, params))}}}, "
                   f"{{{kids[0]}, {kids[1]}}}}},\n")
    out.append("};\n")
    out.append("static const gd_step_t gd_steps[] = {\n")
    firsts = []
    n = 0
    for sid, (tree, steps) in enumerate(seqs):
        firsts.append(n)
        out.append(f"  /* seq {sid}: {tree.text()} */\n")
        for op, outcome, text, state, log in steps:
            a1 = op[1] if len(op) > 1 else 0
            a2 = op[2] if len(op) > 2 else 0
            out.append(f"  {{GD_OP_{op[0].upper()}, {a1}, {a2}, GD_R_{outcome.upper()}, "
                       f"{c_str(state)}, {c_str(text)}, {c_str(chr(10).join(log))}}},\n")
            n += 1
    out.append("};\n")
    out.append("static const gd_seq_t gd_seqs[] = {\n")
    for sid, (tree, steps) in enumerate(seqs):
        out.append(f"  {{{roots[sid]}, {firsts[sid]}, {len(steps)}, {c_str(tree.text())}}},\n")
    out.append("};\n")
    return "".join(out)


def show(seqs, n):
    tree, steps = seqs[n]
    print(f"seq {n}: {tree.text()}")
    for node in tree.walk():
        print(f"  {node.label} = {node.kind}{node.params}")
    for i, (op, outcome, text, state, log) in enumerate(steps):
        print(f"  [{i}] {op_text(op).replace(chr(9), ' ')} -> {outcome} {text} {state}")
        for entry in log:
            print(f"        {entry}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="verify the checked-in files")
    ap.add_argument("--show", type=int, metavar="N", help="print sequence N")
    args = ap.parse_args()
    seqs, discarded = generate()
    if args.show is not None:
        show(seqs, args.show)
        return 0
    txt = render_txt(seqs, discarded)
    inc = render_inc(seqs)
    steps = sum(len(s) for _, s in seqs)
    summary = (f"{len(seqs)} sequences, {steps} steps" if args.check else
               f"{len(seqs)} sequences, {steps} steps ({discarded} discarded), {len(inc)} bytes of C")
    return write_or_check("gen_diff.py", ((TXT, txt), (INC, inc)), args.check, summary)


if __name__ == "__main__":
    sys.exit(main())
