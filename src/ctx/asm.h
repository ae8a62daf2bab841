/* Context state of the hand-written register switches (ctx/x86_64.c, ctx/aarch64.c).
 *
 * Both switches are one assembly routine, yl__ctx_switch(save, to, pass): it pushes
 * the callee-saved registers and the return address on the current stack, stores
 * the stack pointer in *save, loads `to` as the stack pointer, pops the other side's
 * registers and jumps (not returns) to its saved address, with `pass` as the return
 * value there. Everything a context has while switched out is on its own stack; the
 * struct holds two stack pointers.
 *
 * resume and yield are static inline so that a generator step costs one call: the
 * compiler sees a plain function call, so it spills only what is live across it and
 * the switch itself saves only the callee-saved registers.
 */
#ifndef YL_CTX_ASM_H
#define YL_CTX_ASM_H

typedef struct yl__ctx {
  void *sp;     /* the context's stack pointer while it is switched out */
  void *caller; /* the resumer's stack pointer while the context runs */
} yl__ctx;

/* The trampoline reads `caller` at a fixed offset (checked with _Static_assert). */
#define YL__CTX_OFF_CALLER 8

/* Saves the current registers and stack pointer in *save and continues the context
 * whose stack pointer is `to`, handing it `pass`; returns, when some context
 * switches back to *save, the value that one passed. The value travels in the
 * return register, so a caller whose last act is the switch compiles to a tail call
 * and no `ret` runs between two switches: each such `ret` would be mispredicted,
 * the return-stack predictor holding the other side's calls. */
__attribute__((visibility("hidden"))) int yl__ctx_switch(void **save, void *to, int pass);

#define YL__CTX_CHECKED 0 /* an overflow hits the guard page: nothing to report here */

static inline int yl__ctx_rewinding(const yl__ctx *c) { return (void)c, 0; }
static inline int yl__ctx_unwinding(const yl__ctx *c) { return (void)c, 0; }
static inline void yl__ctx_enter(yl__ctx *c) { (void)c; }
static inline void yl__ctx_release(yl__ctx *c) { (void)c; }

/* The stack pointer itself: reading it needs no frame (a local's address would, and
 * under ASan a local may live on its fake stack). */
static inline uintptr_t yl__ctx_sp(void) {
  uintptr_t sp;
#if defined(__x86_64__)
  __asm__("movq %%rsp, %0" : "=r"(sp));
#else
  __asm__("mov %0, sp" : "=r"(sp));
#endif
  return sp;
}

static inline int yl__ctx_resume(yl__ctx *c, int pass) { return yl__ctx_switch(&c->caller, c->sp, pass); }

static inline int yl__ctx_yield(yl__ctx *c, int pass) { return yl__ctx_switch(&c->sp, c->caller, pass); }

#endif
