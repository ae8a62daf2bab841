/* Generators on coroutines: CPython's generator protocol (Objects/genobject.c) in C.
 *
 * Each generator runs its body on a coroutine of its own, created at the first
 * resume and released once the body has finished. A step hands the body an inbound
 * (a value sent, or an exception thrown) and ends in one of three outcomes, the
 * public YL_GEN_NEXT, YL_GEN_RETURN or YL_GEN_ERROR, with the value in *out.
 *
 * The switch carries the outcome both ways, and each side does the other's
 * bookkeeping before it switches: the sender stores what it sends where the body's
 * yield receives it (g->in) and marks the generator running; the body stores what it
 * yields where the sender receives it (g->out) and marks it suspended. So a send is,
 * natively, a few stores and a tail call into the register switch (see ctx/ctx.h).
 *
 * Delegation (PEP 380). yl_yield_from() runs the subgenerator's first step from the
 * delegator's own coroutine; if the subgenerator yields, the delegator records it as
 * its delegate and yields the value on. Later steps walk the chain of delegates and
 * resume the innermost generator directly, so a send through N levels costs one
 * switch, not N; only when a subgenerator finishes is its delegator resumed, with the
 * result or the exception.
 *
 * Running states. CPython marks every generator of a chain executing while a step is
 * forwarded through it. Here a step marks only its two ends, the generator it was
 * sent to (the root) and the one whose body runs (which, if it is not the root,
 * records it), so that neither the send nor the yield walks the chain; a generator
 * between them is running because it lies on that path, which gen_running() works
 * out when asked (by a check on entry, or by yl_gen_state()).
 *
 * Natively the switch is bound by stores (each push is one), so the undelegated
 * step, the common one, stores as little as it can: the value, the state and, when
 * they change, the two pointers saying where the values go.
 *
 * A finished generator's stack is released by the next operation on it: the switch
 * that finishes it cannot free the stack it runs on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coro.h"
#include "trace.h"
#include "yl_gen.h"

struct yl_gen {
  /* state and delegate first: a step walks them down the chain of delegates */
  yl_gen_state_t state;
  yl_gen_t *delegate; /* the subgenerator of a pending yield from (gi_yieldfrom) */
  yl_value_t *in;     /* where the body's pending yield receives what is sent or thrown */
  yl_value_t *out;    /* where the step in progress receives what the body yields,
                         returns or raises */
  yl_gen_t *root;     /* while its body runs for a step sent to a generator
                         delegating to it: that generator; NULL otherwise */
  int delegators;     /* how many generators delegate to this one: it cannot be freed */
  const char *name;
  yl_gen_fn body;
  void *arg;
  size_t stack_size;
  /* Holds a stack from the first resume until released after finishing. Embedded,
   * so each switch reaches its context with one load fewer than through a pointer. */
  yl_coro_t co;
};

static yl_value_t exc_value(const yl_exc_type_t *type, const char *msg) {
  return yl_exc_value(msg ? yl_exc_new(type, "%s", msg) : yl_exc_new(type, NULL));
}

/* PEP 479: StopIteration escaping a generator becomes RuntimeError, chained. */
static yl_value_t pep479(yl_value_t exc) {
  if (!yl_value_is_exc(exc, yl_StopIteration)) return exc;
  yl_exc_t *e = yl_exc_new(yl_RuntimeError, "generator raised StopIteration");
  yl_exc_set_cause(e, exc.as.exc);
  return yl_exc_value(e);
}

/* The coroutine's entry: runs the generator's body and hands its outcome back. In
 * wasm it is left uninstrumented (emscripten.cmake's remove-list), so that a switch
 * unwinds and rewinds the body's frames only: when the body returns because it is
 * being unwound, this returns at once; at a rewind it is simply called again. */
static int yl__gen_entry(void *arg) {
  yl_gen_t *g = arg;
  yl__coro_enter(&g->co);
  yl_value_t r = g->body(g, g->arg);
  if (yl__ctx_unwinding(&g->co.ctx)) return 0;
  int raised = (r.flags & YL__VALUE_RAISED) != 0;
  r.flags &= ~YL__VALUE_RAISED;
  g->state = YL_GEN_CLOSED; /* the root stays running: its step goes on upwards */
  *g->out = raised ? pep479(r) : r;
  yl__coro_exit(&g->co);
  return raised ? YL_GEN_ERROR : YL_GEN_RETURN;
}

