/* The naive Asyncify baseline for `npm run bench`: a pair of Emscripten fibers
 * swapping back and forth (emscripten_fiber_swap), which unwinds and rewinds the whole
 * wasm call stack through JS at every swap. Not part of the CMake build (it is in a
 * subdirectory of scripts/bench/, which CMake's glob does not descend into):
 * scripts/bench.mjs builds it with `emcc -O2 -sASYNCIFY` into build/bench-baseline/.
 *
 * Case `fiber` (ns per round trip: main swaps to the fiber, the fiber swaps back),
 * from a loop F noinline C frames deep (every one of them is unwound at each swap).
 * Usage: fiber_swap [--frames 0,20,50] [--iters N] [--time S] [--reps R]
 * Prints lines as yl_bench does: case=fiber depth=0 frames=20 iters=N ns=310.2
 */
#include <emscripten.h>
#include <emscripten/fiber.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))
#define C_STACK (64 * 1024)
#define ASYNCIFY_STACK (64 * 1024)

static volatile int64_t sink;
static emscripten_fiber_t main_fiber, co_fiber;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void co_entry(void *arg) {
  (void)arg;
  for (;;) {
    sink++;
    emscripten_fiber_swap(&co_fiber, &main_fiber);
  }
}

static NOINLINE double swap_loop(int64_t n) {
  double t0 = now_s();
  for (int64_t i = 0; i < n; i++) emscripten_fiber_swap(&main_fiber, &co_fiber);
  return now_s() - t0;
}

static NOINLINE double descend(int frames, int64_t n) {
  if (frames == 0) return swap_loop(n);
  volatile int64_t pad = frames;
  double t = descend(frames - 1, n);
  sink += pad;
  return t;
}

/* Doubles n until a run takes 50 ms, then scales: also the warm-up of the JS glue
 * that every swap goes through. */
/* 0 frames deep calls the loop straight from main: every frame is unwound at each
 * swap, and the baseline should not pay for one more than it must. */
static double time_at(int frames, int64_t n) { return frames == 0 ? swap_loop(n) : descend(frames, n); }

static int64_t calibrate(int frames, double target) {
  for (int64_t n = 1000;; n *= 2) {
    double t = time_at(frames, n);
    if (t >= 0.05) {
      double scaled = (double)n * target / t;
      return scaled < 1000 ? 1000 : (int64_t)scaled;
    }
  }
}

int main(int argc, char **argv) {
  int frames[32] = {0, 20, 50}, nframes = 3;
  int64_t iters = 0;
  double target = 0.25;
  int reps = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *a = argv[i], *v = argv[i + 1];
    if (strcmp(a, "--frames") == 0) {
      nframes = 0;
      for (char *p = (char *)v; *p && nframes < 32; p += *p == ',') frames[nframes++] = (int)strtol(p, &p, 10);
    } else if (strcmp(a, "--iters") == 0) {
      iters = strtoll(v, NULL, 10);
    } else if (strcmp(a, "--time") == 0) {
      target = strtod(v, NULL);
    } else if (strcmp(a, "--reps") == 0) {
      reps = atoi(v);
    } else if (strcmp(a, "--case") != 0) {
      fprintf(stderr, "fiber_swap: unknown option %s\n", a);
      return 1;
    }
  }
  char *stack = malloc(C_STACK), *astack_main = malloc(ASYNCIFY_STACK), *astack_co = malloc(ASYNCIFY_STACK);
  if (!stack || !astack_main || !astack_co) return 1;
  emscripten_fiber_init_from_current_context(&main_fiber, astack_main, ASYNCIFY_STACK);
  emscripten_fiber_init(&co_fiber, co_entry, NULL, stack, C_STACK, astack_co, ASYNCIFY_STACK);
  printf("backend=emscripten_fiber\n");
  for (int f = 0; f < nframes; f++) {
    int64_t n = iters > 0 ? iters : calibrate(frames[f], target);
    for (int r = 0; r < reps; r++) {
      double t = time_at(frames[f], n);
      printf("case=fiber depth=0 frames=%d iters=%lld ns=%.3f\n", frames[f], (long long)n, t * 1e9 / (double)n);
      fflush(stdout);
    }
  }
  return 0;
}
