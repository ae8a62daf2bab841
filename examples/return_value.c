/* 06_return_value.py: `return value` in a generator ends it with StopIteration(value),
 * which becomes the result of `yield from`. */
#include <stdio.h>

#include "yieldloop.h"

static yl_value_t f(yl_gen_t *g, void *arg) { /* def f(): */
  (void)g;
  (void)arg;
  return yl_int(1); /* return 1 */
  /* yield 2 -- never reached, but it is what makes f a generator in Python */
}

static yl_value_t g(yl_gen_t *self, void *arg) { /* def g(): */
  (void)arg;
  yl_value_t x;
  yl_gen_t *sub = yl_gen_new("f", f, NULL);
  int r = yl_yield_from(self, sub, &x); /* x = yield from f() */
  yl_gen_free(sub);
  if (r < 0) return yl_raise(x);
  printf("%lld\n", (long long)x.as.i); /* print(x) */
  return yl_none();
}

int main(void) {
  yl_value_t v;
  yl_gen_free(yl_gen_new("g", g, NULL)); /* g() creates a generator object and prints nothing */
  yl_gen_t *it = yl_gen_new("g", g, NULL);
  while (yl_gen_next(it, &v) == YL_GEN_NEXT) { /* for _ in g(): pass -- prints 1 */
  }
  yl_gen_free(it);
  return 0;
}
