/* The differential test of task ordering against CPython 3.11's asyncio.
 *
 * tests/diff/task_diff.py ran random programs of callbacks (call_soon / call_later /
 * call_at / Handle.cancel() / loop.stop()), futures and tasks on CPython's
 * BaseEventLoop in virtual time, as loop_diff.py does, and recorded what each did: the
 * driver's actions before each round, what each callback did when it ran, and the
 * operations of each task's body: actions, awaits (sleep, a future, a task, gather,
 * shield, wait_for, wait; each catching CancelledError, Exception, both or nothing),
 * its return or raise. Then the order of everything that ran, with the loop time:
 * callbacks, the bodies' starts, every return from an await with its outcome, each
 * round's end (with the gather's results); and at the end every task's and future's
 * state and outcome and each task's cancelling() count.
 *
 * This file replays every program on yl_loop (YL_CLOCK_VIRTUAL, start 0) with
 * yieldloop's futures and tasks: every task runs td_body(), which interprets the
 * recorded operations of its body, and every callback performs its recorded actions.
 * The log must be CPython's, event for event, at the same times (within 1e-9) and
 * with the same outcomes, and the programs must end in the same states. The first
 * divergence of each program is reported; `python3 tests/diff/task_diff.py --show N`
 * prints program N. The fixture is compiled in (tests/fixtures/task_diff.inc), so the
 * test runs the same natively and as wasm.
 */
#include <math.h> /* INFINITY */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "test.h"
#include "yl_task.h"

/* The fixture's types (see the comment at the top of task_diff.inc). The operations:
 * actions on handles, tasks and futures, then a body's awaits and its end. */
#define TD_OPS(X)                                                                                \
  X(SOON) X(LATER) X(AT) X(CANCEL) X(STOP) X(TASK) X(FUTURE) X(RESULT) X(FAIL) X(FCANCEL) X(TCANCEL) \
  X(SLEEP) X(AWAIT) X(JOIN) X(GATHER) X(SHIELD) X(WAIT_FOR) X(WAIT) X(RETURN) X(RAISE)
#define TD_ENUM(name) TD_##name,
enum { TD_OPS(TD_ENUM) };
#define TD_NAME(name) #name,
static const char *const td_op_names[] = {TD_OPS(TD_NAME)};

enum { TD_CATCH_CANCELLED = 1, TD_CATCH_EXCEPTION = 2 }; /* what an await catches */
enum { TD_FUTURE_BIT = 16 }; /* in children masks, bit i is task i, bit 16 + j future j */
enum { TD_RUN_GATHER, TD_RUN_FOREVER };
enum { TD_RAN, TD_STARTED, TD_RESUMED, TD_RETURNED };
typedef struct {
  int op, target; /* gather: return_exceptions; wait: return_when */
  double param;   /* a delay, a deadline, a timeout (INFINITY: none) */
  int flag;       /* an action: it succeeded; an await: what it catches */
  int num;        /* a value; a cancel message's number (0: none); children */
} td_action_t;
typedef struct {
  int mode, first, count;
} td_round_t;
typedef struct {
  int first, count;
} td_handle_t;
typedef struct {
  int first, count, cancelling;
  const char *final;
} td_task_t;
typedef struct {
  int kind, who, op;
  double time;
  const char *outcome;
} td_event_t;
typedef struct {
  int first_handle, handles, first_task, tasks, first_future, futures, first_round, rounds, first_event, events;
} td_prog_t;

/* The fixture leaves trailing zero members out, which keeps it a third smaller. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "fixtures/task_diff.inc"
#pragma GCC diagnostic pop

#define TD_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))
enum { TD_MAX_CHILDREN = 32 }; /* bits in a children mask */

typedef struct td_run td_run_t;

/* A callback's or a task body's argument: which handle or task of which replay. */
typedef struct {
  td_run_t *run;
  int idx;
} td_slot_t;

/* One program's replay. */
struct td_run {
  const td_prog_t *prog;
  yl_loop_t *loop;
  yl_handle_t **h;    /* the handles created so far, by number */
  yl_future_t **t;    /* the tasks (as futures) */
  yl_future_t **f;    /* the futures */
  yl_future_t **g;    /* each round's gather, if it has one */
  td_slot_t *hslots, *tslots;
  int *runs;          /* how many times each callback ran */
  int nevents;        /* events logged */
  int matched;        /* events logged as CPython's before the first divergence */
  char diverged[400]; /* the first divergence: expected and got */
  char problem[320];  /* the first thing that could not be done as in CPython */
};

