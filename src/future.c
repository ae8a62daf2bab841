/* Futures: states, results, done callbacks, the report of unretrieved exceptions,
 * await and run_until_complete (CPython 3.11: Lib/asyncio/futures.py and the C
 * Future of Modules/_asynciomodule.c, whose messages are the ones Python shows).
 *
 * Callbacks are scheduled in batches: when a future becomes done, its callbacks move,
 * in order, into one record that a single loop handle runs. CPython schedules one
 * handle per callback; the two orders are the same, since nothing can be scheduled
 * between the callbacks of one future (they are queued in one go) and a handle batch
 * runs in one iteration whatever stop() does. A callback added to a done future gets
 * a batch of its own, queued behind whatever is ready, as in CPython.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "future.h"

static yl_value_t exc_value(const yl_exc_type_t *type, const char *msg) {
  return yl_exc_value(msg ? yl_exc_new(type, "%s", msg) : yl_exc_new(type, NULL));
}

/* Stores an exception in *err (if err is given) and returns `code`. */
static int fail(yl_value_t *err, int code, const yl_exc_type_t *type, const char *msg) {
  if (err) *err = exc_value(type, msg);
  return code;
}

static bool loop_closed(const yl_loop_t *loop) { return !loop || loop->state == YL__LOOP_CLOSED; }

/* ---- Scheduling with ownership ---- */

int yl__call_soon_owned(yl_loop_t *loop, yl_loop_fn fn, void *arg, void (*drop)(void *), const char *name) {
  yl_handle_t *h = NULL;
  /* Through yl_loop_call_soon, which also wakes a loop waiting in the host. */
  int rc = loop ? yl_loop_call_soon(loop, fn, arg, &h) : YL_ECLOSED;
  if (rc < 0) {
    if (drop) drop(arg);
    return rc;
  }
  h->drop = drop;
  h->name = name;
  yl_handle_release(h);
  return YL_OK;
}

void yl__future_drop(void *f) { yl_future_release(f); }

/* Callbacks taken out of a done future, run by one handle. */
typedef struct batch {
  yl_future_t *fut; /* a reference */
  size_t n;
  yl__fut_cb_t cbs[];
} batch_t;

static void drop_cbs(yl__fut_cb_t *cbs, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (cbs[i].drop) cbs[i].drop(cbs[i].arg);
}

/* The handle of a batch dropped by the loop (closed): no callback will run. */
static void batch_drop(void *arg) {
  batch_t *b = arg;
  drop_cbs(b->cbs, b->n);
  yl_future_release(b->fut);
  free(b);
}

/* A callback's exception to the handler, as Handle._run reports it:
 * "Exception in callback fn(<Future finished result=2>)". */
static void report_callback(yl_future_t *f, const yl__fut_cb_t *cb, yl_value_t exc) {
  char repr[200], msg[320];
  yl_future_repr(f, repr, sizeof repr);
  snprintf(msg, sizeof msg, "Exception in callback 0x%" PRIxPTR "(%s)", (uintptr_t)cb->fn, repr);
  yl__future_report(f, msg, exc.as.exc);
  yl_value_drop(exc);
}

static yl_value_t batch_run(yl_loop_t *loop, void *arg) {
  (void)loop;
  batch_t *b = arg;
  for (size_t i = 0; i < b->n; i++) {
    yl_value_t r = b->cbs[i].fn(b->fut, b->cbs[i].arg);
    if (r.flags & YL__VALUE_RAISED) {
      r.flags &= ~YL__VALUE_RAISED;
      report_callback(b->fut, &b->cbs[i], r);
    } else {
      yl_value_drop(r);
    }
  }
  yl_future_release(b->fut);
  free(b);
  return yl_none();
}

/* Queues `n` callbacks of f as one batch (they are f's no longer); their drops are
 * called if they cannot be. */
