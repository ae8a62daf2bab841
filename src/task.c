/* Tasks: Task.__step and __wakeup, cancel, current/all tasks, and sleep (CPython
 * 3.11: Lib/asyncio/tasks.py; messages as the C Task shows them).
 *
 * A pending task is in one of three states (tasks.py's invariant): waiting for
 * fut_waiter (one of its callbacks is task_wakeup), or with one step scheduled
 * (step_exc holds what it will throw), or running its step. So at most one step is
 * ever scheduled, and the loop handle and the wake-up callback can borrow the task:
 * it holds a reference to itself until it is done (or abandoned by a closed loop).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "future.h"
#include "yl_task.h"

struct yl_task {
  yl_future_t base;        /* first: a task is a future */
  yl_gen_t *gen;           /* the coroutine, owned; NULL once done or abandoned */
  const char *coro_name;   /* its name, for repr after it is freed (borrowed) */
  yl_future_t *fut_waiter; /* the future awaited (a reference), or NULL */
  yl_exc_t *step_exc;      /* what the scheduled step throws in; NULL: send None */
  char *name;              /* set_name's copy; NULL: "Task-<id>" */
  unsigned long long id;
  int num_cancels_requested;
  bool must_cancel;        /* throw CancelledError in at the next step */
  bool self_ref;           /* holds a reference to itself: pending, not abandoned */
  bool log_destroy_pending;
  /* Step handles, reused (no allocation per step): two, because a step scheduling
   * the next one (a bare yield) runs from one of them while the other is queued. */
  yl_handle_t *steps[2];
  char auto_name[32];
  char step_name[64]; /* its step handles' name, "<name>.__step()", for reprs */
};

/* The task whose step runs on this thread (only one loop runs per thread). */
static _Thread_local yl_task_t *current;
static unsigned long long task_counter;

static const yl__future_ops_t task_ops;

yl_task_t *yl_future_task(yl_future_t *f) { return f && f->ops == &task_ops ? (yl_task_t *)f : NULL; }

static yl_exc_t *exc_new(const yl_exc_type_t *type, const char *msg) { return yl_exc_new(type, "%s", msg); }

/* ---- Names and repr ---- */

const char *yl_task_name(yl_task_t *t) {
  if (t->name) return t->name;
  if (!t->auto_name[0]) snprintf(t->auto_name, sizeof t->auto_name, "Task-%llu", t->id);
  return t->auto_name;
}

/* Its step handles' name (they borrow the buffer), made again by set_name. */
static const char *step_name(yl_task_t *t) {
  snprintf(t->step_name, sizeof t->step_name, "%s.__step()", yl_task_name(t));
  return t->step_name;
}

int yl_task_set_name(yl_task_t *t, const char *name) {
  char *copy = strdup(name ? name : "None");
  if (!copy) return YL_ENOMEM;
  free(t->name);
  t->name = copy;
  if (t->step_name[0]) step_name(t); /* a queued step handle shows the new name */
  return YL_OK;
}

/* " name='Task-1' coro=<body() running>", as _task_repr_info (without the file). */
static size_t task_repr_info(const yl_future_t *f, char *buf, size_t n) {
  yl_task_t *t = (yl_task_t *)f;
  char name[160];
  yl_value_repr(yl_str(yl_task_name(t)), name, sizeof name);
  return (size_t)snprintf(buf, n, " name=%s coro=<%s() %s>", name, t->coro_name, t->gen ? "running" : "done");
}

static void task_repr(yl_task_t *t, char *buf, size_t n) { yl_future_repr(&t->base, buf, n); }

/* ---- Getters ---- */

yl_gen_t *yl_task_gen(const yl_task_t *t) { return t->gen; }
int yl_task_cancelling(const yl_task_t *t) { return t->num_cancels_requested; }
int yl_task_uncancel(yl_task_t *t) {
  if (t->num_cancels_requested > 0) t->num_cancels_requested--;
  return t->num_cancels_requested;
}

yl_task_t *yl_loop_current_task(yl_loop_t *loop) {
  if (!loop) loop = yl_loop_get_running();
  return current && current->base.loop == loop ? current : NULL;
}

size_t yl_loop_all_tasks(yl_loop_t *loop, yl_task_t **out, size_t n) {
  size_t count = 0;
  for (yl__queue_t *q = loop->futures.next; q != &loop->futures; q = q->next) {
    yl_future_t *f = YL__CONTAINER_OF(q, yl_future_t, link);
    if (f->ops != &task_ops || f->state != YL_FUTURE_PENDING || !((yl_task_t *)f)->self_ref) continue;
    if (count < n) out[count] = (yl_task_t *)f;
    count++;
  }
  return count;
}

