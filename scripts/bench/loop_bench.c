/* yieldloop's event loop timings for `npm run bench` (scripts/bench.mjs), natively and
 * in wasm; scripts/bench/loop_bench.py and loop_bench.mjs are CPython's and Node's peers.
 *
 * Cases:
 *   call_soon   ns per callback: a driver callback schedules a batch of 1000 no-op
 *               callbacks with call_soon and itself after them, so every iteration
 *               runs one batch; covers call_soon + dispatch (and 1/1000 of an iteration)
 *   call_later  ns per timer: 200k (--timers) call_later with deadlines spread
 *               pseudo-randomly over 1000 s, on the virtual clock (no real sleeping),
 *               then the loop runs until the last one fired
 *   switch      ns per task switch: 100 (--ntasks) tasks each awaiting sleep(0) in a
 *               loop; one switch is one task's sleep(0) and its resumption
 *   mem         memory per pending task: --mem-tasks N tasks (default 100000) each run
 *               to `await fut` on one never-done future; natively the growth of the
 *               resident set (/proc/self/statm), in wasm the growth of malloc'd bytes
 *               (mallinfo) and of linear memory (memory.size)
 *
 * Usage: loop_bench [--case all|call_soon|call_later|switch|mem[,...]] [--time S]
 *                   [--reps R] [--timers N] [--ntasks N] [--mem-tasks N]
 * Prints `backend=...`, then per repetition lines such as
 *   case=call_soon iters=3000000 ns=41.2
 *   case=mem tasks=30000 ok=30000 bytes_per_task=4626 rss_before=B rss_after=B heap_per_task=-1
 * (mem: ok counts the tasks pending at their await; bytes_per_task is the growth of the
 * resident set natively, of linear memory in wasm, divided by ok; heap_per_task the
 * growth of malloc'd bytes in wasm, -1 natively). Natively, where a stack's guard page
 * is an mprotect()ed page (Linux before 6.13, see src/stack.c), each stack is two
 * mappings and vm.max_map_count (65530 by default) lets about 32k coroutines exist at
 * once: the tasks beyond fail to start (MemoryError).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __EMSCRIPTEN__
#include <malloc.h>
#endif

#include "yieldloop.h"

#define BENCH_NAME "loop_bench"
#include "bench.h"

static void check(int r, const char *what) {
  if (r != YL_OK) {
    fprintf(stderr, "loop_bench: %s failed: %d\n", what, r);
    exit(1);
  }
}

static yl_loop_t *new_loop(yl_clock_kind_t clock) {
  yl_loop_options_t o;
  memset(&o, 0, sizeof o);
  o.clock = clock;
  yl_loop_t *loop = yl_loop_new(&o);
  if (!loop) die("cannot create a loop");
  return loop;
}

static void run_forever(yl_loop_t *loop) {
  yl_value_t err = yl_none();
  int r = yl_loop_run_forever(loop, &err);
  yl_value_drop(err);
  check(r, "run_forever");
}

static void free_loop(yl_loop_t *loop) {
  yl_loop_close(loop, NULL);
  check(yl_loop_free(loop), "loop_free");
}

/* ---- call_soon ---- */

enum { BATCH = 1000 };
static int64_t soon_done, soon_batches;

static yl_value_t noop(yl_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  soon_done++;
  return yl_none();
}

static yl_value_t soon_driver(yl_loop_t *loop, void *arg) {
  (void)arg;
  if (soon_batches-- == 0) {
    yl_loop_stop(loop);
    return yl_none();
  }
  for (int i = 0; i < BATCH; i++) check(yl_loop_call_soon(loop, noop, NULL, NULL), "call_soon");
  check(yl_loop_call_soon(loop, soon_driver, NULL, NULL), "call_soon");
  return yl_none();
}