static int schedule(yl_future_t *f, const yl__fut_cb_t *cbs, size_t n, yl_value_t *err) {
  if (!n) return YL_OK;
  batch_t *b = loop_closed(f->loop) ? NULL : malloc(sizeof *b + n * sizeof *cbs);
  if (!b) {
    drop_cbs((yl__fut_cb_t *)cbs, n);
    if (!loop_closed(f->loop)) return fail(err, YL_ENOMEM, yl_MemoryError, NULL);
    return fail(err, YL_ECLOSED, yl_RuntimeError, "Event loop is closed");
  }
  b->fut = yl_future_ref(f);
  b->n = n;
  memcpy(b->cbs, cbs, n * sizeof *cbs);
  int rc = yl__call_soon_owned(f->loop, batch_run, b, batch_drop, "Future.done_callbacks()");
  return rc < 0 ? fail(err, rc, yl_MemoryError, NULL) : YL_OK;
}

/* __schedule_callbacks(): f just became done. */
static int schedule_callbacks(yl_future_t *f, yl_value_t *err) {
  size_t n = f->ncbs;
  f->ncbs = 0;
  return schedule(f, f->cbs, n, err);
}

/* ---- Life cycle ---- */

/* What a callback of the library's (a gather's, a shield's, a wait's: one owning a
 * reference) on a pending future becomes when the loop closes: it could never run (a
 * future done on a closed loop drops its callbacks), so what it owned goes at once.
 * The entry stays: completing the future still fails with "Event loop is closed", as
 * CPython's call_soon of that callback does. */
static yl_value_t closed_cb(yl_future_t *f, void *arg) {
  (void)f;
  (void)arg;
  return yl_none();
}

/* The loop's hook: closing it abandons the futures that can no longer finish (tasks)
 * and lets the library's callbacks on the other pending ones go; freeing it detaches
 * them all. */
static void futures_hook(yl_loop_t *loop, bool freeing) {
  if (freeing) {
    while (!yl__queue_empty(&loop->futures)) {
      yl_future_t *f = YL__CONTAINER_OF(yl__queue_head(&loop->futures), yl_future_t, link);
      yl__queue_remove(&f->link);
      f->loop = NULL;
    }
    return;
  }
  /* Abandoning a task or dropping a callback can free other futures (which unlink
   * themselves): walk a detached list, putting each future back before touching it. */
  yl__queue_t todo;
  yl__queue_move(&loop->futures, &todo);
  while (!yl__queue_empty(&todo)) {
    yl_future_t *f = YL__CONTAINER_OF(yl__queue_head(&todo), yl_future_t, link);
    yl__queue_remove(&f->link);
    yl__queue_push(&loop->futures, &f->link);
    if (f->state != YL_FUTURE_PENDING) continue;
    yl_future_ref(f);
    if (f->ops && f->ops->abandon) {
      f->ops->abandon(f);
      /* It will never be done: its callbacks go, with what they own (a gather or a
       * shield waiting for it), which breaks the cycles through them. */
      size_t n = f->ncbs;
      f->ncbs = 0;
      drop_cbs(f->cbs, n);
    } else {
      /* It may still be done, but the library's callbacks on it let go of what they
       * own (a gather or a shield holding f: a cycle). */
      for (size_t i = 0; i < f->ncbs; i++) {
        yl__fut_cb_t cb = f->cbs[i];
        if (!cb.drop) continue;
        f->cbs[i] = (yl__fut_cb_t){closed_cb, NULL, NULL};
        cb.drop(cb.arg);
      }
    }
    yl_future_release(f);
  }
}

void yl__future_init(yl_future_t *f, yl_loop_t *loop, const yl__future_ops_t *ops) {
  f->ops = ops;
  f->loop = loop;
  f->refs = 1;
  f->state = YL_FUTURE_PENDING;
  f->result = yl_none();
  if (!loop->futures_hook) loop->futures_hook = futures_hook;
  yl__queue_push(&loop->futures, &f->link);
}

yl_future_t *yl_future_new(yl_loop_t *loop) {
  if (!loop) return NULL;
  yl_future_t *f = calloc(1, sizeof *f);
  if (f) yl__future_init(f, loop, NULL);
  return f;
}

yl_future_t *yl_future_ref(yl_future_t *f) {
  f->refs++;
  return f;
}

void yl__future_report(const yl_future_t *f, const char *message, const yl_exc_t *exc) {
  yl_loop_context_t ctx = {message, exc, NULL};
  if (f->loop)
    yl_loop_call_exception_handler(f->loop, &ctx);
  else
    yl_loop_default_exception_handler(NULL, &ctx);
}

