/* gather, wait, wait_for and shield (CPython 3.11, Lib/asyncio/tasks.py).
 *
 * Their done callbacks own a reference to what they update (the gathering future,
 * the waiter), as CPython's closures do: a callback already scheduled when the caller
 * has moved on still finds it alive. The callbacks registered on the futures waited
 * for are removed when the wait ends, releasing those references.
 *
 * One difference: gather() does not merge a future passed twice (CPython's
 * arg_to_fut); each copy gets its own callback, which changes nothing observable, as
 * the copies' callbacks are scheduled together.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "future.h"
#include "yl_task.h"

static yl_value_t exc_value(const yl_exc_type_t *type, const char *msg) {
  return yl_exc_value(msg ? yl_exc_new(type, "%s", msg) : yl_exc_new(type, NULL));
}

/* fut.exception() for its side effect: the exception counts as retrieved. */
static void retrieve(yl_future_t *f) {
  if (f->state == YL_FUTURE_FINISHED) f->log_traceback = false;
}

static bool no_timeout(double timeout) { return isnan(timeout) || timeout == INFINITY; }

/* ---- gather ---- */

typedef struct gathering {
  yl_future_t base; /* first: a gathering future is a future */
  yl_future_t **children; /* references, in the order given */
  size_t n, nfinished;
  bool return_exceptions;
  bool cancel_requested;
  yl_value_t *results; /* once finished with a result */
} gathering_t;

/* _GatheringFuture.cancel: cancels the children, not itself (yet). */
static bool gathering_cancel(yl_future_t *f, const char *msg) {
  gathering_t *o = (gathering_t *)f;
  if (f->state != YL_FUTURE_PENDING) return false;
  bool ret = false;
  for (size_t i = 0; i < o->n; i++)
    if (yl_future_cancel(o->children[i], msg)) ret = true;
  if (ret) o->cancel_requested = true;
  return ret;
}

static void gathering_finalize(yl_future_t *f) {
  gathering_t *o = (gathering_t *)f;
  for (size_t i = 0; i < o->n; i++) {
    yl_future_release(o->children[i]);
    if (o->results) yl_value_drop(o->results[i]);
  }
  free(o->children);
  free(o->results);
}

static const yl__future_ops_t gathering_ops = {
    .name = "_GatheringFuture",
    .cancel = gathering_cancel,
    .finalize = gathering_finalize,
};

/* What gather returns for a child: its result, its exception, or CancelledError
 * with its cancel message ("" for none). */
static yl_value_t child_outcome(yl_future_t *c) {
  if (c->state == YL_FUTURE_CANCELLED)
    return yl_exc_value(yl_exc_new(yl_CancelledError, "%s", c->cancel_message ? c->cancel_message : ""));
  retrieve(c);
  return c->exception ? yl_exc_value(yl_exc_clone(c->exception)) : yl_value_clone(c->result);
}

/* _done_callback: one child is done. Owns a reference to the gathering future. */
static yl_value_t child_done(yl_future_t *fut, void *arg) {
  gathering_t *o = arg;
  yl_future_t *outer = &o->base;
  o->nfinished++;
  if (outer->state != YL_FUTURE_PENDING) {
    if (fut->state != YL_FUTURE_CANCELLED) retrieve(fut);
  } else if (!o->return_exceptions && fut->state == YL_FUTURE_CANCELLED) {
    yl__future_set_exception(outer, yl__future_cancelled_error(fut), NULL);
  } else if (!o->return_exceptions && fut->exception) {
    retrieve(fut);
    yl__future_set_exception(outer, yl_exc_clone(fut->exception), NULL);
  } else if (o->nfinished == o->n) {
    yl_value_t *results = malloc(o->n * sizeof *results);
    if (!results) {
      yl__future_set_exception(outer, yl_exc_new(yl_MemoryError, NULL), NULL);
    } else {
      for (size_t i = 0; i < o->n; i++) results[i] = child_outcome(o->children[i]);
      if (o->cancel_requested) {
        for (size_t i = 0; i < o->n; i++) yl_value_drop(results[i]);
        free(results);
        /* From the last child given, not the one that finished last: CPython's loop
         * over the children above rebinds its `fut`. */
        yl__future_set_exception(outer, yl__future_cancelled_error(o->children[o->n - 1]), NULL);
      } else {
        o->results = results;
        yl__future_set_result(outer, yl_int((int64_t)o->n), NULL);
      }
    }
  }
  yl_future_release(outer);
  return yl_none();
}

