/* Futures (yl_future.h): CPython's test_asyncio/test_futures.py behaviours — state
 * errors with their exact messages, callbacks scheduled (never inline) in order,
 * remove_done_callback's count, cancel messages, the report of an exception nobody
 * retrieved — plus await driven by hand and run_until_complete. */
#include <stdio.h>

#include "test.h"
#include "yl_future.h"

/* ---- Helpers ---- */

static yl_loop_t *vloop(void) {
  yl_loop_t *loop = yl_loop_new(&(yl_loop_options_t){.clock = YL_CLOCK_VIRTUAL});
  CHECK(loop != NULL);
  return loop;
}

static void done(yl_loop_t *loop) { CHECK_INT(yl_loop_free(loop), YL_OK); }

static const char *frepr(const yl_future_t *f) {
  static char buf[4][256];
  static unsigned next;
  char *b = buf[next++ % 4];
  yl_future_repr(f, b, sizeof buf[0]);
  return b;
}

/* Checks that `rc` is YL_EEXC with an exception formatting as `text`, and drops it. */
#define CHECK_RAISES(rc, v, text)                                                    \
  do {                                                                               \
    CHECK_INT((rc), YL_EEXC);                                                        \
    CHECK_EXC((v), (text));                                                          \
    yl_value_drop(v);                                                                \
  } while (0)

/* A done callback tracing its argument, a string. */
static yl_value_t cb(yl_future_t *f, void *arg) {
  (void)f;
  trace("%s", (const char *)arg);
  return yl_none();
}

static yl_value_t tr_soon(yl_loop_t *loop, void *arg) {
  (void)loop;
  trace("%s", (const char *)arg);
  return yl_none();
}

/* An exception handler tracing "message" or "message: Type: text". */
static void record(yl_loop_t *loop, const yl_loop_context_t *ctx, void *arg) {
  (void)loop;
  (void)arg;
  char exc[128] = "";
  if (ctx->exception) yl_exc_format(ctx->exception, exc, sizeof exc);
  trace("%s%s%s", ctx->message, ctx->exception ? ": " : "", exc);
}

/* ---- States ---- */

TEST(future_pending_state_errors) {
  yl_loop_t *loop = vloop();
  yl_future_t *f = yl_future_new(loop);
  CHECK(yl_future_loop(f) == loop);
  CHECK_INT(yl_future_state(f), YL_FUTURE_PENDING);
  CHECK_STR(yl_future_state_name(yl_future_state(f)), "PENDING");
  CHECK(!yl_future_done(f));
  CHECK(!yl_future_cancelled(f));
  yl_value_t v;
  CHECK_RAISES(yl_future_result(f, &v), v, "InvalidStateError: Result is not set.");
  CHECK_RAISES(yl_future_exception(f, &v), v, "InvalidStateError: Exception is not set.");
  CHECK_STR(frepr(f), "<Future pending>");
  CHECK(yl_future_new(NULL) == NULL);
  yl_future_release(f);
  done(loop);
}

TEST(future_set_result_and_invalid_state) {
  yl_loop_t *loop = vloop();
  yl_future_t *f = yl_future_new(loop);
  yl_value_t v, err;
  CHECK_INT(yl_future_set_result(f, yl_str_dup("ok"), &err), YL_OK);
  CHECK(yl_is_none(err));
  CHECK(yl_future_done(f));
  CHECK_STR(yl_future_state_name(yl_future_state(f)), "FINISHED");
  CHECK_INT(yl_future_result(f, &v), YL_OK);
  CHECK_REPR(v, "'ok'");
  yl_value_drop(v);
  CHECK_INT(yl_future_result(f, &v), YL_OK); /* as often as asked, a copy each time */
  CHECK_REPR(v, "'ok'");
  yl_value_drop(v);
  CHECK_INT(yl_future_exception(f, &v), YL_OK);
  CHECK(yl_is_none(v));
  CHECK_RAISES(yl_future_set_result(f, yl_str_dup("again"), &err), err, "InvalidStateError: invalid state");
  CHECK_RAISES(yl_future_set_exception(f, yl_exc_value(yl_exc_new(yl_ValueError, NULL)), &err), err,
               "InvalidStateError: invalid state");
  CHECK(!yl_future_cancel(f, NULL));
  CHECK(!yl_future_cancelled(f));
  CHECK_STR(frepr(f), "<Future finished result='ok'>");
  yl_future_release(f);
  done(loop);
}