/* ---- Stepping ---- */

static void task_step(yl_task_t *t, yl_exc_t *exc);

static yl_value_t step_cb(yl_loop_t *loop, void *arg) {
  (void)loop;
  yl_task_t *t = arg;
  yl_exc_t *exc = t->step_exc;
  t->step_exc = NULL;
  task_step(t, exc);
  return yl_none();
}

/* Queues the step handle not in use (one that ran), or a new one. */
static int queue_step(yl_task_t *t) {
  yl_loop_t *loop = t->base.loop;
  for (int i = 0; i < 2; i++) {
    yl_handle_t *h = t->steps[i];
    if (h && h->state == YL__H_DONE && loop && !yl_loop_is_closed(loop)) {
      yl__handle_requeue(loop, h);
      return YL_OK;
    }
  }
  yl_handle_t *h = NULL;
  int rc = loop ? yl_loop_call_soon(loop, step_cb, t, &h) : YL_ECLOSED;
  if (rc == YL_OK) {
    yl_handle_set_name(h, step_name(t));
    int i = !t->steps[0] ? 0 : !t->steps[1] ? 1 : -1;
    if (i >= 0) t->steps[i] = h; /* kept */
    else yl_handle_release(h);
  }
  return rc;
}

/* Schedules the next step, throwing `exc` (owned; NULL: sending None). */
static void schedule_step(yl_task_t *t, yl_exc_t *exc) {
  t->step_exc = exc;
  if (queue_step(t) < 0) { /* no memory: the task cannot go on; say so (a closed loop is not running) */
    t->step_exc = NULL;
    yl_exc_free(exc);
    exc = yl_exc_new(yl_MemoryError, "cannot schedule the step of %s", yl_task_name(t));
    yl__future_report(&t->base, "Task step could not be scheduled", exc);
    yl_exc_free(exc);
  }
}

/* __wakeup: fut_waiter is done; step with its exception, if any. */
static yl_value_t task_wakeup(yl_future_t *fut, void *arg) {
  yl_task_t *t = arg;
  if (fut->state == YL_FUTURE_FINISHED && !fut->exception) {
    task_step(t, NULL);
  } else {
    yl_value_t exc;
    yl_future_result(fut, &exc); /* the exception, or this cancellation's CancelledError */
    task_step(t, exc.as.exc);
  }
  return yl_none();
}

/* The task is done: its generator and its reference to itself go. */
static void task_finish(yl_task_t *t) {
  yl_gen_free(t->gen); /* finished: nothing runs */
  t->gen = NULL;
  if (t->self_ref) {
    t->self_ref = false;
    yl_future_release(&t->base); /* the caller of task_step holds another */
  }
}

/* What the generator yielded: a future to wait for, None, or a mistake. */
static void task_yielded(yl_task_t *t, yl_value_t v) {
  char trepr[256], vrepr[256];
  if (v.type == YL_PTR && (v.flags & YL__VALUE_AWAIT)) {
    yl_future_t *fut = v.as.p;
    if (fut->loop != t->base.loop) {
      task_repr(t, trepr, sizeof trepr);
      yl_future_repr(fut, vrepr, sizeof vrepr);
      schedule_step(t, yl_exc_new(yl_RuntimeError, "Task %s got Future %s attached to a different loop", trepr, vrepr));
    } else if (fut == &t->base) {
      task_repr(t, trepr, sizeof trepr);
      schedule_step(t, yl_exc_new(yl_RuntimeError, "Task cannot await on itself: %s", trepr));
    } else if (yl__future_add_cb(fut, task_wakeup, t, NULL) < 0) {
      schedule_step(t, exc_new(yl_MemoryError, "cannot wait for the future"));
    } else {
      t->fut_waiter = yl_future_ref(fut);
      if (t->must_cancel && yl_future_cancel(fut, t->base.cancel_message)) t->must_cancel = false;
    }
    return;
  }
  if (yl_is_none(v)) { /* a bare yield: one iteration of the loop */
    schedule_step(t, NULL);
    return;
  }
  yl_value_repr(v, vrepr, sizeof vrepr);
  yl_value_drop(v);
  schedule_step(t, yl_exc_new(yl_RuntimeError, "Task got bad yield: %s", vrepr));
}

