/* Overflows a coroutine's stack on purpose: the process must die by SIGABRT after
 * printing
 *   yieldloop: coroutine stack overflow (stack of 16384 bytes at 0x...); create the
 *   coroutine with a larger stack
 * on stderr. tests/native.test.mjs runs it in a child process for each native build.
 *
 * Usage: yl_overflow [main|thread|nested|segv]
 *   main    (default) among other coroutines, one recurses without end
 *   thread  the same on a second thread (its own alternate signal stack)
 *   nested  in a coroutine resumed by another coroutine
 *   segv    a coroutine reads through a NULL pointer: not an overflow, so the
 *           handler must pass it on and the process die by SIGSEGV, with no message
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "yieldloop.h"

#define OVERFLOW_STACK (16 * 1024)

static volatile int sink;
static volatile int forever = 1; /* for the compiler, the recursion might end */

/* Not a tail call and not foldable: each level keeps a frame of ~300 bytes. */
__attribute__((noinline)) static int dive(int n) {
  volatile char pad[256];
  pad[0] = (char)n;
  pad[255] = 1;
  return (forever ? dive(n + 1) : 0) + pad[0] + pad[255];
}

static void dive_body(yl_coro_t *co, void *arg) {
  (void)co;
  (void)arg;
  sink = dive(0);
}

static void segv_body(yl_coro_t *co, void *arg) {
  (void)co;
  sink = *(volatile int *)arg;
}

static void idle_body(yl_coro_t *co, void *arg) {
  (void)arg;
  yl_coro_yield(co);
}

static void resumer_body(yl_coro_t *co, void *arg) {
  (void)co;
  yl_coro_resume(arg);
}

/* Some other coroutines alive, suspended, with stacks of other sizes too, so the
 * handler has to find the right one. */
static void others(void) {
  for (int i = 0; i < 20; i++) {
    yl_coro_t *co;
    if (yl_coro_create(&co, idle_body, NULL, i % 2 ? 0 : 32 * 1024) == YL_OK) yl_coro_resume(co);
  }
}

static void *run(void *mode_arg) {
  const char *mode = mode_arg;
  yl_coro_t *co;
  others();
  int segv = strcmp(mode, "segv") == 0;
  if (yl_coro_create(&co, segv ? segv_body : dive_body, NULL, OVERFLOW_STACK) != YL_OK) {
    fprintf(stderr, "yl_overflow: cannot create a coroutine\n");
    return NULL;
  }
  others();
  if (strcmp(mode, "nested") == 0) {
    yl_coro_t *outer;
    if (yl_coro_create(&outer, resumer_body, co, 0) != YL_OK) return NULL;
    yl_coro_resume(outer);
  } else {
    yl_coro_resume(co);
  }
  fprintf(stderr, "yl_overflow: the coroutine returned\n");
  return NULL;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "main";
  if (strcmp(mode, "main") && strcmp(mode, "thread") && strcmp(mode, "nested") && strcmp(mode, "segv")) {
    fprintf(stderr, "usage: yl_overflow [main|thread|nested|segv]\n");
    return 2;
  }
  fprintf(stderr, "yl_overflow: %s, backend %s\n", mode, yl_backend_name());
  if (strcmp(mode, "thread") == 0) {
    pthread_t th;
    if (pthread_create(&th, NULL, run, (void *)mode) != 0) return 2;
    pthread_join(th, NULL);
  } else {
    run((void *)mode);
  }
  return 3; /* still alive: the handler did not stop the process */
}
