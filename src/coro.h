/* Coroutine internals shared by the layers built on coroutines (generators, tasks).
 * The hot path (resume and yield) is inline here so a generator switch adds no call
 * frames: under Asyncify every frame between resume and yield costs time per switch. */
#ifndef YL_CORO_INT_H
#define YL_CORO_INT_H

#include "ctx/ctx.h"
#include "stack.h"
#include "yl_coro.h"
#include "yl_error.h"

struct yl_coro {
  yl__ctx ctx;
  yl_coro_state_t state;
  int error; /* why it died abnormally (YL_ESTACKOVERFLOW), else YL_OK */
  yl_coro_fn fn;
  void *arg;
  yl__stack stack;
#ifdef YL__ASAN
  struct {
    void *resumer_fake; /* the resumer's fake stack while co runs */
    void *own_fake;     /* co's fake stack while it is switched out */
    const void *resumer_lo; /* the stack co returns to at its next yield */
    size_t resumer_size;
  } asan;
#endif
};

/* AddressSanitizer must be told of every switch, on both sides, or it keeps the
 * wrong stack for the current one: a longjmp (any no-return call) on a coroutine's
 * stack makes it warn and skip unpoisoning, fake stacks (detect_stack_use_after_return)
 * get mixed up between coroutines, and its reports unwind the wrong stack. Each side
 * starts the switch just before it (naming the stack it goes to) and finishes it
 * just after, once back (learning which stack it came from). Nothing without ASan. */
#ifdef YL__ASAN
#include <sanitizer/common_interface_defs.h>
/* On the resumer's side of resume. */
#define YL__ASAN_RESUME_START(co) \
  __sanitizer_start_switch_fiber(&(co)->asan.resumer_fake, (co)->stack.lo, (co)->stack.size)
#define YL__ASAN_RESUME_FINISH(co) __sanitizer_finish_switch_fiber((co)->asan.resumer_fake, NULL, NULL)
/* On co's side: leaving at a yield, or for good when fn returned (NULL: its fake
 * stack is freed), and arriving at its first resume or after a yield. */
#define YL__ASAN_LEAVE(co) \
  __sanitizer_start_switch_fiber(&(co)->asan.own_fake, (co)->asan.resumer_lo, (co)->asan.resumer_size)
#define YL__ASAN_LEAVE_FOR_GOOD(co) \
  __sanitizer_start_switch_fiber(NULL, (co)->asan.resumer_lo, (co)->asan.resumer_size)
#define YL__ASAN_ARRIVE(co) \
  __sanitizer_finish_switch_fiber((co)->asan.own_fake, &(co)->asan.resumer_lo, &(co)->asan.resumer_size)
#else
#define YL__ASAN_RESUME_START(co) ((void)0)
#define YL__ASAN_RESUME_FINISH(co) ((void)0)
#define YL__ASAN_LEAVE(co) ((void)0)
#define YL__ASAN_LEAVE_FOR_GOOD(co) ((void)0)
#define YL__ASAN_ARRIVE(co) ((void)0)
#endif

/* Fast resume: `co` must be suspended. Returns YL_OK or YL_ESTACKOVERFLOW. */
static inline int yl__coro_resume(yl_coro_t *co) {
  co->state = YL_CORO_RUNNING;
  YL__ASAN_RESUME_START(co);
  int r = yl__ctx_resume(&co->ctx);
  YL__ASAN_RESUME_FINISH(co);
  if (r > 0) {
    co->state = YL_CORO_SUSPENDED;
    return YL_OK;
  }
  co->state = YL_CORO_DEAD;
  co->error = r;
  return r;
}

/* Fast yield: `co` must be the running coroutine. */
static inline void yl__coro_yield(yl_coro_t *co) {
  YL__ASAN_LEAVE(co);
  yl__ctx_yield(&co->ctx);
  YL__ASAN_ARRIVE(co);
}

/* True if the calling code runs on co's stack. */
static inline int yl__coro_on_stack(const yl_coro_t *co) {
#ifdef YL__ASAN
  /* A local's address may be on ASan's fake stack (detect_stack_use_after_return). */
  const char *p = (const char *)__builtin_frame_address(0);
#else
  char probe;
  const char *p = (const char *)&probe;
#endif
  return p >= (const char *)co->stack.lo && p < (const char *)co->stack.lo + co->stack.size;
}

#endif