/* Appends to the text in buf (n bytes), truncating; returns its full length. */
static size_t td_append(char *buf, size_t n, size_t len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static size_t td_append(char *buf, size_t n, size_t len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(len < n ? buf + len : NULL, len < n ? n - len : 0, fmt, ap);
  va_end(ap);
  return len + (size_t)(k > 0 ? k : 0);
}

static void td_problem(td_run_t *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void td_problem(td_run_t *run, const char *fmt, ...) {
  if (run->problem[0]) return;
  int n = snprintf(run->problem, sizeof run->problem, "at event %d: ", run->nevents);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(run->problem + n, sizeof run->problem - (size_t)n, fmt, ap);
  va_end(ap);
}

/* An outcome as the fixture writes it: the repr of a value, an exception as
 * "Type: message" ("Type" without one). */
static void td_outcome(yl_value_t v, char *buf, size_t n) {
  if (v.type != YL_EXC) {
    yl_value_repr(v, buf, n);
    return;
  }
  const char *msg = yl_exc_message(v.as.exc);
  snprintf(buf, n, "%s%s%s", yl_exc_type(v.as.exc)->name, *msg ? ": " : "", msg);
}

/* A finished gather's results as the fixture writes a list: "[1, CancelledError]". */
static void td_gathered(yl_future_t *g, char *buf, size_t n) {
  yl_value_t vs[TD_MAX_CHILDREN];
  size_t count = yl_gather_results(g, vs, TD_MAX_CHILDREN), len = td_append(buf, n, 0, "[");
  for (size_t i = 0; i < count && i < TD_MAX_CHILDREN; i++) {
    char one[160];
    td_outcome(vs[i], one, sizeof one);
    len = td_append(buf, n, len, "%s%s", i ? ", " : "", one);
    yl_value_drop(vs[i]);
  }
  td_append(buf, n, len, "]");
}

static void td_describe(const td_event_t *e, char *buf, size_t n) {
  switch (e->kind) {
  case TD_RAN: snprintf(buf, n, "h%d ran at t=%.17g", e->who, e->time); break;
  case TD_STARTED: snprintf(buf, n, "t%d started at t=%.17g", e->who, e->time); break;
  case TD_RESUMED:
    snprintf(buf, n, "t%d's await (op %d) gave %s at t=%.17g", e->who, e->op, e->outcome, e->time);
    break;
  default: snprintf(buf, n, "round %d returned %s at t=%.17g", e->who, e->outcome, e->time); break;
  }
}

/* Logs an event: compares it with CPython's next one, keeping the first divergence. */
static void td_log(td_run_t *run, int kind, int who, int op, const char *outcome) {
  const td_prog_t *p = run->prog;
  td_event_t got = {kind, who, op, yl_loop_time(run->loop), outcome};
  int i = run->nevents++;
  if (run->diverged[0]) return;
  const td_event_t *want = i < p->events ? &td_events[p->first_event + i] : NULL;
  if (want && want->kind == got.kind && want->who == got.who && want->op == got.op &&
      yl_test_same_time(want->time, got.time) &&
      (!want->outcome || (got.outcome && strcmp(want->outcome, got.outcome) == 0))) {
    run->matched++;
    return;
  }
  char w[180] = "nothing more", g[180], prev[180] = "the start";
  if (want) td_describe(want, w, sizeof w);
  td_describe(&got, g, sizeof g);
  if (i > 0) td_describe(&td_events[p->first_event + i - 1], prev, sizeof prev);
  snprintf(run->diverged, sizeof run->diverged, "event %d of %d (after %s):\n#     expected %s\n#     got      %s", i,
           p->events, prev, w, g);
}

/* Task or future i (kind 't' or 'f'), or NULL (a problem) if it was not created. */
static yl_future_t *td_get(td_run_t *run, char kind, int i) {
  int n = kind == 't' ? run->prog->tasks : run->prog->futures;
  yl_future_t *x = i >= 0 && i < n ? (kind == 't' ? run->t : run->f)[i] : NULL;
  if (!x) td_problem(run, "%c%d used before it was created", kind, i);
  return x;
}

/* Whether object i of n, which is `made` or not, can be created now (else a problem). */
static bool td_creatable(td_run_t *run, char kind, int i, int n, bool made) {
  if (i >= 0 && i < n && !made) return true;
  td_problem(run, "%c%d cannot be created: %s", kind, i, i >= 0 && i < n ? "created twice" : "no such number");
  return false;
}

/* An action's success against CPython's (the fixture's flag); `err` is what failed. */
static void td_expect(td_run_t *run, const td_action_t *a, bool ok, yl_value_t err) {
  if (ok != (a->flag != 0) || (!ok && !yl_is_none(err) && !yl_value_is_exc(err, yl_InvalidStateError))) {
    char e[160];
    td_outcome(err, e, sizeof e);
    td_problem(run, "%s #%d: %s, CPython's %s", td_op_names[a->op], a->target, ok ? "succeeded" : e,
               a->flag ? "succeeded" : "did not");
  }
  yl_value_drop(err);
}

static yl_value_t td_callback(yl_loop_t *loop, void *arg);
static yl_value_t td_body(yl_gen_t *g, void *arg);

/* Performs an action of the driver's, a callback's or a body's, as CPython did. */
static void td_perform(td_run_t *run, const td_action_t *a) {
  const td_prog_t *p = run->prog;
  int i = a->target;
  yl_future_t *x;
  yl_value_t err = yl_none();
  char msg[16];
  if (a->num > 0) snprintf(msg, sizeof msg, "m%d", a->num);
  switch (a->op) {
  case TD_SOON:
  case TD_LATER:
  case TD_AT: {
    if (!td_creatable(run, 'h', i, p->handles, i >= 0 && i < p->handles && run->h[i])) break;
    td_slot_t *s = &run->hslots[i];
    int rc = a->op == TD_SOON    ? yl_loop_call_soon(run->loop, td_callback, s, &run->h[i])
             : a->op == TD_LATER ? yl_loop_call_later(run->loop, a->param, td_callback, s, &run->h[i])
                                 : yl_loop_call_at(run->loop, a->param, td_callback, s, &run->h[i]);
    if (rc != YL_OK) td_problem(run, "h%d: scheduling failed (%d)", i, rc);
    break;
  }
  case TD_CANCEL:
    if (i >= 0 && i < p->handles && run->h[i])
      yl_handle_cancel(run->h[i]);
    else
      td_problem(run, "h%d cancelled before it was created", i);
    break;
  case TD_STOP: yl_loop_stop(run->loop); break;
  case TD_TASK: {
    yl_task_t *t;
    if (!td_creatable(run, 't', i, p->tasks, i >= 0 && i < p->tasks && run->t[i])) break;
    if (yl_task_new(run->loop, yl_gen_new("body", td_body, &run->tslots[i]), &t) == YL_OK)
      run->t[i] = yl_task_future(t);
    else
      td_problem(run, "t%d: yl_task_new failed", i);
    break;
  }
  case TD_FUTURE:
    if (td_creatable(run, 'f', i, p->futures, i >= 0 && i < p->futures && run->f[i])) run->f[i] = yl_future_new(run->loop);
    break;
  case TD_RESULT:
    if ((x = td_get(run, 'f', i))) td_expect(run, a, yl_future_set_result(x, yl_int(a->num), &err) == YL_OK, err);
    break;
  case TD_FAIL:
    if ((x = td_get(run, 'f', i))) {
      yl_value_t exc = yl_exc_value(yl_exc_new(yl_ValueError, "f%d", i));
      td_expect(run, a, yl_future_set_exception(x, exc, &err) == YL_OK, err);
    }
    break;
  case TD_FCANCEL:
  case TD_TCANCEL:
    if ((x = td_get(run, a->op == TD_FCANCEL ? 'f' : 't', i)))
      td_expect(run, a, yl_future_cancel(x, a->num > 0 ? msg : NULL), err);
    break;
  default: td_problem(run, "%s where an action belongs", td_op_names[a->op]); break;
  }
}

/* Every handle's callback: logs that it ran, then does what it did in CPython. */
static yl_value_t td_callback(yl_loop_t *loop, void *arg) {
  td_slot_t *s = arg;
  td_run_t *run = s->run;
  (void)loop;
  td_log(run, TD_RAN, s->idx, 0, NULL);
  if (run->runs[s->idx]++ == 0) { /* a second run is logged (a divergence), not repeated */
    const td_handle_t *hd = &td_handles[run->prog->first_handle + s->idx];
    for (int i = hd->first; i < hd->first + hd->count; i++) td_perform(run, &td_actions[i]);
  }
  return yl_none();
}

static bool td_catches(int catch, yl_value_t exc) {
  return ((catch & TD_CATCH_CANCELLED) && yl_value_is_exc(exc, yl_CancelledError)) ||
         ((catch & TD_CATCH_EXCEPTION) && yl_value_is_exc(exc, yl_Exception));
}

/* A body's gather, shield, wait_for or wait of the children in a->num: YL_OK with the
 * result in *r (a gather's results or wait's done set written in text, "{t0, f1}"),
 * or YL_GEN_ERROR with the exception. */
static int td_wait(td_run_t *run, yl_gen_t *g, const td_action_t *a, yl_value_t *r, char *text, size_t n) {
  yl_future_t *cs[TD_MAX_CHILDREN], *done[TD_MAX_CHILDREN];
  char names[TD_MAX_CHILDREN][8];
  size_t count = 0, ndone = 0;
  for (int bit = 0; bit < TD_MAX_CHILDREN; bit++) {
    if (!(a->num >> bit & 1)) continue;
    char kind = bit < TD_FUTURE_BIT ? 't' : 'f';
    int i = kind == 't' ? bit : bit - TD_FUTURE_BIT;
    snprintf(names[count], sizeof names[0], "%c%d", kind, i);
    if (!(cs[count++] = td_get(run, kind, i))) {
      *r = yl_exc_value(yl_exc_new(yl_RuntimeError, "%c%d not created", kind, i));
      return YL_GEN_ERROR;
    }
  }
  int rc;
  switch (a->op) {
  case TD_WAIT_FOR: return yl_wait_for(g, cs[0], a->param, r);
  case TD_WAIT: {
    rc = yl_wait(g, cs, count, a->param, (yl_wait_when_t)a->target, done, &ndone, NULL, NULL, r);
    if (rc != YL_OK) return rc;
    size_t len = td_append(text, n, 0, "{");
    for (size_t i = 0, j = 0; i < count && j < ndone; i++) /* both in the children's order */
      if (cs[i] == done[j]) len = td_append(text, n, len, "%s%s", j++ ? ", " : "", names[i]);
    td_append(text, n, len, "}");
    return rc;
  }
  default: {
    yl_future_t *w = a->op == TD_GATHER ? yl_gather(run->loop, cs, count, a->target != 0) : yl_shield(cs[0]);
    if (!w) {
      td_problem(run, "%s failed", td_op_names[a->op]);
      *r = yl_exc_value(yl_exc_new(yl_MemoryError, NULL));
      return YL_GEN_ERROR;
    }
    rc = yl_await(g, w, r);
    if (rc == YL_OK && a->op == TD_GATHER) td_gathered(w, text, n);
    yl_future_release(w);
    return rc;
  }
  }
}

/* Every task's body: the operations its body did in CPython, in order. */
static yl_value_t td_body(yl_gen_t *g, void *arg) {
  td_slot_t *s = arg;
  td_run_t *run = s->run;
  const td_task_t *td = &td_tasks[run->prog->first_task + s->idx];
  td_log(run, TD_STARTED, s->idx, 0, NULL);
  for (int k = 0; k < td->count; k++) {
    const td_action_t *a = &td_actions[td->first + k];
    yl_future_t *x;
    yl_value_t r;
    char text[512] = "";
    int rc;
    switch (a->op) {
    case TD_RETURN: return yl_int(a->num);
    case TD_RAISE: return yl_raise_new(yl_ValueError, "t%d", s->idx);
    case TD_SLEEP: rc = yl_sleep(g, a->param, yl_none(), &r); break;
    case TD_AWAIT:
    case TD_JOIN:
      if (!(x = td_get(run, a->op == TD_AWAIT ? 'f' : 't', a->target))) return yl_none();
      rc = yl_await(g, x, &r); /* run->f and run->t hold a reference */
      break;
    case TD_GATHER:
    case TD_SHIELD:
    case TD_WAIT_FOR:
    case TD_WAIT: rc = td_wait(run, g, a, &r, text, sizeof text); break;
    default: td_perform(run, a); continue;
    }
    /* Closing the loop closes the pending bodies, as task_diff.py does at the end. */
    if (rc < 0 && yl_value_is_exc(r, yl_GeneratorExit)) return yl_raise(r);
    if (!text[0]) td_outcome(r, text, sizeof text);
    td_log(run, TD_RESUMED, s->idx, k, text);
    if (rc < 0 && !td_catches(a->flag, r)) return yl_raise(r);
    yl_value_drop(r);
  }
  td_problem(run, "t%d's body ran past its recorded operations", s->idx);
  return yl_none();
}

/* Round r's run: the loop until a gather of every task completes, or forever. */
static void td_round(td_run_t *run, int r, const td_round_t *rd) {
  const td_prog_t *p = run->prog;
  char text[1024] = "-";
  yl_value_t res = yl_none(), err = yl_none();
  int rc;
  if (rd->mode == TD_RUN_GATHER) {
    yl_future_t *ts[TD_MAX_CHILDREN];
    int n = 0;
    for (int i = 0; i < p->tasks && n < TD_MAX_CHILDREN; i++)
      if (run->t[i]) ts[n++] = run->t[i];
    if (!n || !(run->g[r] = yl_gather(run->loop, ts, (size_t)n, true))) {
      td_problem(run, "round %d: no gather of %d tasks", r, n);
      return;
    }
    rc = yl_loop_run_until_complete(run->loop, run->g[r], &res, &err);
    if (rc == YL_OK) td_gathered(run->g[r], text, sizeof text);
  } else {
    rc = yl_loop_run_forever(run->loop, &err);
  }
  if (rc == YL_EWOULDBLOCK) /* CPython would block in select() forever */
    snprintf(text, sizeof text, "idle");
  else if (rc != YL_OK)
    td_outcome(err, text, sizeof text);
  yl_value_drop(res);
  yl_value_drop(err);
  td_log(run, TD_RETURNED, r, 0, text);
}

/* A task's or future's state at the end, as task_diff.py's final(): result() read. */
static void td_final(yl_future_t *f, char *buf, size_t n) {
  if (!yl_future_done(f)) {
    snprintf(buf, n, "pending");
    return;
  }
  yl_value_t v;
  bool ok = yl_future_result(f, &v) == YL_OK;
  char one[160];
  td_outcome(v, one, sizeof one);
  snprintf(buf, n, "%s %s", ok ? "result" : yl_future_cancelled(f) ? "cancelled" : "exception", one);
  yl_value_drop(v);
}

/* The finals: every task's and future's state, outcome and cancelling() count. True
 * if they are CPython's; the first that is not is reported. */
static bool td_check_finals(td_run_t *run, int pid) {
  const td_prog_t *p = run->prog;
  char got[256];
  for (int i = 0; i < p->tasks + p->futures; i++) {
    bool task = i < p->tasks;
    int j = task ? i : i - p->tasks;
    const td_task_t *td = task ? &td_tasks[p->first_task + j] : NULL;
    const char *want = task ? td->final : td_futures[p->first_future + j];
    yl_future_t *x = task ? run->t[j] : run->f[j];
    if (!x) continue; /* never created: a problem already */
    td_final(x, got, sizeof got);
    int cancelling = task ? yl_task_cancelling(yl_future_task(x)) : 0;
    if (strcmp(got, want) != 0 || (task && cancelling != td->cancelling)) {
      yl_test_fail(__FILE__, __LINE__,
                   "program %d, %c%d at the end:\n#     expected %s (cancelling %d)\n#     got      %s (cancelling %d)",
                   pid, task ? 't' : 'f', j, want, task ? td->cancelling : 0, got, cancelling);
      return false;
    }
  }
  return true;
}

/* Reports to the exception handler: only those CPython makes too. */
static void td_report(yl_loop_t *loop, const yl_loop_context_t *ctx, void *arg) {
  (void)loop;
  static const char *const expected[] = {
      "Task exception was never retrieved", "Future exception was never retrieved",
      "_GatheringFuture exception was never retrieved", "Task was destroyed but it is pending!"};
  for (int i = 0; i < TD_COUNT(expected); i++)
    if (ctx->message && strcmp(ctx->message, expected[i]) == 0) return;
  td_problem(arg, "unexpected report: %s", ctx->message ? ctx->message : "(none)");
}

/* Replays program `pid`; returns how many of its events matched before the first
 * divergence, and sets *ok when everything matched. */
static int td_replay(int pid, bool *ok) {
  const td_prog_t *p = &td_progs[pid];
  td_run_t run = {.prog = p};
  size_t nh = (size_t)p->handles + 1, nt = (size_t)p->tasks + 1;
  run.h = calloc(nh, sizeof *run.h);
  run.hslots = calloc(nh, sizeof *run.hslots);
  run.runs = calloc(nh, sizeof *run.runs);
  run.t = calloc(nt, sizeof *run.t);
  run.tslots = calloc(nt, sizeof *run.tslots);
  run.f = calloc((size_t)p->futures + 1, sizeof *run.f);
  run.g = calloc((size_t)p->rounds + 1, sizeof *run.g);
  run.loop = yl_loop_new(&(yl_loop_options_t){.clock = YL_CLOCK_VIRTUAL});
  *ok = false;
  if (!run.h || !run.hslots || !run.runs || !run.t || !run.tslots || !run.f || !run.g || !run.loop) {
    yl_test_fail(__FILE__, __LINE__, "program %d: out of memory", pid);
    goto out;
  }
  yl_loop_set_exception_handler(run.loop, td_report, &run);
  for (int i = 0; i < p->handles; i++) run.hslots[i] = (td_slot_t){&run, i};
  for (int i = 0; i < p->tasks; i++) run.tslots[i] = (td_slot_t){&run, i};

  for (int r = 0; r < p->rounds; r++) {
    const td_round_t *rd = &td_rounds[p->first_round + r];
    for (int i = rd->first; i < rd->first + rd->count; i++) td_perform(&run, &td_actions[i]);
    td_round(&run, r, rd);
  }
  if (run.nevents < p->events && !run.diverged[0]) {
    char w[180];
    td_describe(&td_events[p->first_event + run.nevents], w, sizeof w);
    snprintf(run.diverged, sizeof run.diverged, "event %d of %d:\n#     expected %s\n#     got      nothing more",
             run.nevents, p->events, w);
  }
  if (run.diverged[0]) {
    yl_test_fail(__FILE__, __LINE__, "program %d, %s%s%s", pid, run.diverged,
                 run.problem[0] ? "\n#     first problem: " : "", run.problem);
    goto out;
  }
  *ok = td_check_finals(&run, pid);
out:
  /* Closed first: the bodies still pending are closed, and what the releases below
   * report still reaches td_report. */
  if (run.loop) CHECK_INT(yl_loop_close(run.loop, NULL), YL_OK);
  for (int i = 0; run.h && i < p->handles; i++) yl_handle_release(run.h[i]);
  for (int i = 0; run.t && i < p->tasks; i++) yl_future_release(run.t[i]);
  for (int i = 0; run.f && i < p->futures; i++) yl_future_release(run.f[i]);
  for (int i = 0; run.g && i < p->rounds; i++) yl_future_release(run.g[i]);
  if (run.loop) CHECK_INT(yl_loop_free(run.loop), YL_OK);
  if (*ok && run.problem[0]) {
    yl_test_fail(__FILE__, __LINE__, "program %d: %s", pid, run.problem);
    *ok = false;
  }
  free(run.h);
  free(run.hslots);
  free(run.runs);
  free(run.t);
  free(run.tslots);
  free(run.f);
  free(run.g);
  return run.matched;
}

TEST(task_diff) {
  int diverged = 0, events = 0;
  for (int pid = 0; pid < TD_COUNT(td_progs); pid++) {
    bool ok;
    events += td_replay(pid, &ok);
    if (!ok) diverged++;
  }
  printf("# task_diff: %d programs, %d of %d events as CPython's; %d programs diverged%s\n", TD_COUNT(td_progs), events,
         TD_COUNT(td_events), diverged, diverged ? " (python3 tests/diff/task_diff.py --show N prints program N)" : "");
}
