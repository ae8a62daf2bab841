/* Coroutines (yl_coro.h): states, switches, errors and stacks. The stack tests look
 * at coro.h's internals (the stack a coroutine got) to see the pool at work. A stack
 * that actually overflows is tested in a child process: tests/overflow/overflow.c,
 * run by tests/native.test.mjs. */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "coro.h"
#include "test.h"

#ifdef YL__ASAN
#include <sanitizer/asan_interface.h>
#endif

#define NOINLINE __attribute__((noinline))

/* A trace of what ran, in order, as one character per step. */
typedef struct coro_trace {
  char s[64];
  int n;
} coro_trace;

static void step(coro_trace *t, char c) {
  if (t->n < (int)sizeof t->s - 1) t->s[t->n++] = c;
  t->s[t->n] = 0;
}

/* ---- create, resume, yield, state, destroy ---- */

static void abc_body(yl_coro_t *co, void *arg) {
  coro_trace *t = arg;
  step(t, 'a');
  CHECK_INT(yl_coro_state(co), YL_CORO_RUNNING);
  CHECK_INT(yl_coro_yield(co), YL_OK);
  step(t, 'b');
  CHECK_INT(yl_coro_yield(co), YL_OK);
  step(t, 'c');
}

TEST(coro_resume_yield_and_states) {
  coro_trace t = {0};
  yl_coro_t *co = NULL;
  CHECK_INT(yl_coro_create(&co, abc_body, &t, 0), YL_OK);
  CHECK(co != NULL);
  if (!co) return;
  CHECK(yl_coro_arg(co) == &t);
  CHECK_INT(yl_coro_state(co), YL_CORO_SUSPENDED);
  CHECK_STR(t.s, ""); /* creating runs nothing */
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_STR(t.s, "a");
  CHECK_INT(yl_coro_state(co), YL_CORO_SUSPENDED);
  step(&t, '1');
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_STR(t.s, "a1b");
  step(&t, '2');
  CHECK_INT(yl_coro_resume(co), YL_OK); /* fn returns: resume still succeeds */
  CHECK_STR(t.s, "a1b2c");
  CHECK_INT(yl_coro_state(co), YL_CORO_DEAD);
  CHECK_INT(yl_coro_destroy(co), YL_OK);
}

static void return_at_once_body(yl_coro_t *co, void *arg) {
  (void)co;
  ++*(int *)arg;
}

TEST(coro_returning_at_once_is_dead) {
  int runs = 0;
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, return_at_once_body, &runs, 0), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(runs, 1);
  CHECK_INT(yl_coro_state(co), YL_CORO_DEAD);
  CHECK_INT(yl_coro_destroy(co), YL_OK);
}

/* ---- values through arg, both ways, over many round trips ---- */

typedef struct exchange {
  long in, out;
  int steps;
} exchange;

static void running_sum_body(yl_coro_t *co, void *arg) {
  exchange *x = arg;
  long sum = 0; /* lives on the coroutine's stack across every yield */
  for (int i = 0; i < x->steps; i++) {
    sum += x->in;
    x->out = sum;
    yl_coro_yield(co);
  }
  x->out = -1;
}

TEST(coro_values_through_arg) {
  exchange x = {.steps = 1000};
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, running_sum_body, &x, 0), YL_OK);
  long expect = 0;
  for (int i = 1; i <= 1000; i++) {
    x.in = i;
    expect += i;
    CHECK_INT(yl_coro_resume(co), YL_OK);
    if (x.out != expect) {
      CHECK_INT(x.out, expect);
      break;
    }
  }
  CHECK_INT(yl_coro_state(co), YL_CORO_SUSPENDED);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(x.out, -1);
  CHECK_INT(yl_coro_state(co), YL_CORO_DEAD);
  yl_coro_destroy(co);
}

/* ---- nesting: A resumes B ---- */

typedef struct pair {
  coro_trace t;
  yl_coro_t *a, *b;
} pair;

static void inner_body(yl_coro_t *co, void *arg) {
  pair *p = arg;
  step(&p->t, 'B');
  CHECK_INT(yl_coro_state(p->a), YL_CORO_RUNNING); /* A is running: it resumed us */
  CHECK_INT(yl_coro_resume(p->a), YL_EBUSY);       /* so it cannot be resumed */
  CHECK_INT(yl_coro_yield(p->a), YL_ENOTRUNNING);  /* nor yielded from here */
  CHECK_INT(yl_coro_destroy(p->a), YL_EBUSY);
  yl_coro_yield(co);
  step(&p->t, 'b');
}

