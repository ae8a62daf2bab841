/* The differential test of event loop ordering against CPython 3.11's asyncio.
 *
 * tests/diff/loop_diff.py ran random programs of call_soon / call_later / call_at /
 * Handle.cancel() / loop.stop() on CPython's BaseEventLoop in virtual time (time 0 at
 * the start, clock resolution 1e-9, select(timeout) advancing the clock by timeout)
 * and recorded what each program did: the driver's actions before each round's
 * run_forever(), what each callback did when it ran, the order in which the callbacks
 * ran with the loop time of each, when each run_forever() returned, and at the end
 * every handle's cancelled() flag and deadline. This file replays every program on
 * yl_loop with YL_CLOCK_VIRTUAL (start 0): a callback logs (handle, yl_loop_time()) and
 * performs the actions its handle performed in CPython, and the log must be CPython's,
 * event for event, at the same times (within 1e-9), with the same flags and deadlines
 * at the end. The first divergence of each program is reported. The fixture is
 * compiled in (tests/fixtures/loop_diff.inc), so the test runs the same natively and
 * as wasm.
 */
#include <math.h> /* isnan, NAN */
#include <stdio.h>
#include <stdlib.h>

#include "test.h"

/* The fixture's types (see the comment at the top of loop_diff.inc). */
enum { LD_SOON, LD_LATER, LD_AT, LD_CANCEL, LD_STOP };
typedef struct {
  int op, h;
  double param;
} ld_action_t;
typedef struct {
  int first, count;
} ld_round_t;
typedef struct {
  int first, count; /* its callback's actions */
  int cancelled, timer;
  double when;
} ld_handle_t;
typedef struct {
  int handle, round; /* handle -1: run_forever() of `round` returned */
  double time;
} ld_event_t;
typedef struct {
  int first_handle, handles, first_round, rounds, first_event, events;
} ld_prog_t;

#include "fixtures/loop_diff.inc"

#define LD_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

typedef struct ld_run ld_run_t;

/* A callback's argument: which handle of which replay. */
typedef struct {
  ld_run_t *run;
  int idx;
} ld_slot_t;

/* One program's replay. */
struct ld_run {
  int pid;
  const ld_prog_t *prog;
  yl_loop_t *loop;
  yl_handle_t **h; /* the handles created so far, by number */
  ld_slot_t *slots;
  int *runs;       /* how many times each callback ran */
  ld_event_t *got; /* the events, as ld_events[] */
  int ngot, cap;
  char problem[320]; /* the first thing that could not be done as in CPython */
};

static void ld_event(ld_run_t *run, int handle, int round) {
  if (run->ngot < run->cap) run->got[run->ngot] = (ld_event_t){handle, round, yl_loop_time(run->loop)};
  run->ngot++;
}

static void ld_problem(ld_run_t *run, const char *what, int h, int rc) {
  if (!run->problem[0])
    snprintf(run->problem, sizeof run->problem, "%s h%d (rc %d) at event %d", what, h, rc, run->ngot);
}

static yl_value_t ld_callback(yl_loop_t *loop, void *arg);

/* Performs actions [first, first + count), as the program did in CPython. */
static void ld_perform(ld_run_t *run, int first, int count) {
  for (int i = first; i < first + count; i++) {
    const ld_action_t *a = &ld_actions[i];
    int rc = YL_OK;
    if (a->op == LD_STOP) {
      yl_loop_stop(run->loop);
      continue;
    }
    if (a->h < 0 || a->h >= run->prog->handles) {
      ld_problem(run, "bad handle number in the fixture:", a->h, 0);
      continue;
    }
    if (a->op == LD_CANCEL) {
      if (run->h[a->h])
        yl_handle_cancel(run->h[a->h]);
      else
        ld_problem(run, "cancel of a handle not created yet:", a->h, 0);
      continue;
    }
    if (run->h[a->h]) {
      ld_problem(run, "handle created twice:", a->h, 0);
      continue;
    }
    ld_slot_t *s = &run->slots[a->h];
    switch (a->op) {
    case LD_SOON: rc = yl_loop_call_soon(run->loop, ld_callback, s, &run->h[a->h]); break;
    case LD_LATER: rc = yl_loop_call_later(run->loop, a->param, ld_callback, s, &run->h[a->h]); break;
    default: rc = yl_loop_call_at(run->loop, a->param, ld_callback, s, &run->h[a->h]); break;
    }
    if (rc != YL_OK) ld_problem(run, "scheduling failed:", a->h, rc);
  }
}

/* Every handle's callback: logs (handle, time), then does what it did in CPython. */
static yl_value_t ld_callback(yl_loop_t *loop, void *arg) {
  ld_slot_t *s = arg;
  ld_run_t *run = s->run;
  (void)loop;
  ld_event(run, s->idx, 0);
  if (run->runs[s->idx]++ == 0) { /* a second run is logged (a divergence), not repeated */
    const ld_handle_t *hd = &ld_handles[run->prog->first_handle + s->idx];
    ld_perform(run, hd->first, hd->count);
  }
  return yl_none();
}

