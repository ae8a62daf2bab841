/* The event loop: asyncio's BaseEventLoop core (CPython 3.11) in C.
 *
 * A loop has a ready queue of handles and a min-heap of timer handles. call_soon()
 * appends to the ready queue (FIFO); call_later()/call_at() put a timer in the heap,
 * ordered by deadline and, for equal deadlines, by scheduling order (CPython leaves
 * that order undefined; yieldloop guarantees it). One iteration, yl_loop_run_once(),
 * is CPython's _run_once:
 *   1. wait: not at all if handles are ready or stop() was called, else until the
 *      earliest deadline, else until a watched file descriptor is readable; readers
 *      whose descriptor is readable are queued;
 *   2. every timer due by now (deadline < now + clock resolution) moves to the ready
 *      queue, in deadline order;
 *   3. exactly the handles ready at that point run, in order; what they schedule
 *      runs in the next iteration (so a callback re-arming itself cannot starve the
 *      loop, and stop() lets the current batch finish).
 * yl_loop_run_forever() iterates until stop(). Nothing is ever run inline: the
 * scheduling calls only queue.
 *
 * Callbacks have the shape of a generator body: `yl_value_t fn(yl_loop_t *, void *)`
 * returning yl_none(), or raising with `return yl_raise_new(yl_ValueError, "...")`
 * (see yl_exc.h). A raised exception goes to the loop's exception handler (the
 * default prints "Exception in callback ..." to stderr, as CPython logs it) and the
 * loop goes on; any other value returned is dropped.
 *
 * Handles. Scheduling returns YL_OK and, if `out` is not NULL, a handle in *out that
 * the caller owns one reference to and must release with yl_handle_release() (the
 * loop keeps its own reference while the handle is queued: a handle nobody asked for
 * is freed after it runs). A handle stays valid as long as a reference is held, after
 * it ran, was cancelled or its loop was closed or freed. yl_handle_cancel() takes a
 * queued handle out at once (a timer leaves the heap in O(log n), so cancelled timers
 * never pile up) and it never runs; cancelling a handle that ran, or from inside its
 * own callback, only marks it cancelled, as in CPython.
 *
 * Errors. Functions return YL_OK or a negative code (yl_error.h): YL_ECLOSED on a
 * closed loop (CPython: RuntimeError "Event loop is closed"), YL_EBUSY for a running
 * loop, YL_EWOULDBLOCK when the loop has to wait and cannot, YL_EINVAL, YL_ENOMEM.
 * Where CPython raises with a message that matters, the function also takes
 * `yl_value_t *err`: when not NULL it receives None, or on failure the exception
 * CPython raises (owned by the caller: drop it), with CPython's exact message.
 *
 * Clocks and waiting. Each loop has a clock (now(), in seconds) and a wait (block
 * until a deadline, waking early when a watched descriptor is readable), chosen at
 * creation:
 *   YL_CLOCK_MONOTONIC  CLOCK_MONOTONIC natively, performance.now() in wasm; natively
 *                       the wait is poll() with a timeout (it sleeps, never spins);
 *   YL_CLOCK_VIRTUAL    logical time starting at options.start: whenever nothing is
 *                       ready the clock jumps to the next deadline, so a program that
 *                       sleeps runs at once, in the same order, at the same logical
 *                       times (descriptors are still polled, without blocking unless
 *                       nothing else can happen);
 *   YL_CLOCK_CUSTOM     options.custom (tests drive time themselves, as CPython's
 *                       TestLoop does).
 * In wasm a real-time wait cannot block the thread: a loop on the monotonic clock
 * running on the root coroutine of a program started with yl_main() (yl_host.h)
 * waits in the JS event loop instead, resumed by one re-armed JS wake-up; anywhere
 * else, a loop that must wait for a deadline returns YL_EWOULDBLOCK from
 * run_once/run_forever (a RuntimeError saying why in *err), its state intact.
 * yl_loop_timeout() tells an embedder how long the loop wants to sleep.
 *
 * One loop per thread is "current": yl_loop_get_running() is the loop running on this
 * thread (CPython's get_running_loop), yl_loop_set_current()/yl_loop_get_current()
 * the get_event_loop() style default. Every function also takes its loop explicitly.
 * Not thread-safe: use a loop and its handles on one thread.
 */
#ifndef YL_LOOP_H
#define YL_LOOP_H

#include <stdbool.h>
#include <stddef.h>

#include "yl_exc.h"
#include "yl_value.h"

typedef struct yl_loop yl_loop_t;
typedef struct yl_handle yl_handle_t;

/* A callback: returns yl_none(), or raises with `return yl_raise(...)`. */
typedef yl_value_t (*yl_loop_fn)(yl_loop_t *loop, void *arg);

/* ---- Clocks ---- */

