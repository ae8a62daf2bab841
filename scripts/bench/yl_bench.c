/* yieldloop's own timings for `npm run bench` (scripts/bench.mjs), natively and in wasm.
 *
 * Cases, each timed as ns per round trip (the generator or context is resumed once and
 * switches back once):
 *   send        g.send(v) to a generator that yields a value back: `acc += yield acc`
 *   depth       the same sent to the outermost of D delegators, each `yield from` the
 *               next, the innermost being the one that yields (depth 1: one yield from)
 *   resumer     `send` again, but from a send loop F noinline C frames deep (F = 0, 20)
 *   floor-ctx   the bare switch: yl__ctx_resume/yl__ctx_yield (src/ctx/ctx.h) on a context
 *               initialised here on a malloc'd stack, no coroutine layer at all
 *   floor-coro  the public coroutine API: yl_coro_resume/yl_coro_yield
 *
 * Usage: yl_bench [--case all|send|depth|resumer|floor|floor-ctx|floor-coro[,...]]
 *                 [--depth 1,4,16] [--frames 0,20] [--iters N] [--time S] [--reps R]
 * --iters 0 (the default) calibrates N so one repetition takes about --time seconds
 * (default 0.25), after a warm-up of about 0.1 s. Prints one line per repetition:
 *   case=send depth=0 frames=0 iters=12000000 ns=8.31
 * and first a line `backend=x86_64`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coro.h"
#include "ctx/ctx.h"
#include "yieldloop.h"

#define BENCH_NAME "yl_bench"
#include "bench.h"

#define NOINLINE __attribute__((noinline))

static volatile int64_t sink; /* every loop's result ends here, so none is optimized away */

/* A send that did not yield: says what it did instead, and stops. */
static NOINLINE void die_not_yielded(int64_t i, int outcome, yl_value_t v) {
  char repr[256];
  yl_value_repr(v, repr, sizeof repr);
  fprintf(stderr, "yl_bench: send %lld did not yield: outcome %d, %s\n", (long long)i, outcome, repr);
  exit(1);
}

/* ---- the timed loops: each runs n round trips and returns seconds ---- */

/* The echo generator: `acc = 0; while True: acc += yield acc`. */
static yl_value_t echo_body(yl_gen_t *g, void *arg) {
  (void)arg;
  int64_t acc = 0;
  for (;;) {
    yl_value_t in;
    if (yl_yield(g, yl_int(acc), &in) < 0) return yl_raise(in);
    acc += in.as.i;
  }
}

/* `return (yield from sub)`. */
static yl_value_t delegator_body(yl_gen_t *g, void *arg) {
  yl_value_t r;
  if (yl_yield_from(g, arg, &r) < 0) return yl_raise(r);
  return r;
}

static NOINLINE double send_loop(yl_gen_t *g, int64_t n) {
  yl_value_t out;
  int64_t acc = 0;
  double t0 = now_s();
  for (int64_t i = 0; i < n; i++) {
    int r = yl_gen_send(g, yl_int(1), &out);
    if (r != YL_GEN_NEXT) die_not_yielded(i, r, out);
    acc += out.as.i;
  }
  double t = now_s() - t0;
  sink += acc;
  return t;
}

/* A chain of `depth` delegators over an echo generator, primed: gens[depth] is the
 * outermost. depth 0 is the echo generator alone. */
static yl_gen_t **chain_new(int depth) {
  yl_gen_t **gens = calloc((size_t)depth + 1, sizeof *gens);
  if (!gens) die("out of memory");
  gens[0] = yl_gen_new("echo", echo_body, NULL);
  for (int i = 1; i <= depth; i++) gens[i] = yl_gen_new("delegator", delegator_body, gens[i - 1]);
  for (int i = 0; i <= depth; i++)
    if (!gens[i]) die("cannot create a generator");
  yl_value_t out;
  if (yl_gen_next(gens[depth], &out) != YL_GEN_NEXT) die("chain did not yield");
  return gens;
}

static void chain_free(yl_gen_t **gens, int depth) {
  for (int i = depth; i >= 0; i--) yl_gen_free(gens[i]);
  free(gens);
}

/* Recurses `frames` noinline frames deep, then runs the send loop at the bottom. The
 * work after the call keeps each frame a real frame (no tail call). */
static NOINLINE double descend(int frames, yl_gen_t *g, int64_t n) {
  if (frames == 0) return send_loop(g, n);
  volatile int64_t pad = frames;
  double t = descend(frames - 1, g, n);
  sink += pad;
  return t;
}

static double time_gen(int depth, int frames, int64_t n) {
  yl_gen_t **gens = chain_new(depth);
  double t = descend(frames, gens[depth], n);
  chain_free(gens, depth);
  return t;
}

/* The bare switch: a context on a malloc'd stack that hands 1 back to every resume
 * (which hands it RESUMED) and so never finishes. Written for both kinds of backend:
 * natively yl__ctx_yield returns when resumed, with RESUMED; under Asyncify the function
 * that yields is left uninstrumented, so its yield returns 0 at once while the frames
 * unwind, the function must then return, and the next resume calls it again from its
 * start and its yield returns RESUMED. */
