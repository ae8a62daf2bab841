/* 03_jumping_range.py: send() makes the value sent the result of the paused yield
 * expression; `jump = yield index` is yl_yield(g, index, &jump).
 *
 * `--sends A,B` changes the two values sent (the document's 2 and -1; the playground
 * lets one edit them). Each C line that ports a Python line quotes it in a comment. */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "yieldloop.h"

static yl_value_t corout1(yl_gen_t *g, void *arg) { /* def corout1(n): */
  int64_t n = *(int64_t *)arg;
  for (int64_t x = 0; x < n; x++) { /* for x in range(n): */
    yl_value_t sent;
    if (yl_yield(g, yl_int(x), &sent) < 0) return yl_raise(sent); /* yield x */
    yl_value_drop(sent);
  }
  return yl_none();
}

static yl_value_t jump; /* global jump */

/* Generator for the sequence of integers from 0 to up_to, exclusive.
 * Sending a value into the generator will shift the sequence by that amount. */
static yl_value_t jumping_range(yl_gen_t *g, void *arg) { /* def jumping_range(up_to): */
  int64_t up_to = *(int64_t *)arg;
  int64_t index = 0;      /* index = 0 */
  while (index < up_to) { /* while index < up_to: */
    if (yl_yield(g, yl_int(index), &jump) < 0) return yl_raise(jump); /* jump = yield index */
    if (yl_is_none(jump)) jump = yl_int(1); /* if jump is None: jump = 1 */
    index += jump.as.i;                     /* index += jump */
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
  printf("step is %s\n", buf); /* print('step is {0}'.format(jump)) */
}

int main(int argc, char **argv) {
  int64_t sends[2] = {2, -1};
  if (!(argc == 1 || (argc == 3 && strcmp(argv[1], "--sends") == 0 && parse_ints(argv[2], sends, 2) == 0))) {
    fprintf(stderr, "usage: jumping_range [--sends A,B]\n");
    return 2;
  }
  yl_value_t v;
  int64_t five = 5, six = 6;
  jump = yl_none();                                                       /* jump = None */
  yl_gen_t *iterator = yl_gen_new("jumping_range", jumping_range, &five); /* iterator = jumping_range(5) */
  yl_gen_next(iterator, &v); print(v);                                    /* print(next(iterator)) # 0 */
  print_step();
  yl_gen_send(iterator, yl_int(sends[0]), &v); print(v);                  /* print(iterator.send(2)) # 2 */
  print_step();
  yl_gen_next(iterator, &v); print(v);                                    /* print(next(iterator)) # 3 */
  print_step();
  yl_gen_send(iterator, yl_int(sends[1]), &v); print(v);                  /* print(iterator.send(-1)) # 2 */
  print_step();
  while (yl_gen_next(iterator, &v) == YL_GEN_NEXT) print(v);              /* for x in iterator: */
  yl_gen_t *gen1 = yl_gen_new("corout1", corout1, &six);                  /* gen1 = corout1(6) */
  yl_gen_next(gen1, &v); print(v);                                        /* print(next(gen1)) */
  yl_gen_send(gen1, yl_str("sldf"), &v); print(v);                        /* print(gen1.send('sldf')) */
  yl_gen_free(gen1);
  yl_gen_free(iterator);
  return 0;
}
