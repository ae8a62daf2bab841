/* 05_pipeline_yield_from.py: the same pipeline with `yield from`, which forwards
 * send(), throw() and close() to writer; f.send(7) reaches writer directly. */
#include <stdio.h>

#include "yieldloop.h"

/* A coroutine that writes data *sent* to it to fd, socket, etc. */
static yl_value_t writer(yl_gen_t *g, void *arg) { /* def writer(): */
  (void)arg;
  yl_value_t z = yl_str("a"); /* z = 'a' */
  yl_value_t w;
  while (1) { /* while True: */
    if (yl_yield(g, z, &w) < 0) return yl_raise(w); /* w = (yield z) */
    z = yl_str_fmt("%c", (int)(97 + w.as.i));       /* z = chr(97+w) */
    printf(">>  %lld\n", (long long)w.as.i);        /* print('>> ', w) */
  }
}

static yl_value_t filter(yl_gen_t *g, void *arg) { /* def filter(coro): */
  yl_gen_t *coro = arg;
  yl_value_t i = yl_str("hello"); /* i = 'hello' */
  if (yl_yield_from(g, coro, &i) < 0) return yl_raise(i); /* i = yield from coro */
  return yl_none();
}

static void print(yl_value_t v) {
  char buf[64];
  yl_value_str(v, buf, sizeof buf);
  printf("%s\n", buf);
  yl_value_drop(v);
}

int main(void) { /* if __name__=="__main__": */
  yl_value_t v;
  yl_gen_t *g = yl_gen_new("writer", writer, NULL); /* g = writer() */
  yl_gen_t *f = yl_gen_new("filter", filter, g);    /* f = filter(g) */
  yl_gen_send(f, yl_none(), &v); print(v);          /* print(f.send(None)) #prime f */
  yl_gen_send(f, yl_int(7), &v); print(v);          /* print(f.send(7)) */
  yl_gen_free(f);
  yl_gen_free(g);
  return 0;
}
