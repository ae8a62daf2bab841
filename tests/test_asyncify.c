/* The Asyncify backend's specifics (src/ctx/asyncify.c), through the public coroutine
 * API: what a yield saves, calls through pointers, setjmp, and overflow of the C stack
 * or of the save buffer reported as YL_ESTACKOVERFLOW, never a trap or corruption.
 * The tests that need no overflow run on every backend; the others only in wasm
 * (natively an overflow hits the guard page below the stack instead). */
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coro.h"
#include "test.h"
#include "yieldloop.h"

#define NOINLINE __attribute__((noinline))

/* ---- what a yield keeps ---- */

/* Twenty i64 locals, all live across the recursive call and the yield at the bottom
 * (reached through a pointer): in wasm they are wasm locals, saved by the unwind, not
 * on the C stack. */
static volatile int64_t seed[20];

typedef void (*yield_fn)(void *to);

static NOINLINE int64_t many_locals(yield_fn yield, void *to, int n) {
  int64_t a0 = seed[0] * n, a1 = seed[1] * n, a2 = seed[2] * n, a3 = seed[3] * n;
  int64_t a4 = seed[4] * n, a5 = seed[5] * n, a6 = seed[6] * n, a7 = seed[7] * n;
  int64_t a8 = seed[8] * n, a9 = seed[9] * n, b0 = seed[10] * n, b1 = seed[11] * n;
  int64_t b2 = seed[12] * n, b3 = seed[13] * n, b4 = seed[14] * n, b5 = seed[15] * n;
  int64_t b6 = seed[16] * n, b7 = seed[17] * n, b8 = seed[18] * n, b9 = seed[19] * n;
  int64_t r;
  if (n == 0) {
    yield(to);
    r = 0;
  } else {
    r = many_locals(yield, to, n - 1);
  }
  return r + a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + b0 + b1 + b2 + b3 + b4 + b5 + b6 +
         b7 + b8 + b9;
}

static void coro_yield_to(void *co) { yl_coro_yield(co); }

typedef struct locals_run {
  int depth;
  int64_t result;
} locals_run;

static void many_locals_body(yl_coro_t *co, void *arg) {
  locals_run *run = arg;
  run->result = many_locals(coro_yield_to, co, run->depth);
}

/* sum(seed) * (0 + 1 + ... + depth) */
static int64_t many_locals_expected(int depth) {
  int64_t s = 0;
  for (int i = 0; i < 20; i++) s += seed[i];
  return s * depth * (depth + 1) / 2;
}

TEST(asyncify_live_locals_survive_a_yield) {
  for (int i = 0; i < 20; i++) seed[i] = (int64_t)(i + 1) << (i + 12);
  locals_run run = {.depth = 8, .result = -1};
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, many_locals_body, &run, 0), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(yl_coro_state(co), YL_CORO_SUSPENDED);
  CHECK_INT(run.result, -1);
  seed[0] = 0; /* read before the yield: the frames must not see it */
  CHECK_INT(yl_coro_resume(co), YL_OK);
  seed[0] = (int64_t)1 << 12;
  CHECK_INT(yl_coro_state(co), YL_CORO_DEAD);
  CHECK_INT(run.result, many_locals_expected(8));
  yl_coro_destroy(co);
}

/* A local on the suspended coroutine's stack, written by the resumer meanwhile: the
 * backend does not move or copy the C stack. */
typedef struct mailbox {
  volatile int *slot;
  int seen;
} mailbox;

static void mailbox_body(yl_coro_t *co, void *arg) {
  mailbox *m = arg;
  volatile int local = 1;
  m->slot = &local;
  yl_coro_yield(co);
  m->seen = local;
}

TEST(asyncify_pointers_into_a_suspended_stack_stay_valid) {
  mailbox m = {0};
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, mailbox_body, &m, 0), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK(m.slot != NULL);
  if (m.slot) *m.slot = 42;
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(m.seen, 42);
  yl_coro_destroy(co);
}

/* Yields inside functions called through pointers: a generator's body and a loop's
 * callbacks are such calls, so the wasm build must not ignore indirect calls. */
typedef int (*step_fn)(yl_coro_t *co, int x);

static NOINLINE int twice_then_yield(yl_coro_t *co, int x) {
  yl_coro_yield(co);
  return 2 * x;
}

