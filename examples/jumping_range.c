/* 03_jumping_range.py: send() makes the value sent the result of the paused yield
 * expression; `jump = yield index` is yl_yield(g, index, &jump). */
#include <stdio.h>

#include "yieldloop.h"

static yl_value_t corout1(yl_gen_t *g, void *arg) {
  int64_t n = *(int64_t *)arg;
  for (int64_t x = 0; x < n; x++) {
    yl_value_t sent;
    if (yl_yield(g, yl_int(x), &sent) < 0) return yl_raise(sent);
    yl_value_drop(sent);
  }
  return yl_none();
}

static yl_value_t jump; /* global jump */

/* Generator for the sequence of integers from 0 to up_to, exclusive.
 * Sending a value into the generator will shift the sequence by that amount. */
static yl_value_t jumping_range(yl_gen_t *g, void *arg) {
  int64_t up_to = *(int64_t *)arg;
  int64_t index = 0;
  while (index < up_to) {
    if (yl_yield(g, yl_int(index), &jump) < 0) return yl_raise(jump); /* jump = yield index */
    if (yl_is_none(jump)) jump = yl_int(1);
    index += jump.as.i;
  }
  return yl_none();
}

/* print(v) and print('step is {0}'.format(jump)) */
static void print(yl_value_t v) {
  char buf[64];
  yl_value_str(v, buf, sizeof buf);
  printf("%s\n", buf);
}

static void print_step(void) {
  char buf[64];
  yl_value_str(jump, buf, sizeof buf);
  printf("step is %s\n", buf);
}

int main(void) {
  yl_value_t v;
  int64_t five = 5, six = 6;
  jump = yl_none();
  yl_gen_t *iterator = yl_gen_new("jumping_range", jumping_range, &five);
  yl_gen_next(iterator, &v); print(v); /* 0 */
  print_step();
  yl_gen_send(iterator, yl_int(2), &v); print(v); /* 2 */
  print_step();
  yl_gen_next(iterator, &v); print(v); /* 3 */
  print_step();
  yl_gen_send(iterator, yl_int(-1), &v); print(v); /* 2 */
  print_step();
  while (yl_gen_next(iterator, &v) == YL_GEN_NEXT) print(v); /* for x in iterator: 3, 4 */
  yl_gen_t *gen1 = yl_gen_new("corout1", corout1, &six);
  yl_gen_next(gen1, &v); print(v);
  yl_gen_send(gen1, yl_str("sldf"), &v); print(v); /* you can send any value */
  yl_gen_free(gen1);
  yl_gen_free(iterator);
  return 0;
}