static void outer_body(yl_coro_t *co, void *arg) {
  pair *p = arg;
  step(&p->t, 'A');
  CHECK_INT(yl_coro_create(&p->b, inner_body, p, 0), YL_OK);
  CHECK_INT(yl_coro_resume(p->b), YL_OK); /* B yields back here, not to main */
  step(&p->t, '<');
  CHECK_INT(yl_coro_state(p->b), YL_CORO_SUSPENDED);
  yl_coro_yield(co); /* to main, with B suspended inside */
  step(&p->t, 'a');
  CHECK_INT(yl_coro_resume(p->b), YL_OK);
  CHECK_INT(yl_coro_state(p->b), YL_CORO_DEAD);
  step(&p->t, '.');
}

TEST(coro_nested_resume) {
  pair p = {0};
  CHECK_INT(yl_coro_create(&p.a, outer_body, &p, 0), YL_OK);
  CHECK_INT(yl_coro_resume(p.a), YL_OK);
  CHECK_STR(p.t.s, "AB<");
  CHECK_INT(yl_coro_state(p.a), YL_CORO_SUSPENDED);
  step(&p.t, '|');
  CHECK_INT(yl_coro_resume(p.a), YL_OK);
  CHECK_STR(p.t.s, "AB<|ab.");
  CHECK_INT(yl_coro_state(p.a), YL_CORO_DEAD);
  yl_coro_destroy(p.b);
  yl_coro_destroy(p.a);
}

/* B's yield returns to whoever resumed it last: A first, then main. */
static void resumer_then_main_outer(yl_coro_t *co, void *arg) {
  pair *p = arg;
  (void)co;
  CHECK_INT(yl_coro_resume(p->b), YL_OK);
  step(&p->t, 'A');
}

static void yields_twice_body(yl_coro_t *co, void *arg) {
  pair *p = arg;
  step(&p->t, '1');
  yl_coro_yield(co);
  step(&p->t, '2');
  yl_coro_yield(co);
  step(&p->t, '3');
}

TEST(coro_yield_returns_to_latest_resumer) {
  pair p = {0};
  CHECK_INT(yl_coro_create(&p.b, yields_twice_body, &p, 0), YL_OK);
  CHECK_INT(yl_coro_create(&p.a, resumer_then_main_outer, &p, 0), YL_OK);
  CHECK_INT(yl_coro_resume(p.a), YL_OK);
  CHECK_STR(p.t.s, "1A");
  CHECK_INT(yl_coro_state(p.a), YL_CORO_DEAD);
  CHECK_INT(yl_coro_resume(p.b), YL_OK);
  CHECK_STR(p.t.s, "1A2");
  CHECK_INT(yl_coro_resume(p.b), YL_OK);
  CHECK_STR(p.t.s, "1A23");
  yl_coro_destroy(p.a);
  yl_coro_destroy(p.b);
}

/* ---- the errors ---- */

static void resumes_itself_body(yl_coro_t *co, void *arg) {
  (void)arg;
  CHECK_INT(yl_coro_resume(co), YL_EBUSY);
  CHECK_INT(yl_coro_destroy(co), YL_EBUSY);
  CHECK_INT(yl_coro_state(co), YL_CORO_RUNNING);
}

TEST(coro_resume_running_is_busy) {
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, resumes_itself_body, NULL, 0), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(yl_coro_state(co), YL_CORO_DEAD);
  yl_coro_destroy(co);
}

TEST(coro_resume_dead_is_edead) {
  int runs = 0;
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, return_at_once_body, &runs, 0), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_EDEAD);
  CHECK_INT(yl_coro_resume(co), YL_EDEAD);
  CHECK_INT(runs, 1);
  CHECK_INT(yl_coro_state(co), YL_CORO_DEAD);
  yl_coro_destroy(co);
}

TEST(coro_yield_from_outside_is_not_running) {
  coro_trace t = {0};
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, abc_body, &t, 0), YL_OK);
  CHECK_INT(yl_coro_yield(co), YL_ENOTRUNNING); /* suspended, not started */
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(yl_coro_yield(co), YL_ENOTRUNNING); /* suspended at a yield */
  CHECK_INT(yl_coro_yield(NULL), YL_ENOTRUNNING);
  CHECK_STR(t.s, "a");
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(yl_coro_yield(co), YL_ENOTRUNNING); /* dead */
  CHECK_STR(t.s, "abc");
  yl_coro_destroy(co);
}

