/* Asyncify backend: coroutine switches inside a WebAssembly module, no JS per switch.
 *
 * Binaryen's Asyncify pass (run after link by emscripten.cmake) instruments every
 * function that may be on a coroutine's stack when it yields: at a yield its frames
 * return one by one, saving their live locals ("unwinding"), and at the next resume
 * they are called again and skip ahead to where they were ("rewinding"). The four
 * asyncify.* imports below are turned by the pass into internal calls.
 *
 * What is saved: the instrumented frames between resume and yield, and the C stack
 * pointer at the yield. What is not: the C stack (it stays where it is, in the
 * coroutine's own region), the resumer's frames (resume, calling stop_unwind and
 * start_rewind, is runtime code the pass leaves alone, so an unwind ends there and
 * resuming from deep in a call chain costs nothing), and uninstrumented frames (a
 * yield below one of them is undefined: see wasm/README.md). The values handed
 * across a switch (ctx.h's `pass`) travel in the struct.
 *
 * Overflow. The pass checks nothing while it unwinds: it writes the frames at
 * `current` and up, however far that goes, and traps afterwards if `current` passed
 * `end`. So the unwind goes into one scratch buffer far larger than any coroutine's
 * region (its `end` set out of reach so the pass never traps), and the result is
 * checked against the coroutine's region: it must fit between the canary and the C
 * stack pointer recorded at the yield, where it is moved when another coroutine needs
 * the scratch buffer (until then it stays there, so that resuming the coroutine that
 * yielded last copies nothing). Save data that does not fit, or a C stack that ran
 * over the canary at the region's bottom, makes resume return YL_ESTACKOVERFLOW and
 * the context dead, before anything outside the region is written. The C stack
 * itself is not bounds-checked while it runs: a frame reaching below the region is
 * only noticed at the next switch if it wrote the canary.
 */
#include <emscripten/console.h> /* _emscripten_err: through the module's printErr */
#include <stdlib.h>

#include "ctx.h"
#include "yl_error.h"

const char yl__ctx_backend[] = "asyncify";

/* The unwind scratch buffer. Each unwound frame takes 4 bytes plus its live locals
 * and also holds them in a frame of the engine's own stack (about 1 MiB in V8), so
 * an unwind that outgrows this would have overflowed the engine first. */
#ifndef YL_ASYNCIFY_SCRATCH
#define YL_ASYNCIFY_SCRATCH (1024 * 1024)
#endif
uint64_t yl__asyncify_scratch[YL_ASYNCIFY_SCRATCH / 8];
/* end out of reach: the pass must not trap, we check */
struct yl__asyncify_data yl__asyncify_unwind = {0, UINTPTR_MAX};

/* Written at the region's bottom; checked at each return to resume. */
static const uint64_t canary[2] = {0x7972616e61635f6cULL, 0x0ddba11c0ffee00dULL};

static int canary_intact(const yl__ctx *c) {
  const uint64_t *w = (const uint64_t *)c->lo;
  return w[0] == canary[0] && w[1] == canary[1];
}

void yl__ctx_init(yl__ctx *c, void *lo, size_t size, yl__ctx_entry entry, void *arg) {
  c->lo = lo;
  c->sp = c->top = ((uintptr_t)lo + size) & ~(uintptr_t)15;
  c->rewind_current = c->rewind_end = 0;
  c->entry = entry;
  c->arg = arg;
  c->state = YL__CTX_FRESH;
  uint64_t *w = lo;
  w[0] = canary[0];
  w[1] = canary[1];
}

/* The frames of the last unwind stay in the scratch buffer, owned by the context
 * they belong to, until another context needs the buffer: a generator resumed and
 * suspended in turn, the common case, then costs no copy at all. */
yl__ctx *yl__asyncify_scratch_owner;

/* Checks the frames just unwound by c against its region (they must fit between the
 * canary and the C stack pointer at the yield, as they will once evicted) and leaves
 * them in the scratch buffer, owned by c; 0 if they do not fit or the canary is gone. */
static int keep_saved_frames(yl__ctx *c) {
  size_t used = yl__asyncify_unwind.current - (uintptr_t)yl__asyncify_scratch;
  if (used > sizeof yl__asyncify_scratch) {
    /* The unwind wrote past the scratch buffer: memory is corrupt, stop now. */
    _emscripten_err("yieldloop: a coroutine's yield saved more than YL_ASYNCIFY_SCRATCH "
                    "bytes of frames; aborting");
    abort();
  }
  uintptr_t dst = (uintptr_t)c->lo + sizeof canary;
  if (!canary_intact(c) || c->sp < dst || used > c->sp - dst) return 0;
  c->rewind_current = c->rewind_end = yl__asyncify_unwind.current;
  yl__asyncify_scratch_owner = c;
  return 1;
}

/* Moves the owner's frames from the scratch buffer to its own region. */
void yl__asyncify_evict(void) {
  yl__ctx *c = yl__asyncify_scratch_owner;
  size_t used = c->rewind_current - (uintptr_t)yl__asyncify_scratch;
  /* The pass saves 4-byte units; copying by 8 is measurably faster than by 4. */
  uint64_t *to = (uint64_t *)((uintptr_t)c->lo + sizeof canary);
  for (size_t i = 0; i < used / 8; i++) to[i] = yl__asyncify_scratch[i];
  if (used & 4) ((uint32_t *)to)[used / 4 - 1] = ((const uint32_t *)yl__asyncify_scratch)[used / 4 - 1];
  c->rewind_current = c->rewind_end = (uintptr_t)to + used;
  yl__asyncify_scratch_owner = NULL;
}

void yl__asyncify_frame_moved(void) {
  _emscripten_err("yieldloop: a frame on a coroutine's C stack moved at a resume (the function "
                  "that yields, or an uninstrumented one on the way to it, has a stack frame); "
                  "see src/ctx/asyncify.h");
  abort();
}

int yl__asyncify_resume(yl__ctx *c, int pass) {
  uintptr_t caller_sp = yl__ctx_sp();
  c->pass = pass;
  yl__ctx_sp_set(c->top);
  if (c->state == YL__CTX_SUSPENDED) {
    c->state = YL__CTX_REWINDING;
    if (yl__asyncify_scratch_owner == c) yl__asyncify_scratch_owner = NULL; /* consumed now */
    yl__asyncify_start_rewind(&c->rewind_current);
  } else {
    c->state = YL__CTX_RUNNING;
  }
  int result = c->entry(c->arg); /* meaningless if it yielded */
  yl__ctx_sp_set(caller_sp);
  if (c->state == YL__CTX_UNWINDING) {
    yl__asyncify_stop_unwind();
    if (keep_saved_frames(c)) {
      c->state = YL__CTX_SUSPENDED;
      return c->pass;
    }
  } else if (canary_intact(c)) {
    c->state = YL__CTX_FINISHED;
    return result;
  }
  c->state = YL__CTX_BROKEN;
  return YL_ESTACKOVERFLOW;
}

