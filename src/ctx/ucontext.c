/* ucontext backend: makecontext/swapcontext. Portable and slow (glibc's swapcontext
 * saves the signal mask with a system call per switch); used where no hand-written
 * switch exists and as a cross-check of the others. */
#include <stdint.h>

#include "ctx.h"

const char yl__ctx_backend[] = "ucontext";

/* makecontext passes int arguments only: the context pointer travels in two halves. */
static void trampoline(unsigned hi, unsigned lo) {
  yl__ctx *c = (yl__ctx *)(((uintptr_t)hi << 16 << 16) | (uintptr_t)lo);
  c->pass = c->entry(c->arg);
  /* uc_link returns to `caller`, the context of the last resume. */
}

void yl__ctx_init(yl__ctx *c, void *lo, size_t size, yl__ctx_entry entry, void *arg) {
  uintptr_t p = (uintptr_t)c;
  c->entry = entry;
  c->arg = arg;
  c->pass = 0;
  getcontext(&c->self);
  c->self.uc_stack.ss_sp = lo;
  c->self.uc_stack.ss_size = size;
  c->self.uc_link = &c->caller;
  makecontext(&c->self, (void (*)(void))trampoline, 2, (unsigned)(p >> 16 >> 16), (unsigned)p);
}
