/* The event loop: handles, scheduling, iterations, stop/close, the exception handler
 * and the current loop. Clocks and waits are in clock.c, descriptors in io.c. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "loop.h"
#include "trace.h"

/* The loop running on this thread and the one set as current: the loop layer's only
 * hidden state, per thread as asyncio's running loop is. */
static _Thread_local struct {
  yl_loop_t *running;
  yl_loop_t *current;
} tls;

static const char *const closed_msg = "Event loop is closed";

/* Stores a RuntimeError in *err (if err is given) and returns `code`. */
static int fail(yl_value_t *err, int code, const char *msg) {
  if (err) *err = yl_exc_value(yl_exc_new(yl_RuntimeError, "%s", msg));
  return code;
}

/* ---- Handles ---- */

yl_handle_t *yl__handle_new(yl_loop_t *loop, yl__handle_kind_t kind, yl_loop_fn fn, void *arg) {
  yl_handle_t *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  h->fn = fn;
  h->arg = arg;
  h->loop = loop;
  h->when = NAN;
  h->refs = 1;
  h->kind = (uint8_t)kind;
  h->state = YL__H_DONE; /* until queued */
  return h;
}

void yl__handle_queue(yl_loop_t *loop, yl_handle_t *h) {
  h->state = YL__H_READY;
  yl__queue_push(&loop->ready, &h->node.queue);
  loop->nready++;
}

void yl__handle_end(yl_handle_t *h, yl__handle_state_t state) {
  switch ((yl__handle_state_t)h->state) {
  case YL__H_READY:
    yl__queue_remove(&h->node.queue);
    h->loop->nready--;
    break;
  case YL__H_SCHEDULED:
    yl__heap_remove(&h->loop->timers, &h->node.heap);
    break;
  case YL__H_WATCHING:
    break;
  case YL__H_RUNNING: /* the runner releases it when the callback returns */
  case YL__H_DONE:    /* the loop's reference is gone already */
  case YL__H_CANCELLED:
    h->state = (uint8_t)state;
    return;
  }
  h->state = (uint8_t)state;
  h->loop = NULL;
  if (h->drop) h->drop(h->arg); /* fn will never take over what arg refers to */
  yl_handle_release(h);
}

void yl_handle_cancel(yl_handle_t *h) {
  if (h->state != YL__H_CANCELLED) yl__handle_end(h, YL__H_CANCELLED);
}

bool yl_handle_cancelled(const yl_handle_t *h) { return h->state == YL__H_CANCELLED; }

double yl_timer_when(const yl_handle_t *h) { return h->kind == YL__H_TIMER ? h->when : NAN; }

yl_handle_t *yl_handle_ref(yl_handle_t *h) {
  h->refs++;
  return h;
}

void yl_handle_release(yl_handle_t *h) {
  if (h && --h->refs == 0) free(h);
}

void yl_handle_set_name(yl_handle_t *h, const char *name) { h->name = name; }

/* The callback as CPython's messages show it: the handle's name, else "fn(arg)" with
 * the two addresses. */
static void describe(const yl_handle_t *h, char *buf, size_t n) {
  if (h->name)
    snprintf(buf, n, "%s", h->name);
  else
    snprintf(buf, n, "0x%" PRIxPTR "(%p)", (uintptr_t)h->fn, h->arg);
}

size_t yl_handle_repr(const yl_handle_t *h, char *buf, size_t n) {
  char when[48] = "", cb[200];
  if (h->kind == YL__H_TIMER) snprintf(when, sizeof when, " when=%.17g", h->when);
  describe(h, cb, sizeof cb);
  return (size_t)snprintf(buf, n, "<%s%s%s %s>", h->kind == YL__H_TIMER ? "TimerHandle" : "Handle",
                          h->state == YL__H_CANCELLED ? " cancelled" : "", when, cb);
}

/* ---- The loop ---- */

yl_loop_t *yl_loop_new(const yl_loop_options_t *opts) {
  static const yl_loop_options_t defaults = {YL_CLOCK_MONOTONIC, 0, NULL};
  yl_loop_t *loop = calloc(1, sizeof *loop);
  if (!loop) return NULL;
  yl__queue_init(&loop->ready);
  yl__queue_init(&loop->batch);
  yl__heap_init(&loop->timers);
  yl__queue_init(&loop->futures);
  loop->state = YL__LOOP_IDLE;
  if (yl__clock_init(loop, opts ? opts : &defaults) < 0) {
    free(loop);
    return NULL;
  }
  return loop;
}

