/* The event loop (yl_loop.h): CPython's test_asyncio base_events/events behaviours
 * for call_soon, call_later/call_at, cancel, stop, run_once, close and the exception
 * handler, traced as test_pep380.py traces generators; exact logical times under the
 * virtual clock. Time, descriptors and the soak are in test_loop_time.c. */
#include <math.h>
#include <stdio.h>

#include "test.h"

/* ---- Helpers ---- */

static yl_loop_t *vloop(double start) {
  yl_loop_t *loop = yl_loop_new(&(yl_loop_options_t){.clock = YL_CLOCK_VIRTUAL, .start = start});
  CHECK(loop != NULL);
  return loop;
}

/* Traces its argument, a string. */
static yl_value_t tr(yl_loop_t *loop, void *arg) {
  (void)loop;
  trace("%s", (const char *)arg);
  return yl_none();
}

/* Traces its argument with the loop time: "a@1.5". */
static yl_value_t trt(yl_loop_t *loop, void *arg) {
  trace("%s@%g", (const char *)arg, yl_loop_time(loop));
  return yl_none();
}

/* Traces "stop" and stops the loop. */
/* Frees a loop that must be closable, and checks it was. */
static void done(yl_loop_t *loop) { CHECK_INT(yl_loop_free(loop), YL_OK); }

/* ---- call_soon ---- */

TEST(loop_call_soon_is_fifo) {
  yl_loop_t *loop = vloop(0);
  CHECK_INT(yl_loop_call_soon(loop, tr, "a", NULL), YL_OK);
  CHECK_INT(yl_loop_call_soon(loop, tr, "b", NULL), YL_OK);
  CHECK_INT(yl_loop_call_soon(loop, tr, "c", NULL), YL_OK);
  CHECK_INT(yl_loop_ready_count(loop), 3);
  CHECK_TRACE(""); /* scheduling runs nothing */
  yl_value_t err;
  CHECK_INT(yl_loop_run_once(loop, &err), YL_OK);
  CHECK(yl_is_none(err));
  CHECK_TRACE("a", "b", "c");
  CHECK_INT(yl_loop_ready_count(loop), 0);
  CHECK(yl_loop_time(loop) == 0); /* nothing waited */
  done(loop);
}

static yl_value_t schedule_c(yl_loop_t *loop, void *arg) {
  (void)arg;
  trace("1");
  CHECK_INT(yl_loop_call_soon(loop, tr, "3", NULL), YL_OK);
  return yl_none();
}

/* _run_once runs the handles ready when it starts; what they schedule runs next. */
TEST(loop_run_once_runs_only_the_ready_snapshot) {
  yl_loop_t *loop = vloop(0);
  yl_loop_call_soon(loop, schedule_c, NULL, NULL);
  yl_loop_call_soon(loop, tr, "2", NULL);
  CHECK_INT(yl_loop_run_once(loop, NULL), YL_OK);
  CHECK_TRACE("1", "2");
  CHECK_INT(yl_loop_ready_count(loop), 1);
  CHECK_INT(yl_loop_run_once(loop, NULL), YL_OK);
  CHECK_TRACE("1", "2", "3");
  done(loop);
}

static yl_value_t rearm(yl_loop_t *loop, void *arg) {
  int *n = arg;
  trace("r%d", *n);
  if (++*n < 3) CHECK_INT(yl_loop_call_later(loop, 0, rearm, n, NULL), YL_OK);
  return yl_none();
}

/* A timer re-arming itself at zero delay runs once per iteration (libuv's concern). */
TEST(loop_zero_delay_rearm_runs_once_per_iteration) {
  yl_loop_t *loop = vloop(0);
  int n = 0;
  yl_loop_call_later(loop, 0, rearm, &n, NULL);
  yl_loop_call_soon(loop, tr, "s", NULL);
  CHECK_INT(yl_loop_run_once(loop, NULL), YL_OK);
  CHECK_TRACE("s", "r0"); /* ready handles first, then the due timer */
  CHECK_INT(yl_loop_run_once(loop, NULL), YL_OK);
  CHECK_TRACE("s", "r0", "r1");
  CHECK_INT(yl_loop_run_once(loop, NULL), YL_OK);
  CHECK_TRACE("s", "r0", "r1", "r2");
  CHECK_INT(yl_loop_timer_count(loop), 0);
  done(loop);
}

