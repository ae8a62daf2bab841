/* gather, wait, wait_for and shield (yl_task.h), and the document's example 07 (three
 * factorial tasks). Expected traces and logical times were recorded from CPython 3.11
 * running the same programs on a virtual-time loop. */
#include <math.h>
#include <stdio.h>

#include "test.h"
#include "yl_task.h"

/* ---- Helpers ---- */

static yl_loop_t *vloop(void) {
  yl_loop_t *loop = yl_loop_new(&(yl_loop_options_t){.clock = YL_CLOCK_VIRTUAL});
  CHECK(loop != NULL);
  return loop;
}

static void done(yl_loop_t *loop) { CHECK_INT(yl_loop_free(loop), YL_OK); }

/* The running loop's time; -1 when none runs (a body closed by yl_loop_close). */
static double now(void) {
  yl_loop_t *loop = yl_loop_get_running();
  return loop ? yl_loop_time(loop) : -1;
}

static const char *vtext(yl_value_t v) { return yl_test_repr(v); }

static yl_future_t *spawn(yl_loop_t *loop, const char *name, yl_gen_fn body, void *arg) {
  yl_task_t *t = NULL;
  CHECK_INT(yl_task_new(loop, yl_gen_new(name, body, arg), &t), YL_OK);
  return yl_task_future(t);
}

static void release_all(yl_future_t **fs, size_t n) {
  for (size_t i = 0; i < n; i++) yl_future_release(fs[i]);
}

static void record(yl_loop_t *loop, const yl_loop_context_t *ctx, void *arg) {
  (void)loop;
  (void)arg;
  trace("reported: %s", ctx->message);
}

/* sl(name, delay, fail): sleeps, then returns its name or raises ValueError(name). */
typedef struct {
  const char *name;
  double delay;
  bool fail;
  bool catch_cancel; /* returns "caught" when cancelled */
} sl_arg;

static yl_value_t sl(yl_gen_t *g, void *arg) {
  sl_arg *a = arg;
  yl_value_t r;
  if (yl_sleep(g, a->delay, yl_none(), &r) < 0) {
    trace("%s cancelled %s @%g", a->name, vtext(r), now());
    if (a->catch_cancel && yl_value_is_exc(r, yl_CancelledError)) {
      yl_value_drop(r);
      return yl_str("caught");
    }
    return yl_raise(r);
  }
  trace("%s done @%g", a->name, now());
  if (a->fail) return yl_raise_new(yl_ValueError, "%s", a->name);
  return yl_str(a->name);
}

static sl_arg abc[] = {{"a", 3, false, false}, {"b", 1, false, false}, {"c", 2, false, false}};
static sl_arg abc_b_fails[] = {{"a", 3, false, false}, {"b", 1, true, false}, {"c", 2, false, false}};

static void spawn3(yl_loop_t *loop, sl_arg *args, yl_future_t **ts) {
  for (int i = 0; i < 3; i++) ts[i] = spawn(loop, "sl", sl, &args[i]);
}

typedef struct {
  yl_future_t *f;
  const char *msg;
} cancel_arg;

static yl_value_t cancel_cb(yl_loop_t *loop, void *arg) {
  (void)loop;
  cancel_arg *c = arg;
  bool r = yl_future_cancel(c->f, c->msg);
  trace("cancel %s %s", r ? "True" : "False", yl_future_done(c->f) ? "True" : "False");
  return yl_none();
}

/* ---- gather ---- */