static NOINLINE int add_then_yield(yl_coro_t *co, int x) {
  yl_coro_yield(co);
  return x + 1;
}

static step_fn volatile steps[2] = {twice_then_yield, add_then_yield};

static void indirect_body(yl_coro_t *co, void *arg) {
  int *x = arg;
  for (int i = 0; i < 6; i++) *x = steps[i % 2](co, *x);
}

TEST(asyncify_yield_through_function_pointers) {
  int x = 1;
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, indirect_body, &x, 0), YL_OK);
  int resumes = 0;
  while (yl_coro_state(co) == YL_CORO_SUSPENDED && resumes < 10) {
    CHECK_INT(yl_coro_resume(co), YL_OK);
    resumes++;
  }
  CHECK_INT(resumes, 7);
  CHECK_INT(x, 15); /* ((1*2+1)*2+1)*2+1 */
  yl_coro_destroy(co);
}

/* ---- setjmp ---- */

/* A yield between setjmp and longjmp. In wasm, Emscripten's setjmp makes the calls
 * after it through JS (invoke_*), which emscripten.cmake tells the Asyncify pass may
 * unwind. (A longjmp out of the coroutine, to its resumer, cannot work anywhere.) */
static jmp_buf jump_buf;

static NOINLINE void yield_then_jump(yl_coro_t *co) {
  yl_coro_yield(co);
  longjmp(jump_buf, 7);
}

static void setjmp_body(yl_coro_t *co, void *arg) {
  int *got = arg;
  int r = setjmp(jump_buf);
  if (r == 0) {
    yield_then_jump(co);
    *got = -1; /* not reached */
  } else {
    *got = r;
  }
}

TEST(asyncify_yield_between_setjmp_and_longjmp) {
  int got = 0;
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, setjmp_body, &got, 0), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(yl_coro_state(co), YL_CORO_SUSPENDED);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(got, 7);
  CHECK_INT(yl_coro_state(co), YL_CORO_DEAD);
  yl_coro_destroy(co);
}

/* ---- wasm only: overflow ---- */

#ifdef __EMSCRIPTEN__
/* The coroutine's stack pointer now (wasm's __stack_pointer global). */
static inline char *stack_pointer(void) {
  char *sp;
  __asm__ volatile(".globaltype __stack_pointer, i32\n"
                   "global.get __stack_pointer\n"
                   "local.set %0"
                   : "=r"(sp));
  return sp;
}

/* Recursion with an address-taken buffer per frame (on the C stack) down to `margin`
 * bytes above the stack's bottom, then a yield: those frames' saved state needs more
 * room than is left below the stack pointer. */
typedef struct dig {
  size_t margin;
  int depth, result;
} dig;

static NOINLINE int dig_then_yield(yl_coro_t *co, dig *d, int depth) {
  volatile char buf[64];
  buf[0] = (char)depth;
  int r;
  if ((uintptr_t)buf - (uintptr_t)co->stack.lo > d->margin) {
    r = dig_then_yield(co, d, depth + 1);
  } else {
    d->depth = depth;
    yl_coro_yield(co);
    r = 0;
  }
  return r + buf[0];
}

static void dig_body(yl_coro_t *co, void *arg) {
  dig *d = arg;
  d->result = dig_then_yield(co, d, 0);
}

/* Fills the C stack from the current stack pointer down to `keep` bytes above the
 * stack's bottom, exactly: a frame as big as the rest of the stack. */
typedef struct fill {
  size_t keep;
  int done;
} fill;

static void fill_body(yl_coro_t *co, void *arg) {
  fill *f = arg;
  uintptr_t bottom = (uintptr_t)co->stack.lo + f->keep;
  size_t n = (uintptr_t)stack_pointer() - bottom;
  char *p = __builtin_alloca(n); /* sizes are multiples of 16: p == bottom */
  __asm__ volatile("" : "+r"(p)); /* hide p's origin, or the stores are optimized away */
  memset(p, 0x5a, n);
  __asm__ volatile("" ::"r"(p) : "memory");
  f->done = (uintptr_t)p == bottom;
}
#endif