int yl_loop_close(yl_loop_t *loop, yl_value_t *err) {
  if (err) *err = yl_none();
  if (loop->state == YL__LOOP_RUNNING) return fail(err, YL_EBUSY, "Cannot close a running event loop");
  if (loop->state == YL__LOOP_CLOSED) return YL_OK;
  loop->state = YL__LOOP_CLOSED;
  /* Readers first: their queued wake-ups leave the ready queue with them. */
  yl__readers_close(loop);
  while (!yl__queue_empty(&loop->ready))
    yl__handle_end(YL__CONTAINER_OF(yl__queue_head(&loop->ready), yl_handle_t, node.queue), YL__H_DONE);
  while (yl__heap_min(&loop->timers))
    yl__handle_end(YL__CONTAINER_OF(yl__heap_min(&loop->timers), yl_handle_t, node.heap), YL__H_DONE);
  yl__heap_free(&loop->timers); /* a closed loop schedules nothing */
  /* Then the tasks, which can no longer run (their handles are gone). */
  if (loop->futures_hook) loop->futures_hook(loop, false);
  return YL_OK;
}

int yl_loop_free(yl_loop_t *loop) {
  if (!loop) return YL_OK;
  int r = yl_loop_close(loop, NULL);
  if (r < 0) return r;
  if (tls.current == loop) tls.current = NULL;
  if (loop->futures_hook) loop->futures_hook(loop, true); /* futures outlive their loop */
  free(loop);
  return YL_OK;
}

bool yl_loop_is_closed(const yl_loop_t *loop) { return loop->state == YL__LOOP_CLOSED; }

bool yl_loop_is_running(const yl_loop_t *loop) { return loop->state == YL__LOOP_RUNNING; }

double yl_loop_time(const yl_loop_t *loop) { return loop->clock.now(loop->clock.ctx); }

/* Something to run at `when` was scheduled while the loop waits in the JS event loop
 * (wasm: by C code a JS callback called): a wake-up armed for later is re-armed.
 * wake_at is NaN otherwise, and the comparison false. */
static inline void wake_for(yl_loop_t *loop, double when) {
  if (when < loop->wake_at) yl__host_rearm(loop, when);
}

void yl__handle_requeue(yl_loop_t *loop, yl_handle_t *h) {
  h->loop = loop;
  h->refs++; /* the loop's, as call_soon's */
  yl__handle_queue(loop, h);
  wake_for(loop, -INFINITY);
}

int yl_loop_call_soon(yl_loop_t *loop, yl_loop_fn fn, void *arg, yl_handle_t **out) {
  if (out) *out = NULL;
  if (loop->state == YL__LOOP_CLOSED) return YL_ECLOSED;
  if (!fn) return YL_EINVAL;
  yl_handle_t *h = yl__handle_new(loop, YL__H_SOON, fn, arg);
  if (!h) return YL_ENOMEM;
  yl__handle_queue(loop, h);
  wake_for(loop, -INFINITY);
  if (out) *out = yl_handle_ref(h);
  return YL_OK;
}

int yl_loop_call_at(yl_loop_t *loop, double when, yl_loop_fn fn, void *arg, yl_handle_t **out) {
  if (out) *out = NULL;
  if (loop->state == YL__LOOP_CLOSED) return YL_ECLOSED;
  if (!fn || isnan(when)) return YL_EINVAL; /* NaN has no place in the heap's order */
  yl_handle_t *h = yl__handle_new(loop, YL__H_TIMER, fn, arg);
  if (!h) return YL_ENOMEM;
  h->when = when;
  h->seq = loop->timer_seq++;
  if (yl__heap_insert(&loop->timers, &h->node.heap, when, h->seq) < 0) {
    free(h); /* no one else has seen it */
    return YL_ENOMEM;
  }
  h->state = YL__H_SCHEDULED;
  wake_for(loop, when);
  if (out) *out = yl_handle_ref(h);
  return YL_OK;
}

