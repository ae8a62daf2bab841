/* Generators on coroutines: CPython's generator protocol (Objects/genobject.c) in C.
 *
 * Each generator runs its body on a coroutine of its own, created at the first
 * resume and released as soon as the body finishes. A step delivers an inbound
 * (a value sent, or an exception thrown) and ends in one of three outcomes: the body
 * yielded, returned, or raised.
 *
 * Delegation (PEP 380). A body in yl_yield_from() suspends with a request to delegate;
 * the driver (gen_step) then records `delegate` and resumes the subgenerator itself.
 * Later sends walk the chain of delegates and resume the innermost generator
 * directly, so a send through N levels costs one switch, not N; only when a
 * subgenerator finishes is its delegator resumed, with the result or the exception.
 * While a step is forwarded through a delegator it is marked running, as CPython
 * marks the frame of a generator executing its SEND, so re-entering it is refused.
 *
 * Asyncify constraint. In wasm a resumed coroutine re-enters yl_yield() and
 * yl_yield_from() from their start (they are not instrumented, being the functions
 * that switch), so the code before their switch runs twice. It may only write the
 * outbound fields (out, out_kind), which are rewritten identically; everything else
 * (delegate links, states) is done by the driver, outside the coroutine.
 */
#include <stdio.h>
#include <stdlib.h>

#include "coro.h"
#include "yl_gen.h"

/* What the body did when control came back to the driver. */
enum out_kind { OUT_YIELD, OUT_RETURN, OUT_RAISE, OUT_DELEGATE };

/* How deep a step tracks its path through delegates in a local array; deeper chains
 * are handled by stepping the rest as a chain of its own (recursion per 64 levels). */
#define PATH_MAX_INLINE 64

struct yl_gen {
  yl_gen_state_t state;
  const char *name;
  yl_gen_fn body;
  void *arg;
  size_t stack_size;
  yl_coro_t *co;      /* NULL until started and after finishing */
  yl_gen_t *delegate; /* the subgenerator of a pending yield from (gi_yieldfrom) */
  /* Transfer across the switch: inbound is set by the driver before a resume,
   * outbound by the body before it switches back. */
  int in_kind; /* YL_OK: `in` is a value sent; YL_GEN_ERROR: an exception thrown */
  yl_value_t in;
  int out_kind; /* enum out_kind */
  yl_value_t out;
};

static yl_value_t exc_value(const yl_exc_type_t *type, const char *msg) {
  return yl_exc_value(msg ? yl_exc_new(type, "%s", msg) : yl_exc_new(type, NULL));
}

static void gen_entry(yl_coro_t *co, void *arg) {
  (void)co;
  yl_gen_t *g = arg;
  yl_value_t r = g->body(g, g->arg);
  g->out_kind = (r.flags & YL__VALUE_RAISED) ? OUT_RAISE : OUT_RETURN;
  r.flags &= ~YL__VALUE_RAISED;
  g->out = r;
}

static void gen_release(yl_gen_t *g) {
  if (g->co) yl_coro_destroy(g->co);
  g->co = NULL;
}

/* PEP 479: StopIteration escaping a generator becomes RuntimeError, chained. */
static yl_value_t pep479(yl_value_t exc) {
  if (!yl_value_is_exc(exc, yl_StopIteration)) return exc;
  yl_exc_t *e = yl_exc_new(yl_RuntimeError, "generator raised StopIteration");
  yl_exc_set_cause(e, exc.as.exc);
  return yl_exc_value(e);
}

/* Resumes g's own body (g is created or suspended, with no delegate) with an
 * inbound and returns what it did, the value in *v. */
