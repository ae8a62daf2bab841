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
  uintptr_t sp; /* C stack pointer to resume with: the top, then the one at yield */
  char *lo;     /* the stack region [lo, lo+size) */
  size_t size;
  yl__ctx_entry entry;
  void *arg;
  yl__ctx_state state;
} yl__ctx;

/* Out of line on purpose, never inline: Asyncify treats a function that calls
 * start_rewind/stop_unwind as runtime and leaves it uninstrumented, so a caller that
 * inlined resume could not itself be suspended (a loop that resumes tasks and also
 * yields, say); and code before an inlined yield would run again at every rewind. */
int yl__asyncify_resume(yl__ctx *c);
void yl__asyncify_yield(yl__ctx *c);

static inline int yl__ctx_resume(yl__ctx *c) { return yl__asyncify_resume(c); }
static inline void yl__ctx_yield(yl__ctx *c) { yl__asyncify_yield(c); }

#endif