TEST(future_set_exception_and_its_refusals) {
  yl_loop_t *loop = vloop();
  yl_future_t *f = yl_future_new(loop);
  yl_value_t v, err;
  CHECK_RAISES(yl_future_set_exception(f, yl_exc_value(yl_exc_new(yl_StopIteration, NULL)), &err), err,
               "TypeError: StopIteration interacts badly with generators and cannot be raised into a Future");
  CHECK_RAISES(yl_future_set_exception(f, yl_int(1), &err), err, "TypeError: invalid exception object");
  CHECK(!yl_future_done(f));
  CHECK_INT(yl_future_set_exception(f, yl_exc_value(yl_exc_new(yl_ValueError, "x")), &err), YL_OK);
  CHECK(yl_is_none(err));
  CHECK_STR(frepr(f), "<Future finished exception=ValueError('x')>");
  CHECK_INT(yl_future_exception(f, &v), YL_OK);
  CHECK_EXC(v, "ValueError: x");
  yl_value_drop(v);
  CHECK_RAISES(yl_future_result(f, &v), v, "ValueError: x");
  CHECK_RAISES(yl_future_set_result(f, yl_none(), &err), err, "InvalidStateError: invalid state");
  /* A result may be an exception object: it is returned, not raised. */
  yl_future_t *g = yl_future_new(loop);
  CHECK_INT(yl_future_set_result(g, yl_exc_value(yl_exc_new(yl_KeyError, "k")), NULL), YL_OK);
  CHECK_INT(yl_future_result(g, &v), YL_OK);
  CHECK_REPR(v, "KeyError('k')");
  yl_value_drop(v);
  yl_future_release(g);
  yl_future_release(f);
  done(loop);
}

TEST(future_cancel_with_a_message) {
  yl_loop_t *loop = vloop();
  yl_future_t *f = yl_future_new(loop);
  yl_value_t v, err;
  CHECK(yl_future_cancel(f, "hello"));
  CHECK(yl_future_cancelled(f));
  CHECK(yl_future_done(f));
  CHECK_STR(yl_future_state_name(yl_future_state(f)), "CANCELLED");
  CHECK_RAISES(yl_future_result(f, &v), v, "CancelledError: hello");
  CHECK_RAISES(yl_future_result(f, &v), v, "CancelledError: hello"); /* every time */
  CHECK_RAISES(yl_future_exception(f, &v), v, "CancelledError: hello");
  CHECK_RAISES(yl_future_set_result(f, yl_int(2), &err), err, "InvalidStateError: invalid state");
  CHECK(!yl_future_cancel(f, "again"));
  CHECK_STR(frepr(f), "<Future cancelled>");
  yl_future_t *g = yl_future_new(loop);
  CHECK(yl_future_cancel(g, NULL));
  CHECK_RAISES(yl_future_result(g, &v), v, "CancelledError");
  yl_future_release(g);
  yl_future_release(f);
  done(loop);
}

/* ---- Callbacks ---- */

/* test_futures: callbacks run from the loop, never inside set_result, in the order
 * they were added; remove_done_callback removes every copy and counts them. */