TEST(gather_results_in_order) {
  yl_loop_t *loop = vloop();
  yl_future_t *ts[3];
  spawn3(loop, abc, ts);
  yl_future_t *g = yl_gather(loop, ts, 3, false);
  yl_value_t r, res[3];
  CHECK_INT(yl_loop_run_until_complete(loop, g, &r, NULL), YL_OK);
  CHECK_REPR(r, "3");
  CHECK_INT(yl_gather_results(g, res, 3), 3);
  trace("[%s, %s, %s] @%g", vtext(res[0]), vtext(res[1]), vtext(res[2]), yl_loop_time(loop));
  for (int i = 0; i < 3; i++) yl_value_drop(res[i]);
  CHECK_TRACE("b done @1", "c done @2", "a done @3", "['a', 'b', 'c'] @3");
  yl_future_release(g);
  release_all(ts, 3);
  /* Nothing to gather: done at once. */
  g = yl_gather(loop, NULL, 0, false);
  CHECK(yl_future_done(g));
  CHECK_INT(yl_gather_results(g, res, 3), 0);
  yl_future_release(g);
  /* Futures of two loops. */
  yl_loop_t *other = vloop();
  yl_future_t *mixed[2] = {yl_future_new(loop), yl_future_new(other)};
  CHECK(yl_gather(NULL, mixed, 2, false) == NULL);
  release_all(mixed, 2);
  done(other);
  done(loop);
}

/* The first exception fails the gather at once; the other children go on, and their
 * exceptions count as retrieved. */
TEST(gather_first_exception_propagates_at_once) {
  yl_loop_t *loop = vloop();
  yl_loop_set_exception_handler(loop, record, NULL);
  yl_future_t *ts[3];
  spawn3(loop, abc_b_fails, ts);
  yl_future_t *g = yl_gather(loop, ts, 3, false);
  yl_value_t err;
  CHECK_INT(yl_loop_run_until_complete(loop, g, NULL, &err), YL_EEXC);
  trace("gather raised %s @%g", vtext(err), yl_loop_time(loop));
  yl_value_drop(err);
  CHECK_INT(yl_loop_run_until_complete(loop, ts[0], NULL, NULL), YL_OK);
  CHECK_TRACE("b done @1", "gather raised ValueError('b') @1", "c done @2", "a done @3");
  yl_future_release(g);
  release_all(ts, 3); /* b's exception was retrieved by gather: no report */
  CHECK_TRACE("b done @1", "gather raised ValueError('b') @1", "c done @2", "a done @3");
  done(loop);
}

TEST(gather_return_exceptions) {
  yl_loop_t *loop = vloop();
  yl_future_t *ts[3];
  spawn3(loop, abc_b_fails, ts);
  cancel_arg c = {ts[2], "no"};
  yl_loop_call_later(loop, 0.5, cancel_cb, &c, NULL);
  yl_future_t *g = yl_gather(loop, ts, 3, true);
  yl_value_t res[3];
  CHECK_INT(yl_loop_run_until_complete(loop, g, NULL, NULL), YL_OK);
  CHECK_INT(yl_gather_results(g, res, 3), 3);
  trace("[%s, %s, %s] @%g", vtext(res[0]), vtext(res[1]), vtext(res[2]), yl_loop_time(loop));
  for (int i = 0; i < 3; i++) yl_value_drop(res[i]);
  /* CPython shows CancelledError('') (a message, empty); yl_value_repr() prints an
   * empty message as none. */
  CHECK_TRACE("cancel True False", "c cancelled CancelledError('no') @0.5", "b done @1", "a done @3",
              "['a', ValueError('b'), CancelledError()] @3");
  yl_future_release(g);
  release_all(ts, 3);
  done(loop);
}

/* Cancelling the gather cancels its children; it then fails with CancelledError (it
 * is finished, not cancelled: CPython 3.11). */
TEST(gather_cancel_cancels_the_children) {
  yl_loop_t *loop = vloop();
  yl_future_t *ts[2];
  for (int i = 0; i < 2; i++) ts[i] = spawn(loop, "sl", sl, &abc[i]);
  yl_future_t *g = yl_gather(loop, ts, 2, false);
  cancel_arg c = {g, "gm"};
  yl_loop_call_later(loop, 0.5, cancel_cb, &c, NULL);
  yl_value_t err;
  CHECK_INT(yl_loop_run_until_complete(loop, g, NULL, &err), YL_EEXC);
  trace("raised %s @%g", vtext(err), yl_loop_time(loop));
  yl_value_drop(err);
  CHECK_TRACE("cancel True False", "a cancelled CancelledError('gm') @0.5", "b cancelled CancelledError('gm') @0.5",
              "raised CancelledError('gm') @0.5");
  CHECK(!yl_future_cancelled(g));
  CHECK(yl_future_done(g));
  char repr[128];
  yl_future_repr(g, repr, sizeof repr);
  CHECK_STR(repr, "<_GatheringFuture finished exception=CancelledError('gm')>");
  CHECK(!yl_future_cancel(g, NULL));
  yl_future_release(g);
  release_all(ts, 2);
  done(loop);
}