static double time_call_soon(int64_t n) {
  yl_loop_t *loop = new_loop(YL_CLOCK_MONOTONIC);
  soon_done = 0;
  soon_batches = (n + BATCH - 1) / BATCH;
  int64_t want = soon_batches * BATCH;
  double t0 = now_s();
  check(yl_loop_call_soon(loop, soon_driver, NULL, NULL), "call_soon");
  run_forever(loop);
  double t = now_s() - t0;
  if (soon_done != want) die("call_soon: callbacks missing");
  free_loop(loop);
  return t * ((double)n / (double)want);
}

/* ---- call_later ---- */

static int64_t timers_left;

static yl_value_t timer_fired(yl_loop_t *loop, void *arg) {
  (void)arg;
  if (--timers_left == 0) yl_loop_stop(loop);
  return yl_none();
}

static double time_call_later(int64_t n) {
  yl_loop_t *loop = new_loop(YL_CLOCK_VIRTUAL);
  uint64_t x = 88172645463325252u;
  timers_left = n;
  double t0 = now_s();
  for (int64_t i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
    double delay = (double)(x % 1000000u) * 1e-3;
    check(yl_loop_call_later(loop, delay, timer_fired, NULL, NULL), "call_later");
  }
  run_forever(loop);
  double t = now_s() - t0;
  if (timers_left != 0) die("call_later: timers missing");
  free_loop(loop);
  return t;
}

/* ---- task switch ---- */

static int64_t switch_rounds;
static int tasks_left;

static yl_value_t switcher(yl_gen_t *g, void *arg) {
  yl_loop_t *loop = arg;
  for (int64_t i = 0; i < switch_rounds; i++) {
    yl_value_t out;
    if (yl_sleep(g, 0, yl_none(), &out) != YL_OK) return yl_raise(out);
  }
  if (--tasks_left == 0) yl_loop_stop(loop);
  return yl_none();
}

static int ntasks = 100;

static double time_switch(int64_t n) {
  yl_loop_t *loop = new_loop(YL_CLOCK_MONOTONIC);
  switch_rounds = (n + ntasks - 1) / ntasks;
  tasks_left = ntasks;
  double t0 = now_s();
  for (int i = 0; i < ntasks; i++) {
    yl_gen_t *g = yl_gen_new("switcher", switcher, loop);
    if (!g) die("cannot create a generator");
    check(yl_task_new(loop, g, NULL), "task_new");
  }
  run_forever(loop);
  double t = now_s() - t0;
  if (tasks_left != 0) die("switch: tasks did not finish");
  free_loop(loop);
  return t * ((double)n / (double)(switch_rounds * ntasks));
}

/* ---- memory per pending task ---- */

static yl_value_t waiter(yl_gen_t *g, void *arg) {
  yl_value_t r;
  if (yl_await(g, arg, &r) != YL_OK) return yl_raise(r);
  return r;
}

/* Natively: the resident set in bytes; in wasm: malloc'd bytes. */
static int64_t heap_bytes(void) {
#ifdef __EMSCRIPTEN__
  struct mallinfo mi = mallinfo();
  return (int64_t)mi.uordblks;
#else
  return -1;
#endif
}

static int64_t rss_bytes(void) {
#ifdef __EMSCRIPTEN__
  return (int64_t)__builtin_wasm_memory_size(0) * 65536;
#else
  FILE *f = fopen("/proc/self/statm", "r");
  long size = 0, resident = 0;
  if (!f) return -1;
  if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
  fclose(f);
  return resident < 0 ? -1 : (int64_t)resident * 4096;
#endif
}