/* ---- call_later, call_at ---- */

TEST(loop_call_later_runs_by_deadline_at_exact_virtual_times) {
  yl_loop_t *loop = vloop(0);
  yl_loop_call_later(loop, 0.3, trt, "c", NULL);
  yl_loop_call_later(loop, 0.1, trt, "a", NULL);
  yl_loop_call_later(loop, 0.2, trt, "b", NULL);
  yl_loop_call_later(loop, 0.4, yl_test_stop_traced, NULL, NULL);
  CHECK_INT(yl_loop_timer_count(loop), 4);
  CHECK_INT(yl_loop_run_forever(loop, NULL), YL_OK);
  CHECK_TRACE("a@0.1", "b@0.2", "c@0.3", "stop");
  CHECK(yl_loop_time(loop) == 0.4);
  CHECK_INT(yl_loop_timer_count(loop), 0);
  done(loop);
}

/* CPython leaves the order of equal deadlines undefined; yieldloop runs them in the
 * order they were scheduled, whatever the heap's shape. */
TEST(loop_equal_deadlines_run_in_scheduling_order) {
  static char names[60][8];
  yl_loop_t *loop = vloop(0);
  for (int i = 0; i < 60; i++) {
    snprintf(names[i], sizeof names[i], "%d", i);
    /* deadlines 3, 1, 2, 3, 1, 2...: three groups, interleaved */
    CHECK_INT(yl_loop_call_at(loop, 1 + (i + 2) % 3, tr, names[i], NULL), YL_OK);
  }
  yl_loop_call_at(loop, 3, yl_test_stop_traced, NULL, NULL);
  CHECK_INT(yl_loop_run_forever(loop, NULL), YL_OK);
  char want[512] = "";
  for (int g = 1; g <= 3; g++)
    for (int i = 0; i < 60; i++)
      if (1 + (i + 2) % 3 == g) snprintf(want + strlen(want), sizeof want - strlen(want), "%s|", names[i]);
  strcat(want, "stop");
  CHECK_STR(trace_get(), want);
  done(loop);
}

static yl_value_t nested(yl_loop_t *loop, void *arg) {
  (void)arg;
  trace("n@%g", yl_loop_time(loop));
  yl_loop_call_later(loop, 0.25, trt, "n+0.25", NULL);
  yl_loop_call_at(loop, 2, trt, "at2", NULL); /* in the past: runs next iteration */
  yl_loop_call_soon(loop, trt, "soon", NULL);
  return yl_none();
}

TEST(loop_call_at_uses_loop_time) {
  yl_loop_t *loop = vloop(100);
  CHECK(yl_loop_time(loop) == 100);
  yl_handle_t *h = NULL, *g = NULL;
  CHECK_INT(yl_loop_call_at(loop, 102.5, nested, NULL, &h), YL_OK);
  CHECK_INT(yl_loop_call_later(loop, 2.5, trt, "later", &g), YL_OK);
  CHECK(yl_timer_when(h) == 102.5);
  CHECK(yl_timer_when(g) == 102.5); /* same deadline, scheduled second */
  yl_loop_call_at(loop, 103, yl_test_stop_traced, NULL, NULL);
  CHECK_INT(yl_loop_run_forever(loop, NULL), YL_OK);
  CHECK_TRACE("n@102.5", "later@102.5", "soon@102.5", "at2@102.5", "n+0.25@102.75", "stop");
  yl_handle_release(h);
  yl_handle_release(g);
  done(loop);
}

/* Virtual time gives the same floating-point sums CPython's loop would. */
static yl_value_t tick(yl_loop_t *loop, void *arg) {
  int *n = arg;
  trace("%.17g", yl_loop_time(loop));
  if (++*n < 4) yl_loop_call_later(loop, 0.1, tick, n, NULL);
  return yl_none();
}

TEST(loop_virtual_time_exact_timestamps) {
  yl_loop_t *loop = vloop(0);
  int n = 0;
  yl_loop_call_later(loop, 0.1, tick, &n, NULL);
  yl_loop_call_later(loop, 3600, yl_test_stop_traced, NULL, NULL); /* an hour, instantly */
  CHECK_INT(yl_loop_run_forever(loop, NULL), YL_OK);
  CHECK_TRACE("0.10000000000000001", "0.20000000000000001", "0.30000000000000004", "0.40000000000000002",
              "stop");
  CHECK(yl_loop_time(loop) == 3600);
  done(loop);
}