int yl_loop_call_later(yl_loop_t *loop, double delay, yl_loop_fn fn, void *arg, yl_handle_t **out) {
  if (out) *out = NULL;
  if (loop->state == YL__LOOP_CLOSED) return YL_ECLOSED; /* before reading its clock */
  return yl_loop_call_at(loop, yl_loop_time(loop) + delay, fn, arg, out);
}

void yl_loop_stop(yl_loop_t *loop) {
  loop->stopping = true;
  wake_for(loop, -INFINITY);
}

double yl_loop_timeout(const yl_loop_t *loop) {
  if (loop->nready || loop->stopping) return 0;
  if (!loop->timers.n) return INFINITY;
  double t = yl__heap_min_when(&loop->timers) - yl_loop_time(loop);
  return t > 0 ? t : 0;
}

size_t yl_loop_ready_count(const yl_loop_t *loop) { return loop->nready; }

size_t yl_loop_timer_count(const yl_loop_t *loop) { return loop->timers.n; }

/* ---- Exceptions ---- */

void yl_loop_set_exception_handler(yl_loop_t *loop, yl_loop_exception_fn fn, void *arg) {
  loop->handler = fn;
  loop->handler_arg = arg;
}

void yl_loop_call_exception_handler(yl_loop_t *loop, const yl_loop_context_t *ctx) {
  if (loop->handler)
    loop->handler(loop, ctx, loop->handler_arg);
  else
    yl_loop_default_exception_handler(loop, ctx);
}

size_t yl_loop_format_context(const yl_loop_context_t *ctx, char *buf, size_t n) {
  size_t len = 0;
  /* Appends at buf[len] what fits, counting the whole length regardless. */
#define YL__PUT(...) len += (size_t)snprintf(len < n ? buf + len : NULL, len < n ? n - len : 0, __VA_ARGS__)
  if (n) buf[0] = '\0';
  YL__PUT("%s", ctx->message && *ctx->message ? ctx->message : "Unhandled exception in event loop");
  if (ctx->handle) {
    char repr[256];
    yl_handle_repr(ctx->handle, repr, sizeof repr);
    YL__PUT("\nhandle: %s", repr);
  }
  if (ctx->exception) {
    char exc[512];
    yl_exc_format(ctx->exception, exc, sizeof exc);
    YL__PUT("\n%s", exc);
  }
#undef YL__PUT
  return len;
}

void yl_loop_default_exception_handler(yl_loop_t *loop, const yl_loop_context_t *ctx) {
  (void)loop;
  char text[1024];
  yl_loop_format_context(ctx, text, sizeof text);
  fprintf(stderr, "%s\n", text);
}

/* Hands a callback's exception to the handler, as Handle._run does. */
static void report(yl_loop_t *loop, yl_handle_t *h, yl_value_t exc) {
  char cb[200], msg[240];
  describe(h, cb, sizeof cb);
  snprintf(msg, sizeof msg, "Exception in callback %s", cb);
  yl_loop_context_t ctx = {msg, exc.as.exc, h};
  yl_loop_call_exception_handler(loop, &ctx);
  yl_value_drop(exc);
}

/* ---- Iterations ---- */

/* Runs one handle taken from the batch: the only place callbacks are called. */
static void run_handle(yl_loop_t *loop, yl_handle_t *h) {
  h->state = YL__H_RUNNING;
  yl_value_t r = h->fn(loop, h->arg);
  if (r.flags & YL__VALUE_RAISED) {
    r.flags &= ~YL__VALUE_RAISED;
    report(loop, h, r);
  } else {
    yl_value_drop(r);
  }
  if (h->state == YL__H_RUNNING && h->kind == YL__H_READER) {
    h->state = YL__H_WATCHING; /* still registered: the table keeps its reference */
    return;
  }
  if (h->state == YL__H_RUNNING) h->state = YL__H_DONE;
  /* Done, or cancelled (or its reader removed) while running: yl__handle_end left
   * the loop's reference to us. */
  h->loop = NULL;
  yl_handle_release(h);
}

