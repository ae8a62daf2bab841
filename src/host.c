/* The host: yl_main's root coroutine and, in wasm, waiting in the JS event loop
 * (yl_host.h says what a program sees). Natively yl_main only calls main_fn.
 *
 * In wasm, one JS wake-up at most is armed at a time (wasm/yl_host.js keeps it):
 * yl__host_suspend() arms it for the loop's next deadline and yields the root, which
 * returns from the resume that last ran it (yl_main's first one, or the previous
 * wake-up's) to JS; the wake-up calls yl__host_wake(), which resumes the root, and
 * the suspend returns into the loop's wait. A wake-up that comes after the root went
 * on (re-armed, or the program ended) is dropped by the JS side, which counts
 * armings, and again here, where only a suspended root is resumed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#include <emscripten/eventloop.h>
#endif

#include "coro.h"
#include "loop.h"
#include "yl_host.h"

#ifndef __EMSCRIPTEN__

int yl_main(int (*main_fn)(int argc, char **argv), int argc, char **argv) { return main_fn(argc, argv); }

bool yl_host_can_wait(void) { return true; }

/* Natively no loop waits in a host: this only records the deadline (tests use it). */
void yl__host_rearm(yl_loop_t *loop, double when) { loop->wake_at = when; }

unsigned long yl__host_wakeups(void) { return 0; }

#else

/* wasm/yl_host.js: arms the one wake-up in `ms` milliseconds (0: a zero-delay
 * macrotask; INFINITY: none) in place of any armed before, holding the runtime alive
 * until it fires (exit() lets it go: yl_host.js replaces it). */
extern void yl__host_js_arm(double ms);

static struct {
  int (*main_fn)(int, char **); /* set while yl_main's main_fn runs */
  int argc;
  char **argv;
  int result;
  yl_coro_t *root;    /* the coroutine main_fn runs on */
  yl_loop_t *waiting; /* the loop whose wait suspended the root, if it is suspended */
  double resumed_at;  /* when the root last came from JS (seconds); INFINITY without one */
  unsigned long wakeups; /* the root resumed by a wake-up, since the program started */
} host = {.resumed_at = INFINITY};

static double now_seconds(void) { return emscripten_get_now() / 1000.0; }

static void run_main(yl_coro_t *co, void *arg) {
  (void)co;
  (void)arg;
  host.result = host.main_fn(host.argc, host.argv);
}

/* Runs the root until it waits (true) or main_fn returns (false, the root freed). */
static bool run_root(void) {
  host.resumed_at = now_seconds();
  int r = yl_coro_resume(host.root);
  if (r < 0) {
    fprintf(stderr, "yieldloop: main overflowed its %zu-byte coroutine stack (YL_HOST_MAIN_STACK)\n",
            yl_coro_stack_size(host.root));
    abort();
  }
  if (yl_coro_state(host.root) != YL_CORO_DEAD) return true;
  yl_coro_destroy(host.root);
  host.root = NULL;
  host.resumed_at = INFINITY;
  return false;
}

int yl_main(int (*main_fn)(int argc, char **argv), int argc, char **argv) {
  if (host.main_fn) return main_fn(argc, argv);
  host.main_fn = main_fn;
  host.argc = argc;
  host.argv = argv; /* callMain's strings: they stay on the stack below, never popped */
  int r = yl_coro_create(&host.root, run_main, NULL, YL_HOST_MAIN_STACK);
  if (r < 0) {
    fprintf(stderr, "yieldloop: cannot create main's coroutine: %s\n", yl_strerror(r));
    host.main_fn = NULL;
    return 1;
  }
  if (!run_root()) {
    host.main_fn = NULL;
    return host.result;
  }
  /* It waits: back to the JS event loop, with no exit. The wake-up goes on. */
  emscripten_unwind_to_js_event_loop();
}

EMSCRIPTEN_KEEPALIVE void yl__host_wake(void) {
  if (!host.waiting || !host.root || yl_coro_state(host.root) != YL_CORO_SUSPENDED) return;
  host.wakeups++;
  if (run_root()) return; /* waits again: armed anew */
  host.main_fn = NULL;
  exit(host.result);
}

bool yl_host_can_wait(void) {
  return host.root && yl_coro_state(host.root) == YL_CORO_RUNNING && yl__coro_on_stack(host.root);
}

double yl__host_resumed_at(void) { return host.resumed_at; }

unsigned long yl__host_wakeups(void) { return host.wakeups; }

/* The wake-up for loop time `when`, in milliseconds from now. */
static void arm(yl_loop_t *loop, double when) {
  loop->wake_at = when;
  double ms = (when - yl_loop_time(loop)) * 1000; /* -INFINITY: ready now */
  yl__host_js_arm(ms > 0 ? ms : 0);
}

int yl__host_suspend(yl_loop_t *loop, double when) {
  if (!yl_host_can_wait()) return YL_EWOULDBLOCK;
  /* Under Asyncify what comes before the yield is not run again at its rewind. */
  host.waiting = loop;
  arm(loop, when);
  yl_coro_yield(host.root);
  host.waiting = NULL;
  loop->wake_at = NAN;
  return YL_OK;
}

void yl__host_rearm(yl_loop_t *loop, double when) {
  if (loop == host.waiting)
    arm(loop, when);
  else
    loop->wake_at = when; /* not suspended: a record only (tests use it) */
}

#endif