TEST(future_callbacks_scheduled_in_order_never_inline) {
  yl_loop_t *loop = vloop();
  yl_future_t *f = yl_future_new(loop);
  CHECK_INT(yl_future_add_done_callback(f, cb, "a"), YL_OK);
  CHECK_INT(yl_future_add_done_callback(f, cb, "b"), YL_OK);
  CHECK_INT(yl_future_add_done_callback(f, cb, "a"), YL_OK);
  CHECK_INT(yl_future_add_done_callback(f, NULL, "x"), YL_EINVAL);
  CHECK_INT(yl_future_remove_done_callback(f, cb, "a"), 2);
  CHECK_INT(yl_future_remove_done_callback(f, cb, "a"), 0);
  CHECK_INT(yl_future_remove_done_callback(f, cb, "zzz"), 0); /* same fn, other arg */
  CHECK_INT(yl_future_add_done_callback(f, cb, "a"), YL_OK);
  yl_future_set_result(f, yl_int(1), NULL);
  CHECK_TRACE(""); /* not inline */
  CHECK_INT(yl_loop_ready_count(loop), 1);
  /* Added once done: scheduled at once, after what is ready. */
  CHECK_INT(yl_future_add_done_callback(f, cb, "late"), YL_OK);
  yl_loop_call_soon(loop, tr_soon, "soon", NULL);
  /* Scheduled callbacks cannot be removed any more. */
  CHECK_INT(yl_future_remove_done_callback(f, cb, "b"), 0);
  yl_future_release(f); /* the scheduled callbacks keep it alive */
  CHECK_INT(yl_loop_run_once(loop, NULL), YL_OK);
  CHECK_TRACE("b", "a", "late", "soon");
  done(loop);
}

static yl_value_t raising_cb(yl_future_t *f, void *arg) {
  (void)f;
  (void)arg;
  trace("raise");
  return yl_raise_new(yl_ValueError, "cb");
}

TEST(future_callback_exception_goes_to_the_handler) {
  yl_loop_t *loop = vloop();
  yl_loop_set_exception_handler(loop, record, NULL);
  yl_future_t *f = yl_future_new(loop);
  yl_future_add_done_callback(f, raising_cb, NULL);
  yl_future_add_done_callback(f, cb, "next");
  yl_future_set_result(f, yl_int(2), NULL);
  CHECK_INT(yl_loop_run_once(loop, NULL), YL_OK);
  /* "Exception in callback 0x...(<Future finished result=2>): ValueError: cb" */
  const char *t = trace_get();
  CHECK(strncmp(t, "raise|Exception in callback 0x", 30) == 0);
  CHECK(strstr(t, "(<Future finished result=2>): ValueError: cb|next") != NULL);
  yl_future_release(f);
  done(loop);
}

TEST(future_repr_lists_callbacks) {
  yl_loop_t *loop = vloop();
  yl_future_t *f = yl_future_new(loop);
  char want[256];
  yl_future_add_done_callback(f, cb, (void *)0x10);
  snprintf(want, sizeof want, "<Future pending cb=[0x%lx(%p)]>", (unsigned long)(uintptr_t)cb, (void *)0x10);
  CHECK_STR(frepr(f), want);
  yl_future_add_done_callback(f, cb, (void *)0x20);
  yl_future_add_done_callback(f, cb, (void *)0x30);
  snprintf(want, sizeof want, "<Future pending cb=[0x%lx(%p), <1 more>, 0x%lx(%p)]>", (unsigned long)(uintptr_t)cb,
           (void *)0x10, (unsigned long)(uintptr_t)cb, (void *)0x30);
  CHECK_STR(frepr(f), want);
  yl_future_release(f);
  done(loop);
}

/* ---- Unretrieved exceptions ---- */

TEST(future_exception_never_retrieved_is_reported) {
  yl_loop_t *loop = vloop();
  yl_loop_set_exception_handler(loop, record, NULL);
  yl_future_t *f = yl_future_new(loop);
  yl_future_set_exception(f, yl_exc_value(yl_exc_new(yl_ValueError, "lost")), NULL);
  yl_future_release(f);
  CHECK_TRACE("Future exception was never retrieved: ValueError: lost");
  trace_reset();
  /* Retrieved by exception(), result() or silenced by cancel(): no report. */
  for (int how = 0; how < 3; how++) {
    f = yl_future_new(loop);
    yl_future_set_exception(f, yl_exc_value(yl_exc_new(yl_ValueError, "seen")), NULL);
    yl_value_t v = yl_none();
    if (how == 0) yl_future_exception(f, &v);
    if (how == 1) yl_future_result(f, &v);
    if (how == 2) CHECK(!yl_future_cancel(f, NULL));
    yl_value_drop(v);
    yl_future_release(f);
  }
  CHECK_TRACE("");
  done(loop);
}