static const char *ld_describe(const ld_event_t *e, char *buf, size_t n) {
  if (e->handle >= 0)
    snprintf(buf, n, "h%d ran at t=%.17g", e->handle, e->time);
  else
    snprintf(buf, n, "round %d's run_forever returned at t=%.17g", e->round, e->time);
  return buf;
}

/* Replays program `pid`; returns how many of its events matched before the first
 * divergence, and sets *ok when everything (events, flags, deadlines) matched. */
static int ld_replay(int pid, bool *ok) {
  const ld_prog_t *p = &ld_progs[pid];
  ld_run_t run = {.pid = pid, .prog = p};
  int n = p->handles, matched = 0;
  *ok = false;
  run.h = calloc((size_t)n + 1, sizeof *run.h);
  run.slots = calloc((size_t)n + 1, sizeof *run.slots);
  run.runs = calloc((size_t)n + 1, sizeof *run.runs);
  run.cap = p->events + n + 8;
  run.got = calloc((size_t)run.cap, sizeof *run.got);
  yl_loop_options_t opts = {YL_CLOCK_VIRTUAL, 0, NULL};
  run.loop = yl_loop_new(&opts);
  if (!run.h || !run.slots || !run.runs || !run.got || !run.loop) {
    yl_test_fail(__FILE__, __LINE__, "program %d: out of memory", pid);
    goto out;
  }
  for (int i = 0; i < n; i++) run.slots[i] = (ld_slot_t){&run, i};

  for (int r = 0; r < p->rounds; r++) {
    const ld_round_t *rd = &ld_rounds[p->first_round + r];
    ld_perform(&run, rd->first, rd->count);
    yl_value_t err = yl_none();
    int rc = yl_loop_run_forever(run.loop, &err);
    if (rc != YL_OK && !run.problem[0]) {
      char msg[160];
      yl_exc_format(err.as.exc, msg, sizeof msg);
      snprintf(run.problem, sizeof run.problem, "round %d: run_forever failed (%d): %s", r, rc, msg);
    }
    yl_value_drop(err);
    ld_event(&run, -1, r);
  }

  /* The events, in order. */
  const ld_event_t *want = &ld_events[p->first_event];
  while (matched < p->events && matched < run.ngot && matched < run.cap) {
    const ld_event_t *w = &want[matched], *g = &run.got[matched];
    if (w->handle != g->handle || (w->handle < 0 && w->round != g->round) || !yl_test_same_time(w->time, g->time))
      break;
    matched++;
  }
  if (matched < p->events || run.ngot != p->events) {
    char a[120], b[120], prev[120] = "the start";
    if (matched > 0) ld_describe(&want[matched - 1], prev, sizeof prev);
    if (matched < p->events)
      ld_describe(&want[matched], a, sizeof a);
    else
      snprintf(a, sizeof a, "nothing more");
    if (matched < run.ngot && matched < run.cap)
      ld_describe(&run.got[matched], b, sizeof b);
    else
      snprintf(b, sizeof b, "nothing more");
    yl_test_fail(__FILE__, __LINE__,
                 "program %d, event %d of %d (after %s):\n"
                 "#     expected %s\n"
                 "#     got      %s%s%s",
                 pid, matched, p->events, prev, a, b, run.problem[0] ? "\n#     first problem: " : "",
                 run.problem);
    goto out;
  }
  /* At the end: cancelled() and when() of every handle. */
  for (int i = 0; i < n; i++) {
    const ld_handle_t *hd = &ld_handles[p->first_handle + i];
    yl_handle_t *h = run.h[i];
    if (!h) {
      yl_test_fail(__FILE__, __LINE__, "program %d: h%d was never created (%s)", pid, i,
                   run.problem[0] ? run.problem : "?");
      goto out;
    }
    double when = yl_timer_when(h);
    bool cancelled = yl_handle_cancelled(h);
    bool when_ok = hd->timer ? !isnan(when) && yl_test_same_time(when, hd->when) : isnan(when);
    if (cancelled != (hd->cancelled != 0) || !when_ok) {
      yl_test_fail(__FILE__, __LINE__,
                   "program %d, h%d at the end:\n"
                   "#     expected cancelled=%d when=%.17g\n"
                   "#     got      cancelled=%d when=%.17g",
                   pid, i, hd->cancelled, hd->timer ? hd->when : NAN, cancelled, when);
      goto out;
    }
  }
  if (run.problem[0]) {
    yl_test_fail(__FILE__, __LINE__, "program %d: %s", pid, run.problem);
    goto out;
  }
  *ok = true;
out:
  if (run.loop) CHECK_INT(yl_loop_free(run.loop), YL_OK);
  if (run.h)
    for (int i = 0; i < n; i++) yl_handle_release(run.h[i]);
  free(run.h);
  free(run.slots);
  free(run.runs);
  free(run.got);
  return matched;
}

TEST(loop_diff) {
  int diverged = 0, events = 0;
  for (int pid = 0; pid < LD_COUNT(ld_progs); pid++) {
    bool ok;
    events += ld_replay(pid, &ok);
    if (!ok) diverged++;
  }
  printf("# loop_diff: %d programs, %d of %d events as CPython's; %d programs diverged\n",
         LD_COUNT(ld_progs), events, LD_COUNT(ld_events), diverged);
}