TEST(loop_bad_arguments) {
  yl_loop_t *loop = vloop(0);
  yl_handle_t *h = (yl_handle_t *)&h;
  CHECK_INT(yl_loop_call_at(loop, NAN, tr, "x", &h), YL_EINVAL);
  CHECK(h == NULL);
  CHECK_INT(yl_loop_call_soon(loop, NULL, NULL, NULL), YL_EINVAL);
  CHECK_INT(yl_loop_call_later(loop, 1, NULL, NULL, NULL), YL_EINVAL);
  CHECK_INT(yl_loop_add_reader(loop, -1, tr, NULL), YL_EINVAL);
  CHECK_INT(yl_loop_timer_count(loop) + yl_loop_ready_count(loop), 0);
  done(loop);
  CHECK(yl_loop_new(&(yl_loop_options_t){.clock = YL_CLOCK_CUSTOM}) == NULL);
  CHECK(yl_loop_new(&(yl_loop_options_t){.clock = (yl_clock_kind_t)42}) == NULL);
  CHECK(yl_loop_new(&(yl_loop_options_t){.clock = YL_CLOCK_VIRTUAL, .start = NAN}) == NULL);
  CHECK_INT(yl_loop_free(NULL), YL_OK);
}

/* ---- cancel ---- */

TEST(loop_cancelled_handles_never_run) {
  yl_loop_t *loop = vloop(0);
  yl_handle_t *a, *b, *t;
  yl_loop_call_soon(loop, tr, "a", &a);
  yl_loop_call_soon(loop, tr, "b", &b);
  yl_loop_call_later(loop, 10, trt, "t", &t);
  yl_loop_call_later(loop, 1, yl_test_stop_traced, NULL, NULL);
  CHECK(!yl_handle_cancelled(a));
  yl_handle_cancel(a);
  CHECK(yl_handle_cancelled(a));
  CHECK_INT(yl_loop_ready_count(loop), 1); /* out of the queue at once */
  yl_handle_cancel(t);
  yl_handle_cancel(t); /* idempotent */
  CHECK_INT(yl_loop_timer_count(loop), 1); /* and out of the heap at once */
  CHECK_INT(yl_loop_run_forever(loop, NULL), YL_OK);
  CHECK_TRACE("b", "stop");
  CHECK(yl_loop_time(loop) == 1); /* the cancelled timer was not waited for */
  CHECK(!yl_handle_cancelled(b));
  yl_handle_cancel(b); /* after it ran: marked, as Handle.cancel() does */
  CHECK(yl_handle_cancelled(b));
  yl_handle_release(a);
  yl_handle_release(b);
  yl_handle_release(t);
  done(loop);
}

typedef struct cancel_ctx {
  yl_handle_t *victim;
  yl_handle_t *self;
} cancel_ctx;

static yl_value_t cancel_other(yl_loop_t *loop, void *arg) {
  (void)loop;
  cancel_ctx *c = arg;
  trace("killer");
  yl_handle_cancel(c->victim);
  yl_handle_cancel(c->self); /* from inside its own callback: only marked */
  CHECK(yl_handle_cancelled(c->self));
  return yl_none();
}

/* A handle cancelled by an earlier callback of the same batch does not run. */
TEST(loop_cancel_within_a_batch) {
  yl_loop_t *loop = vloop(0);
  cancel_ctx c;
  yl_loop_call_later(loop, 1, cancel_other, &c, &c.self);
  yl_loop_call_later(loop, 1, trt, "victim", &c.victim); /* due in the same iteration */
  yl_loop_call_later(loop, 1, trt, "after", NULL);
  CHECK_INT(yl_loop_run_once(loop, NULL), YL_OK);
  CHECK_TRACE("killer", "after@1");
  CHECK(yl_handle_cancelled(c.victim));
  CHECK_INT(yl_loop_ready_count(loop) + yl_loop_timer_count(loop), 0);
  yl_handle_release(c.self);
  yl_handle_release(c.victim);
  done(loop);
}

