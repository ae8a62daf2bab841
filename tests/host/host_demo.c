/* Waiting in real time through yl_main (src/yl_host.h), natively and in wasm. Each
 * scenario runs a loop on the monotonic clock on main's root coroutine, prints what
 * happened (the same lines natively and in wasm, except where noted) and ends with
 *   stats wall=<s> cpu=<s> wakeups=<n> at=<s>
 * measured around the loop's run: wall time, the process's CPU time (in wasm Node's
 * process.cpuUsage(): the whole process, every thread), how many times a JS wake-up
 * resumed the root (0 natively) and when the scenario's key event happened (seconds
 * after the start). tests/host.test.mjs runs it natively and as wasm.
 *
 * Pokes stand for code outside the loop. In wasm a JS timer (setImmediate for a
 * delay of 0) calls an exported C function while the root waits in the JS event loop,
 * so whatever it schedules has to wake the loop or re-arm its wake-up. Natively
 * nothing runs beside a waiting loop: a timer on the loop calls the same function.
 *
 * Usage: host_demo <scenario> [arg]
 *   sleep S      call_later(S) fires after S seconds, not before
 *   zero N       N cycles: poke -> call_soon or call_later(0) -> callback -> poke
 *   cancel       the timer the wake-up is armed for is cancelled: it never runs, the
 *                next one does; a call_soon cancelled at once never runs either
 *   rearm        a timer earlier than the armed one, added by a poke, re-arms
 *   long         a timer 3e6 s ahead (past setTimeout's 2^31-1 ms) neither fires nor
 *                wakes the loop; a poke stops it
 *   busy         handles always ready: the loop still lets a poke at 0.05 s in
 *   reader       a reader on a pipe and no timer: a poke writes the pipe at 0.2 s
 *   nested       a loop run inside another coroutine cannot wait in wasm
 *   exit N       main calls exit(N) after waiting
 *   exit-poke N  a poke calls exit(N) while main waits for a 30 s timer
 *   return N     main returns N without waiting
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#endif

#include "loop.h" /* yl__host_wakeups */
#include "yieldloop.h"

static yl_loop_t *loop;
static double t0;      /* the scenario's start, wall time */
static double at = -1; /* when its key event happened, after t0 */

/* ---- Clocks ---- */

