/* The switch backends' one internal interface.
 *
 * A context is an execution stack that is entered asymmetrically: yl__ctx_resume()
 * runs it, on its own stack, until it calls yl__ctx_yield() or its entry function
 * returns; yl__ctx_yield() hands control back to whoever resumed it and returns when
 * it is resumed again. Nothing here knows about generators, values or errors: the
 * coroutine layer (src/coro.c) owns states, stacks and sanitizer annotations.
 *
 * Each backend lives in one file and defines `struct yl__ctx` in its own header:
 *   ctx/x86_64.*   hand-written register switch (System V x86-64)
 *   ctx/aarch64.*  hand-written register switch (AAPCS64)
 *   ctx/ucontext.* POSIX makecontext/swapcontext, the portable fallback
 *   ctx/asyncify.* WebAssembly: Binaryen Asyncify unwind/rewind inside the module
 * CMake compiles exactly one of them; the choice below mirrors it.
 */
#ifndef YL_CTX_H
#define YL_CTX_H

#include <stddef.h>
#include <stdint.h>

/* A context's entry function; its result is what the last resume returns. */
typedef int (*yl__ctx_entry)(void *arg);

#if defined(__EMSCRIPTEN__)
#include "asyncify.h"
#elif defined(YL_CTX_UCONTEXT)
#include "ucontext.h"
#elif defined(__x86_64__) || defined(__aarch64__)
#include "asm.h"
#else
#include "ucontext.h"
#endif

/* Prepares `c` to run entry(arg) on the stack [lo, lo+size) at its first resume. */
void yl__ctx_init(yl__ctx *c, void *lo, size_t size, yl__ctx_entry entry, void *arg);

/* Runs `c`, handing it `pass` (the result of its pending yl__ctx_yield; ignored by a
 * first resume), until it yields or its entry returns. Returns what `c` hands back:
 * the `pass` of that yield, or the entry's result. A finished context must not be
 * resumed again. A backend defining YL__CTX_CHECKED as 1 may instead return a
 * negative yl_result (YL_ESTACKOVERFLOW) when the context broke; it is then dead.
 *
 * Both calls carry their value in the return register so that a caller whose last
 * act is the switch compiles to a tail call: natively no `ret` then runs between two
 * switches, and each one that does is mispredicted (the return-stack predictor holds
 * the other side's calls). Bookkeeping for the other side is therefore done before
 * switching, by whoever switches. */
static inline int yl__ctx_resume(yl__ctx *c, int pass);

/* Called on `c`'s own stack: suspends it, handing `pass` to its resumer, and returns
 * the `pass` of the resume that continues it. */
static inline int yl__ctx_yield(yl__ctx *c, int pass);

/* True while `c` is being resumed back into a pending yield. Asyncify does that by
 * calling the function that yielded again from its start (the function holding the
 * switch is not instrumented, so nothing in it is skipped), so code that runs before
 * a yield must test this and do nothing the second time. Always 0 natively. */
static inline int yl__ctx_rewinding(const yl__ctx *c);

/* Called before the memory of a context that will not run again is freed. */
static inline void yl__ctx_release(yl__ctx *c);

/* Called first thing by a context's entry function (and by nothing else). */
static inline void yl__ctx_enter(yl__ctx *c);

/* True while `c`'s frames are being unwound after a yield (Asyncify): a function
 * that calls into a coroutine's frames without being instrumented itself (an entry
 * trampoline, on Asyncify's remove-list) sees its callee return early and must then
 * return at once, touching nothing. Always 0 natively. */
static inline int yl__ctx_unwinding(const yl__ctx *c);

/* An address in the current frame of the current stack, without giving the caller a
 * frame in memory (in wasm, the function that yields must have none: see asyncify.h). */
static inline uintptr_t yl__ctx_sp(void);

/* The backend's name, e.g. "x86_64", for diagnostics and the playground. */
extern const char yl__ctx_backend[];

#endif