yl_future_t *yl_gather(yl_loop_t *loop, yl_future_t *const *fs, size_t n, bool return_exceptions) {
  if (n == 0) {
    yl_future_t *f = yl_future_new(loop);
    if (f) yl__future_set_result(f, yl_int(0), NULL);
    return f;
  }
  if (!loop) loop = fs[0]->loop;
  for (size_t i = 0; i < n; i++)
    if (!loop || fs[i]->loop != loop) return NULL;
  gathering_t *o = calloc(1, sizeof *o);
  yl_future_t **children = malloc(n * sizeof *children);
  if (!o || !children) {
    free(o);
    free(children);
    return NULL;
  }
  yl__future_init(&o->base, loop, &gathering_ops);
  o->children = children;
  o->return_exceptions = return_exceptions;
  for (size_t i = 0; i < n; i++) {
    yl_future_ref(&o->base); /* the callback's */
    if (yl__future_add_cb(fs[i], child_done, o, yl__future_drop) < 0) {
      while (i--) yl_future_remove_done_callback(fs[i], child_done, o);
      yl_future_release(&o->base);
      return NULL;
    }
  }
  for (size_t i = 0; i < n; i++) children[i] = yl_future_ref(fs[i]);
  o->n = n;
  return &o->base;
}

size_t yl_gather_results(yl_future_t *gather, yl_value_t *out, size_t n) {
  if (gather->ops != &gathering_ops) return 0;
  gathering_t *o = (gathering_t *)gather;
  if (!o->results) return 0;
  for (size_t i = 0; i < n && i < o->n; i++) out[i] = yl_value_clone(o->results[i]);
  return o->n;
}

/* ---- wait ---- */

/* _wait's waiter, and the state its _on_completion closure shares. */
typedef struct waiter {
  yl_future_t base;
  size_t counter;
  yl_wait_when_t when;
  yl_handle_t *timeout; /* a reference, or NULL */
} waiter_t;

static void waiter_finalize(yl_future_t *f) { yl_handle_release(((waiter_t *)f)->timeout); }

static const yl__future_ops_t waiter_ops = {.name = "Future", .finalize = waiter_finalize};

/* _release_waiter from a timer (the handle owns a reference to the waiter). */
static yl_value_t release_waiter_timer(yl_loop_t *loop, void *arg) {
  (void)loop;
  yl_future_t *w = arg;
  if (w->state == YL_FUTURE_PENDING) yl__future_set_result(w, yl_none(), NULL);
  yl_future_release(w);
  return yl_none();
}

/* _release_waiter as a done callback (owning a reference to the waiter). */
static yl_value_t release_waiter(yl_future_t *f, void *arg) {
  (void)f;
  return release_waiter_timer(NULL, arg);
}

static yl_value_t on_completion(yl_future_t *f, void *arg) {
  waiter_t *w = arg;
  bool fire = --w->counter == 0 || w->when == YL_FIRST_COMPLETED;
  if (!fire && w->when == YL_FIRST_EXCEPTION && f->state == YL_FUTURE_FINISHED) {
    retrieve(f);
    fire = f->exception != NULL;
  }
  if (fire) {
    if (w->timeout) yl_handle_cancel(w->timeout);
    if (w->base.state == YL_FUTURE_PENDING) yl__future_set_result(&w->base, yl_none(), NULL);
  }
  yl_future_release(&w->base);
  return yl_none();
}

/* A timer running fn(arg) in `delay` s that owns a reference to future `arg`. */
static int call_later_owned(yl_loop_t *loop, double delay, yl_loop_fn fn, yl_future_t *arg, yl_handle_t **h) {
  int rc = yl_loop_call_later(loop, delay, fn, arg, h);
  if (rc == YL_OK) {
    (*h)->drop = yl__future_drop;
    yl_future_ref(arg);
  }
  return rc;
}

