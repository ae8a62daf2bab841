/* Tasks: asyncio.Task (CPython 3.11) driving a generator on the event loop, and
 * sleep().
 *
 * A task is a future (yl_task_future()) whose result is what its generator returns.
 * Creating it schedules its first step with call_soon; each step is the document's
 * Task._step: it sends None into the generator (or throws the exception the step
 * carries) and looks at what comes out:
 *   - the generator yielded a future through yl_await(): the task adds a done
 *     callback to it and sleeps; when the future is done the callback steps the task
 *     again, throwing the future's exception in if it has one (yl_await then returns
 *     the result, or raises);
 *   - it yielded None (a bare yield, sleep(0)): the next step is scheduled at once,
 *     so other callbacks run first;
 *   - it yielded anything else: the next step throws RuntimeError "Task got bad
 *     yield: <repr>" into it;
 *   - it returned: the task's result; it raised: the task's exception; it let
 *     CancelledError escape: the task is cancelled.
 *
 * Cancelling a task (yl_future_cancel() on yl_task_future(t): Task.cancel(msg))
 * asks it to stop: if it awaits a future, that future is cancelled, which wakes the
 * task with CancelledError at its await point; otherwise its next step throws
 * CancelledError in (before the first step: at the generator's start, so the body
 * never runs). The body may catch it and go on: a task is only cancelled once
 * CancelledError escapes its generator. cancel() returns false once the task is done.
 *
 * Ownership. yl_task_new() takes the generator: the task frees it once it is done (or
 * with the task). A pending task keeps itself alive, as a thread does: the caller may
 * release its reference at once (fire and forget) and the task still runs to the end.
 * Closing the loop abandons the tasks still pending: their generators are closed
 * (GeneratorExit at the await point: a body can clean up) and freed, they stay
 * pending for good, and when the last reference goes "Task was destroyed but it is
 * pending!" is reported, as CPython reports a pending task collected.
 */
#ifndef YL_TASK_H
#define YL_TASK_H

#include <stdbool.h>
#include <stddef.h>

#include "yl_future.h"
#include "yl_gen.h"
#include "yl_loop.h"

typedef struct yl_task yl_task_t;

/* loop.create_task(gen) / ensure_future(gen): a task running `gen` on `loop`, its
 * first step scheduled; named "Task-<N>" (a counter per process). The task owns gen
 * in every case (freed on failure). YL_OK and, if out is not NULL, a reference in
 * *out; YL_EINVAL (gen NULL), YL_ECLOSED, YL_ENOMEM. */
int yl_task_new(yl_loop_t *loop, yl_gen_t *gen, yl_task_t **out);
/* The task as a future: for yl_future_* (result, done, cancel, callbacks, release). */
static inline yl_future_t *yl_task_future(yl_task_t *t) { return (yl_future_t *)(void *)t; }
/* The task `f` is, or NULL if it is another kind of future. */
yl_task_t *yl_future_task(yl_future_t *f);

/* get_name(): "Task-<N>" or the name set; valid until the next set_name. */
const char *yl_task_name(yl_task_t *t);
/* set_name(): copies `name`. YL_ENOMEM (the name unchanged). */
int yl_task_set_name(yl_task_t *t, const char *name);
/* get_coro(): the generator; NULL once the task is done or abandoned. */
yl_gen_t *yl_task_gen(const yl_task_t *t);
/* cancelling(): how many cancellation requests are pending. */
int yl_task_cancelling(const yl_task_t *t);
/* uncancel(): one request fewer (not below 0); returns how many remain. */
int yl_task_uncancel(yl_task_t *t);

/* current_task(loop): the task whose step is running on `loop` (NULL: the running
 * loop), or NULL. Borrowed. */
yl_task_t *yl_loop_current_task(yl_loop_t *loop);
/* all_tasks(loop): stores up to n of the loop's pending tasks (borrowed, in creation
 * order) in out; returns how many there are. */
size_t yl_loop_all_tasks(yl_loop_t *loop, yl_task_t **out, size_t n);

/* Introspection, beyond CPython 3.11 (like 3.14's asyncio call graph): writes the
 * chain of what `t` awaits into buf, e.g. "Task-3 main() awaits Task-1 factorial()
 * awaits sleep until 1" (a task, then what it awaits: another task, a sleep with its
 * deadline, or a future's repr; "ready to run" or "done" at the end). Returns the
 * full length; buf is always NUL-terminated. */