/* ---- wait ---- */

typedef struct {
  yl_future_t **fs;
  size_t n;
  double timeout;
  yl_wait_when_t when;
} wait_arg;

static yl_value_t waiter(yl_gen_t *g, void *arg) {
  wait_arg *a = arg;
  yl_future_t *d[3], *p[3];
  size_t nd, np;
  yl_value_t err;
  if (yl_wait(g, a->fs, a->n, a->timeout, a->when, d, &nd, p, &np, &err) < 0) {
    trace("%s", vtext(err));
    return yl_raise(err);
  }
  char line[128] = "";
  for (size_t i = 0; i < nd; i++)
    for (size_t k = 0; k < a->n; k++)
      if (d[i] == a->fs[k]) snprintf(line + strlen(line), sizeof line - strlen(line), "%zu", k);
  strcat(line, " pending ");
  for (size_t i = 0; i < np; i++)
    for (size_t k = 0; k < a->n; k++)
      if (p[i] == a->fs[k]) snprintf(line + strlen(line), sizeof line - strlen(line), "%zu", k);
  trace("done %s @%g", line, now());
  return yl_none();
}

/* Runs wait() over a, b (fails), c with `when` and `timeout`, then the loop to t=5. */
static void wait_case(yl_wait_when_t when, double timeout) {
  yl_loop_t *loop = vloop();
  yl_future_t *ts[3];
  spawn3(loop, abc_b_fails, ts);
  wait_arg a = {ts, 3, timeout, when};
  yl_future_t *w = spawn(loop, "waiter", waiter, &a);
  CHECK_INT(yl_loop_run_until_complete(loop, w, NULL, NULL), YL_OK);
  CHECK_INT(yl_loop_run_until_complete(loop, ts[0], NULL, NULL), YL_OK);
  yl_value_t e;
  yl_future_exception(ts[1], &e);
  yl_value_drop(e);
  yl_future_release(w);
  release_all(ts, 3);
  done(loop);
}

TEST(wait_all_first_completed_first_exception_and_timeout) {
  wait_case(YL_ALL_COMPLETED, INFINITY);
  CHECK_TRACE("b done @1", "c done @2", "a done @3", "done 012 pending  @3");
  trace_reset();
  wait_case(YL_ALL_COMPLETED, 1.5);
  CHECK_TRACE("b done @1", "done 1 pending 02 @1.5", "c done @2", "a done @3");
  trace_reset();
  wait_case(YL_FIRST_COMPLETED, INFINITY);
  CHECK_TRACE("b done @1", "done 1 pending 02 @1", "c done @2", "a done @3");
  trace_reset();
  wait_case(YL_FIRST_COMPLETED, 0.5);
  CHECK_TRACE("done  pending 012 @0.5", "b done @1", "c done @2", "a done @3");
  trace_reset();
  wait_case(YL_FIRST_EXCEPTION, 1.5);
  CHECK_TRACE("b done @1", "done 1 pending 02 @1", "c done @2", "a done @3");
}

/* FIRST_EXCEPTION without any exception waits for all. */
TEST(wait_first_exception_without_one_waits_for_all) {
  yl_loop_t *loop = vloop();
  yl_future_t *ts[3];
  spawn3(loop, abc, ts);
  wait_arg a = {ts, 3, INFINITY, YL_FIRST_EXCEPTION};
  yl_future_t *w = spawn(loop, "waiter", waiter, &a);
  CHECK_INT(yl_loop_run_until_complete(loop, w, NULL, NULL), YL_OK);
  CHECK_TRACE("b done @1", "c done @2", "a done @3", "done 012 pending  @3");
  yl_future_release(w);
  release_all(ts, 3);
  done(loop);
}