/* Ends `g`'s yield from: its subgenerator may be freed again. */
static void gen_undelegate(yl_gen_t *g) {
  g->delegate->delegators--;
  g->delegate = NULL;
}

/* Releases the stack of a finished generator. */
static void gen_reap(yl_gen_t *g) {
  if (g->state == YL_GEN_CLOSED && yl__coro_has_stack(&g->co)) yl__coro_fini(&g->co);
}

/* A coroutine that overflowed its stack (checked backends) is dead: report it. */
static int gen_broken(yl_gen_t *g) {
  size_t size = g->co.stack.size;
  g->state = YL_GEN_CLOSED;
  gen_reap(g);
  *g->out = yl_exc_value(yl_exc_new(yl_RuntimeError,
                                    "generator '%s' overflowed its %zu-byte stack; create it with a "
                                    "larger one (yl_gen_new_sized)",
                                    g->name, size));
  return YL_GEN_ERROR;
}

/* Resumes the body of suspended `g`, handing it `in`; its yield marks it suspended
 * again. A caller stepping in a loop hands the same `out` each time: a compare
 * costs less than a store. */
static inline int gen_resume(yl_gen_t *g, int kind, yl_value_t in, yl_value_t *out) {
  *g->in = in;
  if (__builtin_expect(g->out != out, 0)) g->out = out;
  g->state = YL_GEN_RUNNING;
  int r = yl__coro_resume(&g->co, kind);
  if (YL__CTX_CHECKED && r == YL_ESTACKOVERFLOW) return gen_broken(g);
  return r;
}

/* Runs g's own body (created, or suspended without a delegate) for a step sent to
 * `root`, then releases its stack if it finished. */
static int gen_run(yl_gen_t *g, yl_gen_t *root, int kind, yl_value_t in, yl_value_t *out) {
  int r;
  if (g->state == YL_GEN_CREATED) {
    if (kind != YL_OK) { /* thrown into a just-started generator: raise at its start */
      g->state = YL_GEN_CLOSED;
      *out = pep479(in);
      return YL_GEN_ERROR;
    }
    yl_value_drop(in);
    r = yl__coro_init_raw(&g->co, yl__gen_entry, g, g->stack_size);
    if (r < 0) { /* still just-started: a later send may try again */
      *out = r == YL_ENOMEM ? exc_value(yl_MemoryError, "cannot allocate a generator's stack")
                            : exc_value(yl_ValueError, yl_strerror(r));
      return YL_GEN_ERROR;
    }
    /* No yield is pending to receive the None sent: park it where the outcome goes. */
    in = yl_none();
    g->in = out;
  }
  if (root != g) {
    g->root = root;
    root->state = YL_GEN_RUNNING;
  }
  r = gen_resume(g, kind, in, out);
  g->root = NULL;
  gen_reap(g);
  return r;
}

/* Whether `x` is executing: its body runs, or a step runs through it to a delegate. */
static int gen_running(const yl_gen_t *x) {
  if (x->state != YL_GEN_SUSPENDED || !x->delegate) return x->state == YL_GEN_RUNNING;
  const yl_gen_t *n = x->delegate;
  while (n->state == YL_GEN_SUSPENDED && n->delegate) n = n->delegate;
  if (n->state != YL_GEN_RUNNING || n->delegate) return 0;
  /* n's body runs for a step sent to n->root (to n itself if NULL): x runs if it is
   * on that path. (A running n with a delegate is the root of a step of its own,
   * below x.) */
  for (const yl_gen_t *p = n->root; p && p != n; p = p->delegate)
    if (p == x) return 1;
  return 0;
}

/* Runs `node`'s body for a step sent to `root` and carries the outcome up: while the
 * body that ran is a delegate that finished, its return value or exception ends its
 * delegator's yield from, and that delegator's body runs. */