/* A future may outlive its loop: it is then as on a closed loop, and reports go to
 * the default handler (stderr). */
TEST(future_outlives_its_loop) {
  yl_loop_t *loop = vloop();
  yl_future_t *f = yl_future_new(loop);
  yl_future_t *g = yl_future_new(loop);
  yl_future_add_done_callback(f, cb, "never");
  yl_value_t err;
  /* Closed: CPython raises RuntimeError from set_result, the state changed. */
  CHECK_INT(yl_loop_close(loop, NULL), YL_OK);
  CHECK_INT(yl_future_set_result(f, yl_int(1), &err), YL_ECLOSED);
  CHECK_EXC(err, "RuntimeError: Event loop is closed");
  yl_value_drop(err);
  CHECK(yl_future_done(f));
  CHECK_INT(yl_future_add_done_callback(f, cb, "never"), YL_ECLOSED);
  done(loop);
  CHECK(yl_future_loop(f) == NULL);
  CHECK(yl_future_loop(g) == NULL);
  CHECK_INT(yl_future_add_done_callback(g, cb, "never"), YL_OK); /* pending: kept */
  CHECK(yl_future_cancel(g, NULL));                             /* dropped, not run */
  yl_future_release(f);
  yl_future_release(g);
  CHECK_TRACE("");
}

/* ---- await, driven by hand ---- */

static yl_value_t awaiter(yl_gen_t *g, void *arg) {
  yl_value_t r;
  if (yl_await(g, arg, &r) < 0) return yl_raise(r);
  return r;
}

TEST(future_await_yields_the_pending_future_once) {
  yl_loop_t *loop = vloop();
  yl_future_t *f = yl_future_new(loop);
  /* Done already: no yield, the result at once. */
  yl_future_set_result(f, yl_int(5), NULL);
  yl_gen_t *g = yl_gen_new("awaiter", awaiter, f);
  yl_value_t v;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_RETURN);
  CHECK_REPR(v, "5");
  yl_gen_free(g);
  yl_future_release(f);
  /* Pending: it yields the future (a pointer), then reads it when resumed. */
  f = yl_future_new(loop);
  g = yl_gen_new("awaiter", awaiter, f);
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK(v.type == YL_PTR && v.as.p == f);
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_ERROR); /* resumed while still pending */
  CHECK_EXC(v, "RuntimeError: await wasn't used with future");
  yl_value_drop(v);
  yl_gen_free(g);
  g = yl_gen_new("awaiter", awaiter, f);
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  yl_future_set_exception(f, yl_exc_value(yl_exc_new(yl_KeyError, "k")), NULL);
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_ERROR);
  CHECK_EXC(v, "KeyError: 'k'");
  yl_value_drop(v);
  yl_gen_free(g);
  yl_future_release(f);
  done(loop);
}

/* ---- run_until_complete ---- */

static yl_value_t set_later(yl_loop_t *loop, void *arg) {
  (void)loop;
  trace("set");
  yl_future_set_result(arg, yl_str("value"), NULL);
  return yl_none();
}

static yl_value_t fail_later(yl_loop_t *loop, void *arg) {
  (void)loop;
  yl_future_set_exception(arg, yl_exc_value(yl_exc_new(yl_KeyError, "k")), NULL);
  return yl_none();
}

