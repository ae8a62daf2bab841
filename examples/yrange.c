/* 01_yrange.py: the document's first generator.
 *
 *   def yrange(n):                      static yl_value_t yrange(g, arg)
 *       i = 0                               i = 0
 *       x = 1                               x = 1
 *       while i < n:                        while (i < n)
 *           yield i+x                           yl_yield(g, i + x)
 *           i += 1                              i += 1
 */
#include <stdio.h>

#include "yieldloop.h"

static yl_value_t yrange(yl_gen_t *g, void *arg) { /* def yrange(n): */
  int64_t n = *(int64_t *)arg;
  int64_t i = 0;  /* i = 0 */
  int64_t x = 1;  /* x = 1 */
  while (i < n) { /* while i < n: */
    yl_value_t sent;
    if (yl_yield(g, yl_int(i + x), &sent) < 0) return yl_raise(sent); /* yield i+x */
    /* return i and pause here waiting for instruction from caller. */
    i += 1; /* i += 1 */
  }
  return yl_none();
}

int main(void) { /* if __name__ == "__main__": */
  int64_t n = 6;
  yl_gen_t *g = yl_gen_new("yrange", yrange, &n); /* g = yrange(6) */
  yl_value_t v;
  yl_gen_next(g, &v); /* print(next(g)) */
  printf("%lld\n", (long long)v.as.i);
  yl_gen_free(g);
  return 0;
}
