/* What the benchmark programs (yl_bench.c, loop_bench.c) share: the clock, failing,
 * --case lists and calibration. Define BENCH_NAME (the program's name, for messages)
 * before including it. */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what) {
  fprintf(stderr, BENCH_NAME ": %s\n", what);
  exit(1);
}

/* Whether the comma-separated --case list names `name` ("all" names every case). */
static int has_case(const char *list, const char *name) {
  if (strcmp(list, "all") == 0) return 1;
  size_t len = strlen(name);
  for (const char *p = list; (p = strstr(p, name)) != NULL; p += len)
    if ((p == list || p[-1] == ',') && (p[len] == '\0' || p[len] == ',')) return 1;
  return 0;
}

/* Iterations for about `target` seconds of time_case(n, c) (its seconds for n
 * iterations), at least `min`: doubles n from `min` until a run takes 50 ms, then
 * scales. This doubles as the warm-up (in wasm, V8 tiers hot code up from its baseline
 * compiler). */
static int64_t calibrate(double (*time_case)(int64_t n, const void *c), const void *c, int64_t min, double target) {
  int64_t n = min;
  for (;;) {
    double t = time_case(n, c);
    if (t >= 0.05 || n >= ((int64_t)1 << 40)) {
      double scaled = (double)n * target / (t > 0 ? t : 1e-9);
      return scaled < (double)min ? min : (int64_t)scaled;
    }
    n *= 2;
  }
}

#endif
