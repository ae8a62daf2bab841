/* Asyncify backend state (WebAssembly).
 *
 * Saves: the coroutine's wasm call frames (their live locals and where each one was
 * in its code), which Binaryen's Asyncify pass unwinds into a save buffer at a yield
 * and rewinds from it at the next resume, and the coroutine's C stack pointer.
 * Does not save or copy the coroutine's C stack (it stays in place, so pointers into
 * a suspended coroutine's stack stay valid), nor any frame of the resumer: an unwind
 * stops at the resume that ran the coroutine. Only code instrumented by the pass can
 * be suspended: see wasm/README.md for what that means for your own functions.
 *
 * Layout of the stack [lo, lo+size): a canary at lo, the save buffer above it
 * (growing up, live only while suspended) and the C stack growing down from the top.
 */
#ifndef YL_CTX_ASYNCIFY_H
#define YL_CTX_ASYNCIFY_H

#include <stddef.h>
#include <stdint.h>

typedef enum yl__ctx_state {
  YL__CTX_FRESH = 0,  /* initialised, entry not yet called */
  YL__CTX_RUNNING,    /* on the stack of its resumer, executing normally */
  YL__CTX_UNWINDING,  /* yielded: its frames are being saved on the way back to resume */
  YL__CTX_SUSPENDED,  /* saved in its buffer, can be resumed */
  YL__CTX_REWINDING,  /* resumed: its frames are being restored up to the yield */
  YL__CTX_FINISHED,   /* entry returned */
  YL__CTX_BROKEN      /* overflowed its stack or save buffer: never to run again */
} yl__ctx_state;

typedef struct yl__ctx {
  /* Binaryen's {current, end} descriptor of the saved frames, read at rewind. */
  uintptr_t rewind_current, rewind_end;
  uintptr_t sp;       /* C stack pointer at the last yield */
  uintptr_t top;      /* the top of the C stack: every entry and rewind starts there */
  uintptr_t entry_sp; /* the stack pointer in the entry function, below its frame */
  char *lo;     /* the bottom of the stack region: the canary, then the saved frames */
  yl__ctx_entry entry;
  void *arg;
  int pass; /* the value handed across the last switch */
  yl__ctx_state state;
} yl__ctx;

/* Overflow is detected at each switch and reported by resume (see ctx.h). */
#define YL__CTX_CHECKED 1

/* Binaryen's entry points, as imports the --asyncify pass resolves to its own
 * functions; the JS stubs that satisfy emcc's link check (wasm/yl_asyncify.js)
 * are never called. */
#define YL__ASYNCIFY(name) __attribute__((import_module("asyncify"), import_name(#name)))
YL__ASYNCIFY(start_unwind) void yl__asyncify_start_unwind(void *data);
YL__ASYNCIFY(stop_unwind) void yl__asyncify_stop_unwind(void);
YL__ASYNCIFY(start_rewind) void yl__asyncify_start_rewind(void *data);
YL__ASYNCIFY(stop_rewind) void yl__asyncify_stop_rewind(void);

/* The descriptor every unwind writes through (see asyncify.c). */
extern struct yl__asyncify_data {
  uintptr_t current, end;
} yl__asyncify_unwind;
extern uint64_t yl__asyncify_scratch[];
/* The suspended context whose saved frames are still in the scratch buffer, if any
 * (see asyncify.c), and the call that moves them to its own region. */
extern yl__ctx *yl__asyncify_scratch_owner;
void yl__asyncify_evict(void);

static inline void yl__ctx_release(yl__ctx *c) {
  if (yl__asyncify_scratch_owner == c) yl__asyncify_scratch_owner = NULL;
}

/* Resume stays out of line: Asyncify leaves a function that calls start_rewind or
 * stop_unwind uninstrumented, so a caller that inlined resume could not itself be
 * suspended (a loop that resumes tasks and also yields, say). */
__attribute__((noinline)) int yl__asyncify_resume(yl__ctx *c, int pass);

static inline int yl__ctx_resume(yl__ctx *c, int pass) { return yl__asyncify_resume(c, pass); }

static inline int yl__ctx_rewinding(const yl__ctx *c) { return c->state == YL__CTX_REWINDING; }
static inline int yl__ctx_unwinding(const yl__ctx *c) { return c->state == YL__CTX_UNWINDING; }

static inline uintptr_t yl__ctx_sp(void) {
  uintptr_t sp;
  __asm__ volatile(".globaltype __stack_pointer, i32\n"
                   "global.get __stack_pointer\n"
                   "local.set %0"
                   : "=r"(sp));
  return sp;
}

static inline void yl__ctx_sp_set(uintptr_t sp) {
  __asm__ volatile(".globaltype __stack_pointer, i32\n"
                   "local.get %0\n"
                   "global.set __stack_pointer" ::"r"(sp));
}

/* Stops with a message: a frame on the C stack moved between a yield and its rewind. */
__attribute__((noreturn)) void yl__asyncify_frame_moved(void);

/* The entry function and any uninstrumented trampoline it calls are run again at a
 * rewind, which starts them at the stack's top as the first resume did, so their C
 * frames (and pointers into them) come back where they were. */
static inline void yl__ctx_enter(yl__ctx *c) {
  if (c->state != YL__CTX_REWINDING) c->entry_sp = yl__ctx_sp();
  else if (yl__ctx_sp() != c->entry_sp) yl__asyncify_frame_moved();
}

/* Yield is inline so that the function that yields (a generator's yl__yield_words) calls
 * start_unwind itself and stays uninstrumented: one frame fewer to unwind and rewind
 * at every switch, about 15 ns each. Two rules follow for that function. It is called
 * again from its start when rewound, so whatever it does before yielding must test
 * yl__ctx_rewinding(). And it must have no frame on the C stack (no address-taken
 * local, no struct built in memory): rewound frames do not move the stack pointer, so
 * at a rewind it would be allocated just below the entry's frame, over the frames of
 * the coroutine's body. That is checked: at a rewind the stack pointer here must be
 * the entry function's. The rewind then ends with the stack pointer of the yield. */
static inline int yl__ctx_yield(yl__ctx *c, int pass) {
  if (c->state == YL__CTX_REWINDING) { /* called again by the rewound frames: resumed */
    if (yl__ctx_sp() != c->entry_sp) yl__asyncify_frame_moved();
    yl__ctx_sp_set(c->sp);
    yl__asyncify_stop_rewind();
    c->state = YL__CTX_RUNNING;
    return c->pass;
  }
  c->pass = pass;
  /* Unwinding skips epilogues, so the stack pointer to come back to is taken here. */
  c->sp = yl__ctx_sp();
  c->state = YL__CTX_UNWINDING;
  if (yl__asyncify_scratch_owner) yl__asyncify_evict();
  yl__asyncify_unwind.current = (uintptr_t)yl__asyncify_scratch;
  yl__asyncify_start_unwind(&yl__asyncify_unwind);
  return 0; /* to the unwinding callers, which drop it */
}

#endif