TEST(loop_handle_repr_and_when) {
  yl_loop_t *loop = vloop(1);
  yl_handle_t *s, *t;
  char buf[128];
  yl_loop_call_soon(loop, tr, "x", &s);
  yl_loop_call_later(loop, 0.5, tr, "y", &t);
  CHECK(isnan(yl_timer_when(s)));
  CHECK(yl_timer_when(t) == 1.5);
  yl_handle_set_name(s, "cb");
  yl_handle_set_name(t, "tick");
  yl_handle_repr(s, buf, sizeof buf);
  CHECK_STR(buf, "<Handle cb>");
  yl_handle_repr(t, buf, sizeof buf);
  CHECK_STR(buf, "<TimerHandle when=1.5 tick>");
  yl_handle_cancel(t);
  yl_handle_repr(t, buf, sizeof buf);
  CHECK_STR(buf, "<TimerHandle cancelled when=1.5 tick>");
  yl_handle_set_name(s, NULL);
  CHECK_INT(yl_handle_repr(s, buf, 8) > 8, 1); /* the full length, truncated output */
  CHECK_INT(strlen(buf), 7);
  CHECK(strncmp(buf, "<Handle", 7) == 0);
  yl_handle_release(s);
  yl_handle_release(t);
  done(loop);
}

/* A handle the caller holds outlives its loop. */
TEST(loop_handle_outlives_its_loop) {
  yl_loop_t *loop = vloop(0);
  yl_handle_t *s, *t;
  yl_loop_call_soon(loop, tr, "s", &s);
  yl_loop_call_later(loop, 1, tr, "t", &t);
  yl_handle_ref(t);
  done(loop);
  CHECK_TRACE(""); /* closing runs nothing */
  CHECK(!yl_handle_cancelled(s)); /* and cancels nothing (CPython clears the queues) */
  yl_handle_cancel(s);
  CHECK(yl_handle_cancelled(s));
  CHECK(yl_timer_when(t) == 1);
  yl_handle_release(s);
  yl_handle_release(t);
  yl_handle_release(t);
}

/* ---- stop ---- */

static yl_value_t stop_and_schedule(yl_loop_t *loop, void *arg) {
  (void)arg;
  trace("stop");
  yl_loop_stop(loop);
  yl_loop_call_soon(loop, yl_test_stop_traced, NULL, NULL); /* queued after stop: next run */
  return yl_none();
}

/* stop() lets the current batch finish; what it scheduled waits for the next run. */
TEST(loop_stop_lets_the_batch_finish) {
  yl_loop_t *loop = vloop(0);
  yl_loop_call_soon(loop, tr, "a", NULL);
  yl_loop_call_soon(loop, stop_and_schedule, NULL, NULL);
  yl_loop_call_soon(loop, tr, "b", NULL);
  CHECK_INT(yl_loop_run_forever(loop, NULL), YL_OK);
  CHECK_TRACE("a", "stop", "b");
  CHECK(!yl_loop_is_running(loop));
  CHECK_INT(yl_loop_ready_count(loop), 1);
  CHECK_INT(yl_loop_run_forever(loop, NULL), YL_OK); /* the stop was consumed */
  CHECK_TRACE("a", "stop", "b", "stop");
  done(loop);
}

/* The old idiom: stop() then run_forever() runs one iteration, without waiting. */
TEST(loop_stop_before_run_forever_runs_one_iteration) {
  yl_loop_t *loop = vloop(0);
  yl_loop_call_later(loop, 5, trt, "later", NULL);
  yl_loop_call_soon(loop, schedule_c, NULL, NULL);
  yl_loop_stop(loop);
  CHECK(yl_loop_timeout(loop) == 0);
  CHECK_INT(yl_loop_run_forever(loop, NULL), YL_OK);
  CHECK_TRACE("1");
  CHECK(yl_loop_time(loop) == 0); /* the timer was not waited for */
  CHECK_INT(yl_loop_run_once(loop, NULL), YL_OK); /* "3" is ready: still no wait */
  CHECK_TRACE("1", "3");
  CHECK_INT(yl_loop_run_once(loop, NULL), YL_OK); /* now it waits for the timer */
  CHECK_TRACE("1", "3", "later@5");
  done(loop);
}