static int gen_run(yl_gen_t *g, int in_kind, yl_value_t in, yl_value_t *v) {
  if (g->state == YL_GEN_CREATED) {
    if (in_kind != YL_OK) { /* thrown into a just-started generator: raise at its start */
      g->state = YL_GEN_CLOSED;
      *v = pep479(in);
      return OUT_RAISE;
    }
    yl_value_drop(in);
    int r = yl_coro_create(&g->co, gen_entry, g, g->stack_size);
    if (r < 0) {
      *v = r == YL_ENOMEM ? exc_value(yl_MemoryError, "cannot allocate a generator's stack")
                          : exc_value(yl_ValueError, yl_strerror(r));
      return OUT_RAISE; /* still just-started: a later send may try again */
    }
    in = yl_none();
  }
  g->in_kind = in_kind;
  g->in = in;
  g->state = YL_GEN_RUNNING;
  int r = yl__coro_resume(g->co);
  if (r < 0) {
    g->state = YL_GEN_CLOSED;
    gen_release(g);
    *v = yl_exc_value(yl_exc_new(yl_RuntimeError,
                                 "generator '%s' overflowed its %zu-byte stack; create it with a "
                                 "larger one (yl_gen_new_sized)",
                                 g->name, g->stack_size ? g->stack_size : yl_coro_min_stack()));
    return OUT_RAISE;
  }
  *v = g->out;
  g->out = yl_none();
  if (g->out_kind == OUT_YIELD || g->out_kind == OUT_DELEGATE) {
    g->state = YL_GEN_SUSPENDED;
    return g->out_kind;
  }
  g->state = YL_GEN_CLOSED;
  gen_release(g);
  if (g->out_kind == OUT_RAISE) *v = pep479(*v);
  return g->out_kind;
}

static int gen_close(yl_gen_t *g, yl_value_t *err);

/* Delivers an inbound to `node` as its caller would (the user, or a delegator
 * forwarding), with CPython's checks, and runs it. If `node` is delegating, the
 * inbound is GeneratorExit: the subgenerator is closed first, innermost first, and
 * then GeneratorExit, or what closing it raised, is raised in `node`. */
static int gen_enter(yl_gen_t *node, int kind, yl_value_t in, yl_value_t *v) {
  if (node->state == YL_GEN_RUNNING) {
    yl_value_drop(in);
    *v = exc_value(yl_ValueError, "generator already executing");
    return OUT_RAISE;
  }
  if (node->state == YL_GEN_CLOSED) {
    if (kind != YL_OK) {
      *v = in;
      return OUT_RAISE;
    }
    yl_value_drop(in); /* an exhausted generator returns None to send() */
    *v = yl_none();
    return OUT_RETURN;
  }
  if (node->state == YL_GEN_CREATED && kind == YL_OK && !yl_is_none(in)) {
    yl_value_drop(in);
    *v = exc_value(yl_TypeError, "can't send non-None value to a just-started generator");
    return OUT_RAISE;
  }
  if (node->delegate) {
    yl_value_t err;
    node->state = YL_GEN_RUNNING;
    if (gen_close(node->delegate, &err) < 0) {
      yl_value_drop(in);
      in = err;
    }
    node->state = YL_GEN_SUSPENDED;
    node->delegate = NULL;
  }
  return gen_run(node, kind, in, v);
}

/* One step of `g` with an inbound, through the chain of delegates below it: the
 * inbound goes to the innermost delegate; a finished delegate's outcome goes to its
 * delegator. Returns OUT_YIELD, OUT_RETURN or OUT_RAISE, the value in *out. */
static int gen_step(yl_gen_t *g, int kind, yl_value_t in, yl_value_t *out) {
  yl_gen_t *path[PATH_MAX_INLINE]; /* the delegators forwarding this step */
  int n = 0, r;
  yl_gen_t *node = g;
  yl_value_t v;
  for (;;) {
    if (node->delegate && node->state == YL_GEN_SUSPENDED &&
        !(kind != YL_OK && yl_value_is_exc(in, yl_GeneratorExit))) {
      if (n == PATH_MAX_INLINE) {
        r = gen_step(node, kind, in, &v);
      } else {
        node->state = YL_GEN_RUNNING; /* forwarding, as CPython's SEND */
        path[n++] = node;
        node = node->delegate;
        continue;
      }
    } else {
      r = gen_enter(node, kind, in, &v);
    }
    if (r == OUT_DELEGATE) { /* yield from began: its first step is next(sub) */
      node->delegate = v.as.p;
      kind = YL_OK;
      in = yl_none();
      continue;
    }
    if (r == OUT_YIELD) {
      while (n > 0) path[--n]->state = YL_GEN_SUSPENDED;
      *out = v;
      return r;
    }
    if (n == 0) {
      *out = v;
      return r;
    }
    /* `node` finished: its return value, or its exception, is the outcome of the
     * delegator's yield from, which resumes. */
    node = path[--n];
    node->delegate = NULL;
    node->state = YL_GEN_SUSPENDED;
    kind = r == OUT_RETURN ? YL_OK : YL_GEN_ERROR;
    in = v;
  }
}

static int gen_result(int out_kind) {
  return out_kind == OUT_YIELD ? YL_GEN_NEXT : out_kind == OUT_RETURN ? YL_GEN_RETURN : YL_GEN_ERROR;
}