size_t yl_task_format_awaits(yl_task_t *t, char *buf, size_t n);
/* The same for every pending task of `loop`, one line each, in creation order. */
size_t yl_loop_format_tasks(yl_loop_t *loop, char *buf, size_t n);

/* The sleep of a positive delay: yl_sleep() below calls it. */
int yl__sleep_timer(yl_gen_t *g, double delay, yl_value_t result, yl_value_t *out);

/* Inside a task's body: `*out = await sleep(delay, result)`. Waits `delay` seconds of
 * loop time; a delay <= 0 yields once (a bare yield: other ready callbacks run
 * first). YL_OK with `result` (moved) in *out, or YL_GEN_ERROR with the exception
 * raised at the sleep (CancelledError; RuntimeError "no running event loop").
 * Inline so that sleep(0) yields from the body's own frame: in wasm every frame
 * between a body and its yield is saved and restored at each switch. */
static inline int yl_sleep(yl_gen_t *g, double delay, yl_value_t result, yl_value_t *out) {
  if (!(delay <= 0)) return yl__sleep_timer(g, delay, result, out);
  yl_value_t in; /* __sleep0(): a bare yield */
  if (yl_yield(g, yl_none(), &in) < 0) {
    yl_value_drop(result);
    *out = in;
    return YL_GEN_ERROR;
  }
  yl_value_drop(in);
  *out = result;
  return YL_OK;
}

/* ---- Waiting for several futures (gather.c) ----
 * These take futures; wrap a generator in a task first (yl_task_new()). Futures are
 * borrowed; what the library keeps of them holds references of its own. */

/* gather(*fs, return_exceptions=...): a new future (one reference) done when all of
 * fs are: its result is the number of results, which yl_gather_results() gives in the
 * order of fs. Without return_exceptions, the first exception (or CancelledError of a
 * cancelled child) becomes the gather's exception at once. Cancelling the gather
 * cancels the children not done yet; it is not marked cancelled until they finish
 * (then it fails with CancelledError). n == 0: done at once, 0 results. NULL on
 * allocation failure or a future of another loop. */
yl_future_t *yl_gather(yl_loop_t *loop, yl_future_t *const *fs, size_t n, bool return_exceptions);
/* The results of a finished gather, in order, copied into out (up to n): each child's
 * result, or with return_exceptions its exception (CancelledError for a cancelled
 * child) as a value. Returns how many there are (0 if gather is not done). */
size_t yl_gather_results(yl_future_t *gather, yl_value_t *out, size_t n);

/* When wait() returns. */
typedef enum yl_wait_when {
  YL_ALL_COMPLETED = 0, /* when every future is done (or on timeout) */
  YL_FIRST_COMPLETED,   /* when any future is done */
  YL_FIRST_EXCEPTION    /* when any future fails (not a cancellation), else all done */
} yl_wait_when_t;

/* Inside a task's body: `done, pending = await wait(fs, timeout=..., return_when=...)`.
 * timeout in seconds, INFINITY for none; nothing is cancelled on timeout. Stores the
 * futures of fs done and not done, in fs's order, in done[] and pending[] (each, if
 * not NULL, with room for n) and their counts in *ndone, *npending (may be NULL).
 * YL_OK, or YL_GEN_ERROR with the exception in *err: ValueError "Set of Tasks/Futures
 * is empty." (n == 0), "Invalid return_when value: ...", CancelledError, GeneratorExit. */
int yl_wait(yl_gen_t *g, yl_future_t *const *fs, size_t n, double timeout, yl_wait_when_t when,
            yl_future_t **done, size_t *ndone, yl_future_t **pending, size_t *npending, yl_value_t *err);

/* Inside a task's body: `*result = await wait_for(f, timeout)` (CPython 3.11). If f is
 * not done within timeout seconds (INFINITY: no limit) it is cancelled, waited for,
 * and TimeoutError (caused by its CancelledError) is raised, unless it finished
 * anyway. Cancelling the waiting task cancels f too. YL_OK or YL_GEN_ERROR. */
int yl_wait_for(yl_gen_t *g, yl_future_t *f, double timeout, yl_value_t *result);

/* shield(f): a new future (one reference) that follows f's outcome, but whose
 * cancellation does not cancel f; f itself (a new reference) if it is done. */
yl_future_t *yl_shield(yl_future_t *f);

#endif