static void future_free(yl_future_t *f) {
  if (f->ops && f->ops->finalize) f->ops->finalize(f);
  if (f->log_traceback) { /* Future.__del__ */
    char msg[64];
    snprintf(msg, sizeof msg, "%s exception was never retrieved", yl__future_class(f));
    yl__future_report(f, msg, f->exception);
  }
  yl__queue_remove(&f->link);
  drop_cbs(f->cbs, f->ncbs);
  free(f->cbs);
  yl_value_drop(f->result);
  yl_exc_free(f->exception);
  yl_exc_free(f->cancelled_exc);
  free(f->cancel_message);
  free(f);
}

void yl_future_release(yl_future_t *f) {
  if (f && --f->refs == 0) future_free(f);
}

/* ---- State ---- */

yl_loop_t *yl_future_loop(const yl_future_t *f) { return f->loop; }
yl_future_state_t yl_future_state(const yl_future_t *f) { return (yl_future_state_t)f->state; }
bool yl_future_done(const yl_future_t *f) { return f->state != YL_FUTURE_PENDING; }
bool yl_future_cancelled(const yl_future_t *f) { return f->state == YL_FUTURE_CANCELLED; }

const char *yl_future_state_name(yl_future_state_t s) {
  static const char *const names[] = {"PENDING", "CANCELLED", "FINISHED"};
  return (unsigned)s < 3 ? names[s] : "UNKNOWN";
}

const char *yl__future_class(const yl_future_t *f) { return f->ops ? f->ops->name : "Future"; }

yl_exc_t *yl__future_cancelled_error(yl_future_t *f) {
  if (f->cancelled_exc) { /* raised once, then a new one (as the C Future does) */
    yl_exc_t *e = f->cancelled_exc;
    f->cancelled_exc = NULL;
    return e;
  }
  return f->cancel_message ? yl_exc_new(yl_CancelledError, "%s", f->cancel_message)
                           : yl_exc_new(yl_CancelledError, NULL);
}

int yl_future_result(yl_future_t *f, yl_value_t *out) {
  if (f->state == YL_FUTURE_CANCELLED) {
    *out = yl_exc_value(yl__future_cancelled_error(f));
    return YL_EEXC;
  }
  if (f->state != YL_FUTURE_FINISHED) return fail(out, YL_EEXC, yl_InvalidStateError, "Result is not set.");
  f->log_traceback = false;
  if (f->exception) {
    *out = yl_exc_value(yl_exc_clone(f->exception));
    return YL_EEXC;
  }
  *out = yl_value_clone(f->result);
  return YL_OK;
}

int yl_future_exception(yl_future_t *f, yl_value_t *out) {
  if (f->state == YL_FUTURE_CANCELLED) {
    *out = yl_exc_value(yl__future_cancelled_error(f));
    return YL_EEXC;
  }
  if (f->state != YL_FUTURE_FINISHED) return fail(out, YL_EEXC, yl_InvalidStateError, "Exception is not set.");
  f->log_traceback = false;
  *out = f->exception ? yl_exc_value(yl_exc_clone(f->exception)) : yl_none();
  return YL_OK;
}

int yl__future_set_result(yl_future_t *f, yl_value_t result, yl_value_t *err) {
  if (err) *err = yl_none();
  if (f->state != YL_FUTURE_PENDING) {
    yl_value_drop(result);
    return fail(err, YL_EEXC, yl_InvalidStateError, "invalid state");
  }
  f->result = result;
  f->state = YL_FUTURE_FINISHED;
  return schedule_callbacks(f, err);
}

int yl__future_set_exception(yl_future_t *f, yl_exc_t *exc, yl_value_t *err) {
  if (err) *err = yl_none();
  if (f->state != YL_FUTURE_PENDING) {
    yl_exc_free(exc);
    return fail(err, YL_EEXC, yl_InvalidStateError, "invalid state");
  }
  /* Exactly StopIteration (a subclass is let through, as CPython does). */
  if (yl_exc_type(exc) == yl_StopIteration) {
    yl_exc_free(exc);
    return fail(err, YL_EEXC, yl_TypeError,
                "StopIteration interacts badly with generators and cannot be raised into a Future");
  }
  f->exception = exc;
  f->state = YL_FUTURE_FINISHED;
  int rc = schedule_callbacks(f, err);
  f->log_traceback = true;
  return rc;
}

