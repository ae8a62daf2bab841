/* The parameters the playground passes to the examples (web/, see the README), shared
 * by the programs that take them (a header, not a .c: every .c file in examples/ is a
 * program of its own). Each option's default is the document's value, so that a
 * program run without arguments prints exactly the document's output. */
#ifndef EXAMPLES_ARGS_H
#define EXAMPLES_ARGS_H

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* Parses exactly n comma-separated integers ("2,-1") into v: 0, or -1 if s is not that. */
static inline int parse_ints(const char *s, int64_t *v, int n) {
  for (int i = 0; i < n; i++) {
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (end == s || errno) return -1;
    v[i] = x;
    if (i + 1 < n && *end != ',') return -1;
    s = end + 1;
    if (i + 1 == n && *end) return -1;
  }
  return 0;
}

/* Parses a finite number of seconds, >= 0: 0, or -1 if s is not one. */
static inline int parse_seconds(const char *s, double *v) {
  char *end;
  double x = strtod(s, &end);
  if (end == s || *end || !(x >= 0) || !isfinite(x)) return -1;
  *v = x;
  return 0;
}

#endif