/* __step(exc): sends None into the generator, or throws `exc` (owned). */
static void task_step(yl_task_t *t, yl_exc_t *exc) {
  yl_future_t *f = &t->base;
  if (f->state != YL_FUTURE_PENDING || !t->gen) { /* cannot happen; CPython raises */
    yl_exc_free(exc);
    return;
  }
  if (t->must_cancel) {
    if (!exc || !yl_exc_matches(exc, yl_CancelledError)) {
      yl_exc_free(exc);
      exc = yl__future_cancelled_error(f);
    }
    t->must_cancel = false;
  }
  if (t->fut_waiter) {
    yl_future_release(t->fut_waiter);
    t->fut_waiter = NULL;
  }

  yl_future_ref(f); /* finishing drops its reference to itself */
  yl_task_t *outer = current;
  current = t; /* _enter_task */
  yl_value_t v;
  int r = exc ? yl_gen_throw(t->gen, yl_exc_value(exc), &v) : yl_gen_send(t->gen, yl_none(), &v);
  current = outer; /* _leave_task */

  if (r == YL_GEN_NEXT) {
    task_yielded(t, v);
  } else if (r == YL_GEN_RETURN) {
    if (t->must_cancel) { /* cancelled right before the generator returned */
      t->must_cancel = false;
      yl_value_drop(v);
      yl__future_cancel(f, f->cancel_message);
    } else {
      yl__future_set_result(f, v, NULL);
    }
    task_finish(t);
  } else if (yl_value_is_exc(v, yl_CancelledError)) {
    yl_exc_free(f->cancelled_exc); /* kept to be raised by result(), once */
    f->cancelled_exc = v.as.exc;
    yl__future_cancel(f, NULL);
    task_finish(t);
  } else {
    yl__future_set_exception(f, v.as.exc, NULL);
    task_finish(t);
  }
  yl_future_release(f);
}

/* ---- Task.cancel ---- */

static bool task_cancel(yl_future_t *f, const char *msg) {
  yl_task_t *t = (yl_task_t *)f;
  f->log_traceback = false;
  if (f->state != YL_FUTURE_PENDING) return false;
  t->num_cancels_requested++;
  /* The awaited future's cancellation wakes the task with CancelledError. fut_waiter
   * stays: it may be a task that catches it, to be cancelled again later. */
  if (t->fut_waiter && yl_future_cancel(t->fut_waiter, msg)) return true;
  t->must_cancel = true; /* a step is scheduled (or running): it throws */
  if (msg != f->cancel_message) {
    free(f->cancel_message);
    f->cancel_message = msg ? strdup(msg) : NULL;
  }
  return true;
}

/* ---- Life cycle ---- */

/* The loop was closed with the task pending: it can never run again. Lets go of
 * what it awaits and closes its generator (GeneratorExit at the await point). */
static void task_abandon(yl_future_t *f) {
  yl_task_t *t = (yl_task_t *)f;
  if (t->fut_waiter) {
    yl_future_remove_done_callback(t->fut_waiter, task_wakeup, t);
    yl_future_release(t->fut_waiter);
    t->fut_waiter = NULL;
  }
  yl_exc_free(t->step_exc);
  t->step_exc = NULL;
  yl_gen_t *gen = t->gen;
  t->gen = NULL;
  yl_gen_free(gen);
  if (t->self_ref) {
    t->self_ref = false;
    yl_future_release(f); /* the hook holds another */
  }
}

static void task_finalize(yl_future_t *f) {
  yl_task_t *t = (yl_task_t *)f;
  if (f->state == YL_FUTURE_PENDING && t->log_destroy_pending)
    yl__future_report(f, "Task was destroyed but it is pending!", NULL);
  yl_gen_free(t->gen);
  yl_future_release(t->fut_waiter);
  yl_exc_free(t->step_exc);
  free(t->name);
  yl_handle_release(t->steps[0]);
  yl_handle_release(t->steps[1]);
}

static const yl__future_ops_t task_ops = {
    .name = "Task",
    .cancel = task_cancel,
    .repr_info = task_repr_info,
    .abandon = task_abandon,
    .finalize = task_finalize,
    .no_set_result = "Task does not support set_result operation",
    .no_set_exception = "Task does not support set_exception operation",
};