TEST(wait_argument_errors) {
  yl_loop_t *loop = vloop();
  yl_future_t *f = yl_future_new(loop);
  wait_arg a = {&f, 0, INFINITY, YL_ALL_COMPLETED};
  yl_future_t *w = spawn(loop, "waiter", waiter, &a);
  CHECK_INT(yl_loop_run_until_complete(loop, w, NULL, NULL), YL_EEXC);
  yl_future_release(w);
  a = (wait_arg){&f, 1, INFINITY, (yl_wait_when_t)7};
  w = spawn(loop, "waiter", waiter, &a);
  CHECK_INT(yl_loop_run_until_complete(loop, w, NULL, NULL), YL_EEXC);
  yl_future_release(w);
  CHECK_TRACE("ValueError('Set of Tasks/Futures is empty.')", "ValueError('Invalid return_when value: 7')");
  yl_future_release(f);
  done(loop);
}

/* ---- wait_for ---- */

typedef struct {
  sl_arg inner;
  double timeout;
} wf_arg;

static yl_value_t wf(yl_gen_t *g, void *arg) {
  wf_arg *a = arg;
  yl_task_t *t;
  yl_task_new(yl_loop_get_running(), yl_gen_new("sl", sl, &a->inner), &t);
  yl_future_t *f = yl_task_future(t);
  yl_value_t r;
  int rc = yl_wait_for(g, f, a->timeout, &r);
  yl_future_release(f);
  if (rc == YL_OK) {
    trace("wf -> %s @%g", vtext(r), now());
    return r;
  }
  const yl_exc_t *cause = r.type == YL_EXC ? yl_exc_cause(r.as.exc) : NULL;
  trace("wf raised %s from %s @%g", vtext(r), cause ? vtext(yl_exc_value((yl_exc_t *)cause)) : "None", now());
  return yl_raise(r);
}

static void wf_case(const char *name, double delay, double timeout, bool catch_cancel, int want_rc) {
  yl_loop_t *loop = vloop();
  wf_arg a = {{name, delay, false, catch_cancel}, timeout};
  yl_future_t *w = spawn(loop, "wf", wf, &a);
  CHECK_INT(yl_loop_run_until_complete(loop, w, NULL, NULL), want_rc);
  yl_future_release(w);
  done(loop);
}

TEST(wait_for_result_timeout_and_zero_timeout) {
  wf_case("in", 1, 2, false, YL_OK);
  CHECK_TRACE("in done @1", "wf -> 'in' @1");
  trace_reset();
  wf_case("in", 3, 2, false, YL_EEXC); /* the inner task is cancelled, then TimeoutError */
  CHECK_TRACE("in cancelled CancelledError() @2", "wf raised TimeoutError() from CancelledError() @2");
  trace_reset();
  wf_case("in", 3, 0, false, YL_EEXC); /* cancelled before its first step: its body never runs */
  CHECK_TRACE("wf raised TimeoutError() from CancelledError() @0");
  trace_reset();
  wf_case("in", 3, 2, true, YL_OK); /* the inner task catches it and returns: its result */
  CHECK_TRACE("in cancelled CancelledError() @2", "wf -> 'caught' @2");
  trace_reset();
  wf_case("in", 3, INFINITY, false, YL_OK);
  CHECK_TRACE("in done @3", "wf -> 'in' @3");
}

TEST(wait_for_cancelled_cancels_the_inner_task) {
  yl_loop_t *loop = vloop();
  wf_arg a = {{"in", 3, false, false}, 2};
  yl_future_t *w = spawn(loop, "wf", wf, &a);
  cancel_arg c = {w, NULL};
  yl_loop_call_later(loop, 1, cancel_cb, &c, NULL);
  yl_value_t err;
  CHECK_INT(yl_loop_run_until_complete(loop, w, NULL, &err), YL_EEXC);
  trace("ruc %s @%g", vtext(err), yl_loop_time(loop));
  yl_value_drop(err);
  CHECK_TRACE("cancel True False", "in cancelled CancelledError() @1", "wf raised CancelledError() from None @1",
              "ruc CancelledError() @1");
  CHECK_INT(yl_loop_timer_count(loop), 0);
  yl_future_release(w);
  done(loop);
}

