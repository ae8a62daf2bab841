/* Event loop internals shared by loop.c (scheduling and iterations), clock.c (clocks
 * and waits), io.c (readers and poll) and host.c (waiting in the JS event loop). */
#ifndef YL_LOOP_INT_H
#define YL_LOOP_INT_H

#include <stdint.h>

#include "heap.h"
#include "queue.h"
#include "yl_error.h"
#include "yl_loop.h"

typedef enum yl__handle_kind {
  YL__H_SOON,  /* call_soon: runs once from the ready queue */
  YL__H_TIMER, /* call_later/call_at: waits in the heap, then runs once */
  YL__H_READER /* add_reader: queued again each time its descriptor is readable */
} yl__handle_kind_t;

/* Where a handle is. The loop holds one reference while it is READY, SCHEDULED,
 * RUNNING or WATCHING (for a reader, the table of readers holds it), and releases it
 * when the handle leaves those states: whoever ends it releases it, except while its
 * callback runs, when the runner does so after the callback returns. */
typedef enum yl__handle_state {
  YL__H_READY,     /* in the ready queue, or in the batch being run */
  YL__H_SCHEDULED, /* a timer in the heap */
  YL__H_RUNNING,   /* its callback is running */
  YL__H_WATCHING,  /* a reader between wake-ups: registered, not queued */
  YL__H_DONE,      /* ran, or was dropped by close: will not run again */
  YL__H_CANCELLED  /* cancel() was called: will not run (again) */
} yl__handle_state_t;

struct yl_handle {
  /* A handle is in at most one of the ready queue and the heap (a timer moves from
   * the heap to the ready queue when due), so the two links share storage. */
  union {
    yl__queue_t queue;
    yl__heap_node_t heap;
  } node;
  yl_loop_fn fn;
  void *arg;
  /* If set, the handle owns what `arg` refers to: fn takes it over when called, and
   * if the loop drops the handle without calling fn (cancel, close) it calls
   * drop(arg) instead (future.c: handles that carry a future or a task). */
  void (*drop)(void *arg);
  yl_loop_t *loop;  /* set while the loop holds its reference, NULL after */
  const char *name; /* for messages; borrowed */
  double when;      /* timers: the deadline */
  uint64_t seq;     /* timers: scheduling order, breaks ties between equal deadlines */
  uint32_t refs;
  uint8_t kind;  /* yl__handle_kind_t */
  uint8_t state; /* yl__handle_state_t */
};

typedef enum yl__loop_state {
  YL__LOOP_IDLE = 0, /* open, not running */
  YL__LOOP_RUNNING,  /* inside run_forever or run_once */
  YL__LOOP_CLOSED    /* closed: schedules nothing, runs nothing */
} yl__loop_state_t;

/* A watched descriptor and its reader handle. */
typedef struct yl__reader {
  int fd;
  yl_handle_t *h;
} yl__reader_t;

struct pollfd;

struct yl_loop {
  yl__queue_t ready; /* handles to run in the next iteration's batch */
  yl__queue_t batch; /* the handles of the iteration being run */
  size_t nready;     /* handles in ready and batch */
  yl__heap_t timers;
  uint64_t timer_seq;
  yl__loop_state_t state;
  bool stopping; /* stop() was called: set apart from state, as it can precede a run */
  yl_clock_kind_t clock_kind;
  yl_loop_clock_t clock;
  double vnow; /* YL_CLOCK_VIRTUAL's time */
  /* wasm: while the loop waits in the JS event loop, the loop time its wake-up is
   * armed for (-INFINITY: a zero-delay one; INFINITY: none); NaN otherwise */
  double wake_at;
  yl_loop_exception_fn handler;
  void *handler_arg;
  yl__reader_t *readers; /* io.c: watched descriptors, in registration order */
  struct pollfd *pollfds; /* io.c: poll()'s array, as long as readers */
  size_t nreaders, readers_cap;
  size_t holds; /* clock.c: yl_loop_hold()s not yet dropped */
  /* future.c: the loop's live futures and tasks, and what closing (freeing false)
   * and freeing (true) the loop does to them; set when the first future is made, so
   * the loop layer does not depend on futures. */
  yl__queue_t futures;
  void (*futures_hook)(yl_loop_t *loop, bool freeing);
};

/* clock.c: sets loop->clock from the options; YL_EINVAL if they are invalid. */
int yl__clock_init(yl_loop_t *loop, const yl_loop_options_t *opts);

/* loop.c: a new handle with one reference (the loop's), not queued. */
yl_handle_t *yl__handle_new(yl_loop_t *loop, yl__handle_kind_t kind, yl_loop_fn fn, void *arg);
/* loop.c: appends h to the ready queue (state READY). */
void yl__handle_queue(yl_loop_t *loop, yl_handle_t *h);
/* loop.c: call_soon again for a handle of call_soon's that ran (state DONE) on an
 * open loop: the loop takes a new reference (task.c reuses its step handles). */
void yl__handle_requeue(yl_loop_t *loop, yl_handle_t *h);
/* loop.c: takes h out of the ready queue or the heap if it is there, marks it
 * `state` and, unless its callback is running, releases the loop's reference. */
void yl__handle_end(yl_handle_t *h, yl__handle_state_t state);

/* host.c (yl_host.h): in wasm, suspends the wait of `loop` in the JS event loop
 * until loop time `when` (-INFINITY: a zero-delay macrotask) or an earlier
 * yl__host_rearm(), and returns YL_OK when resumed; YL_EWOULDBLOCK where the code
 * cannot wait (not on yl_main's root coroutine). */
int yl__host_suspend(yl_loop_t *loop, double when);
/* host.c: something due at `when`, earlier than loop->wake_at, was scheduled while the
 * loop waits: re-arms its wake-up (natively, or not waiting: only sets wake_at). */
void yl__host_rearm(yl_loop_t *loop, double when);
/* host.c, wasm: the monotonic time (s) at which the root last came from the JS event
 * loop; INFINITY when no root runs. */
double yl__host_resumed_at(void);
/* host.c: how many times a wake-up resumed the root (0 natively), for tests. */
unsigned long yl__host_wakeups(void);

/* io.c: drops every reader (closing the loop), and frees the table. */
void yl__readers_close(yl_loop_t *loop);

#endif
