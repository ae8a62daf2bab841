/* The host (yl_host.h): yl_main and where a loop can wait, and the re-arming of a
 * waiting loop's wake-up by what is scheduled meanwhile. The real-time waits in the
 * JS event loop need a program started through yl_main, which this runner is not:
 * tests/host/host_demo.c has them, run by tests/host.test.mjs. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "loop.h" /* wake_at */
#include "test.h"

static yl_value_t tr(yl_loop_t *loop, void *arg) {
  (void)loop;
  trace("%s", (const char *)arg);
  return yl_none();
}

static int inner_main(int argc, char **argv) {
  (void)argv;
  return 100 + argc;
}

/* On yl_main's coroutine: a loop runs (no real wait here: in wasm that would leave
 * this runner's main for the JS event loop), and yl_main nests as a plain call. */
static int outer_main(int argc, char **argv) {
  CHECK(yl_host_can_wait());
  CHECK_INT(argc, 2);
  CHECK_STR(argv[0], "prog");
  CHECK_STR(argv[1], "arg");
  CHECK(argv[2] == NULL);
  yl_loop_t *loop = yl_loop_new(NULL);
  CHECK(loop != NULL);
  if (loop) {
    yl_loop_call_soon(loop, tr, "soon", NULL);
    yl_loop_call_later(loop, 0, tr, "zero", NULL);
    CHECK_INT(yl_loop_run_once(loop, NULL), YL_OK);
    CHECK_TRACE("soon", "zero");
    yl_loop_free(loop);
  }
  char *args[] = {"inner", NULL};
  CHECK_INT(yl_main(inner_main, 1, args), 101);
  return 42;
}

TEST(host_main_runs_main_and_returns_its_result) {
  char *argv[] = {"prog", "arg", NULL};
  CHECK_INT(yl_main(outer_main, 2, argv), 42);
  /* and again: the root coroutine went with the first */
  CHECK_INT(yl_main(inner_main, 1, argv), 101);
}

/* Natively a loop can wait anywhere; in wasm only on yl_main's coroutine, which this
 * runner's main is not: the wait is refused, saying how to get one. */
TEST(host_waiting_outside_yl_main) {
  yl_loop_t *loop = yl_loop_new(NULL);
  CHECK(loop != NULL);
  if (!loop) return;
#ifdef __EMSCRIPTEN__
  CHECK(!yl_host_can_wait());
  yl_handle_t *h;
  yl_loop_call_later(loop, 0.2, yl_test_noop, NULL, &h);
  yl_value_t err;
  CHECK_INT(yl_loop_run_once(loop, &err), YL_EWOULDBLOCK);
  char msg[512] = "";
  if (err.type == YL_EXC) yl_exc_format(err.as.exc, msg, sizeof msg);
  CHECK(strstr(msg, "start main with yl_main()") != NULL);
  yl_value_drop(err);
  CHECK(isnan(loop->wake_at)); /* nothing armed */
  CHECK(!yl_handle_cancelled(h));
  yl_handle_release(h);
#else
  CHECK(yl_host_can_wait());
  yl_loop_call_later(loop, 0.01, yl_test_noop, NULL, NULL);
  CHECK_INT(yl_loop_run_once(loop, NULL), YL_OK);
  CHECK_INT(yl_loop_timer_count(loop), 0);
#endif
  yl_loop_free(loop);
}

/* While a loop waits in the JS event loop (wake_at set), scheduling re-arms its one
 * wake-up for anything due earlier: call_soon and stop for now, a timer for its
 * deadline; a later timer or a cancel leaves it (a wake-up for a cancelled timer only
 * makes the loop look again). Not waiting (NaN), nothing is armed. Here no loop is
 * suspended, so re-arming only records the deadline: the JS side is host_demo's. */
TEST(host_scheduling_while_waiting_rearms_the_wake_up) {
  yl_loop_options_t opts = {.clock = YL_CLOCK_VIRTUAL, .start = 100};
  yl_loop_t *loop = yl_loop_new(&opts);
  CHECK(loop != NULL);
  if (!loop) return;
  CHECK(isnan(loop->wake_at));
  yl_handle_t *a, *b;
  yl_loop_call_at(loop, 105, yl_test_noop, NULL, &a);
  CHECK(isnan(loop->wake_at));

  loop->wake_at = 105; /* as if waiting for a */
  yl_loop_call_at(loop, 103, yl_test_noop, NULL, &b);
  CHECK(loop->wake_at == 103);
  yl_loop_call_at(loop, 104, yl_test_noop, NULL, NULL);
  yl_loop_call_later(loop, 10, yl_test_noop, NULL, NULL);
  CHECK(loop->wake_at == 103);
  yl_handle_cancel(b);
  CHECK(loop->wake_at == 103);
  yl_loop_call_at(loop, 100, yl_test_noop, NULL, NULL); /* due now */
  CHECK(loop->wake_at == 100);
  yl_loop_call_soon(loop, yl_test_noop, NULL, NULL);
  CHECK(loop->wake_at == -INFINITY);
  yl_loop_call_at(loop, 99, yl_test_noop, NULL, NULL);
  yl_loop_stop(loop);
  CHECK(loop->wake_at == -INFINITY);

  loop->wake_at = INFINITY; /* waiting with nothing armed */
  yl_loop_stop(loop);
  CHECK(loop->wake_at == -INFINITY);

  loop->wake_at = NAN; /* not waiting */
  yl_loop_call_soon(loop, yl_test_noop, NULL, NULL);
  yl_loop_call_at(loop, 50, yl_test_noop, NULL, NULL);
  yl_loop_stop(loop);
  CHECK(isnan(loop->wake_at));

  /* A virtual loop's waits never suspend: wake_at stays NaN through a run. */
  CHECK_INT(yl_loop_run_forever(loop, NULL), YL_OK);
  CHECK(isnan(loop->wake_at));
  yl_handle_release(a);
  yl_handle_release(b);
  yl_loop_free(loop);
}