TEST(future_run_until_complete) {
  yl_loop_t *loop = vloop();
  yl_loop_set_exception_handler(loop, record, NULL);
  yl_value_t r, err;
  /* A future done already: one iteration, its result. */
  yl_future_t *f = yl_future_new(loop);
  yl_future_set_result(f, yl_int(3), NULL);
  yl_loop_call_soon(loop, tr_soon, "ran", NULL);
  CHECK_INT(yl_loop_run_until_complete(loop, f, &r, &err), YL_OK);
  CHECK_REPR(r, "3");
  CHECK(yl_is_none(err));
  CHECK_TRACE("ran");
  yl_future_release(f);
  /* Set by a timer at t=2. */
  f = yl_future_new(loop);
  yl_loop_call_later(loop, 2, set_later, f, NULL);
  CHECK_INT(yl_loop_run_until_complete(loop, f, &r, &err), YL_OK);
  CHECK_REPR(r, "'value'");
  yl_value_drop(r);
  CHECK(yl_loop_time(loop) == 2);
  yl_future_release(f);
  /* Failing: its exception, which counts as retrieved (no report at release). */
  f = yl_future_new(loop);
  yl_loop_call_later(loop, 1, fail_later, f, NULL);
  CHECK_INT(yl_loop_run_until_complete(loop, f, &r, &err), YL_EEXC);
  CHECK(yl_is_none(r));
  CHECK_EXC(err, "KeyError: 'k'");
  yl_value_drop(err);
  yl_future_release(f);
  /* Cancelled. */
  f = yl_future_new(loop);
  yl_future_cancel(f, "why");
  CHECK_INT(yl_loop_run_until_complete(loop, f, NULL, &err), YL_EEXC);
  CHECK_EXC(err, "CancelledError: why");
  yl_value_drop(err);
  yl_future_release(f);
  /* Stopped before the future is done; then completed by a second run. */
  f = yl_future_new(loop);
  yl_loop_call_soon(loop, yl_test_stop, NULL, NULL);
  yl_loop_call_later(loop, 5, set_later, f, NULL);
  CHECK_INT(yl_loop_run_until_complete(loop, f, &r, &err), YL_EEXC);
  CHECK_EXC(err, "RuntimeError: Event loop stopped before Future completed.");
  yl_value_drop(err);
  CHECK_STR(frepr(f), "<Future pending>"); /* its stop callback is gone */
  CHECK_INT(yl_loop_run_until_complete(loop, f, &r, NULL), YL_OK);
  CHECK_REPR(r, "'value'");
  yl_value_drop(r);
  CHECK(yl_loop_time(loop) == 8);
  yl_future_release(f);
  /* A future of another loop. */
  yl_loop_t *other = vloop();
  f = yl_future_new(other);
  CHECK_INT(yl_loop_run_until_complete(loop, f, &r, &err), YL_EINVAL);
  CHECK_EXC(err, "ValueError: The future belongs to a different loop than the one specified as the loop argument");
  yl_value_drop(err);
  yl_future_release(f);
  done(other);
  /* A closed loop. */
  f = yl_future_new(loop);
  yl_loop_close(loop, NULL);
  CHECK_INT(yl_loop_run_until_complete(loop, f, &r, &err), YL_ECLOSED);
  CHECK_EXC(err, "RuntimeError: Event loop is closed");
  yl_value_drop(err);
  yl_future_release(f);
  CHECK_TRACE("ran", "set", "set"); /* nothing reported */
  done(loop);
}

static yl_value_t nested_run(yl_loop_t *loop, void *arg) {
  yl_value_t err;
  CHECK_INT(yl_loop_run_until_complete(loop, arg, NULL, &err), YL_EBUSY);
  CHECK_EXC(err, "RuntimeError: This event loop is already running");
  yl_value_drop(err);
  yl_future_set_result(arg, yl_none(), NULL);
  return yl_none();
}

TEST(future_run_until_complete_while_running_is_refused) {
  yl_loop_t *loop = vloop();
  yl_future_t *f = yl_future_new(loop);
  yl_loop_call_soon(loop, nested_run, f, NULL);
  CHECK_INT(yl_loop_run_until_complete(loop, f, NULL, NULL), YL_OK);
  yl_future_release(f);
  done(loop);
}