typedef enum yl_clock_kind {
  YL_CLOCK_MONOTONIC = 0, /* real time: CLOCK_MONOTONIC, performance.now() in wasm */
  YL_CLOCK_VIRTUAL,       /* logical time that jumps to the next deadline when idle */
  YL_CLOCK_CUSTOM         /* the clock and wait in yl_loop_options_t.custom */
} yl_clock_kind_t;

/* A clock and a wait, for YL_CLOCK_CUSTOM. The structure is copied at creation. */
typedef struct yl_loop_clock {
  /* The current time in seconds; must never decrease. */
  double (*now)(void *ctx);
  /* Waits until now() reaches `deadline`: INFINITY when no timer is pending, -INFINITY
   * when handles are ready (do not block). Must poll watched descriptors (e.g. with
   * yl_loop_poll()) so readers get queued, and may return early. YL_OK or an error
   * code, which run_once returns. */
  int (*wait)(void *ctx, yl_loop_t *loop, double deadline);
  /* Timers due within this much of now() run in the current iteration. */
  double resolution;
  void *ctx;
} yl_loop_clock_t;

/* Creation options; all zero is the monotonic clock. */
typedef struct yl_loop_options {
  yl_clock_kind_t clock;
  double start;                  /* YL_CLOCK_VIRTUAL: the time it starts at */
  const yl_loop_clock_t *custom; /* YL_CLOCK_CUSTOM: the clock (copied), required */
} yl_loop_options_t;

/* ---- The loop ---- */

/* A new loop with the given options (NULL: monotonic clock). NULL on allocation
 * failure or invalid options (a custom clock without now or wait, an unknown kind). */
yl_loop_t *yl_loop_new(const yl_loop_options_t *opts);
/* Closes the loop if it is not closed yet, and frees it. YL_EBUSY (and nothing is
 * freed) if it is running. Handles the caller holds stay valid. NULL is a no-op. */
int yl_loop_free(yl_loop_t *loop);
/* Closes the loop: drops every queued handle, timer and reader without running it
 * (they are not marked cancelled). Closing twice is a no-op. YL_EBUSY if running
 * (RuntimeError "Cannot close a running event loop"). */
int yl_loop_close(yl_loop_t *loop, yl_value_t *err);
/* True once yl_loop_close() (or yl_loop_free()) has closed the loop. */
bool yl_loop_is_closed(const yl_loop_t *loop);
/* True while run_forever or run_once is executing on it. */
bool yl_loop_is_running(const yl_loop_t *loop);

/* Schedules fn(loop, arg) to run once, after the handles already ready (FIFO).
 * YL_ECLOSED, YL_EINVAL (fn NULL) or YL_ENOMEM; *out (if not NULL) gets the handle. */
int yl_loop_call_soon(yl_loop_t *loop, yl_loop_fn fn, void *arg, yl_handle_t **out);
/* Schedules fn(loop, arg) at yl_loop_time(loop) + delay seconds; a delay <= 0 runs it
 * in the next iteration. As call_at otherwise. */
int yl_loop_call_later(yl_loop_t *loop, double delay, yl_loop_fn fn, void *arg, yl_handle_t **out);
/* Schedules fn(loop, arg) at loop time `when` (equal deadlines run in scheduling
 * order). YL_ECLOSED, YL_EINVAL (fn NULL, when NaN) or YL_ENOMEM. */
int yl_loop_call_at(yl_loop_t *loop, double when, yl_loop_fn fn, void *arg, yl_handle_t **out);
/* The loop's clock, in seconds. */
double yl_loop_time(const yl_loop_t *loop);

/* Runs iterations until yl_loop_stop(). YL_ECLOSED ("Event loop is closed"), YL_EBUSY
 * ("This event loop is already running", or "Cannot run the event loop while another
 * loop is running"), or the wait's error (YL_EWOULDBLOCK: RuntimeError saying why). */
int yl_loop_run_forever(yl_loop_t *loop, yl_value_t *err);
/* Runs one iteration (see the top of this file), waiting as it would inside
 * run_forever; a pending stop() makes it not wait and is then consumed, as
 * run_forever's is. Errors as run_forever's. */
int yl_loop_run_once(yl_loop_t *loop, yl_value_t *err);
/* Makes run_forever return after the current iteration; before run_forever, makes it
 * run one iteration without waiting. Callbacks already scheduled still run later. */
void yl_loop_stop(yl_loop_t *loop);
/* How long the next iteration would wait, in seconds: 0 if handles are ready or
 * stop() was called, the time to the earliest deadline (0 if past), else INFINITY. */
double yl_loop_timeout(const yl_loop_t *loop);
/* Handles in the ready queue (not yet run, not cancelled). */
size_t yl_loop_ready_count(const yl_loop_t *loop);
/* Timers in the heap (cancelled ones leave it at once). */
size_t yl_loop_timer_count(const yl_loop_t *loop);

/* ---- File descriptors ---- */

/* Calls fn(loop, arg) in every iteration in which `fd` is readable (or at EOF, or in
 * error), until yl_loop_remove_reader(); replaces fd's previous reader. YL_ECLOSED,
 * YL_EINVAL (fd < 0, fn NULL) or YL_ENOMEM. */