static int gen_run_up(yl_gen_t *root, yl_gen_t *node, int kind, yl_value_t in, yl_value_t *out) {
  for (;;) {
    int r = gen_run(node, root, kind, in, out);
    if (r == YL_GEN_NEXT) {
      /* The body yielded: the step sent to root ends. (Done here, not by the yield,
       * so that an undelegated yield stores one state and loads no root.) */
      root->state = YL_GEN_SUSPENDED;
      return r;
    }
    if (node == root) return r;
    yl_gen_t *parent = root;
    while (parent->delegate != node) parent = parent->delegate;
    gen_undelegate(parent);
    node = parent;
    kind = r == YL_GEN_RETURN ? YL_OK : YL_GEN_ERROR;
    in = *out;
  }
}

static int gen_close(yl_gen_t *g, yl_value_t *err);

/* One step of `g` with an inbound (a value sent, or an exception thrown). It goes
 * down the chain of delegates as each delegator would forward it, with CPython's
 * checks at each level; an outcome reached without running a body (a check that
 * fails) ends the yield from of the level above, as if that subgenerator had raised
 * or returned it. GeneratorExit is not forwarded: the subgenerator is closed first,
 * innermost first, and GeneratorExit, or what closing it raised, is thrown here. */
static int gen_step(yl_gen_t *g, int kind, yl_value_t in, yl_value_t *out) {
  yl_gen_t *node = g, *parent = NULL;
  int r;
  for (;;) {
    if (gen_running(node)) {
      yl_value_drop(in);
      *out = exc_value(yl_ValueError, "generator already executing");
      r = YL_GEN_ERROR;
    } else if (node->state == YL_GEN_CLOSED) {
      gen_reap(node);
      if (kind != YL_OK) {
        *out = in;
        r = YL_GEN_ERROR;
      } else { /* an exhausted generator returns None to send() */
        yl_value_drop(in);
        *out = yl_none();
        r = YL_GEN_RETURN;
      }
    } else if (node->state == YL_GEN_CREATED && kind == YL_OK && !yl_is_none(in)) {
      yl_value_drop(in);
      *out = exc_value(yl_TypeError, "can't send non-None value to a just-started generator");
      r = YL_GEN_ERROR;
    } else if (node->delegate && !(kind != YL_OK && yl_value_is_exc(in, yl_GeneratorExit))) {
      parent = node;
      node = node->delegate;
      continue;
    } else {
      if (node->delegate) {
        yl_value_t err;
        node->state = YL_GEN_RUNNING;
        if (gen_close(node->delegate, &err) < 0) {
          yl_value_drop(in);
          in = err;
        }
        node->state = YL_GEN_SUSPENDED;
        gen_undelegate(node);
      }
      return gen_run_up(g, node, kind, in, out);
    }
    if (node == g) return r;
    gen_undelegate(parent);
    return gen_run_up(g, parent, r == YL_GEN_RETURN ? YL_OK : YL_GEN_ERROR, *out, out);
  }
}

/* close(): CPython's gen_close. */
static int gen_close(yl_gen_t *g, yl_value_t *err) {
  *err = yl_none();
  if (gen_running(g)) {
    *err = exc_value(yl_ValueError, "generator already executing");
    return YL_GEN_ERROR;
  }
  if (g->state == YL_GEN_CLOSED) {
    gen_reap(g);
    return YL_OK;
  }
  if (g->state == YL_GEN_CREATED) { /* GeneratorExit at its start: the body never runs */
    g->state = YL_GEN_CLOSED;
    return YL_OK;
  }
  yl_value_t v;
  int r = gen_step(g, YL_GEN_ERROR, exc_value(yl_GeneratorExit, NULL), &v);
  if (r == YL_GEN_NEXT) {
    yl_value_drop(v);
    *err = exc_value(yl_RuntimeError, "generator ignored GeneratorExit");
    return YL_GEN_ERROR;
  }
  if (r == YL_GEN_RETURN || yl_value_is_exc(v, yl_GeneratorExit)) {
    yl_value_drop(v);
    return YL_OK;
  }
  *err = v;
  return YL_GEN_ERROR;
}

/* A step through delegates, straight to the innermost generator when every level is
 * suspended (gen_step handles the rest). Out of line so that the undelegated step
 * below needs no stack frame. */
