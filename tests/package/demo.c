/* A program of a project that installed yieldloop from npm: a generator and a timer
 * on the event loop, built with the package's header, static library and CMake
 * toolchain (tests/package.test.mjs). */
#include <stdio.h>

#include "yieldloop.h"

static yl_value_t countdown(yl_gen_t *g, void *arg) {
  for (int64_t n = *(int64_t *)arg; n > 0; n--) {
    yl_value_t in;
    if (yl_yield(g, yl_int(n), &in) < 0) return yl_raise(in);
  }
  return yl_str("liftoff");
}

static double start;

static yl_value_t tick(yl_loop_t *loop, void *arg) {
  yl_value_t v;
  int r = yl_gen_next(arg, &v);
  char text[32];
  yl_value_repr(v, text, sizeof text);
  printf("t=%.1f s: %s %s\n", yl_loop_time(loop) - start, r == YL_GEN_NEXT ? "yielded" : "returned", text);
  if (r == YL_GEN_NEXT)
    yl_loop_call_later(loop, 0.5, tick, arg, NULL);
  else
    yl_loop_stop(loop);
  yl_value_drop(v);
  return yl_none();
}

static int run(int argc, char **argv) {
  (void)argc;
  (void)argv;
  int64_t from = 3;
  yl_gen_t *g = yl_gen_new("countdown", countdown, &from);
  yl_loop_t *loop = yl_loop_new(NULL); /* real time: waits on JS timers in Node */
  start = yl_loop_time(loop);
  yl_loop_call_soon(loop, tick, g, NULL);
  yl_value_t err;
  int rc = yl_loop_run_forever(loop, &err);
  printf("loop %s\n", rc == YL_OK ? "stopped" : "failed");
  yl_gen_free(g);
  yl_loop_free(loop);
  return rc == YL_OK ? 0 : 1;
}

int main(int argc, char **argv) { return yl_main(run, argc, argv); }