#ifdef __EMSCRIPTEN__
EM_JS(double, js_cpu_seconds, (void), {
  if (typeof process == 'object' && process.cpuUsage) {
    var u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
  return -1;
});

static double wall(void) { return emscripten_get_now() / 1000.0; }
static double cpu(void) { return js_cpu_seconds(); }
#else
static double seconds(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double wall(void) { return seconds(CLOCK_MONOTONIC); }
static double cpu(void) { return seconds(CLOCK_PROCESS_CPUTIME_ID); }
#endif

static void mark(void) { at = wall() - t0; }

/* ---- Pokes ---- */

typedef void (*poke_fn)(void);
static poke_fn pokes[8];

static int poke_id(poke_fn fn) {
  int i = 0;
  while (pokes[i] && pokes[i] != fn) i++;
  pokes[i] = fn;
  return i;
}

#ifdef __EMSCRIPTEN__
/* An exit() in the poke ends the program: its ExitStatus stops here. */
EM_JS(void, js_poke_after, (double ms, int id), {
  var poke = function() {
    try {
      _demo_poke(id);
    } catch (e) {
      if (!(e instanceof ExitStatus) && e !== 'unwind') throw e;
    }
  };
  if (ms > 0 || typeof setImmediate != 'function') setTimeout(poke, ms);
  else setImmediate(poke);
});

EMSCRIPTEN_KEEPALIVE void demo_poke(int id) { pokes[id](); }

static void poke_after(double s, poke_fn fn) { js_poke_after(s * 1000, poke_id(fn)); }
#else
static yl_value_t run_poke(yl_loop_t *l, void *arg) {
  (void)l;
  pokes[(intptr_t)arg]();
  return yl_none();
}

static void poke_after(double s, poke_fn fn) {
  yl_loop_call_later(loop, s, run_poke, (void *)(intptr_t)poke_id(fn), NULL);
}
#endif

/* ---- Running ---- */

static yl_value_t say(yl_loop_t *l, void *arg) {
  (void)l;
  printf("%s\n", (const char *)arg);
  return yl_none();
}

static yl_value_t say_and_stop(yl_loop_t *l, void *arg) {
  mark();
  printf("%s\n", (const char *)arg);
  yl_loop_stop(l);
  return yl_none();
}

/* Runs the loop until stop(), then prints the stats line. */
static int run(void) {
  double c0 = cpu();
  unsigned long k0 = yl__host_wakeups();
  yl_value_t err;
  int rc = yl_loop_run_forever(loop, &err);
  double w = wall() - t0, c = cpu() - c0;
  if (rc < 0) {
    char msg[512] = "";
    if (err.type == YL_EXC) yl_exc_format(err.as.exc, msg, sizeof msg);
    printf("run_forever: %s: %s\n", yl_err_name(rc), msg);
    yl_value_drop(err);
  }
  printf("stats wall=%.4f cpu=%.4f wakeups=%lu at=%.4f\n", w, c, yl__host_wakeups() - k0, at);
  return rc < 0 ? 1 : 0;
}

/* ---- Scenarios ---- */

static int sleep_for(double s) {
  yl_loop_call_later(loop, s, say_and_stop, "timer fired", NULL);
  return run();
}

static int zcount, ztarget;
static yl_handle_t *keeper; /* a timer far ahead: the waits in between are finite */

static void zpoke(void);

static yl_value_t zcb(yl_loop_t *l, void *arg) {
  (void)arg;
  if (++zcount < ztarget) {
    poke_after(0, zpoke);
    return yl_none();
  }
  mark();
  yl_handle_cancel(keeper);
  yl_loop_stop(l);
  return yl_none();
}

static void zpoke(void) {
  if (zcount % 2)
    yl_loop_call_later(loop, 0, zcb, NULL, NULL);
  else
    yl_loop_call_soon(loop, zcb, NULL, NULL);
}

static int zero(int n) {
  ztarget = n;
  yl_loop_call_later(loop, 30, say, "keeper ran", &keeper);
  poke_after(0, zpoke);
  int r = run();
  printf("cycles %d\n", zcount);
  yl_handle_release(keeper);
  return r;
}

static yl_handle_t *victim;

static void cancel_victim(void) {
  yl_handle_cancel(victim);
  printf("cancelled the timer due at 0.1 s\n");
}

static void cancel_soon(void) {
  yl_handle_t *h;
  yl_loop_call_soon(loop, say, "cancelled call_soon ran", &h);
  yl_handle_cancel(h);
  yl_handle_release(h);
  printf("cancelled a call_soon\n");
}

static int cancel(void) {
  yl_loop_call_later(loop, 0.1, say, "cancelled timer ran", &victim);
  yl_loop_call_later(loop, 0.3, say_and_stop, "timer at 0.3 s ran", NULL);
  poke_after(0.05, cancel_victim);
  poke_after(0.15, cancel_soon);
  int r = run();
  yl_handle_release(victim);
  return r;
}

static yl_handle_t *late;

static yl_value_t early(yl_loop_t *l, void *arg) {
  (void)arg;
  mark();
  printf("the earlier timer ran\n");
  yl_handle_cancel(late);
  yl_loop_stop(l);
  return yl_none();
}

static void add_early(void) {
  yl_loop_call_later(loop, 0.1, early, NULL, NULL);
  printf("added a timer 0.1 s ahead\n");
}

static int rearm(void) {
  yl_loop_call_later(loop, 1.0, say_and_stop, "the late timer ran", &late);
  poke_after(0.05, add_early);
  int r = run();
  yl_handle_release(late);
  return r;
}

static void stop_now(void) {
  mark();
  printf("stop\n");
  yl_loop_stop(loop);
}

static int long_delay(void) {
  yl_handle_t *far;
  double now = yl_loop_time(loop);
  yl_loop_call_later(loop, 3e6, say, "the far timer ran", &far);
  poke_after(0.3, stop_now);
  int r = run();
  printf("%zu timer pending, %.0f s ahead\n", yl_loop_timer_count(loop), yl_timer_when(far) - now);
  yl_handle_release(far);
  return r;
}

static volatile int poked;
static long spins;

static void set_poked(void) { poked = 1; }

static yl_value_t spin(yl_loop_t *l, void *arg) {
  (void)arg;
  spins++;
  if (!poked) {
    yl_loop_call_soon(l, spin, NULL, NULL);
    return yl_none();
  }
  mark();
  printf("the busy loop let the poke in\n");
  yl_loop_stop(l);
  return yl_none();
}

static int busy(void) {
  yl_loop_call_soon(loop, spin, NULL, NULL);
  poke_after(0.05, set_poked);
  return run();
}

static int pipe_fds[2];

static void write_pipe(void) {
  if (write(pipe_fds[1], "x", 1) != 1) printf("write failed\n");
}

static yl_value_t read_pipe(yl_loop_t *l, void *arg) {
  (void)arg;
  char c = 0;
  mark();
  if (read(pipe_fds[0], &c, 1) != 1) printf("read failed\n");
  printf("read %c\n", c);
  yl_loop_remove_reader(l, pipe_fds[0]);
  yl_loop_stop(l);
  return yl_none();
}

static int reader(void) {
  if (pipe(pipe_fds) != 0) {
    printf("pipe failed\n");
    return 1;
  }
  yl_loop_add_reader(loop, pipe_fds[0], read_pipe, NULL);
  poke_after(0.2, write_pipe);
  int r = run();
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  return r;
}

static void in_coroutine(yl_coro_t *co, void *arg) {
  (void)co;
  (void)arg;
  printf("can wait in another coroutine: %s\n", yl_host_can_wait() ? "yes" : "no");
  yl_handle_t *h;
  yl_loop_call_later(loop, 0.05, say_and_stop, "timer fired in the coroutine", &h);
  yl_value_t err;
  int rc = yl_loop_run_forever(loop, &err);
  yl_handle_cancel(h); /* left pending where the wait failed */
  yl_handle_release(h);
  char msg[512] = "";
  if (err.type == YL_EXC) yl_exc_format(err.as.exc, msg, sizeof msg);
  printf("run_forever there: %s %s\n", yl_err_name(rc), msg);
  yl_value_drop(err);
}

static int nested(void) {
  printf("can wait on main: %s\n", yl_host_can_wait() ? "yes" : "no");
  yl_coro_t *co;
  if (yl_coro_create(&co, in_coroutine, NULL, 64 * 1024) < 0) return 1;
  yl_coro_resume(co);
  yl_coro_destroy(co);
  return sleep_for(0.05); /* and on main it can */
}

static int exit_code;

static void exit_now(void) {
  printf("exit(%d) from a poke\n", exit_code);
  exit(exit_code);
}

static int real_main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "";
  const char *arg = argc > 2 ? argv[2] : "0";
  loop = yl_loop_new(NULL);
  if (!loop) return 1;
  t0 = wall();
  int r = 2;
  if (strcmp(what, "sleep") == 0)
    r = sleep_for(atof(arg));
  else if (strcmp(what, "zero") == 0)
    r = zero(atoi(arg));
  else if (strcmp(what, "cancel") == 0)
    r = cancel();
  else if (strcmp(what, "rearm") == 0)
    r = rearm();
  else if (strcmp(what, "long") == 0)
    r = long_delay();
  else if (strcmp(what, "busy") == 0)
    r = busy();
  else if (strcmp(what, "reader") == 0)
    r = reader();
  else if (strcmp(what, "nested") == 0)
    r = nested();
  else if (strcmp(what, "exit") == 0) {
    sleep_for(0.05);
    printf("exit(%d) from main\n", atoi(arg));
    exit(atoi(arg));
  } else if (strcmp(what, "exit-poke") == 0) {
    exit_code = atoi(arg);
    yl_loop_call_later(loop, 30, say_and_stop, "the 30 s timer ran", NULL);
    poke_after(0.05, exit_now);
    r = run();
  } else if (strcmp(what, "return") == 0) {
    printf("returning %d without waiting\n", atoi(arg));
    r = atoi(arg);
  } else {
    fprintf(stderr, "usage: host_demo sleep S | zero N | cancel | rearm | long | busy | reader | nested | "
                    "exit N | exit-poke N | return N\n");
  }
  yl_loop_free(loop);
  return r;
}

int main(int argc, char **argv) { return yl_main(real_main, argc, argv); }