enum { RESUMED = 2 };
static int floor_ctx_entry(void *arg) {
  yl__ctx *c = arg;
  yl__ctx_enter(c);
  while (yl__ctx_yield(c, 1) == RESUMED) sink++;
  return 0;
}

static NOINLINE double ctx_loop(yl__ctx *c, int64_t n) {
  double t0 = now_s();
  for (int64_t i = 0; i < n; i++)
    if (yl__ctx_resume(c, RESUMED) != 1) die("context did not yield");
  return now_s() - t0;
}

static double time_floor_ctx(int64_t n) {
  enum { STACK = 64 * 1024 };
  static yl__ctx *c;
  static void *stack;
  if (!c) { /* one context for the whole run: it never finishes, so is never freed */
    c = calloc(1, sizeof *c);
    stack = malloc(STACK);
    if (!c || !stack) die("out of memory");
    yl__ctx_init(c, stack, STACK, floor_ctx_entry, c);
  }
  return ctx_loop(c, n);
}

static void floor_coro_fn(yl_coro_t *co, void *arg) {
  (void)arg;
  for (;;) {
    sink++;
    yl_coro_yield(co);
  }
}

static NOINLINE double coro_loop(yl_coro_t *co, int64_t n) {
  double t0 = now_s();
  for (int64_t i = 0; i < n; i++)
    if (yl_coro_resume(co) != YL_OK) die("coroutine did not yield");
  return now_s() - t0;
}

static double time_floor_coro(int64_t n) {
  yl_coro_t *co;
  if (yl_coro_create(&co, floor_coro_fn, NULL, 0) != YL_OK) die("cannot create a coroutine");
  double t = coro_loop(co, n);
  yl_coro_destroy(co);
  return t;
}

/* ---- driver ---- */

enum kind { K_SEND, K_DEPTH, K_RESUMER, K_FLOOR_CTX, K_FLOOR_CORO };

typedef struct {
  enum kind k;
  int depth, frames;
} bench_case;

static double time_case(int64_t n, const void *c) {
  const bench_case *b = c;
  switch (b->k) {
  case K_FLOOR_CTX: return time_floor_ctx(n);
  case K_FLOOR_CORO: return time_floor_coro(n);
  default: return time_gen(b->depth, b->frames, n);
  }
}

static const char *const kind_names[] = {"send", "depth", "resumer", "floor-ctx", "floor-coro"};

static void run(enum kind k, int depth, int frames, int64_t iters, double target, int reps) {
  bench_case c = {k, depth, frames};
  int64_t n = iters > 0 ? iters : calibrate(time_case, &c, 1000, target);
  for (int r = 0; r < reps; r++) {
    double t = time_case(n, &c);
    printf("case=%s depth=%d frames=%d iters=%lld ns=%.3f\n", kind_names[k], depth, frames,
           (long long)n, t * 1e9 / (double)n);
    fflush(stdout);
  }
}

/* Parses "1,4,16" into v (at most max numbers); returns the count. */
static int parse_list(const char *s, int *v, int max) {
  int n = 0;
  while (*s && n < max) {
    char *end;
    long x = strtol(s, &end, 10);
    if (end == s || x < 0 || x > 100000) die("bad number list");
    v[n++] = (int)x;
    s = *end == ',' ? end + 1 : end;
    if (*end && *end != ',') die("bad number list");
  }
  return n;
}

int main(int argc, char **argv) {
  const char *cases = "all";
  int depths[32] = {1, 4, 16}, ndepths = 3;
  int frames[32] = {0, 20}, nframes = 2;
  int64_t iters = 0;
  double target = 0.25;
  int reps = 1;
  for (int i = 1; i < argc; i += 2) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) die("missing value after an option");
    if (strcmp(a, "--case") == 0) cases = v;
    else if (strcmp(a, "--depth") == 0) ndepths = parse_list(v, depths, 32);
    else if (strcmp(a, "--frames") == 0) nframes = parse_list(v, frames, 32);
    else if (strcmp(a, "--iters") == 0) iters = strtoll(v, NULL, 10);
    else if (strcmp(a, "--time") == 0) target = strtod(v, NULL);
    else if (strcmp(a, "--reps") == 0) reps = atoi(v);
    else die("unknown option (see the comment at the top of yl_bench.c)");
  }
  if (!(target > 0) || reps < 1) die("bad --time or --reps");
  printf("backend=%s\n", yl_backend_name());
  int floor = has_case(cases, "floor"); /* both floors */
  if (floor || has_case(cases, "floor-ctx")) run(K_FLOOR_CTX, 0, 0, iters, target, reps);
  if (floor || has_case(cases, "floor-coro")) run(K_FLOOR_CORO, 0, 0, iters, target, reps);
  if (has_case(cases, "send")) run(K_SEND, 0, 0, iters, target, reps);
  if (has_case(cases, "depth"))
    for (int i = 0; i < ndepths; i++) run(K_DEPTH, depths[i], 0, iters, target, reps);
  if (has_case(cases, "resumer"))
    for (int i = 0; i < nframes; i++) run(K_RESUMER, 0, frames[i], iters, target, reps);
  return 0;
}