int yl_task_new(yl_loop_t *loop, yl_gen_t *gen, yl_task_t **out) {
  if (out) *out = NULL;
  if (!gen || !loop) {
    yl_gen_free(gen);
    return YL_EINVAL;
  }
  if (yl_loop_is_closed(loop)) {
    yl_gen_free(gen);
    return YL_ECLOSED;
  }
  yl_task_t *t = calloc(1, sizeof *t);
  if (!t) {
    yl_gen_free(gen);
    return YL_ENOMEM;
  }
  yl__future_init(&t->base, loop, &task_ops); /* its one reference: to itself */
  t->gen = gen;
  t->coro_name = yl_gen_name(gen);
  t->id = __atomic_add_fetch(&task_counter, 1, __ATOMIC_RELAXED);
  t->self_ref = true;
  t->log_destroy_pending = true;
  if (queue_step(t) < 0) {
    t->log_destroy_pending = false; /* it never existed */
    yl_future_release(&t->base);
    return YL_ENOMEM;
  }
  if (out) *out = (yl_task_t *)yl_future_ref(&t->base);
  return YL_OK;
}

/* ---- Introspection: what each task awaits ---- */

size_t yl_task_format_awaits(yl_task_t *t, char *buf, size_t n) {
  size_t len = 0;
#define YL__PUT(...) len += (size_t)snprintf(len < n ? buf + len : NULL, len < n ? n - len : 0, __VA_ARGS__)
  if (n) buf[0] = '\0';
  /* Bounded: a chain of tasks awaiting each other cannot be longer than the tasks. */
  for (int hop = 0; hop < 64; hop++) {
    YL__PUT("%s %s()", yl_task_name(t), t->coro_name);
    if (yl_future_done(&t->base)) {
      YL__PUT(" done");
      break;
    }
    yl_future_t *w = t->fut_waiter;
    if (!w) {
      YL__PUT(" ready to run");
      break;
    }
    yl_task_t *next = yl_future_task(w);
    if (next) {
      YL__PUT(" awaits ");
      t = next;
      continue;
    }
    if (w->sleep_until > 0) {
      YL__PUT(" awaits sleep until %g", w->sleep_until);
    } else {
      char repr[200];
      yl_future_repr(w, repr, sizeof repr);
      YL__PUT(" awaits %s", repr);
    }
    break;
  }
#undef YL__PUT
  return len;
}

size_t yl_loop_format_tasks(yl_loop_t *loop, char *buf, size_t n) {
  size_t count = yl_loop_all_tasks(loop, NULL, 0), len = 0;
  yl_task_t **ts = count ? malloc(count * sizeof *ts) : NULL;
  if (n) buf[0] = '\0';
  if (count && !ts) return 0;
  yl_loop_all_tasks(loop, ts, count);
  for (size_t i = 0; i < count; i++) {
    len += yl_task_format_awaits(ts[i], len < n ? buf + len : NULL, len < n ? n - len : 0);
    len += (size_t)snprintf(len < n ? buf + len : NULL, len < n ? n - len : 0, "\n");
  }
  free(ts);
  return len;
}

/* ---- sleep ---- */

/* futures._set_result_unless_cancelled, from sleep's timer (which owns a reference). */
static yl_value_t sleep_done(yl_loop_t *loop, void *arg) {
  (void)loop;
  yl_future_t *f = arg;
  if (!yl_future_cancelled(f)) yl__future_set_result(f, yl_none(), NULL);
  yl_future_release(f);
  return yl_none();
}

int yl__sleep_timer(yl_gen_t *g, double delay, yl_value_t result, yl_value_t *out) {
  yl_value_t in;
  yl_loop_t *loop = yl_loop_get_running();
  yl_future_t *f = loop ? yl_future_new(loop) : NULL;
  yl_handle_t *h = NULL;
  int rc = f ? yl_loop_call_later(loop, delay, sleep_done, f, &h) : YL_ENOMEM;
  if (rc < 0) {
    yl_future_release(f);
    yl_value_drop(result);
    *out = yl_exc_value(!loop  ? exc_new(yl_RuntimeError, "no running event loop")
                        : rc == YL_EINVAL ? exc_new(yl_ValueError, "sleep length must be a number")
                                          : yl_exc_new(yl_MemoryError, NULL));
    return YL_GEN_ERROR;
  }
  h->drop = yl__future_drop; /* the timer owns a reference */
  yl_handle_set_name(h, "futures._set_result_unless_cancelled()");
  f->sleep_until = yl_timer_when(h);
  yl_future_ref(f);
  rc = yl_await(g, f, &in);
  yl_handle_cancel(h); /* finally: h.cancel() */
  yl_handle_release(h);
  yl_future_release(f);
  if (rc < 0) {
    yl_value_drop(result);
    *out = in;
    return YL_GEN_ERROR;
  }
  yl_value_drop(in);
  *out = result;
  return YL_OK;
}
