/* Stackful coroutines: the switching layer generators and tasks are built on.
 *
 * A coroutine runs fn(co, arg) on its own stack. yl_coro_resume() runs it until it
 * calls yl_coro_yield() or fn returns; resume is asymmetric (a yield always returns
 * to the resume call that ran it), and coroutines may resume other coroutines.
 * Natively the switch is a register swap on a stack with a guard page below it (a
 * stack overflow stops the process with a message naming the coroutine and its
 * size); in WebAssembly it is Binaryen's Asyncify unwind/rewind inside the module,
 * and an overflow is reported as YL_ESTACKOVERFLOW. Stacks come from a pool and are
 * reused. Not thread-safe: use a coroutine on the thread that created it.
 */
#ifndef YL_CORO_H
#define YL_CORO_H

#include <stddef.h>

typedef struct yl_coro yl_coro_t;
typedef void (*yl_coro_fn)(yl_coro_t *co, void *arg);

typedef enum yl_coro_state {
  YL_CORO_SUSPENDED = 0, /* created, or yielded: can be resumed */
  YL_CORO_RUNNING,       /* resumed and not yet yielded (possibly resuming another) */
  YL_CORO_DEAD           /* fn returned, or its stack overflowed: cannot be resumed */
} yl_coro_state_t;

/* Default stack size: 64 KiB natively (committed lazily), 16 KiB in wasm. */
#define YL_CORO_DEFAULT_STACK 0

/* Creates a coroutine running fn(co, arg) on a stack of stack_size bytes (0: the
 * default). Returns YL_OK, YL_ESTACKSIZE if stack_size < yl_coro_min_stack(), or
 * YL_ENOMEM. */
int yl_coro_create(yl_coro_t **out, yl_coro_fn fn, void *arg, size_t stack_size);
/* Runs `co` until it yields or returns: YL_OK, YL_EBUSY if it is running, YL_EDEAD if
 * it finished, YL_ESTACKOVERFLOW if it overflowed its stack (it is then dead). */
int yl_coro_resume(yl_coro_t *co);
/* Suspends `co`, which must be the coroutine currently running (YL_ENOTRUNNING
 * otherwise); returns YL_OK when resumed. */
int yl_coro_yield(yl_coro_t *co);
/* The coroutine's state. */
yl_coro_state_t yl_coro_state(const yl_coro_t *co);
/* The user argument given at creation. */
void *yl_coro_arg(const yl_coro_t *co);
/* The usable size of its stack in bytes. */
size_t yl_coro_stack_size(const yl_coro_t *co);
/* Frees the coroutine and returns its stack to the pool. A suspended coroutine is
 * dropped where it stands (nothing on its stack runs); YL_EBUSY if it is running. */
int yl_coro_destroy(yl_coro_t *co);
/* The smallest stack size yl_coro_create() accepts. */
size_t yl_coro_min_stack(void);
/* The switch backend: "x86_64", "aarch64", "ucontext" or "asyncify". */
const char *yl_backend_name(void);

#endif
