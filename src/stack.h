/* Coroutine stacks: allocation with overflow protection, and a pool for reuse.
 *
 * Natively a stack is mmap'd with a PROT_NONE guard page below it; an overflow into
 * a guard page is caught by a SIGSEGV/SIGBUS handler (on an alternate signal stack)
 * that names the stack's size and address before aborting. In wasm a stack is plain
 * linear memory and the Asyncify backend checks it at each switch.
 *
 * Freed stacks go to a per-thread pool (up to YL__STACK_POOL_MAX of each size) and
 * are handed out again, newest first. Not thread-safe beyond that: a stack is
 * returned on the thread that got it.
 */
#ifndef YL_STACK_H
#define YL_STACK_H

#include <stddef.h>

/* Defined when building with AddressSanitizer (gcc or clang); coro.h uses it too. */
#if defined(__SANITIZE_ADDRESS__)
#define YL__ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define YL__ASAN 1
#endif
#endif

typedef struct yl__stack {
  void *lo;    /* lowest usable address */
  size_t size; /* usable bytes above lo: the size asked for, rounded up to 16 */
  struct yl__stack_map *map; /* the mapping it lies in (stack.c's bookkeeping) */
} yl__stack;

/* Freed stacks kept per size, and distinct sizes kept, per thread. */
#define YL__STACK_POOL_MAX 64
#define YL__STACK_POOL_SIZES 8

/* Gets a stack of `size` usable bytes from the pool or the system: YL_OK or
 * YL_ENOMEM. The first call on a thread also installs the overflow handler. */
int yl__stack_get(yl__stack *s, size_t size);
/* Returns a stack to the pool (or the system, beyond the pool's bound). */
void yl__stack_put(yl__stack *s);
/* Frees every stack pooled by the calling thread (tests call it to prove nothing
 * leaks). */
void yl__stack_pool_drain(void);

#endif
