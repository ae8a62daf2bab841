/* ucontext backend state: the portable fallback (a system call per switch). */
#ifndef YL_CTX_UCONTEXT_H
#define YL_CTX_UCONTEXT_H

#include <ucontext.h>

typedef struct yl__ctx {
  ucontext_t self;   /* the coroutine's registers while it is switched out */
  ucontext_t caller; /* the resumer's registers while the coroutine runs */
  yl__ctx_entry entry;
  void *arg;
  int pass; /* the value handed across the last switch */
} yl__ctx;

#define YL__CTX_CHECKED 0

static inline int yl__ctx_rewinding(const yl__ctx *c) { return (void)c, 0; }
static inline int yl__ctx_unwinding(const yl__ctx *c) { return (void)c, 0; }
static inline void yl__ctx_enter(yl__ctx *c) { (void)c; }
static inline void yl__ctx_release(yl__ctx *c) { (void)c; }

/* The frame address, not a local's: under ASan a local may live on its fake stack. */
static inline uintptr_t yl__ctx_sp(void) { return (uintptr_t)__builtin_frame_address(0); }

static inline int yl__ctx_resume(yl__ctx *c, int pass) {
  c->pass = pass;
  swapcontext(&c->caller, &c->self);
  return c->pass;
}

static inline int yl__ctx_yield(yl__ctx *c, int pass) {
  c->pass = pass;
  swapcontext(&c->self, &c->caller);
  return c->pass;
}

#endif
