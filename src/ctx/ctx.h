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

typedef void (*yl__ctx_entry)(void *arg);

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

/* Runs `c` until it yields (returns 1) or its entry function returns (returns 0);
 * a backend that detects a broken context (e.g. an overflowed save buffer) returns
 * a negative yl_result and the context must not be resumed again, nor must a
 * finished one. */
static inline int yl__ctx_resume(yl__ctx *c);

/* Called on `c`'s own stack: suspends it and returns when it is next resumed. */
static inline void yl__ctx_yield(yl__ctx *c);

/* The backend's name, e.g. "x86_64", for diagnostics and the playground. */
extern const char yl__ctx_backend[];

#endif