static int raise_to(yl_value_t *err, yl_value_t exc) {
  *err = exc;
  return YL_GEN_ERROR;
}

int yl_wait(yl_gen_t *g, yl_future_t *const *fs, size_t n, double timeout, yl_wait_when_t when,
            yl_future_t **done, size_t *ndone, yl_future_t **pending, size_t *npending, yl_value_t *err) {
  if (n == 0) return raise_to(err, exc_value(yl_ValueError, "Set of Tasks/Futures is empty."));
  if (when != YL_ALL_COMPLETED && when != YL_FIRST_COMPLETED && when != YL_FIRST_EXCEPTION)
    return raise_to(err, yl_exc_value(yl_exc_new(yl_ValueError, "Invalid return_when value: %d", (int)when)));
  yl_loop_t *loop = yl_loop_get_running();
  if (!loop) return raise_to(err, exc_value(yl_RuntimeError, "no running event loop"));
  waiter_t *w = calloc(1, sizeof *w);
  if (!w) return raise_to(err, exc_value(yl_MemoryError, NULL));
  yl__future_init(&w->base, loop, &waiter_ops);
  w->counter = n;
  w->when = when;
  yl_value_t r = yl_none();
  int rc = YL_OK;
  if (!no_timeout(timeout) && call_later_owned(loop, timeout, release_waiter_timer, &w->base, &w->timeout) < 0)
    rc = YL_ENOMEM;
  size_t added = 0;
  for (; rc == YL_OK && added < n; added++) {
    yl_future_ref(&w->base);
    rc = yl__future_add_cb(fs[added], on_completion, w, yl__future_drop);
  }
  if (rc == YL_OK) {
    rc = yl_await(g, &w->base, &r);
  } else {
    r = exc_value(yl_MemoryError, NULL);
    rc = YL_GEN_ERROR;
  }
  /* finally: */
  if (w->timeout) yl_handle_cancel(w->timeout);
  for (size_t i = 0; i < added; i++) yl_future_remove_done_callback(fs[i], on_completion, w);
  yl_future_release(&w->base);
  if (rc < 0) return raise_to(err, r);
  yl_value_drop(r);
  size_t nd = 0, np = 0;
  for (size_t i = 0; i < n; i++) {
    if (yl_future_done(fs[i])) {
      if (done) done[nd] = fs[i];
      nd++;
    } else {
      if (pending) pending[np] = fs[i];
      np++;
    }
  }
  if (ndone) *ndone = nd;
  if (npending) *npending = np;
  *err = yl_none();
  return YL_OK;
}

/* ---- wait_for ---- */

/* f.result() for wait_for: YL_OK or YL_GEN_ERROR. */
static int result_of(yl_future_t *f, yl_value_t *result) {
  return yl_future_result(f, result) == YL_OK ? YL_OK : YL_GEN_ERROR;
}

/* f.result(), a CancelledError turned into TimeoutError (raised from it). */
static int result_or_timeout(yl_future_t *f, yl_value_t *result) {
  if (result_of(f, result) == YL_OK) return YL_OK;
  if (yl_value_is_exc(*result, yl_CancelledError)) {
    yl_exc_t *e = yl_exc_new(yl_TimeoutError, NULL);
    yl_exc_set_cause(e, result->as.exc);
    *result = yl_exc_value(e);
  }
  return YL_GEN_ERROR;
}

/* _cancel_and_wait(f): cancels f and waits until it is done. */
static int cancel_and_wait(yl_gen_t *g, yl_loop_t *loop, yl_future_t *f, yl_value_t *err) {
  yl_future_t *w = yl_future_new(loop);
  if (!w) return raise_to(err, exc_value(yl_MemoryError, NULL));
  yl_value_t r;
  int rc = yl__future_add_cb(f, release_waiter, yl_future_ref(w), yl__future_drop);
  if (rc == YL_OK) {
    yl_future_cancel(f, NULL);
    rc = yl_await(g, w, &r);
    yl_future_remove_done_callback(f, release_waiter, w);
  } else {
    r = exc_value(yl_MemoryError, NULL);
    rc = YL_GEN_ERROR;
  }
  yl_future_release(w);
  if (rc < 0) return raise_to(err, r);
  yl_value_drop(r);
  return YL_OK;
}

