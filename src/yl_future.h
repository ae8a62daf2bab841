/* Futures: asyncio.Future (CPython 3.11, its C implementation) on the event loop.
 *
 * A future is PENDING until it gets a result (set_result), an exception
 * (set_exception) or is cancelled (cancel); then it is FINISHED or CANCELLED for
 * good: a second set_result/set_exception is InvalidStateError "invalid state",
 * cancel() returns false. Reading it follows CPython:
 *   result()     the result; the exception set; CancelledError when cancelled (with
 *                the cancel message); InvalidStateError "Result is not set." when
 *                pending;
 *   exception()  the exception set or None; CancelledError; InvalidStateError
 *                "Exception is not set." when pending.
 * Done callbacks are never run inline: when the future becomes done (or at once if
 * it is done already) each is scheduled with the loop's call_soon, in the order they
 * were added, and runs as `fn(fut, arg)`. A callback returns yl_none() or raises
 * (`return yl_raise_new(...)`): the loop's exception handler gets "Exception in
 * callback ..." and the next callback runs.
 *
 * An exception that was set and never retrieved (by result(), exception() or
 * cancel()) is reported when the future is freed, as CPython's __del__ does: the
 * exception handler gets "Future exception was never retrieved" (tasks: "Task ...").
 *
 * Ownership. Futures are reference counted: yl_future_new() returns one reference,
 * yl_future_ref() adds one, yl_future_release() drops one and the last frees the
 * future. Whatever the library schedules holds its own reference (a callback batch on
 * the loop, a timer of sleep(), a task awaiting the future), so a future may be
 * released as soon as the caller no longer needs it. Callback arguments are borrowed.
 * Values are moved in (set_result, set_exception take theirs in every case) and
 * every value handed out is an owned copy (drop it). A future may outlive its loop:
 * once the loop is freed, yl_future_loop() is NULL, scheduling fails as on a closed
 * loop and reports go to the default exception handler.
 *
 * Errors. Functions that can raise return YL_OK or YL_EEXC with CPython's exception
 * in *out or *err (owned by the caller); scheduling on a closed loop is YL_ECLOSED
 * with RuntimeError "Event loop is closed" (the state change is kept, as CPython's).
 *
 * Awaiting. Inside a generator body, yl_await(g, fut, &r) is `r = await fut`: it
 * yields the future to the task driving the body (see yl_task.h), which wakes the
 * body once the future is done; it then returns the result, or raises the future's
 * exception at the await point.
 */
#ifndef YL_FUTURE_H
#define YL_FUTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "yl_gen.h"
#include "yl_loop.h"
#include "yl_value.h"

typedef struct yl_future yl_future_t;

typedef enum yl_future_state {
  YL_FUTURE_PENDING = 0, /* not done yet: no result, exception or cancellation */
  YL_FUTURE_CANCELLED,   /* cancelled: result() and exception() raise CancelledError */
  YL_FUTURE_FINISHED     /* has its result or its exception */
} yl_future_state_t;

/* A done callback: returns yl_none(), or raises with `return yl_raise(...)`. */
typedef yl_value_t (*yl_future_fn)(yl_future_t *fut, void *arg);

/* A new pending future on `loop` (loop.create_future()), with one reference; NULL
 * on allocation failure or if loop is NULL. */
yl_future_t *yl_future_new(yl_loop_t *loop);
/* Adds a reference; returns f. */
yl_future_t *yl_future_ref(yl_future_t *f);
/* Drops a reference; the last one frees the future (reporting an exception nobody
 * retrieved). NULL is a no-op. */
void yl_future_release(yl_future_t *f);

/* The loop it belongs to (get_loop()); NULL once that loop was freed. */
yl_loop_t *yl_future_loop(const yl_future_t *f);
/* Its state. */
yl_future_state_t yl_future_state(const yl_future_t *f);
/* "PENDING", "CANCELLED" or "FINISHED". */
const char *yl_future_state_name(yl_future_state_t s);
/* True unless pending. */
bool yl_future_done(const yl_future_t *f);
/* True if cancelled. */
bool yl_future_cancelled(const yl_future_t *f);

/* result(): YL_OK with a copy of the result in *out, or YL_EEXC with the exception
 * set, CancelledError or InvalidStateError "Result is not set." in *out. */
int yl_future_result(yl_future_t *f, yl_value_t *out);
/* exception(): YL_OK with a copy of the exception set (None if a result was set) in
 * *out, or YL_EEXC with CancelledError or InvalidStateError "Exception is not set.". */
int yl_future_exception(yl_future_t *f, yl_value_t *out);
/* set_result(): moves `result` in and schedules the callbacks. YL_EEXC
 * (InvalidStateError "invalid state") if done; for a task, RuntimeError "Task does
 * not support set_result operation"; YL_ECLOSED. *err (if not NULL): None or the
 * exception. */
int yl_future_set_result(yl_future_t *f, yl_value_t result, yl_value_t *err);
/* set_exception(): moves `exc` (a YL_EXC value) in. YL_EEXC: InvalidStateError as
 * set_result; TypeError "exception must derive from BaseException" for a value that
 * is not an exception; TypeError "StopIteration interacts badly with generators and
 * cannot be raised into a Future". */
int yl_future_set_exception(yl_future_t *f, yl_value_t exc, yl_value_t *err);
/* cancel(msg): cancels a pending future (msg is copied; NULL: no message) and
 * schedules its callbacks; false if it was done already. For a task, Task.cancel()
 * (see yl_task.h). */
bool yl_future_cancel(yl_future_t *f, const char *msg);

/* add_done_callback(): schedules fn(f, arg) when f is done, or now if it is.
 * YL_ENOMEM, YL_EINVAL (fn NULL) or YL_ECLOSED (f done and its loop closed). */
int yl_future_add_done_callback(yl_future_t *f, yl_future_fn fn, void *arg);
/* remove_done_callback(): removes every callback fn with argument arg not scheduled
 * yet; returns how many were removed. */
size_t yl_future_remove_done_callback(yl_future_t *f, yl_future_fn fn, void *arg);

/* Writes CPython's repr, e.g. "<Future finished result=1>", "<Future pending
 * cb=[0x...(0x...)]>"; always NUL-terminated; returns the full length. */
size_t yl_future_repr(const yl_future_t *f, char *buf, size_t n);

/* Inside a generator body: `*result = await f`. If f is pending, yields it (to the
 * task driving the body, which resumes it once f is done) and then reads it. YL_OK
 * with the result, or YL_GEN_ERROR with the exception raised at the await point:
 * f's exception, CancelledError (f or the task cancelled), GeneratorExit (the task
 * destroyed), RuntimeError "await wasn't used with future" (resumed while f is still
 * pending, i.e. not by a task). `f` is borrowed: hold a reference until it returns. */
int yl_await(yl_gen_t *g, yl_future_t *f, yl_value_t *result);

/* loop.run_until_complete(f): runs the loop until f is done and returns its result:
 * YL_OK with it in *result (None in *err), or YL_EEXC with f's exception or
 * CancelledError in *err (None in *result), or RuntimeError "Event loop stopped
 * before Future completed." if yl_loop_stop() ended the run first; YL_EINVAL
 * (ValueError) for a future of another loop; the loop's codes and messages
 * (YL_ECLOSED, YL_EBUSY, a failed wait). err and result may be NULL. */
int yl_loop_run_until_complete(yl_loop_t *loop, yl_future_t *f, yl_value_t *result, yl_value_t *err);

#endif
