/* 07_factorial_asyncio.py: three tasks computing factorials, each sleeping 1 s per
 * step on the event loop, interleaved. About 3 s in real time; with --virtual-time
 * the loop's clock jumps to the next timer and it runs at once, same lines, same order.
 * The playground's parameters: `--inputs A,B,C` (the numbers of tasks A, B and C; the
 * document's 2,3,4) and `--sleep S` (the seconds each step sleeps; 1). Each C line
 * that ports a Python line quotes it in a comment.
 *
 *   @types.coroutine
 *   def factorial(name, number):              static yl_value_t factorial(g, arg)
 *       f = 1                                     f = 1
 *       for i in range(2, number+1):              for (i = 2; i <= number; i++)
 *           print("Task %s: Compute ...")             printf(...)
 *           yield from asyncio.sleep(1)               yl_sleep(g, 1, None, &r)
 *           f *= i                                    f *= i
 *       print("Task %s: factorial(%s) = %s")      printf(...)
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "yieldloop.h"

typedef struct {
  const char *name;
  int64_t number;
} factorial_args;

static double sleep_s = 1; /* --sleep */

static yl_value_t factorial(yl_gen_t *g, void *arg) { /* def factorial(name, number): */
  factorial_args *a = arg;
  int64_t f = 1;                             /* f = 1 */
  for (int64_t i = 2; i <= a->number; i++) { /* for i in range(2, number+1): */
    printf("Task %s: Compute factorial(%lld)...\n", a->name, (long long)i); /* print("Task %s: Compute factorial(%s)..." % (name, i)) */
    yl_value_t r;
    if (yl_sleep(g, sleep_s, yl_none(), &r) < 0) return yl_raise(r); /* yield from asyncio.sleep(1) */
    f *= i; /* f *= i */
  }
  printf("Task %s: factorial(%lld) = %lld\n", a->name, (long long)a->number, (long long)f); /* print("Task %s: factorial(%s) = %s" % (name, number, f)) */
  return yl_none();
}

/* asyncio.wait(tasks), the coroutine run_until_complete wraps in a task. */
static yl_value_t wait_all(yl_gen_t *g, void *arg) {
  yl_future_t **tasks = arg;
  size_t ndone, npending;
  yl_value_t err;
  if (yl_wait(g, tasks, 3, INFINITY, YL_ALL_COMPLETED, NULL, &ndone, NULL, &npending, &err) < 0)
    return yl_raise(err);
  return yl_none();
}

static yl_future_t *ensure_future(yl_loop_t *loop, const char *name, yl_gen_fn body, void *arg) {
  yl_task_t *t;
  return yl_task_new(loop, yl_gen_new(name, body, arg), &t) == YL_OK ? yl_task_future(t) : NULL;
}

static int run(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* each line as it is printed, as a terminal shows it */
  int virtual_time = 0;
  int64_t inputs[3] = {2, 3, 4};
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--virtual-time") == 0) {
      virtual_time = 1;
    } else if (strcmp(argv[i], "--inputs") == 0 && i + 1 < argc && parse_ints(argv[i + 1], inputs, 3) == 0) {
      i++;
    } else if (strcmp(argv[i], "--sleep") == 0 && i + 1 < argc && parse_seconds(argv[i + 1], &sleep_s) == 0) {
      i++;
    } else {
      fprintf(stderr, "usage: factorial [--virtual-time] [--inputs A,B,C] [--sleep S]\n");
      return 2;
    }
  }
  yl_loop_t *loop = yl_loop_new(&(yl_loop_options_t){.clock = virtual_time ? YL_CLOCK_VIRTUAL : YL_CLOCK_MONOTONIC}); /* loop = asyncio.new_event_loop() */
  yl_loop_set_current(loop); /* asyncio.set_event_loop(loop) */
  factorial_args args[] = {{"A", inputs[0]}, {"B", inputs[1]}, {"C", inputs[2]}};
  yl_future_t *tasks[] = {
      ensure_future(loop, "factorial", factorial, &args[0]), /* asyncio.ensure_future(factorial("A", 2)), */
      ensure_future(loop, "factorial", factorial, &args[1]), /* asyncio.ensure_future(factorial("B", 3)), */
      ensure_future(loop, "factorial", factorial, &args[2]), /* asyncio.ensure_future(factorial("C", 4))] */
  };
  yl_future_t *waiting = ensure_future(loop, "wait", wait_all, tasks); /* loop.run_until_complete(asyncio.wait(tasks)) */
  yl_value_t err;
  int r = yl_loop_run_until_complete(loop, waiting, NULL, &err); /* loop.run_until_complete(asyncio.wait(tasks)) */
  if (r < 0) {
    char buf[256];
    yl_value_str(err, buf, sizeof buf);
    fprintf(stderr, "factorial: %s\n", buf);
    yl_value_drop(err);
  }
  yl_future_release(waiting);
  for (int i = 0; i < 3; i++) yl_future_release(tasks[i]);
  yl_loop_close(loop, NULL); /* loop.close() */
  yl_loop_free(loop);
  return r < 0;
}

/* yl_main runs `run` where the loop can wait in real time (in wasm: on a coroutine
 * that yields to the JS event loop between timers). */
int main(int argc, char **argv) { return yl_main(run, argc, argv); }