int yl_future_set_result(yl_future_t *f, yl_value_t result, yl_value_t *err) {
  if (f->ops && f->ops->no_set_result) {
    yl_value_drop(result);
    if (err) *err = yl_none();
    return fail(err, YL_EEXC, yl_RuntimeError, f->ops->no_set_result);
  }
  return yl__future_set_result(f, result, err);
}

int yl_future_set_exception(yl_future_t *f, yl_value_t exc, yl_value_t *err) {
  if (err) *err = yl_none();
  const char *refused = f->ops ? f->ops->no_set_exception : NULL;
  if (refused || f->state != YL_FUTURE_PENDING || exc.type != YL_EXC) {
    yl_value_drop(exc);
    if (refused) return fail(err, YL_EEXC, yl_RuntimeError, refused);
    if (f->state != YL_FUTURE_PENDING) return fail(err, YL_EEXC, yl_InvalidStateError, "invalid state");
    return fail(err, YL_EEXC, yl_TypeError, "invalid exception object");
  }
  return yl__future_set_exception(f, exc.as.exc, err);
}

bool yl__future_cancel(yl_future_t *f, const char *msg) {
  f->log_traceback = false;
  if (f->state != YL_FUTURE_PENDING) return false;
  f->state = YL_FUTURE_CANCELLED;
  if (msg != f->cancel_message) { /* a task passes its own message back */
    free(f->cancel_message);
    f->cancel_message = msg ? strdup(msg) : NULL;
  }
  schedule_callbacks(f, NULL); /* on a closed loop they are dropped */
  return true;
}

bool yl_future_cancel(yl_future_t *f, const char *msg) {
  return f->ops && f->ops->cancel ? f->ops->cancel(f, msg) : yl__future_cancel(f, msg);
}

/* ---- Callbacks ---- */

int yl__future_add_cb(yl_future_t *f, yl_future_fn fn, void *arg, void (*drop)(void *)) {
  yl__fut_cb_t cb = {fn, arg, drop};
  if (f->state != YL_FUTURE_PENDING) return schedule(f, &cb, 1, NULL);
  if (f->ncbs == f->cbs_cap) {
    size_t cap = f->cbs_cap ? 2 * f->cbs_cap : 2;
    yl__fut_cb_t *cbs = realloc(f->cbs, cap * sizeof *cbs);
    if (!cbs) {
      if (drop) drop(arg);
      return YL_ENOMEM;
    }
    f->cbs = cbs;
    f->cbs_cap = cap;
  }
  f->cbs[f->ncbs++] = cb;
  return YL_OK;
}

int yl_future_add_done_callback(yl_future_t *f, yl_future_fn fn, void *arg) {
  if (!fn) return YL_EINVAL;
  return yl__future_add_cb(f, fn, arg, NULL);
}

size_t yl_future_remove_done_callback(yl_future_t *f, yl_future_fn fn, void *arg) {
  /* Compacted first, dropped after: a drop may run code that uses f (kept alive). */
  size_t kept = 0, n = f->ncbs, ndrops = 0;
  for (size_t i = 0; i < n; i++)
    if (f->cbs[i].fn == fn && f->cbs[i].arg == arg && f->cbs[i].drop) ndrops++;
  void (**drops)(void *) = ndrops ? malloc(ndrops * sizeof *drops) : NULL;
  ndrops = 0;
  yl_future_ref(f);
  for (size_t i = 0; i < n; i++) {
    yl__fut_cb_t cb = f->cbs[i];
    if (cb.fn != fn || cb.arg != arg) {
      f->cbs[kept++] = cb;
    } else if (cb.drop) {
      if (drops) drops[ndrops++] = cb.drop;
      else cb.drop(arg); /* no memory for the list: at once */
    }
  }
  f->ncbs = kept;
  for (size_t i = 0; i < ndrops; i++) drops[i](arg);
  free(drops);
  yl_future_release(f);
  return n - kept;
}

/* ---- repr ---- */