TEST(coro_bad_arguments) {
  yl_coro_t *co = (yl_coro_t *)&co;
  CHECK_INT(yl_coro_create(&co, NULL, NULL, 0), YL_EINVAL);
  CHECK(co == NULL);
  CHECK_INT(yl_coro_resume(NULL), YL_EINVAL);
  CHECK_INT(yl_coro_destroy(NULL), YL_OK);
}

TEST(coro_too_small_stack) {
  size_t min = yl_coro_min_stack();
  yl_coro_t *co = (yl_coro_t *)&co;
  CHECK_INT(yl_coro_create(&co, return_at_once_body, NULL, min - 1), YL_ESTACKSIZE);
  CHECK(co == NULL);
  CHECK_INT(yl_coro_create(&co, return_at_once_body, NULL, 1), YL_ESTACKSIZE);
  int runs = 0;
  CHECK_INT(yl_coro_create(&co, return_at_once_body, &runs, min), YL_OK);
  CHECK(yl_coro_stack_size(co) >= min);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(runs, 1);
  yl_coro_destroy(co);
}

TEST(coro_stack_sizes) {
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, return_at_once_body, NULL, 0), YL_OK);
#ifdef __EMSCRIPTEN__
  CHECK_INT(yl_coro_stack_size(co), 16 * 1024);
#else
  CHECK_INT(yl_coro_stack_size(co), 64 * 1024);
#endif
  yl_coro_destroy(co);
  /* Sizes are kept as asked, rounded up to 16 bytes at most. */
  CHECK_INT(yl_coro_create(&co, return_at_once_body, NULL, 100000), YL_OK);
  CHECK_INT(yl_coro_stack_size(co), 100000);
  yl_coro_destroy(co);
  CHECK_INT(yl_coro_create(&co, return_at_once_body, NULL, 12345), YL_OK);
  CHECK_INT(yl_coro_stack_size(co), 12352);
  yl_coro_destroy(co);
  CHECK(yl_backend_name()[0] != 0);
}

/* ---- stacks: alignment, depth, reuse, many at once ---- */

static void alignment_body(yl_coro_t *co, void *arg) {
  (void)co;
  char *out = arg;
  /* The ABI's 16-byte alignment at calls: printf's floating-point paths use aligned
   * vector stores on the stack, and the frame address shows it directly. */
  snprintf(out, 32, "%.3f", 2.5 * 1.25);
#if defined(__x86_64__) || defined(__aarch64__)
  CHECK_INT((uintptr_t)__builtin_frame_address(0) % 16, 0);
#endif
}

TEST(coro_stack_is_aligned) {
  char out[32] = "";
  yl_coro_t *co;
  /* Sizes that are not multiples of 16 too. */
  size_t sizes[] = {0, yl_coro_min_stack() + 8, yl_coro_min_stack() + 24};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    CHECK_INT(yl_coro_create(&co, alignment_body, out, sizes[i]), YL_OK);
    CHECK_INT(yl_coro_resume(co), YL_OK);
    CHECK_STR(out, "3.125");
    yl_coro_destroy(co);
  }
}

typedef struct deep {
  int depth;
  long sum;
  const char *lowest; /* the deepest frame's pad */
} deep;

static volatile size_t pad_size = 256; /* not a constant: a dynamic alloca */

static NOINLINE long recurse(deep *d, int n) {
  /* About 300 bytes a frame, more under sanitizers; alloca stays on the real stack
   * even where ASan moves locals to its fake stack (detect_stack_use_after_return). */
  volatile char *pad = __builtin_alloca(pad_size);
  pad[0] = 1;
  pad[255] = 1;
  if ((const char *)pad < d->lowest) d->lowest = (const char *)pad;
  long below = n > 0 ? recurse(d, n - 1) : 0;
  return below + pad[0] + pad[255];
}

static void deep_body(yl_coro_t *co, void *arg) {
  deep *d = arg;
  d->lowest = (const char *)co->stack.lo + co->stack.size;
  d->sum = recurse(d, d->depth);
  yl_coro_yield(co); /* the deep frames are gone, the stack stays usable */
  d->sum += recurse(d, 10);
}