int yl_wait_for(yl_gen_t *g, yl_future_t *f, double timeout, yl_value_t *result) {
  yl_loop_t *loop = yl_loop_get_running();
  if (!loop) return raise_to(result, exc_value(yl_RuntimeError, "no running event loop"));
  if (no_timeout(timeout)) return yl_await(g, f, result);
  if (timeout <= 0) {
    if (yl_future_done(f)) return result_of(f, result);
    if (cancel_and_wait(g, loop, f, result) < 0) return YL_GEN_ERROR;
    return result_or_timeout(f, result);
  }
  yl_future_t *w = yl_future_new(loop);
  yl_handle_t *h = NULL;
  if (!w || call_later_owned(loop, timeout, release_waiter_timer, w, &h) < 0 ||
      yl__future_add_cb(f, release_waiter, yl_future_ref(w), yl__future_drop) < 0) {
    if (h) yl_handle_cancel(h);
    yl_handle_release(h);
    yl_future_release(w);
    return raise_to(result, exc_value(yl_MemoryError, NULL));
  }
  yl_value_t r;
  int rc = yl_await(g, w, &r);
  if (rc < 0 && !yl_value_is_exc(r, yl_CancelledError)) {
    *result = r; /* propagates (GeneratorExit) */
  } else if (rc < 0) { /* the waiting task is cancelled: so is f, unless done */
    if (yl_future_done(f)) {
      yl_value_drop(r);
      rc = result_of(f, result);
    } else {
      yl_future_remove_done_callback(f, release_waiter, w);
      yl_value_t e2;
      if (cancel_and_wait(g, loop, f, &e2) < 0) {
        yl_value_drop(r);
        r = e2;
      }
      *result = r; /* raise */
    }
  } else {
    yl_value_drop(r);
    if (yl_future_done(f)) {
      rc = result_of(f, result);
    } else { /* timed out */
      yl_future_remove_done_callback(f, release_waiter, w);
      rc = cancel_and_wait(g, loop, f, result);
      if (rc == YL_OK) rc = result_or_timeout(f, result);
    }
  }
  /* finally: timeout_handle.cancel() */
  yl_handle_cancel(h);
  yl_handle_release(h);
  yl_future_release(w);
  return rc;
}

/* ---- shield ---- */

/* _inner_done_callback: owns a reference to outer. */
static yl_value_t inner_done(yl_future_t *inner, void *arg) {
  yl_future_t *outer = arg;
  if (outer->state == YL_FUTURE_CANCELLED) {
    if (inner->state != YL_FUTURE_CANCELLED) retrieve(inner);
  } else if (inner->state == YL_FUTURE_CANCELLED) {
    yl_future_cancel(outer, NULL);
  } else if (inner->exception) {
    retrieve(inner);
    yl__future_set_exception(outer, yl_exc_clone(inner->exception), NULL);
  } else {
    yl__future_set_result(outer, yl_value_clone(inner->result), NULL);
  }
  yl_future_release(outer);
  return yl_none();
}

/* _outer_done_callback: owns a reference to inner. */
static yl_value_t outer_done(yl_future_t *outer, void *arg) {
  yl_future_t *inner = arg;
  if (inner->state == YL_FUTURE_PENDING) yl_future_remove_done_callback(inner, inner_done, outer);
  yl_future_release(inner);
  return yl_none();
}

yl_future_t *yl_shield(yl_future_t *inner) {
  if (yl_future_done(inner)) return yl_future_ref(inner);
  yl_future_t *outer = inner->loop ? yl_future_new(inner->loop) : NULL;
  if (!outer) return NULL;
  if (yl__future_add_cb(inner, inner_done, yl_future_ref(outer), yl__future_drop) < 0) {
    yl_future_release(outer);
    return NULL;
  }
  if (yl__future_add_cb(outer, outer_done, yl_future_ref(inner), yl__future_drop) < 0) {
    yl_future_remove_done_callback(inner, inner_done, outer);
    yl_future_release(outer);
    return NULL;
  }
  return outer;
}