TEST(loop_timeout_is_the_wait_of_the_next_iteration) {
  yl_loop_t *loop = vloop(10);
  CHECK(isinf(yl_loop_timeout(loop)));
  yl_handle_t *h;
  yl_loop_call_at(loop, 12.5, tr, "t", &h);
  CHECK(yl_loop_timeout(loop) == 2.5);
  yl_loop_call_at(loop, 4, tr, "past", NULL);
  CHECK(yl_loop_timeout(loop) == 0);
  CHECK_INT(yl_loop_run_once(loop, NULL), YL_OK);
  CHECK_TRACE("past");
  CHECK(yl_loop_timeout(loop) == 2.5);
  yl_handle_cancel(h);
  CHECK(isinf(yl_loop_timeout(loop)));
  yl_handle_release(h);
  done(loop);
}

/* ---- Running, closing, closed ---- */

static yl_value_t reenter(yl_loop_t *loop, void *arg) {
  yl_loop_t *other = arg;
  yl_value_t err;
  CHECK(yl_loop_is_running(loop));
  CHECK(yl_loop_get_running() == loop);
  CHECK_INT(yl_loop_run_forever(loop, &err), YL_EBUSY);
  CHECK_EXC(err, "RuntimeError: This event loop is already running");
  yl_value_drop(err);
  CHECK_INT(yl_loop_run_once(loop, &err), YL_EBUSY);
  CHECK_EXC(err, "RuntimeError: This event loop is already running");
  yl_value_drop(err);
  CHECK_INT(yl_loop_run_once(other, &err), YL_EBUSY);
  CHECK_EXC(err, "RuntimeError: Cannot run the event loop while another loop is running");
  yl_value_drop(err);
  CHECK_INT(yl_loop_close(loop, &err), YL_EBUSY);
  CHECK_EXC(err, "RuntimeError: Cannot close a running event loop");
  yl_value_drop(err);
  CHECK_INT(yl_loop_free(loop), YL_EBUSY);
  CHECK(!yl_loop_is_closed(loop));
  trace("checked");
  return yl_none();
}

TEST(loop_run_and_close_while_running_are_errors) {
  yl_loop_t *loop = vloop(0), *other = vloop(0);
  CHECK(!yl_loop_is_running(loop));
  CHECK(yl_loop_get_running() == NULL);
  yl_loop_call_soon(loop, reenter, other, NULL);
  yl_loop_call_soon(loop, yl_test_stop_traced, NULL, NULL);
  CHECK_INT(yl_loop_run_forever(loop, NULL), YL_OK);
  CHECK_TRACE("checked", "stop"); /* the loop went on */
  CHECK(!yl_loop_is_running(loop));
  CHECK(yl_loop_get_running() == NULL);
  done(loop);
  done(other);
}

TEST(loop_closed_loop_refuses_everything) {
  yl_loop_t *loop = vloop(0);
  yl_handle_t *h;
  yl_loop_call_soon(loop, tr, "never", &h);
  yl_loop_call_later(loop, 1, tr, "never", NULL);
  yl_value_t err;
  CHECK_INT(yl_loop_close(loop, &err), YL_OK);
  CHECK(yl_is_none(err));
  CHECK(yl_loop_is_closed(loop));
  CHECK_INT(yl_loop_ready_count(loop) + yl_loop_timer_count(loop), 0);
  CHECK_INT(yl_loop_close(loop, NULL), YL_OK); /* twice: a no-op */
  yl_handle_t *out = (yl_handle_t *)&out;
  CHECK_INT(yl_loop_call_soon(loop, tr, "x", &out), YL_ECLOSED);
  CHECK(out == NULL);
  CHECK_INT(yl_loop_call_later(loop, 1, tr, "x", NULL), YL_ECLOSED);
  CHECK_INT(yl_loop_call_at(loop, 1, tr, "x", NULL), YL_ECLOSED);
  CHECK_INT(yl_loop_add_reader(loop, 0, tr, "x"), YL_ECLOSED);
  CHECK_INT(yl_loop_remove_reader(loop, 0), 0);
  CHECK_INT(yl_loop_run_forever(loop, &err), YL_ECLOSED);
  CHECK_EXC(err, "RuntimeError: Event loop is closed");
  yl_value_drop(err);
  CHECK_INT(yl_loop_run_once(loop, &err), YL_ECLOSED);
  CHECK_EXC(err, "RuntimeError: Event loop is closed");
  yl_value_drop(err);
  CHECK_STR(yl_err_name(YL_ECLOSED), "YL_ECLOSED");
  CHECK_TRACE("");
  CHECK(!yl_handle_cancelled(h));
  yl_handle_release(h);
  done(loop);
}