static __attribute__((noinline)) int gen_delegated_step(yl_gen_t *g, int kind, yl_value_t in, yl_value_t *out) {
  if (g->state == YL_GEN_SUSPENDED && kind == YL_OK) {
    yl_gen_t *leaf = g->delegate;
    while (leaf->state == YL_GEN_SUSPENDED && leaf->delegate) leaf = leaf->delegate;
    if (leaf->state == YL_GEN_SUSPENDED) return gen_run_up(g, leaf, kind, in, out);
  }
  return gen_step(g, kind, in, out);
}

/* The common step: an undelegated send or throw ends in a tail call into the switch. */
static inline int gen_fast_step(yl_gen_t *g, int kind, yl_value_t in, yl_value_t *out) {
  if (__builtin_expect(g->state == YL_GEN_SUSPENDED && !g->delegate, 1)) return gen_resume(g, kind, in, out);
  if (g->delegate) return gen_delegated_step(g, kind, in, out);
  return gen_step(g, kind, in, out);
}

yl_gen_t *yl_gen_new(const char *name, yl_gen_fn body, void *arg) {
  return yl_gen_new_sized(name, body, arg, 0);
}

yl_gen_t *yl_gen_new_sized(const char *name, yl_gen_fn body, void *arg, size_t stack_size) {
  if (!body || (stack_size && stack_size < yl_coro_min_stack())) return NULL;
  yl_gen_t *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  g->name = name ? name : "generator";
  g->body = body;
  g->arg = arg;
  g->stack_size = stack_size;
  g->state = YL_GEN_CREATED;
  YL__TRACE(gen_new(g));
  return g;
}

int yl_gen_free(yl_gen_t *g) {
  if (!g) return YL_OK;
  if (gen_running(g) || g->delegators) return YL_EBUSY;
  yl_value_t err;
  if (gen_close(g, &err) < 0) {
    /* As CPython reports an exception raised while closing a collected generator. */
    char buf[512];
    yl_exc_format(err.as.exc, buf, sizeof buf);
    fprintf(stderr, "Exception ignored in: <generator object %s>\n%s\n", g->name, buf);
    yl_value_drop(err);
  }
  if (yl__coro_has_stack(&g->co)) yl__coro_fini(&g->co); /* one that ignored GeneratorExit is dropped where it stands */
  YL__TRACE(gen_free(g));
  free(g);
  return YL_OK;
}

#if YL_TRACE
/* A step of the public API, between its two events. */
static __attribute__((noinline)) int traced_step(yl_gen_t *g, const char *how, int kind, yl_value_t in,
                                                 yl_value_t *out) {
  yl__trace_gen_resume(g, how, in);
  int r = gen_fast_step(g, kind, in, out);
  yl__trace_gen_outcome(g, r, *out);
  return r;
}
#define TRACED_STEP(g, how, kind, in, out) \
  if (yl__tracing()) return traced_step(g, how, kind, in, out)
#else
#define TRACED_STEP(g, how, kind, in, out) ((void)0)
#endif

int yl_gen_send(yl_gen_t *g, yl_value_t value, yl_value_t *out) {
  TRACED_STEP(g, "send", YL_OK, value, out);
  return gen_fast_step(g, YL_OK, value, out);
}

int yl_gen_next(yl_gen_t *g, yl_value_t *out) {
  TRACED_STEP(g, "next", YL_OK, yl_none(), out);
  return gen_fast_step(g, YL_OK, yl_none(), out);
}

static const char *type_name(yl_value_t v) {
  static const char *const names[] = {"NoneType", "bool", "int", "float", "str", "pointer", "exception"};
  return names[v.type];
}

int yl_gen_throw(yl_gen_t *g, yl_value_t exc, yl_value_t *out) {
  exc.flags &= ~YL__VALUE_RAISED;
  if (exc.type != YL_EXC) {
    *out = yl_exc_value(yl_exc_new(yl_TypeError,
                                   "exceptions must be classes or instances deriving from BaseException, not %s",
                                   type_name(exc)));
    yl_value_drop(exc);
    return YL_GEN_ERROR;
  }
  TRACED_STEP(g, "throw", YL_GEN_ERROR, exc, out);
  return gen_fast_step(g, YL_GEN_ERROR, exc, out);
}

