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

/* The entry of coroutines made by yl__coro_create(). Like yl__gen_entry, both these
 * trampolines are left uninstrumented in wasm (emscripten.cmake's remove-list): when
 * the body returns because it is being unwound they return at once, touching nothing,
 * and at a rewind they are simply called again. */
static int yl__coro_entry(void *arg) {
  yl_coro_t *co = arg;
  yl__coro_enter(co);
  int r = co->body(co, co->arg);
  if (yl__ctx_unwinding(&co->ctx)) return 0;
  yl__coro_exit(co);
  return r;
}

static int yl__coro_run_fn(yl_coro_t *co, void *arg) {
  co->fn(co, arg);
  return 0;
}

int yl_coro_create(yl_coro_t **out, yl_coro_fn fn, void *arg, size_t stack_size) {
  *out = NULL;
  if (!fn) return YL_EINVAL;
  int r = yl__coro_create(out, yl__coro_run_fn, arg, stack_size);
  if (r == YL_OK) (*out)->fn = fn;
  return r;
}

/* Gives zeroed `co` a stack, suspended; the caller inits its context. */
static int coro_init(yl_coro_t *co, size_t stack_size) {
  if (stack_size == 0) stack_size = YL__DEFAULT_STACK;
  if (stack_size < YL__MIN_STACK) return YL_ESTACKSIZE;
  int r = yl__stack_get(&co->stack, stack_size);
  if (r < 0) return r;
  co->state = YL_CORO_SUSPENDED;
  return YL_OK;
}

int yl__coro_create(yl_coro_t **out, yl__coro_body body, void *arg, size_t stack_size) {
  yl_coro_t *co = calloc(1, sizeof *co);
  *out = NULL;
  if (!co) return YL_ENOMEM;
  int r = coro_init(co, stack_size);
  if (r < 0) {
    free(co);
    return r;
  }
  co->body = body;
  co->arg = arg;
  yl__ctx_init(&co->ctx, co->stack.lo, co->stack.size, yl__coro_entry, co);
  *out = co;
  return YL_OK;
}

int yl__coro_init_raw(yl_coro_t *co, yl__ctx_entry entry, void *arg, size_t stack_size) {
  *co = (yl_coro_t){0};
  int r = coro_init(co, stack_size);
  if (r < 0) return r;
  co->arg = arg;
  yl__ctx_init(&co->ctx, co->stack.lo, co->stack.size, entry, arg);
  return YL_OK;
}

void yl__coro_fini(yl_coro_t *co) {
  yl__ctx_release(&co->ctx);
  yl__stack_put(&co->stack);
}

int yl_coro_resume(yl_coro_t *co) {
  if (!co) return YL_EINVAL;
  if (co->state == YL_CORO_RUNNING) return YL_EBUSY;
  if (co->state == YL_CORO_DEAD) return co->error < 0 ? co->error : YL_EDEAD;
  co->state = YL_CORO_RUNNING;
  int r = yl__coro_resume(co, 0);
  if (YL__CTX_CHECKED && r < 0) {
    co->state = YL_CORO_DEAD;
    co->error = r;
    return r;
  }
  return YL_OK;
}

int yl_coro_yield(yl_coro_t *co) {
  if (!co || co->state != YL_CORO_RUNNING || !yl__coro_on_stack(co)) return YL_ENOTRUNNING;
  /* In wasm this function is entered again at the rewind: see ctx/asyncify.h. */
  if (!yl__ctx_rewinding(&co->ctx)) co->state = YL_CORO_SUSPENDED;
  yl__coro_yield(co, 0);
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
  yl__coro_fini(co);
  free(co);
  return YL_OK;
}