/* ---- shield ---- */

static yl_value_t shield_waiter(yl_gen_t *g, void *arg) {
  yl_future_t *s = yl_shield(arg);
  yl_value_t r;
  int rc = yl_await(g, s, &r);
  yl_future_release(s);
  if (rc < 0) {
    trace("waiter raised %s @%g", vtext(r), now());
    return yl_raise(r);
  }
  trace("waiter got %s", vtext(r));
  return r;
}

static yl_value_t shielded(yl_gen_t *g, void *arg) {
  sl_arg *in = arg;
  yl_loop_t *loop = yl_loop_get_running();
  yl_future_t *inner = spawn(loop, "sl", sl, in);
  yl_future_t *w = spawn(loop, "shield_waiter", shield_waiter, inner);
  cancel_arg c = {w, NULL};
  yl_loop_call_later(loop, 1, cancel_cb, &c, NULL);
  yl_value_t r;
  if (yl_sleep(g, 3, yl_none(), &r) < 0) return yl_raise(r);
  if (yl_future_result(inner, &r) == YL_OK) trace("%s %s @%g", vtext(r), yl_future_cancelled(w) ? "True" : "False", now());
  yl_value_drop(r);
  yl_future_release(inner);
  yl_future_release(w);
  return yl_none();
}

TEST(shield_keeps_the_inner_task_from_cancellation) {
  yl_loop_t *loop = vloop();
  sl_arg in = {"in", 2, false, false};
  yl_future_t *t = spawn(loop, "shielded", shielded, &in);
  CHECK_INT(yl_loop_run_until_complete(loop, t, NULL, NULL), YL_OK);
  CHECK_TRACE("cancel True False", "waiter raised CancelledError() @1", "in done @2", "'in' True @3");
  yl_future_release(t);
  done(loop);
}

TEST(shield_follows_the_inner_outcome) {
  yl_loop_t *loop = vloop();
  sl_arg in = {"in", 2, true, false};
  yl_future_t *inner = spawn(loop, "sl", sl, &in);
  yl_future_t *w = spawn(loop, "shield_waiter", shield_waiter, inner);
  CHECK_INT(yl_loop_run_until_complete(loop, w, NULL, NULL), YL_EEXC);
  CHECK_TRACE("in done @2", "waiter raised ValueError('in') @2");
  yl_future_t *s = yl_shield(inner); /* done: the future itself */
  CHECK(s == inner);
  yl_future_release(s);
  sl_arg ok = {"ok", 1, false, false};
  yl_future_t *inner2 = spawn(loop, "sl", sl, &ok);
  yl_future_t *w2 = spawn(loop, "shield_waiter", shield_waiter, inner2);
  yl_value_t r;
  CHECK_INT(yl_loop_run_until_complete(loop, w2, &r, NULL), YL_OK);
  CHECK_REPR(r, "'ok'");
  yl_value_drop(r);
  release_all((yl_future_t *[]){inner, w, inner2, w2}, 4);
  done(loop);
}

/* ---- The document's example 07 ---- */

typedef struct {
  const char *name;
  int number;
} fact_arg;

/* @asyncio.coroutine def factorial(name, number), printing with the logical time. */
static yl_value_t factorial(yl_gen_t *g, void *arg) {
  fact_arg *a = arg;
  long f = 1;
  for (int i = 2; i <= a->number; i++) {
    trace("%g Task %s: Compute factorial(%d)...", now(), a->name, i);
    yl_value_t r;
    if (yl_sleep(g, 1, yl_none(), &r) < 0) return yl_raise(r); /* yield from asyncio.sleep(1) */
    f *= i;
  }
  trace("%g Task %s: factorial(%d) = %ld", now(), a->name, a->number, f);
  return yl_none();
}