TEST(coro_deep_recursion_within_the_stack) {
  /* 400 frames: more than the 64 KiB default holds, well within 512 KiB. */
  deep d = {.depth = 400};
  size_t size = 512 * 1024;
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, deep_body, &d, size), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(d.sum, 2 * 401); /* two per frame */
  const char *lo = co->stack.lo, *hi = lo + co->stack.size;
  CHECK(d.lowest >= lo && d.lowest < hi); /* all of it on the coroutine's stack */
  CHECK(hi - d.lowest > 64 * 1024);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(yl_coro_state(co), YL_CORO_DEAD);
  yl_coro_destroy(co);
}

static void yield_once_body(yl_coro_t *co, void *arg) {
  (void)arg;
  yl_coro_yield(co);
}

TEST(coro_stacks_are_reused_from_the_pool) {
  enum { N = YL__STACK_POOL_MAX + 36 };
  static yl_coro_t *cos[N];
  static void *first[N];
  yl__stack_pool_drain();
  for (int i = 0; i < N; i++) {
    CHECK_INT(yl_coro_create(&cos[i], yield_once_body, NULL, 0), YL_OK);
    CHECK_INT(yl_coro_resume(cos[i]), YL_OK);
    first[i] = cos[i]->stack.lo;
  }
  for (int i = 0; i < N; i++) yl_coro_destroy(cos[i]);
  /* The pool kept the first YL__STACK_POOL_MAX freed and gives them back, newest
   * first; the rest were unmapped, so later ones are new (maybe at old addresses). */
  int from_pool = 0;
  for (int i = 0; i < N; i++) {
    CHECK_INT(yl_coro_create(&cos[i], yield_once_body, NULL, 0), YL_OK);
    if (i < YL__STACK_POOL_MAX && cos[i]->stack.lo == first[YL__STACK_POOL_MAX - 1 - i]) from_pool++;
  }
  CHECK_INT(from_pool, YL__STACK_POOL_MAX);
  /* A reused stack works like a new one. */
  for (int i = 0; i < N; i++) {
    CHECK_INT(yl_coro_resume(cos[i]), YL_OK);
    CHECK_INT(yl_coro_resume(cos[i]), YL_OK);
    CHECK_INT(yl_coro_state(cos[i]), YL_CORO_DEAD);
    yl_coro_destroy(cos[i]);
  }
  /* Create then destroy: the same stack each time. */
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, yield_once_body, NULL, 0), YL_OK);
  void *lo = co->stack.lo;
  yl_coro_destroy(co);
  for (int i = 0; i < 100; i++) {
    CHECK_INT(yl_coro_create(&co, yield_once_body, NULL, 0), YL_OK);
    CHECK(co->stack.lo == lo);
    yl_coro_destroy(co);
  }
  /* Stacks of another size come from elsewhere. */
  CHECK_INT(yl_coro_create(&co, yield_once_body, NULL, 256 * 1024), YL_OK);
  CHECK(co->stack.lo != lo);
  yl_coro_destroy(co);
  yl__stack_pool_drain();
}

typedef struct slot {
  int index;
  long seen;
} slot;

static void holds_index_body(yl_coro_t *co, void *arg) {
  slot *s = arg;
  volatile int mine = s->index * 3; /* on this coroutine's stack while suspended */
  yl_coro_yield(co);
  s->seen = mine;
}

TEST(coro_ten_thousand_alive) {
  enum { N = 10000 };
  yl_coro_t **cos = calloc(N, sizeof *cos);
  slot *slots = calloc(N, sizeof *slots);
  CHECK(cos && slots);
  if (!cos || !slots) goto out;
  int made = 0;
  for (; made < N; made++) {
    slots[made].index = made;
    int r = yl_coro_create(&cos[made], holds_index_body, &slots[made], yl_coro_min_stack());
    if (r != YL_OK) {
      CHECK_INT(r, YL_OK);
      break;
    }
    CHECK_INT(yl_coro_resume(cos[made]), YL_OK);
  }
  CHECK_INT(made, N);
  for (int i = made - 1; i >= 0; i--) {
    CHECK_INT(yl_coro_resume(cos[i]), YL_OK);
    if (slots[i].seen != i * 3) {
      CHECK_INT(slots[i].seen, i * 3);
      break;
    }
  }
  for (int i = 0; i < made; i++) {
    CHECK_INT(yl_coro_state(cos[i]), YL_CORO_DEAD);
    yl_coro_destroy(cos[i]);
  }
out:
  free(cos);
  free(slots);
  yl__stack_pool_drain();
}

/* ---- destroying a suspended coroutine ---- */

typedef struct dropped {
  int before, after;
} dropped;

