/* ucontext backend state: the portable fallback (a system call per switch). */
#ifndef YL_CTX_UCONTEXT_H
#define YL_CTX_UCONTEXT_H

#include <ucontext.h>

typedef struct yl__ctx {
  ucontext_t self;   /* the coroutine's registers while it is switched out */
  ucontext_t caller; /* the resumer's registers while the coroutine runs */
  yl__ctx_entry entry;
  void *arg;
  int finished;
} yl__ctx;

static inline int yl__ctx_resume(yl__ctx *c) {
  swapcontext(&c->caller, &c->self);
  return !c->finished;
}

static inline void yl__ctx_yield(yl__ctx *c) { swapcontext(&c->self, &c->caller); }

#endif