/* close(): CPython's gen_close. */
static int gen_close(yl_gen_t *g, yl_value_t *err) {
  *err = yl_none();
  if (g->state == YL_GEN_CLOSED) return YL_OK;
  if (g->state == YL_GEN_CREATED) { /* GeneratorExit at its start: the body never runs */
    g->state = YL_GEN_CLOSED;
    return YL_OK;
  }
  yl_value_t v;
  int r = gen_step(g, YL_GEN_ERROR, exc_value(yl_GeneratorExit, NULL), &v);
  if (r == OUT_YIELD) {
    yl_value_drop(v);
    *err = exc_value(yl_RuntimeError, "generator ignored GeneratorExit");
    return YL_GEN_ERROR;
  }
  if (r == OUT_RETURN || yl_value_is_exc(v, yl_GeneratorExit)) {
    yl_value_drop(v);
    return YL_OK;
  }
  *err = v;
  return YL_GEN_ERROR;
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
  return g;
}

int yl_gen_free(yl_gen_t *g) {
  if (!g) return YL_OK;
  if (g->state == YL_GEN_RUNNING) return YL_EBUSY;
  yl_value_t err;
  if (gen_close(g, &err) < 0) {
    /* As CPython reports an exception raised while closing a collected generator. */
    char buf[512];
    yl_exc_format(err.as.exc, buf, sizeof buf);
    fprintf(stderr, "Exception ignored in: <generator object %s>\n%s\n", g->name, buf);
    yl_value_drop(err);
  }
  gen_release(g); /* one that ignored GeneratorExit is dropped where it stands */
  free(g);
  return YL_OK;
}

int yl_gen_send(yl_gen_t *g, yl_value_t value, yl_value_t *out) {
  if (g->state == YL_GEN_SUSPENDED && !g->delegate) { /* the common case, without the loop */
    int r = gen_run(g, YL_OK, value, out);
    if (r != OUT_DELEGATE) return gen_result(r);
    g->delegate = out->as.p;
    value = yl_none();
  }
  return gen_result(gen_step(g, YL_OK, value, out));
}

int yl_gen_next(yl_gen_t *g, yl_value_t *out) { return yl_gen_send(g, yl_none(), out); }

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
  return gen_result(gen_step(g, YL_GEN_ERROR, exc, out));
}

int yl_gen_close(yl_gen_t *g, yl_value_t *err) { return gen_close(g, err); }

int yl_yield(yl_gen_t *g, yl_value_t value, yl_value_t *in) {
  /* See the Asyncify constraint at the top: only `out` is written before the switch. */
  if (g->state != YL_GEN_RUNNING || !g->co || !yl__coro_on_stack(g->co)) {
    yl_value_drop(value);
    *in = yl_exc_value(yl_exc_new(yl_RuntimeError, "yl_yield() called outside generator '%s'", g->name));
    return YL_GEN_ERROR;
  }
  g->out_kind = OUT_YIELD;
  g->out = value;
  yl__coro_yield(g->co);
  *in = g->in;
  return g->in_kind;
}

int yl_yield_from(yl_gen_t *g, yl_gen_t *sub, yl_value_t *result) {
  if (!sub) {
    *result = exc_value(yl_TypeError, "'NoneType' object is not iterable");
    return YL_GEN_ERROR;
  }
  if (g->state != YL_GEN_RUNNING || !g->co || !yl__coro_on_stack(g->co)) {
    *result = yl_exc_value(yl_exc_new(yl_RuntimeError, "yl_yield_from() called outside generator '%s'", g->name));
    return YL_GEN_ERROR;
  }
  g->out_kind = OUT_DELEGATE;
  g->out = yl_ptr(sub);
  yl__coro_yield(g->co);
  *result = g->in;
  return g->in_kind;
}

yl_gen_state_t yl_gen_state(const yl_gen_t *g) { return g->state; }

const char *yl_gen_state_name(yl_gen_state_t s) {
  static const char *const names[] = {"GEN_CREATED", "GEN_RUNNING", "GEN_SUSPENDED", "GEN_CLOSED"};
  return (unsigned)s < 4 ? names[s] : "GEN_UNKNOWN";
}

const char *yl_gen_name(const yl_gen_t *g) { return g->name; }
yl_gen_t *yl_gen_yieldfrom(const yl_gen_t *g) { return g->delegate; }
void *yl_gen_arg(const yl_gen_t *g) { return g->arg; }
