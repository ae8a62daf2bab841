/* Coroutines: creation, states and stack ownership over a switch backend. */
#include <stdlib.h>

#include "coro.h"

#ifdef __EMSCRIPTEN__
#define YL__DEFAULT_STACK (16 * 1024)
#define YL__MIN_STACK (2 * 1024)
#else
#define YL__DEFAULT_STACK (64 * 1024)
#define YL__MIN_STACK (8 * 1024)
#endif

static void coro_entry(void *arg) {
  yl_coro_t *co = arg;
  YL__ASAN_ARRIVE(co);
  co->fn(co, co->arg);
  /* The backend switches back to the last resumer once this returns. */
  YL__ASAN_LEAVE_FOR_GOOD(co);
}

int yl_coro_create(yl_coro_t **out, yl_coro_fn fn, void *arg, size_t stack_size) {
  *out = NULL;
  if (!fn) return YL_EINVAL;
  if (stack_size == 0) stack_size = YL__DEFAULT_STACK;
  if (stack_size < YL__MIN_STACK) return YL_ESTACKSIZE;
  yl_coro_t *co = calloc(1, sizeof *co);
  if (!co) return YL_ENOMEM;
  int r = yl__stack_get(&co->stack, stack_size);
  if (r < 0) {
    free(co);
    return r;
  }
  co->fn = fn;
  co->arg = arg;
  co->state = YL_CORO_SUSPENDED;
  yl__ctx_init(&co->ctx, co->stack.lo, co->stack.size, coro_entry, co);
  *out = co;
  return YL_OK;
}

int yl_coro_resume(yl_coro_t *co) {
  if (!co) return YL_EINVAL;
  if (co->state == YL_CORO_RUNNING) return YL_EBUSY;
  if (co->state == YL_CORO_DEAD) return co->error < 0 ? co->error : YL_EDEAD;
  return yl__coro_resume(co);
}

int yl_coro_yield(yl_coro_t *co) {
  if (!co || co->state != YL_CORO_RUNNING || !yl__coro_on_stack(co)) return YL_ENOTRUNNING;
  yl__coro_yield(co);
  return YL_OK;
}

yl_coro_state_t yl_coro_state(const yl_coro_t *co) { return co->state; }
void *yl_coro_arg(const yl_coro_t *co) { return co->arg; }
size_t yl_coro_stack_size(const yl_coro_t *co) { return co->stack.size; }
size_t yl_coro_min_stack(void) { return YL__MIN_STACK; }
const char *yl_backend_name(void) { return yl__ctx_backend; }

int yl_coro_destroy(yl_coro_t *co) {
  if (!co) return YL_OK;
  if (co->state == YL_CORO_RUNNING) return YL_EBUSY;
  yl__stack_put(&co->stack);
  free(co);
  return YL_OK;
}