size_t yl_future_repr(const yl_future_t *f, char *buf, size_t n) {
  size_t len = 0;
#define YL__PUT(...) len += (size_t)snprintf(len < n ? buf + len : NULL, len < n ? n - len : 0, __VA_ARGS__)
  if (n) buf[0] = '\0';
  char state[16], v[160];
  snprintf(state, sizeof state, "%s", yl_future_state_name((yl_future_state_t)f->state));
  for (char *p = state; *p; p++) *p = (char)(*p - 'A' + 'a');
  YL__PUT("<%s %s", yl__future_class(f), state);
  if (f->ops && f->ops->repr_info) len += f->ops->repr_info(f, len < n ? buf + len : NULL, len < n ? n - len : 0);
  if (f->state == YL_FUTURE_FINISHED) {
    if (f->exception) {
      yl_value_t e = yl_exc_value(f->exception);
      yl_value_repr(e, v, sizeof v);
      YL__PUT(" exception=%s", v);
    } else {
      yl_value_repr(f->result, v, sizeof v);
      YL__PUT(" result=%s", v);
    }
  }
  if (f->ncbs) { /* _format_callbacks(): first, "<N more>", last */
    YL__PUT(" cb=[0x%" PRIxPTR "(%p)", (uintptr_t)f->cbs[0].fn, f->cbs[0].arg);
    if (f->ncbs > 2) YL__PUT(", <%zu more>", f->ncbs - 2);
    if (f->ncbs > 1)
      YL__PUT(", 0x%" PRIxPTR "(%p)", (uintptr_t)f->cbs[f->ncbs - 1].fn, f->cbs[f->ncbs - 1].arg);
    YL__PUT("]");
  }
  YL__PUT(">");
#undef YL__PUT
  return len;
}

/* ---- await ---- */

int yl_await(yl_gen_t *g, yl_future_t *f, yl_value_t *result) {
  if (f->state == YL_FUTURE_PENDING) {
    yl_value_t v = yl_ptr(f), in;
    v.flags = YL__VALUE_AWAIT;
    if (yl_yield(g, v, &in) < 0) { /* thrown in: f's exception, cancellation, close */
      *result = in;
      return YL_GEN_ERROR;
    }
    yl_value_drop(in);
    if (f->state == YL_FUTURE_PENDING) {
      *result = exc_value(yl_RuntimeError, "await wasn't used with future");
      return YL_GEN_ERROR;
    }
  }
  return yl_future_result(f, result) == YL_OK ? YL_OK : YL_GEN_ERROR;
}

/* ---- run_until_complete ---- */

/* _run_until_complete_cb: retrieves the exception (so it is not reported as never
 * retrieved) and stops the loop. */
static yl_value_t stop_when_done(yl_future_t *f, void *arg) {
  (void)arg;
  if (!yl_future_cancelled(f)) {
    yl_value_t exc;
    yl_future_exception(f, &exc);
    yl_value_drop(exc);
  }
  if (f->loop) yl_loop_stop(f->loop);
  return yl_none();
}

int yl_loop_run_until_complete(yl_loop_t *loop, yl_future_t *f, yl_value_t *result, yl_value_t *err) {
  yl_value_t dummy;
  if (!err) err = &dummy;
  if (result) *result = yl_none();
  *err = yl_none();
  if (yl_loop_is_closed(loop)) return fail(err, YL_ECLOSED, yl_RuntimeError, "Event loop is closed");
  if (yl_loop_is_running(loop)) return fail(err, YL_EBUSY, yl_RuntimeError, "This event loop is already running");
  if (f->loop != loop)
    return fail(err, YL_EINVAL, yl_ValueError,
                "The future belongs to a different loop than the one specified as the loop argument");
  yl_future_ref(f); /* kept alive by the run, whatever the callbacks release */
  int rc = yl_future_add_done_callback(f, stop_when_done, NULL);
  if (rc == YL_OK) rc = yl_loop_run_forever(loop, err);
  yl_future_remove_done_callback(f, stop_when_done, NULL);
  if (rc == YL_OK) {
    if (!yl_future_done(f)) {
      rc = fail(err, YL_EEXC, yl_RuntimeError, "Event loop stopped before Future completed.");
    } else {
      yl_value_t v;
      rc = yl_future_result(f, &v);
      if (rc == YL_OK && result) *result = v;
      else if (rc == YL_OK) yl_value_drop(v);
      else *err = v;
    }
  } else if (yl_is_none(*err)) {
    fail(err, rc, yl_RuntimeError, yl_strerror(rc));
  }
  if (err == &dummy) yl_value_drop(dummy);
  yl_future_release(f);
  return rc;
}