int yl_loop_add_reader(yl_loop_t *loop, int fd, yl_loop_fn fn, void *arg);
/* Stops watching `fd` (a queued call of its reader is cancelled): 1 if it was
 * watched, 0 if not. */
int yl_loop_remove_reader(yl_loop_t *loop, int fd);
/* For wait implementations: polls the watched descriptors for up to `timeout`
 * seconds (0: do not block; INFINITY: no limit) and queues the readers of those
 * ready. Returns how many were queued, YL_EWOULDBLOCK (wasm, where the thread cannot
 * block: when a timeout > 0 was asked for and no descriptor is ready right away), or
 * YL_EINVAL (poll() failed other than by a signal, which counts as a wake-up). */
int yl_loop_poll(yl_loop_t *loop, double timeout);

/* ---- Wake-ups from outside ----
 * A loop with nothing ready, no timer and no reader cannot be woken from inside, so
 * its wait fails: YL_EWOULDBLOCK, "Event loop would wait forever". A hold says that
 * something outside will wake it: in wasm a JS callback (a child process's exit, a
 * message) calling C code that uses the loop (call_soon(), stop(), a future's
 * result). While held, such a wait on the monotonic clock is allowed: in wasm (under
 * yl_main, yl_host.h) it waits in the JS event loop with no wake-up armed, the
 * runtime kept alive; natively it sleeps in poll() until a signal. Holds count:
 * take one per pending outside event, drop it when the event came. */

/* Adds a hold. */
void yl_loop_hold(yl_loop_t *loop);
/* Drops a hold (none left: a no-op). */
void yl_loop_unhold(yl_loop_t *loop);
/* How many holds there are. */
size_t yl_loop_holds(const yl_loop_t *loop);

/* ---- Exceptions in callbacks ---- */

/* What went wrong, as CPython's context dict: the fields not set are NULL. */
typedef struct yl_loop_context {
  const char *message;        /* e.g. "Exception in callback ..."; NULL: a default */
  const yl_exc_t *exception;  /* the exception raised, borrowed */
  const yl_handle_t *handle;  /* the handle whose callback raised, borrowed */
} yl_loop_context_t;

/* An exception handler: called with the context, which it must not keep (clone the
 * exception to keep it). It cannot fail. */
typedef void (*yl_loop_exception_fn)(yl_loop_t *loop, const yl_loop_context_t *ctx, void *arg);

/* Sets the handler for errors in callbacks (NULL: the default handler). */
void yl_loop_set_exception_handler(yl_loop_t *loop, yl_loop_exception_fn fn, void *arg);
/* Calls the loop's handler with ctx (futures report unretrieved exceptions here). */
void yl_loop_call_exception_handler(yl_loop_t *loop, const yl_loop_context_t *ctx);
/* The default handler: prints yl_loop_format_context()'s text to stderr. */
void yl_loop_default_exception_handler(yl_loop_t *loop, const yl_loop_context_t *ctx);
/* Formats ctx as CPython logs it: the message, "handle: <Handle ...>", then the
 * exception's "Type: message" line, joined by newlines. Returns the full length. */
size_t yl_loop_format_context(const yl_loop_context_t *ctx, char *buf, size_t n);

/* ---- The current loop ---- */

/* The loop running on this thread, or NULL. */
yl_loop_t *yl_loop_get_running(void);
/* The running loop if any, else the one set with yl_loop_set_current(), else NULL. */
yl_loop_t *yl_loop_get_current(void);
/* Makes `loop` (or NULL) this thread's current loop; freeing it unsets it. */
void yl_loop_set_current(yl_loop_t *loop);

/* ---- Handles ---- */

/* Cancels the handle: if queued (ready, timer or reader wake-up) it is removed at once
 * and never runs. Idempotent; harmless after it ran or its loop closed. */
void yl_handle_cancel(yl_handle_t *h);
/* True once yl_handle_cancel() was called on it. */
bool yl_handle_cancelled(const yl_handle_t *h);
/* A timer handle's deadline, in loop time; NaN for a handle from call_soon. */
double yl_timer_when(const yl_handle_t *h);
/* Adds a reference to `h`; returns h. */
yl_handle_t *yl_handle_ref(yl_handle_t *h);
/* Drops a reference; the last one frees the handle. NULL is a no-op. */
void yl_handle_release(yl_handle_t *h);
/* Names the handle in messages and repr (`name` is borrowed: it must outlive h). */
void yl_handle_set_name(yl_handle_t *h, const char *name);
/* Writes CPython's repr of the handle, e.g. "<TimerHandle cancelled when=1.5 tick>"
 * (unnamed: "fn(arg)" as two addresses); always NUL-terminated; returns the length. */
size_t yl_handle_repr(const yl_handle_t *h, char *buf, size_t n);

#endif