int yl_gen_close(yl_gen_t *g, yl_value_t *err) {
#if YL_TRACE
  if (yl__tracing()) {
    yl__trace_gen_resume(g, "close", yl_none());
    int r = gen_close(g, err);
    yl__trace_gen_outcome(g, r < 0 ? YL_GEN_ERROR : YL_GEN_RETURN, *err);
    return r;
  }
#endif
  return gen_close(g, err);
}

/* True if the caller is in g's body: on its coroutine's stack, which only g's body
 * runs on, and only while g is running (a stack not held matches no address). */
static int in_body_of(const yl_gen_t *g) { return yl__coro_on_stack(&g->co); }

/* The value yl_yield() split into words (see yl__yield_words). */
static yl_value_t value_of_words(uint64_t w0, uint64_t w1) {
  yl_value_t v;
  memcpy(&v, (uint64_t[2]){w0, w1}, sizeof v);
  return v;
}

/* yl_yield() misused: refused with an exception (out of line: see below). */
static __attribute__((noinline)) int yield_refused(yl_gen_t *g, uint64_t w0, uint64_t w1, yl_value_t *in) {
  yl_value_drop(value_of_words(w0, w1));
  *in = yl_exc_value(yl_exc_new(yl_RuntimeError, "yl_yield() called outside generator '%s'", g->name));
  return YL_GEN_ERROR;
}

/* yl_yield() (inline in yl_gen.h) calls this. In wasm it is the function that
 * switches (see ctx/asyncify.h): it is entered again from its start at every rewind,
 * so its bookkeeping is skipped then; it must keep no frame on the C stack, so its
 * error path is out of line and takes no struct (wasm passes those in memory); and
 * no caller may inline it (yl_yield_from would run its subgenerator's first step
 * again). Taking the value as words spares the body building it in memory: about
 * 4 ns of a 41 ns send in wasm, natively the same registers either way. */
_Static_assert(sizeof(yl_value_t) == 2 * sizeof(uint64_t), "yl_yield passes a value as two words");

__attribute__((noinline)) int yl__yield_words(yl_gen_t *g, uint64_t w0, uint64_t w1, yl_value_t *in) {
  if (!yl__ctx_rewinding(&g->co.ctx)) {
    if (__builtin_expect(!in_body_of(g), 0)) return yield_refused(g, w0, w1, in);
    *g->out = value_of_words(w0, w1);
    if (__builtin_expect(g->in != in, 0)) g->in = in; /* as in gen_resume */
    g->state = YL_GEN_SUSPENDED; /* a delegated step's root: see gen_run_up() */
  }
  return yl__coro_yield(&g->co, YL_GEN_NEXT);
}

int yl_yield_from(yl_gen_t *g, yl_gen_t *sub, yl_value_t *result) {
  if (!sub) {
    *result = exc_value(yl_TypeError, "'NoneType' object is not iterable");
    return YL_GEN_ERROR;
  }
  if (!in_body_of(g)) {
    *result = yl_exc_value(yl_exc_new(yl_RuntimeError, "yl_yield_from() called outside generator '%s'", g->name));
    return YL_GEN_ERROR;
  }
  yl_value_t v;
  int r = gen_step(sub, YL_OK, yl_none(), &v); /* next(sub), from here */
  if (r != YL_GEN_NEXT) {
    *result = v;
    return r == YL_GEN_RETURN ? YL_OK : YL_GEN_ERROR;
  }
  /* Resumed by gen_step when sub has finished (its result or exception in *result)
   * or when GeneratorExit has closed it. */
  g->delegate = sub;
  sub->delegators++;
  return yl_yield(g, v, result);
}

yl_gen_state_t yl_gen_state(const yl_gen_t *g) { return gen_running(g) ? YL_GEN_RUNNING : g->state; }

const char *yl_gen_state_name(yl_gen_state_t s) {
  static const char *const names[] = {"GEN_CREATED", "GEN_RUNNING", "GEN_SUSPENDED", "GEN_CLOSED"};
  return (unsigned)s < 4 ? names[s] : "GEN_UNKNOWN";
}

const char *yl_gen_name(const yl_gen_t *g) { return g->name; }
yl_gen_t *yl_gen_yieldfrom(const yl_gen_t *g) { return g->delegate; }
void *yl_gen_arg(const yl_gen_t *g) { return g->arg; }