/* wait(tasks) as a coroutine, wrapped in a task by run_until_complete. */
static yl_value_t wait_all(yl_gen_t *g, void *arg) {
  yl_future_t **ts = arg;
  size_t nd = 0, np = 0;
  yl_value_t err;
  if (yl_wait(g, ts, 3, INFINITY, YL_ALL_COMPLETED, NULL, &nd, NULL, &np, &err) < 0) return yl_raise(err);
  CHECK_INT(nd, 3);
  CHECK_INT(np, 0);
  return yl_none();
}

TEST(example_07_factorial_tasks) {
  yl_loop_t *loop = vloop();
  fact_arg args[] = {{"A", 2}, {"B", 3}, {"C", 4}};
  yl_future_t *tasks[3];
  for (int i = 0; i < 3; i++) tasks[i] = spawn(loop, "factorial", factorial, &args[i]);
  yl_future_t *main_task = spawn(loop, "wait", wait_all, tasks);
  CHECK_INT(yl_loop_run_until_complete(loop, main_task, NULL, NULL), YL_OK);
  CHECK_TRACE("0 Task A: Compute factorial(2)...", "0 Task B: Compute factorial(2)...",
              "0 Task C: Compute factorial(2)...", "1 Task A: factorial(2) = 2", "1 Task B: Compute factorial(3)...",
              "1 Task C: Compute factorial(3)...", "2 Task B: factorial(3) = 6", "2 Task C: Compute factorial(4)...",
              "3 Task C: factorial(4) = 24");
  CHECK(yl_loop_time(loop) == 3);
  yl_future_release(main_task);
  /* The same with gather. */
  trace_reset();
  for (int i = 0; i < 3; i++) {
    yl_future_release(tasks[i]);
    tasks[i] = spawn(loop, "factorial", factorial, &args[i]);
  }
  yl_future_t *g = yl_gather(loop, tasks, 3, false);
  CHECK_INT(yl_loop_run_until_complete(loop, g, NULL, NULL), YL_OK);
  CHECK_TRACE("3 Task A: Compute factorial(2)...", "3 Task B: Compute factorial(2)...",
              "3 Task C: Compute factorial(2)...", "4 Task A: factorial(2) = 2", "4 Task B: Compute factorial(3)...",
              "4 Task C: Compute factorial(3)...", "5 Task B: factorial(3) = 6", "5 Task C: Compute factorial(4)...",
              "6 Task C: factorial(4) = 24");
  yl_future_release(g);
  release_all(tasks, 3);
  CHECK_INT(yl_loop_close(loop, NULL), YL_OK);
  done(loop);
}

/* ---- A loop closed under them ---- */

static yl_value_t await_it(yl_gen_t *g, void *arg) {
  yl_value_t r;
  if (yl_await(g, arg, &r) < 0) return yl_raise(r);
  return r;
}

/* gather and shield hold their children and are held by the children's callbacks:
 * closing the loop abandons the pending tasks, whose callbacks go, so everything is
 * freed once released (valgrind and LeakSanitizer check it). */
TEST(gather_and_shield_are_freed_after_the_loop_closes) {
  yl_loop_t *loop = vloop();
  yl_loop_set_exception_handler(loop, record, NULL);
  sl_arg forever[] = {{"x", 100, false, false}, {"y", 200, false, false}};
  yl_future_t *ts[2] = {spawn(loop, "sl", sl, &forever[0]), spawn(loop, "sl", sl, &forever[1])};
  yl_future_t *g = yl_gather(loop, ts, 2, false);
  yl_future_t *s = yl_shield(ts[0]);
  yl_future_t *w = spawn(loop, "await_it", await_it, g);
  CHECK_INT(yl_loop_run_once(loop, NULL), YL_OK);
  CHECK_INT(yl_loop_close(loop, NULL), YL_OK);
  CHECK_TRACE("x cancelled GeneratorExit() @-1", "y cancelled GeneratorExit() @-1");
  trace_reset();
  CHECK(!yl_future_done(g) && !yl_future_done(s));
  release_all((yl_future_t *[]){w, s, g, ts[0], ts[1]}, 5);
  CHECK_TRACE("reported: Task was destroyed but it is pending!", "reported: Task was destroyed but it is pending!",
              "reported: Task was destroyed but it is pending!");
  done(loop);
}