/* A RuntimeError explaining a failed wait. */
static int wait_failed(yl_loop_t *loop, yl_value_t *err, int rc, double deadline) {
  if (!err) return rc;
  yl_exc_t *e;
  if (rc != YL_EWOULDBLOCK)
    e = yl_exc_new(yl_RuntimeError, "Event loop wait failed: %s", yl_strerror(rc));
  else if (isinf(deadline) && loop->nreaders == 0 && loop->holds == 0)
    e = yl_exc_new(yl_RuntimeError, "Event loop would wait forever: no callback, timer or reader can wake it");
  else /* in wasm, or a custom wait that cannot block */
    e = yl_exc_new(yl_RuntimeError,
                   "Event loop must wait (%.3f s) and cannot block here: waiting in real time in "
                   "wasm needs the JS event loop (start main with yl_main() and run the loop "
                   "on its coroutine, not inside another; or use YL_CLOCK_VIRTUAL)",
                   deadline - yl_loop_time(loop));
  *err = yl_exc_value(e);
  return rc;
}

/* One iteration: CPython's _run_once. There is no purge of cancelled timers: cancel
 * removes them from the heap at once. */
static int iterate(yl_loop_t *loop, yl_value_t *err) {
  YL__TRACE(loop_iter(loop));
  double deadline = loop->nready || loop->stopping ? -INFINITY : yl__heap_min_when(&loop->timers);
  YL__TRACE(loop_wait(loop, deadline - yl_loop_time(loop)));
  int rc = loop->clock.wait(loop->clock.ctx, loop, deadline);
  if (rc < 0) return wait_failed(loop, err, rc, deadline);

  /* Due timers to the ready queue, in (deadline, sequence) order, all of them before
   * any runs: a timer re-armed at zero delay waits for the next iteration. */
  double end = yl_loop_time(loop) + loop->clock.resolution;
  while (yl__heap_min_when(&loop->timers) < end) {
    yl_handle_t *h = YL__CONTAINER_OF(yl__heap_min(&loop->timers), yl_handle_t, node.heap);
    yl__heap_remove(&loop->timers, &h->node.heap);
    yl__handle_queue(loop, h);
  }
  YL__TRACE(loop_due(loop));

  /* Run exactly what is ready now. Moving it to a batch queue (not counting it, as
   * CPython does) lets a cancel take a handle out of the batch too, and whatever the
   * callbacks schedule lands in the emptied ready queue, for the next iteration. */
  yl__queue_move(&loop->ready, &loop->batch);
  while (!yl__queue_empty(&loop->batch)) {
    yl_handle_t *h = YL__CONTAINER_OF(yl__queue_head(&loop->batch), yl_handle_t, node.queue);
    yl__queue_remove(&h->node.queue);
    loop->nready--;
    YL__TRACE(loop_handle(loop, h));
    run_handle(loop, h);
  }
  return YL_OK;
}

/* run_forever's and run_once's checks and setup (_run_forever_setup). */
static int run_setup(yl_loop_t *loop, yl_value_t *err) {
  if (err) *err = yl_none();
  if (loop->state == YL__LOOP_CLOSED) return fail(err, YL_ECLOSED, closed_msg);
  if (loop->state == YL__LOOP_RUNNING) return fail(err, YL_EBUSY, "This event loop is already running");
  if (tls.running)
    return fail(err, YL_EBUSY, "Cannot run the event loop while another loop is running");
  loop->state = YL__LOOP_RUNNING;
  tls.running = loop;
  return YL_OK;
}

static void run_cleanup(yl_loop_t *loop) {
  loop->stopping = false;
  loop->state = YL__LOOP_IDLE;
  tls.running = NULL;
}

int yl_loop_run_forever(yl_loop_t *loop, yl_value_t *err) {
  int rc = run_setup(loop, err);
  if (rc < 0) return rc;
  while ((rc = iterate(loop, err)) == YL_OK && !loop->stopping) {
  }
  if (rc == YL_OK) YL__TRACE(loop_stop(loop));
  run_cleanup(loop);
  return rc;
}

int yl_loop_run_once(yl_loop_t *loop, yl_value_t *err) {
  int rc = run_setup(loop, err);
  if (rc < 0) return rc;
  rc = iterate(loop, err);
  run_cleanup(loop);
  return rc;
}

/* ---- The current loop ---- */

yl_loop_t *yl_loop_get_running(void) { return tls.running; }

yl_loop_t *yl_loop_get_current(void) { return tls.running ? tls.running : tls.current; }

void yl_loop_set_current(yl_loop_t *loop) { tls.current = loop; }
