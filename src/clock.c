/* Clocks and waits: the monotonic clock with a wait that sleeps in poll() (in wasm,
 * where the thread cannot block, one that suspends yl_main's root coroutine in the JS
 * event loop: see yl_host.h), and the virtual clock, whose wait jumps to the
 * deadline. A custom clock is the caller's (yl_loop.h). */
#include <math.h>
#include <time.h>
#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#endif

#include "loop.h"
#include "yl_host.h"

/* ---- Monotonic ---- */

static double monotonic_now(void *ctx) {
  (void)ctx;
#ifdef __EMSCRIPTEN__
  return emscripten_get_now() / 1000.0; /* performance.now(), in milliseconds */
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#endif
}

static double monotonic_resolution(void) {
#ifdef __EMSCRIPTEN__
  /* JS timers work in whole milliseconds: a timer due within one runs now rather
   * than costing another round through the JS event loop. */
  return 1e-3;
#else
  struct timespec res;
  if (clock_getres(CLOCK_MONOTONIC, &res) != 0) return 1e-9;
  return (double)res.tv_sec + (double)res.tv_nsec * 1e-9;
#endif
}

/* Sleeps in poll() until the deadline or a readable descriptor (in wasm, in the JS
 * event loop until one wake-up). With neither a deadline nor a descriptor nor a hold
 * nothing could ever wake the loop: CPython would hang there, we report it. */
static int monotonic_wait(void *ctx, yl_loop_t *loop, double deadline) {
  double now = monotonic_now(ctx);
  double timeout = deadline - now; /* -INFINITY stays negative */
  if (!(timeout > 0)) timeout = 0;
  if (isinf(timeout) && loop->nreaders == 0 && loop->holds == 0) return YL_EWOULDBLOCK;
#ifndef __EMSCRIPTEN__
  int n = yl_loop_poll(loop, timeout);
  return n < 0 ? n : YL_OK;
#else
  /* The thread is the JS event loop's: descriptors are looked at without blocking,
   * and a wait suspends the root coroutine into the JS event loop (host.c). */
  int n = yl_loop_poll(loop, 0);
  if (n < 0) return n;
  if (n > 0 || timeout == 0) {
    /* Handles to run: no wait. But a loop that is never idle still lets the JS event
     * loop in (its callbacks, I/O, a page's events) once per slice, through a
     * zero-delay macrotask; off the root it cannot, and runs on. */
    if (now - yl__host_resumed_at() < YL_HOST_SLICE_MS / 1000.0 || !yl_host_can_wait()) return YL_OK;
    return yl__host_suspend(loop, -INFINITY);
  }
  /* Nothing signals a readable descriptor in wasm: look again every so often. */
  if (loop->nreaders && timeout > YL_HOST_POLL_MS / 1000.0) deadline = now + YL_HOST_POLL_MS / 1000.0;
  return yl__host_suspend(loop, deadline); /* YL_EWOULDBLOCK off the root */
#endif
}

/* Something outside will wake the loop (yl_loop.h): only the monotonic wait above
 * looks at holds; the virtual clock's time only moves from inside. */
void yl_loop_hold(yl_loop_t *loop) { loop->holds++; }

void yl_loop_unhold(yl_loop_t *loop) {
  if (loop->holds) loop->holds--;
}

size_t yl_loop_holds(const yl_loop_t *loop) { return loop->holds; }

/* ---- Virtual ---- */

static double virtual_now(void *ctx) { return ((const yl_loop_t *)ctx)->vnow; }

/* Nothing ready: jump to the deadline. Descriptors are polled without blocking
 * first, and a readable one wins over the jump; with no timer left, only a
 * descriptor can wake the loop, so that wait is a real one. */
static int virtual_wait(void *ctx, yl_loop_t *loop, double deadline) {
  yl_loop_t *self = ctx;
  int n = 0;
  if (isinf(deadline) && deadline > 0) {
    if (loop->nreaders == 0) return YL_EWOULDBLOCK;
    n = yl_loop_poll(loop, INFINITY);
  } else if (loop->nreaders) {
    n = yl_loop_poll(loop, 0);
  }
  if (n < 0) return n;
  if (n == 0 && deadline > self->vnow && !isinf(deadline)) self->vnow = deadline;
  return YL_OK;
}

/* ---- Choosing ---- */

int yl__clock_init(yl_loop_t *loop, const yl_loop_options_t *opts) {
  loop->wake_at = NAN; /* not waiting in the JS event loop */
  switch (opts->clock) {
  case YL_CLOCK_MONOTONIC:
    loop->clock = (yl_loop_clock_t){monotonic_now, monotonic_wait, monotonic_resolution(), NULL};
    break;
  case YL_CLOCK_VIRTUAL:
    if (isnan(opts->start)) return YL_EINVAL;
    loop->vnow = opts->start;
    /* CPython's resolution for time.monotonic() on Linux, everywhere, so that
     * virtual runs order timers as CPython's loop does, whatever the platform. */
    loop->clock = (yl_loop_clock_t){virtual_now, virtual_wait, 1e-9, loop};
    break;
  case YL_CLOCK_CUSTOM:
    if (!opts->custom || !opts->custom->now || !opts->custom->wait) return YL_EINVAL;
    if (!(opts->custom->resolution >= 0)) return YL_EINVAL;
    loop->clock = *opts->custom;
    break;
  default:
    return YL_EINVAL;
  }
  loop->clock_kind = opts->clock;
  return YL_OK;
}