static NOINLINE void suspend_inside_frames(yl_coro_t *co, dropped *d, int n) {
  char local[100]; /* a frame with redzones under ASan, left poisoned */
  snprintf(local, sizeof local, "%d", n);
  if (n > 0) {
    suspend_inside_frames(co, d, n - 1);
    return;
  }
  d->before++;
  yl_coro_yield(co);
  d->after++; /* never reached */
  local[0] = 0;
}

static void dropped_body(yl_coro_t *co, void *arg) {
  dropped *d = arg;
  suspend_inside_frames(co, d, 20);
  d->after++;
}

static void touch_stack_body(yl_coro_t *co, void *arg) {
  (void)co;
  char buf[4000];
  snprintf(buf, sizeof buf, "%0*d", 3000, 7); /* libc writes over the old frames */
  *(int *)arg = (int)strlen(buf);
}

TEST(coro_destroy_suspended) {
  dropped d = {0};
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, dropped_body, &d, 0), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(d.before, 1);
  CHECK_INT(yl_coro_state(co), YL_CORO_SUSPENDED);
  void *lo = co->stack.lo;
  CHECK_INT(yl_coro_destroy(co), YL_OK);
  CHECK_INT(d.after, 0);
  /* Its stack, with the dropped frames still in it, goes to the next coroutine. */
  int len = 0;
  CHECK_INT(yl_coro_create(&co, touch_stack_body, &len, 0), YL_OK);
  CHECK(co->stack.lo == lo);
#ifdef YL__ASAN
  CHECK(__asan_region_is_poisoned(co->stack.lo, co->stack.size) == NULL);
#endif
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(len, 3000);
  yl_coro_destroy(co);
  /* Never resumed at all. */
  CHECK_INT(yl_coro_create(&co, dropped_body, &d, 0), YL_OK);
  CHECK_INT(yl_coro_destroy(co), YL_OK);
  CHECK_INT(d.before, 1);
  yl__stack_pool_drain();
}

/* ---- longjmp inside a coroutine ---- */

/* ASan unpoisons the stack a longjmp leaves, from the current frame to the top of
 * the stack it believes it is on: without the switch annotations it would take the
 * coroutine's stack for the thread's and warn ("ignoring requested
 * __asan_handle_no_return"), which tests/native.test.mjs counts as a failure. */
static volatile int do_jump = 1;

static NOINLINE void jump_from_depth(jmp_buf *jb, int n) {
  char frame[64];
  snprintf(frame, sizeof frame, "%d", n);
  if (n > 0)
    jump_from_depth(jb, n - 1);
  else if (do_jump)
    longjmp(*jb, 1);
  frame[0] = 0;
}

static NOINLINE int catch_jump(void) {
  jmp_buf jb;
  if (setjmp(jb) == 0) {
    jump_from_depth(&jb, 10);
    return 0;
  }
  return 1;
}

static void longjmp_body(yl_coro_t *co, void *arg) {
  int *caught = arg;
  *caught += catch_jump();
  yl_coro_yield(co);
  *caught += catch_jump();
}

TEST(coro_longjmp_within_a_coroutine) {
  int caught = 0;
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, longjmp_body, &caught, 0), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(caught, 1);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(caught, 2);
  CHECK_INT(yl_coro_state(co), YL_CORO_DEAD);
  yl_coro_destroy(co);
}

/* ---- threads: each has its own pool and overflow handler stack ---- */

#ifndef __EMSCRIPTEN__
#include <pthread.h>

static void *thread_main(void *arg) {
  long *sum = arg;
  exchange x = {.steps = 100};
  yl_coro_t *co;
  if (yl_coro_create(&co, running_sum_body, &x, 0) != YL_OK) return NULL;
  for (int i = 1; i <= 100; i++) {
    x.in = i;
    yl_coro_resume(co);
  }
  *sum = x.out;
  yl_coro_destroy(co); /* pooled: freed at thread exit */
  return NULL;
}
#endif

TEST(coro_in_other_threads) {
#ifndef __EMSCRIPTEN__
  pthread_t th[2];
  long sums[2] = {0, 0};
  for (int i = 0; i < 2; i++) CHECK_INT(pthread_create(&th[i], NULL, thread_main, &sums[i]), 0);
  for (int i = 0; i < 2; i++) CHECK_INT(pthread_join(th[i], NULL), 0);
  CHECK_INT(sums[0], 5050);
  CHECK_INT(sums[1], 5050);
#endif
}