TEST(asyncify_c_stack_overflow_is_reported) {
#ifdef __EMSCRIPTEN__
  enum { SIZE = 4096 };
  /* Control: with a stack four times as big the same frames fit. */
  dig d = {.margin = 3 * SIZE + 200};
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, dig_body, &d, 4 * SIZE), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  int depth = d.depth;
  CHECK(depth > 20);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(d.result, depth * (depth + 1) / 2);
  CHECK_INT(yl_coro_state(co), YL_CORO_DEAD);
  yl_coro_destroy(co);

  /* The same depth with 200 bytes left: no room to save the frames. */
  d = (dig){.margin = 200};
  CHECK_INT(yl_coro_create(&co, dig_body, &d, SIZE), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_ESTACKOVERFLOW);
  CHECK(d.depth > 20);
  CHECK_INT(yl_coro_state(co), YL_CORO_DEAD);
  CHECK_INT(yl_coro_resume(co), YL_ESTACKOVERFLOW); /* and it stays so */
  CHECK_INT(yl_coro_destroy(co), YL_OK);
#endif
}

TEST(asyncify_c_stack_reaching_the_bottom_is_reported) {
#ifdef __EMSCRIPTEN__
  /* Everything but the 16 bytes at the bottom (the canary) may be used... */
  fill f = {.keep = 16};
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, fill_body, &f, 4096), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(f.done, 1);
  CHECK_INT(yl_coro_state(co), YL_CORO_DEAD);
  yl_coro_destroy(co);
  /* ...but not the whole stack. */
  f = (fill){.keep = 0};
  CHECK_INT(yl_coro_create(&co, fill_body, &f, 4096), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_ESTACKOVERFLOW);
  CHECK_INT(f.done, 1);
  CHECK_INT(yl_coro_state(co), YL_CORO_DEAD);
  yl_coro_destroy(co);
#endif
}

TEST(asyncify_save_buffer_overflow_is_reported) {
#ifdef __EMSCRIPTEN__
  for (int i = 0; i < 20; i++) seed[i] = i + 1;
  /* 100 frames of 20 live i64 locals: some 16 KiB to save, in a 4 KiB stack. These
   * frames take no C stack at all: only the save at the yield can notice. */
  locals_run run = {.depth = 100, .result = -1};
  yl_coro_t *co;
  CHECK_INT(yl_coro_create(&co, many_locals_body, &run, 4096), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_ESTACKOVERFLOW);
  CHECK_INT(yl_coro_state(co), YL_CORO_DEAD);
  CHECK_INT(yl_coro_resume(co), YL_ESTACKOVERFLOW);
  CHECK_INT(run.result, -1);
  CHECK_INT(yl_coro_destroy(co), YL_OK);

  /* Nothing outside was written: the heap and a new coroutine work, and the same
   * frames fit in a 32 KiB stack. */
  void *blocks[64];
  for (int i = 0; i < 64; i++) blocks[i] = malloc(96 + i);
  for (int i = 0; i < 64; i++) free(blocks[i]);
  run = (locals_run){.depth = 100, .result = -1};
  CHECK_INT(yl_coro_create(&co, many_locals_body, &run, 32 * 1024), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(yl_coro_resume(co), YL_OK);
  CHECK_INT(run.result, many_locals_expected(100));
  yl_coro_destroy(co);
#endif
}

#ifdef __EMSCRIPTEN__
static void gen_yield_to(void *g) {
  yl_value_t in;
  yl_yield(g, yl_none(), &in);
  yl_value_drop(in);
}

static yl_value_t deep_gen_body(yl_gen_t *g, void *arg) {
  return yl_int(many_locals(gen_yield_to, g, *(int *)arg));
}
#endif

TEST(asyncify_generator_overflow_is_a_runtime_error) {
#ifdef __EMSCRIPTEN__
  for (int i = 0; i < 20; i++) seed[i] = i + 1;
  int depth = 100;
  yl_gen_t *g = yl_gen_new_sized("deep", deep_gen_body, &depth, 4096);
  CHECK(g != NULL);
  if (!g) return;
  yl_value_t v;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_ERROR);
  char msg[256] = "";
  if (v.type == YL_EXC) yl_exc_format(v.as.exc, msg, sizeof msg);
  CHECK(strstr(msg, "RuntimeError: generator 'deep' overflowed") == msg);
  yl_value_drop(v);
  CHECK_INT(yl_gen_state(g), YL_GEN_CLOSED);
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_RETURN); /* exhausted, as after any exception */
  CHECK_REPR(v, "None");
  yl_gen_free(g);
#endif
}
