/* Future internals shared by future.c (futures, await, run_until_complete), task.c
 * (tasks, sleep) and gather.c (gather, wait, wait_for, shield).
 *
 * Subclasses (Task, the gathering future) embed yl_future_t first and give it a
 * table of the operations they override, as CPython's subclasses override methods.
 */
#ifndef YL_FUTURE_INT_H
#define YL_FUTURE_INT_H

#include <stdint.h>

#include "loop.h"
#include "yl_future.h"

/* A YL_PTR value that yl_await() yields carries YL__VALUE_AWAIT (yl_value.h): the
 * pointer is a future being awaited, CPython's `_asyncio_future_blocking`. Anything
 * else a task's body yields is a bad yield. */

/* A done callback. With `drop` set the entry owns what arg refers to: fn takes it
 * over when it runs, and drop(arg) is called if it never will (the future freed
 * pending, its loop closed, the entry removed). The public API never sets it. */
typedef struct yl__fut_cb {
  yl_future_fn fn;
  void *arg;
  void (*drop)(void *arg);
} yl__fut_cb_t;

/* What a subclass overrides; NULL members keep Future's behaviour. */
typedef struct yl__future_ops {
  const char *name; /* the class name in repr and messages: "Task" */
  /* cancel(msg) */
  bool (*cancel)(yl_future_t *f, const char *msg);
  /* appends the subclass's fields to the repr after the state (" name='Task-1'") */
  size_t (*repr_info)(const yl_future_t *f, char *buf, size_t n);
  /* the loop was closed: a subclass that can no longer finish lets go of what it
   * holds (a task closes its coroutine) */
  void (*abandon)(yl_future_t *f);
  /* called once when the future is being freed, first: reports and frees the
   * subclass's own state */
  void (*finalize)(yl_future_t *f);
  /* set_result/set_exception are refused with RuntimeError "<this>" (Task) */
  const char *no_set_result, *no_set_exception;
} yl__future_ops_t;

struct yl_future {
  yl__queue_t link;             /* in loop->futures while the loop exists */
  const yl__future_ops_t *ops;  /* NULL for a plain Future */
  yl_loop_t *loop;              /* NULL once the loop was freed */
  uint32_t refs;
  uint8_t state;                /* yl_future_state_t */
  bool log_traceback;           /* an exception was set and not retrieved yet */
  yl_value_t result;            /* FINISHED without exception: the result */
  yl_exc_t *exception;          /* FINISHED with an exception */
  char *cancel_message;         /* cancel(msg)'s message, NULL: none */
  yl_exc_t *cancelled_exc;      /* CPython's _cancelled_exc: the CancelledError that
                                   cancelled a task, raised once by result() */
  yl__fut_cb_t *cbs;            /* callbacks not scheduled yet, in order */
  size_t ncbs, cbs_cap;
  double sleep_until;           /* a sleep's future: its deadline (introspection); else 0 */
};

/* Initialises `f` (already zeroed, with its ops set) on `loop`, one reference. */
void yl__future_init(yl_future_t *f, yl_loop_t *loop, const yl__future_ops_t *ops);
/* Future.set_result/set_exception for subclasses: no override check. `exc` is owned. */
int yl__future_set_result(yl_future_t *f, yl_value_t result, yl_value_t *err);
int yl__future_set_exception(yl_future_t *f, yl_exc_t *exc, yl_value_t *err);
/* Future.cancel(msg). */
bool yl__future_cancel(yl_future_t *f, const char *msg);
/* add_done_callback with an entry that may own its argument (see yl__fut_cb_t); on
 * failure the entry's drop has been called. */
int yl__future_add_cb(yl_future_t *f, yl_future_fn fn, void *arg, void (*drop)(void *));
/* _make_cancelled_error(): the CancelledError a cancelled f raises (owned). */
yl_exc_t *yl__future_cancelled_error(yl_future_t *f);
/* The class name ("Future", "Task"). */
const char *yl__future_class(const yl_future_t *f);
/* Reports `message` (and exc, borrowed, if not NULL) to f's loop's exception
 * handler, or to the default one if the loop is gone. */
void yl__future_report(const yl_future_t *f, const char *message, const yl_exc_t *exc);
/* call_soon(fn, arg) whose handle owns arg: drop(arg) if the loop never runs fn; its
 * reprs show `name` (borrowed, static). On
 * failure (YL_ECLOSED, YL_ENOMEM) drop(arg) has been called. */
int yl__call_soon_owned(yl_loop_t *loop, yl_loop_fn fn, void *arg, void (*drop)(void *), const char *name);
/* A drop function that releases a future reference. */
void yl__future_drop(void *f);

#endif
