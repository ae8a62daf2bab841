/* Coroutine internals shared by the layers built on coroutines (generators, tasks).
 * The hot path (resume and yield) is inline here so a generator switch adds no call
 * frames (under Asyncify every frame between resume and yield costs time per switch)
 * and, natively, compiles to a tail call into the switch (see ctx/ctx.h). */
#ifndef YL_CORO_INT_H
#define YL_CORO_INT_H

#include "ctx/ctx.h"
#include "stack.h"
#include "yl_coro.h"
#include "yl_error.h"

/* What an internal coroutine runs; its result is what the last resume returns. */
typedef int (*yl__coro_body)(yl_coro_t *co, void *arg);

struct yl_coro {
  yl__ctx ctx;
  yl_coro_state_t state;
  int error; /* why it died abnormally (YL_ESTACKOVERFLOW), else YL_OK */
  yl__coro_body body;
  yl_coro_fn fn; /* a public coroutine's function, run by its body */
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

/* Creates a coroutine running body(co, arg); as yl_coro_create. */
int yl__coro_create(yl_coro_t **out, yl__coro_body body, void *arg, size_t stack_size);

/* Initialises `co`, memory its owner holds (a generator embeds its coroutine, so a
 * switch reaches the context in one load, not through a pointer), as a suspended
 * coroutine whose stack runs entry(arg) itself, with no wrapper frame (under
 * Asyncify each frame costs time at every switch). entry must call yl__coro_enter()
 * first and yl__coro_exit() last, when its result is final. YL_OK, YL_ESTACKSIZE or
 * YL_ENOMEM (co is then left as yl__coro_has_stack() reports: without a stack). */
int yl__coro_init_raw(yl_coro_t *co, yl__ctx_entry entry, void *arg, size_t stack_size);

/* Releases the stack of a coroutine made by yl__coro_init_raw() that is not running;
 * co may be initialised again. */
void yl__coro_fini(yl_coro_t *co);

/* Whether `co` (initialised, or zeroed memory) holds a stack: between a successful
 * yl__coro_init_raw() and yl__coro_fini(). */
static inline int yl__coro_has_stack(const yl_coro_t *co) { return co->stack.lo != NULL; }

static inline void yl__coro_enter(yl_coro_t *co) {
  yl__ctx_enter(&co->ctx);
  YL__ASAN_ARRIVE(co);
}

static inline void yl__coro_exit(yl_coro_t *co) {
  co->state = YL_CORO_DEAD;
  /* The backend switches back to the last resumer once the entry returns. */
  YL__ASAN_LEAVE_FOR_GOOD(co);
}

/* The fast switches below leave co->state alone: it is the public API's record
 * (yl_coro_*), and an internal owner such as a generator keeps its own. */

/* Fast resume of a suspended `co`, handing it `pass`: returns what it hands back
 * (yl__coro_yield's `pass`, or its body's result once finished, when it is dead), or
 * with YL__CTX_CHECKED a negative yl_result if it broke (the caller marks it dead). */
static inline int yl__coro_resume(yl_coro_t *co, int pass) {
#ifdef YL__ASAN
  YL__ASAN_RESUME_START(co);
  int r = yl__ctx_resume(&co->ctx, pass);
  YL__ASAN_RESUME_FINISH(co);
  return r;
#else
  return yl__ctx_resume(&co->ctx, pass);
#endif
}

/* Fast yield of the running `co`, handing `pass` to its resumer; returns the `pass`
 * of the resume that continues it. Like yl__ctx_yield(), the function it is inlined
 * into may be entered again at a rewind: see yl__ctx_rewinding(). */
static inline int yl__coro_yield(yl_coro_t *co, int pass) {
#ifdef YL__ASAN
  YL__ASAN_LEAVE(co);
  int r = yl__ctx_yield(&co->ctx, pass);
  YL__ASAN_ARRIVE(co);
  return r;
#else
  return yl__ctx_yield(&co->ctx, pass);
#endif
}

/* True if the calling code runs on co's stack. */
static inline int yl__coro_on_stack(const yl_coro_t *co) {
  /* (lo, lo+size], in one unsigned compare: a stack pointer at the top is a
   * coroutine whose frames use no C stack yet; a stack not held (size 0) has none */
  return yl__ctx_sp() - (uintptr_t)co->stack.lo - 1 < co->stack.size;
}

#endif