/* ---- Exceptions ---- */

typedef struct seen {
  int calls;
  char text[3][256];
  const yl_handle_t *handle;
} seen;

static void record(yl_loop_t *loop, const yl_loop_context_t *ctx, void *arg) {
  (void)loop;
  seen *s = arg;
  if (s->calls < 3) yl_loop_format_context(ctx, s->text[s->calls], sizeof s->text[0]);
  s->handle = ctx->handle;
  s->calls++;
}

static yl_value_t boom(yl_loop_t *loop, void *arg) {
  (void)loop;
  trace("boom");
  return yl_raise_new(yl_ValueError, "%s", (const char *)arg);
}

static yl_value_t raise_int(yl_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  return yl_raise(yl_int(1)); /* Python's `raise 1` */
}

static yl_value_t returns_a_value(yl_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  trace("value");
  return yl_str_dup("ignored, and freed"); /* returning is not raising */
}

TEST(loop_exception_handler_gets_callback_errors_and_the_loop_goes_on) {
  yl_loop_t *loop = vloop(0);
  seen s = {0};
  yl_loop_set_exception_handler(loop, record, &s);
  yl_handle_t *h;
  yl_loop_call_soon(loop, boom, "bad", &h);
  yl_handle_set_name(h, "boom_cb");
  yl_loop_call_soon(loop, returns_a_value, NULL, NULL);
  yl_loop_call_later(loop, 1, raise_int, NULL, NULL);
  yl_loop_call_later(loop, 2, yl_test_stop_traced, NULL, NULL);
  CHECK_INT(yl_loop_run_forever(loop, NULL), YL_OK);
  CHECK_TRACE("boom", "value", "stop");
  CHECK_INT(s.calls, 2);
  CHECK_STR(s.text[0], "Exception in callback boom_cb\nhandle: <Handle boom_cb>\nValueError: bad");
  CHECK(strncmp(s.text[1], "Exception in callback 0x", 24) == 0);
  CHECK(strstr(s.text[1], "\nhandle: <TimerHandle when=1 0x") != NULL);
  CHECK(strstr(s.text[1], "\nTypeError: exceptions must derive from BaseException") != NULL);
  yl_handle_release(h);

  /* Back to the default (stderr); a context without a message gets CPython's. */
  yl_loop_set_exception_handler(loop, NULL, NULL);
  yl_exc_t *e = yl_exc_new(yl_KeyError, "k");
  char buf[128];
  yl_loop_format_context(&(yl_loop_context_t){.exception = e}, buf, sizeof buf);
  CHECK_STR(buf, "Unhandled exception in event loop\nKeyError: 'k'");
  yl_loop_format_context(&(yl_loop_context_t){.message = "just a message"}, buf, sizeof buf);
  CHECK_STR(buf, "just a message");
  CHECK_INT(yl_loop_format_context(&(yl_loop_context_t){.message = "x", .exception = e}, buf, 2), 15);
  CHECK_STR(buf, "x");
  yl_exc_free(e);
  done(loop);
}

/* ---- The current loop ---- */

static yl_value_t check_running(yl_loop_t *loop, void *arg) {
  yl_loop_t *current = arg;
  CHECK(yl_loop_get_running() == loop);
  CHECK(yl_loop_get_current() == loop); /* the running loop wins */
  CHECK(current != loop);
  trace("ok");
  return yl_none();
}

TEST(loop_running_and_current_loop) {
  yl_loop_t *a = vloop(0), *b = vloop(0);
  CHECK(yl_loop_get_running() == NULL);
  CHECK(yl_loop_get_current() == NULL);
  yl_loop_set_current(a);
  CHECK(yl_loop_get_current() == a);
  CHECK(yl_loop_get_running() == NULL);
  yl_loop_call_soon(b, check_running, a, NULL);
  CHECK_INT(yl_loop_run_once(b, NULL), YL_OK);
  CHECK_TRACE("ok");
  CHECK(yl_loop_get_current() == a);
  done(a); /* freeing the current loop unsets it */
  CHECK(yl_loop_get_current() == NULL);
  done(b);
}