static void run_mem(int n) {
  yl_loop_t *loop = new_loop(YL_CLOCK_MONOTONIC);
  yl_future_t *fut = yl_future_new(loop);
  yl_task_t **tasks = calloc((size_t)n, sizeof *tasks);
  if (!fut || !tasks) die("out of memory");
  int64_t rss0 = rss_bytes(), heap0 = heap_bytes();
  int created = 0;
  for (int i = 0; i < n; i++) {
    yl_gen_t *g = yl_gen_new("waiter", waiter, fut);
    if (!g || yl_task_new(loop, g, &tasks[i]) != YL_OK) break;
    created++;
  }
  /* The first steps: each task runs to its await. */
  while (yl_loop_ready_count(loop) > 0) {
    yl_value_t err = yl_none();
    int r = yl_loop_run_once(loop, &err);
    yl_value_drop(err);
    check(r, "run_once");
  }
  int ok = 0;
  for (int i = 0; i < created; i++) ok += !yl_future_done(yl_task_future(tasks[i]));
  int64_t rss1 = rss_bytes(), heap1 = heap_bytes();
  printf("case=mem tasks=%d ok=%d bytes_per_task=%.0f rss_before=%lld rss_after=%lld heap_per_task=%.0f\n", n, ok,
         ok ? (double)(rss1 - rss0) / ok : 0.0, (long long)rss0, (long long)rss1,
         heap0 >= 0 && ok ? (double)(heap1 - heap0) / ok : -1.0);
  fflush(stdout);
  /* Wake them all and let them finish. Tasks that failed to start (no stack left) are
   * done with a MemoryError: retrieved here so that it is not reported. */
  check(yl_future_set_result(fut, yl_none(), NULL), "set_result");
  while (yl_loop_ready_count(loop) > 0) {
    yl_value_t err = yl_none();
    int r = yl_loop_run_once(loop, &err);
    yl_value_drop(err);
    check(r, "run_once");
  }
  for (int i = 0; i < created; i++) {
    yl_future_t *f = yl_task_future(tasks[i]);
    yl_value_t e = yl_none();
    if (yl_future_done(f)) yl_future_exception(f, &e);
    yl_value_drop(e);
    yl_future_release(f);
  }
  free_loop(loop);
  free(tasks);
  yl_future_release(fut);
}

/* ---- driver ---- */

enum kind { K_SOON, K_LATER, K_SWITCH };
static const char *const kind_names[] = {"call_soon", "call_later", "switch"};

static double time_case(int64_t n, const void *c) {
  switch (*(const enum kind *)c) {
  case K_SOON: return time_call_soon(n);
  case K_LATER: return time_call_later(n);
  default: return time_switch(n);
  }
}

static void run(enum kind k, int64_t fixed, double target, int reps) {
  int64_t n = fixed > 0 ? fixed : calibrate(time_case, &k, 10000, target);
  if (fixed > 0) time_case(n, &k); /* warm-up */
  for (int r = 0; r < reps; r++) {
    double t = time_case(n, &k);
    printf("case=%s iters=%lld ns=%.3f\n", kind_names[k], (long long)n, t * 1e9 / (double)n);
    fflush(stdout);
  }
}

int main(int argc, char **argv) {
  const char *cases = "all";
  double target = 0.25;
  int reps = 1;
  int64_t timers = 200000;
  int mem_tasks = 100000;
  for (int i = 1; i < argc; i += 2) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) die("missing value after an option");
    if (strcmp(a, "--case") == 0) cases = v;
    else if (strcmp(a, "--time") == 0) target = strtod(v, NULL);
    else if (strcmp(a, "--reps") == 0) reps = atoi(v);
    else if (strcmp(a, "--timers") == 0) timers = strtoll(v, NULL, 10);
    else if (strcmp(a, "--ntasks") == 0) ntasks = atoi(v);
    else if (strcmp(a, "--mem-tasks") == 0) mem_tasks = atoi(v);
    else die("unknown option (see the comment at the top of loop_bench.c)");
  }
  if (!(target > 0) || reps < 1 || timers < 1 || ntasks < 1 || mem_tasks < 1) die("bad option value");
  printf("backend=%s\n", yl_backend_name());
  if (has_case(cases, "call_soon")) run(K_SOON, 0, target, reps);
  if (has_case(cases, "call_later")) run(K_LATER, timers, target, reps);
  if (has_case(cases, "switch")) run(K_SWITCH, 0, target, reps);
  if (has_case(cases, "mem")) run_mem(mem_tasks);
  return 0;
}
