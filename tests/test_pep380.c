/* PEP 380 delegation, after the behaviours CPython's Lib/test/test_pep380.py checks:
 * each test drives nested generators, records a trace, and compares it whole. */
#include <stdio.h>
#include <string.h>

#include "test.h"

/* Yields `v` or, if an exception is thrown in, returns from the body with it. */
#define YIELD(g, v, in)                                                              \
  do {                                                                               \
    if (yl_yield((g), (v), (in)) < 0) return yl_raise(*(in));                        \
  } while (0)

/* `*res = yield from sub` that lets exceptions propagate; frees sub afterwards. */
static int yield_from_new(yl_gen_t *g, const char *name, yl_gen_fn body, void *arg, yl_value_t *res) {
  yl_gen_t *sub = yl_gen_new(name, body, arg);
  int r = yl_yield_from(g, sub, res);
  yl_gen_free(sub);
  return r;
}

static void drain(yl_gen_t *g) {
  yl_value_t v;
  int r;
  while ((r = yl_gen_next(g, &v)) == YL_GEN_NEXT) {
    trace("Yielded %s", yl_test_repr(v));
    yl_value_drop(v);
  }
  if (r == YL_GEN_ERROR) trace("Raised %s", yl_test_repr(v));
  yl_value_drop(v);
}

/* --- initial next, and next, delegated ------------------------------------ */

static yl_value_t init_g2(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t in;
  trace("Starting g2");
  YIELD(g, yl_int(42), &in);
  trace("Finishing g2");
  return yl_none();
}

static yl_value_t init_g1(yl_gen_t *g, void *arg) {
  yl_value_t r;
  trace("Starting g1");
  if (yield_from_new(g, "g2", init_g2, arg, &r) < 0) return yl_raise(r);
  trace("Finishing g1");
  return yl_none();
}

TEST(pep380_delegation_of_initial_next_to_subgenerator) {
  yl_gen_t *g = yl_gen_new("g1", init_g1, NULL);
  drain(g);
  CHECK_TRACE("Starting g1", "Starting g2", "Yielded 42", "Finishing g2", "Finishing g1");
  yl_gen_free(g);
}

static yl_value_t raise_g2(yl_gen_t *g, void *arg) {
  (void)g;
  (void)arg;
  trace("Starting g2");
  yl_value_t e = yl_raise_new(yl_ValueError, "spanish inquisition occurred");
  trace("Finishing g2"); /* the finally block */
  return e;
}

static yl_value_t raise_g1(yl_gen_t *g, void *arg) {
  yl_value_t r;
  trace("Starting g1");
  int rc = yield_from_new(g, "g2", raise_g2, arg, &r);
  trace("Finishing g1"); /* the finally block */
  if (rc < 0) return yl_raise(r);
  return yl_none();
}

TEST(pep380_raising_exception_in_initial_next_call) {
  yl_gen_t *g = yl_gen_new("g1", raise_g1, NULL);
  drain(g);
  CHECK_TRACE("Starting g1", "Starting g2", "Finishing g2", "Finishing g1",
              "Raised ValueError('spanish inquisition occurred')");
  CHECK_STR(yl_gen_state_name(yl_gen_state(g)), "GEN_CLOSED");
  yl_gen_free(g);
}

static yl_value_t next_g2(yl_gen_t *g, void *arg) {
  yl_value_t in;
  trace("Starting g2");
  YIELD(g, yl_str("g2 spam"), &in);
  YIELD(g, yl_str("g2 more spam"), &in);
  if (arg) {
    trace("Finishing g2");
    return yl_raise_new(yl_ValueError, "hovercraft is full of eels");
  }
  trace("Finishing g2");
  return yl_none();
}

static yl_value_t next_g1(yl_gen_t *g, void *arg) {
  yl_value_t in, r;
  trace("Starting g1");
  YIELD(g, yl_str("g1 ham"), &in);
  int rc = yield_from_new(g, "g2", next_g2, arg, &r);
  if (rc < 0) {
    trace("Finishing g1");
    return yl_raise(r);
  }
  YIELD(g, yl_str("g1 eggs"), &in);
  trace("Finishing g1");
  return yl_none();
}

TEST(pep380_delegation_of_next_call_to_subgenerator) {
  yl_gen_t *g = yl_gen_new("g1", next_g1, NULL);
  drain(g);
  CHECK_TRACE("Starting g1", "Yielded 'g1 ham'", "Starting g2", "Yielded 'g2 spam'", "Yielded 'g2 more spam'",
              "Finishing g2", "Yielded 'g1 eggs'", "Finishing g1");
  yl_gen_free(g);
}

TEST(pep380_raising_exception_in_delegated_next_call) {
  yl_gen_t *g = yl_gen_new("g1", next_g1, "raise");
  drain(g);
  CHECK_TRACE("Starting g1", "Yielded 'g1 ham'", "Starting g2", "Yielded 'g2 spam'", "Yielded 'g2 more spam'",
              "Finishing g2", "Finishing g1", "Raised ValueError('hovercraft is full of eels')");
  yl_gen_free(g);
}

/* --- send ---------------------------------------------------------------- */

static yl_value_t send_g2(yl_gen_t *g, void *arg) {
  yl_value_t x;
  trace("Starting g2");
  YIELD(g, yl_str("g2 spam"), &x);
  trace("g2 received %s", yl_test_repr(x));
  if (arg) return yl_raise_new(yl_ValueError, "hovercraft is full of eels");
  YIELD(g, yl_str("g2 more spam"), &x);
  trace("g2 received %s", yl_test_repr(x));
  trace("Finishing g2");
  return yl_none();
}

static yl_value_t send_g1(yl_gen_t *g, void *arg) {
  yl_value_t x, r;
  trace("Starting g1");
  YIELD(g, yl_str("g1 ham"), &x);
  trace("g1 received %s", yl_test_repr(x));
  if (yield_from_new(g, "g2", send_g2, arg, &r) < 0) return yl_raise(r);
  YIELD(g, yl_str("g1 eggs"), &x);
  trace("g1 received %s", yl_test_repr(x));
  trace("Finishing g1");
  return yl_none();
}

static void send_loop(yl_gen_t *g) {
  yl_value_t y;
  CHECK_INT(yl_gen_next(g, &y), YL_GEN_NEXT);
  yl_value_drop(y);
  int64_t x = 1;
  int r;
  while ((r = yl_gen_send(g, yl_int(x), &y)) == YL_GEN_NEXT) {
    trace("Yielded %s", yl_test_repr(y));
    yl_value_drop(y);
    x++;
  }
  if (r == YL_GEN_ERROR) trace("Raised %s", yl_test_repr(y));
  yl_value_drop(y);
}

TEST(pep380_delegation_of_send) {
  yl_gen_t *g = yl_gen_new("g1", send_g1, NULL);
  send_loop(g);
  CHECK_TRACE("Starting g1", "g1 received 1", "Starting g2", "Yielded 'g2 spam'", "g2 received 2",
              "Yielded 'g2 more spam'", "g2 received 3", "Finishing g2", "Yielded 'g1 eggs'", "g1 received 4",
              "Finishing g1");
  yl_gen_free(g);
}

TEST(pep380_handling_exception_while_delegating_send) {
  yl_gen_t *g = yl_gen_new("g1", send_g1, "raise");
  send_loop(g);
  CHECK_TRACE("Starting g1", "g1 received 1", "Starting g2", "Yielded 'g2 spam'", "g2 received 2",
              "Raised ValueError('hovercraft is full of eels')");
  yl_gen_free(g);
}

/* --- close and throw ------------------------------------------------------- */

/* g2 with a finally block; arg: what the finally raises, if anything. */
static yl_value_t fin_g2(yl_gen_t *g, void *arg) {
  yl_value_t in;
  trace("Starting g2");
  if (yl_yield(g, yl_str("g2 spam"), &in) == YL_OK && yl_yield(g, yl_str("g2 more spam"), &in) == YL_OK) {
    trace("Finishing g2");
    return yl_none();
  }
  trace("Finishing g2");
  if (arg) {
    yl_value_drop(in);
    return yl_raise_new(yl_ValueError, "%s", (const char *)arg);
  }
  return yl_raise(in);
}

static yl_value_t fin_g1(yl_gen_t *g, void *arg) {
  yl_value_t in, r;
  trace("Starting g1");
  if (yl_yield(g, yl_str("g1 ham"), &in) < 0) goto fail_in;
  if (yield_from_new(g, "g2", fin_g2, arg, &r) < 0) {
    in = r;
    goto fail_in;
  }
  if (yl_yield(g, yl_str("g1 eggs"), &in) < 0) goto fail_in;
  trace("Finishing g1");
  return yl_none();
fail_in:
  trace("Finishing g1");
  return yl_raise(in);
}

static void next_two(yl_gen_t *g) {
  for (int i = 0; i < 2; i++) {
    yl_value_t x;
    CHECK_INT(yl_gen_next(g, &x), YL_GEN_NEXT);
    trace("Yielded %s", yl_test_repr(x));
    yl_value_drop(x);
  }
}

TEST(pep380_delegating_close) {
  yl_gen_t *g = yl_gen_new("g1", fin_g1, NULL);
  next_two(g);
  yl_value_t err;
  CHECK_INT(yl_gen_close(g, &err), YL_OK);
  CHECK_TRACE("Starting g1", "Yielded 'g1 ham'", "Starting g2", "Yielded 'g2 spam'", "Finishing g2",
              "Finishing g1");
  yl_gen_free(g);
}

TEST(pep380_handling_exception_while_delegating_close) {
  yl_gen_t *g = yl_gen_new("g1", fin_g1, "nybbles have exploded with delight");
  next_two(g);
  yl_value_t err;
  CHECK_INT(yl_gen_close(g, &err), YL_GEN_ERROR);
  CHECK_EXC(err, "ValueError: nybbles have exploded with delight");
  yl_value_drop(err);
  CHECK_TRACE("Starting g1", "Yielded 'g1 ham'", "Starting g2", "Yielded 'g2 spam'", "Finishing g2",
              "Finishing g1");
  CHECK_STR(yl_gen_state_name(yl_gen_state(g)), "GEN_CLOSED");
  yl_gen_free(g);
}

TEST(pep380_delegating_throw) {
  yl_gen_t *g = yl_gen_new("g1", fin_g1, NULL);
  next_two(g);
  yl_value_t out;
  CHECK_INT(yl_gen_throw(g, yl_exc_value(yl_exc_new(yl_ValueError, "tomato ejected")), &out), YL_GEN_ERROR);
  CHECK_EXC(out, "ValueError: tomato ejected");
  yl_value_drop(out);
  CHECK_TRACE("Starting g1", "Yielded 'g1 ham'", "Starting g2", "Yielded 'g2 spam'", "Finishing g2",
              "Finishing g1");
  yl_gen_free(g);
}

/* --- return values --------------------------------------------------------- */

static yl_value_t ret_g2(yl_gen_t *g, void *arg) {
  yl_value_t in;
  YIELD(g, yl_int(1), &in);
  return *(yl_value_t *)arg;
}

static yl_value_t ret_g1(yl_gen_t *g, void *arg) {
  yl_value_t r;
  trace("Starting g1");
  if (yield_from_new(g, "g2", ret_g2, arg, &r) < 0) return yl_raise(r);
  trace("g2 returned %s", yl_test_repr(r));
  yl_value_drop(r);
  trace("Finishing g1");
  return yl_none();
}

TEST(pep380_generator_return_value) {
  yl_value_t rets[] = {yl_none(), yl_int(1), yl_str("two")};
  for (int i = 0; i < 3; i++) {
    trace_reset();
    yl_gen_t *g = yl_gen_new("g1", ret_g1, &rets[i]);
    drain(g);
    char expect[64];
    snprintf(expect, sizeof expect, "g2 returned %s", yl_test_repr(rets[i]));
    CHECK_TRACE("Starting g1", "Yielded 1", expect, "Finishing g1");
    yl_gen_free(g);
  }
}

static yl_value_t returns_at_once(yl_gen_t *g, void *arg) {
  (void)g;
  (void)arg;
  return yl_int(1);
}

static yl_value_t prints_x(yl_gen_t *g, void *arg) {
  yl_value_t x;
  if (yield_from_new(g, "f", returns_at_once, arg, &x) < 0) return yl_raise(x);
  trace("%s", yl_test_repr(x));
  return yl_int(x.as.i + 1);
}

TEST(pep380_yield_from_generator_that_returns_at_once) {
  yl_gen_t *g = yl_gen_new("g", prints_x, NULL);
  yl_value_t v;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_RETURN);
  CHECK_REPR(v, "2");
  CHECK_TRACE("1");
  yl_gen_free(g);
}

static yl_value_t catch_g2(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t in;
  YIELD(g, yl_int(1), &in);
  return yl_raise_new(yl_ValueError, "spam");
}

static yl_value_t catch_g1(yl_gen_t *g, void *arg) {
  yl_value_t r;
  if (yield_from_new(g, "g2", catch_g2, arg, &r) < 0) {
    if (!yl_value_is_exc(r, yl_ValueError)) return yl_raise(r);
    trace("caught %s", yl_test_repr(r));
    yl_value_drop(r);
    return yl_str("recovered");
  }
  return yl_none();
}

TEST(pep380_catching_exception_from_subgen_and_returning) {
  yl_gen_t *g = yl_gen_new("g1", catch_g1, NULL);
  yl_value_t v;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK_REPR(v, "1");
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_RETURN);
  CHECK_REPR(v, "'recovered'");
  CHECK_TRACE("caught ValueError('spam')");
  yl_gen_free(g);
}

static yl_value_t empty(yl_gen_t *g, void *arg) {
  (void)g;
  (void)arg;
  return yl_none();
}

static yl_value_t from_empty(yl_gen_t *g, void *arg) {
  yl_value_t in, r;
  YIELD(g, yl_int(1), &in);
  if (yield_from_new(g, "empty", empty, arg, &r) < 0) return yl_raise(r);
  YIELD(g, yl_int(2), &in);
  return yl_none();
}

TEST(pep380_yield_from_empty) {
  yl_gen_t *g = yl_gen_new("g", from_empty, NULL);
  drain(g);
  CHECK_TRACE("Yielded 1", "Yielded 2");
  yl_gen_free(g);
}

/* --- a subgenerator that returns, yields or raises during a throw ----------- */

static const yl_exc_type_t LunchError[1] = {{"LunchError", yl_Exception}};

static yl_value_t lunch_g2(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t in;
  trace("Starting g2");
  if (yl_yield(g, yl_str("g2 spam"), &in) < 0 || yl_yield(g, yl_str("g2 more spam"), &in) < 0) {
    if (!yl_value_is_exc(in, LunchError)) return yl_raise(in);
    yl_value_drop(in);
    trace("Caught LunchError in g2");
    YIELD(g, yl_str("g2 lunch saved"), &in);
    YIELD(g, yl_str("g2 yet more spam"), &in);
  }
  return yl_none();
}

static yl_value_t lunch_g1(yl_gen_t *g, void *arg) {
  yl_value_t in, r;
  trace("Starting g1");
  if (yl_yield(g, yl_str("g1 ham"), &in) < 0 || yield_from_new(g, "g2", lunch_g2, arg, &in) < 0 ||
      yl_yield(g, yl_str("g1 eggs"), &in) < 0) {
    trace("Finishing g1");
    return yl_raise(in);
  }
  (void)r;
  trace("Finishing g1");
  return yl_none();
}

TEST(pep380_returning_value_from_delegated_throw) {
  yl_gen_t *g = yl_gen_new("g1", lunch_g1, NULL);
  yl_value_t x;
  for (int i = 0; i < 2; i++) {
    CHECK_INT(yl_gen_next(g, &x), YL_GEN_NEXT);
    trace("Yielded %s", yl_test_repr(x));
  }
  CHECK_INT(yl_gen_throw(g, yl_exc_value(yl_exc_new(LunchError, "tomato ejected")), &x), YL_GEN_NEXT);
  CHECK_REPR(x, "'g2 lunch saved'");
  drain(g);
  CHECK_TRACE("Starting g1", "Yielded 'g1 ham'", "Starting g2", "Yielded 'g2 spam'", "Caught LunchError in g2",
              "Yielded 'g2 yet more spam'", "Yielded 'g1 eggs'", "Finishing g1");
  yl_gen_free(g);
}

/* f: 0 returns on GeneratorExit, 1 yields again, 2 raises ValueError. */
static yl_value_t genexit_f(yl_gen_t *g, void *arg) {
  int mode = *(int *)arg;
  yl_value_t in;
  trace("Enter f");
  if (yl_yield(g, yl_none(), &in) == YL_OK) {
    trace("Exit f");
    return yl_none();
  }
  if (!yl_value_is_exc(in, yl_GeneratorExit)) return yl_raise(in);
  yl_value_drop(in);
  if (mode == 0) return yl_none();
  if (mode == 1) {
    YIELD(g, yl_none(), &in);
    return yl_none();
  }
  return yl_raise_new(yl_ValueError, "Vorpal bunny encountered");
}

static yl_value_t genexit_g(yl_gen_t *g, void *arg) {
  yl_value_t r;
  trace("Enter g");
  if (yield_from_new(g, "f", genexit_f, arg, &r) < 0) return yl_raise(r);
  trace("Exit g");
  return yl_none();
}

static void throw_genexit(int mode, int expect, const char *expect_exc) {
  trace_reset();
  yl_gen_t *g = yl_gen_new("g", genexit_g, &mode);
  yl_value_t v;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK_INT(yl_gen_throw(g, yl_exc_value(yl_exc_new(yl_GeneratorExit, NULL)), &v), expect);
  CHECK_EXC(v, expect_exc);
  yl_value_drop(v);
  CHECK_TRACE("Enter g", "Enter f");
  CHECK_STR(yl_gen_state_name(yl_gen_state(g)), "GEN_CLOSED");
  yl_gen_free(g);
}

TEST(pep380_throwing_GeneratorExit_into_subgen_that_returns) {
  throw_genexit(0, YL_GEN_ERROR, "GeneratorExit");
}

TEST(pep380_throwing_GeneratorExit_into_subgenerator_that_yields) {
  throw_genexit(1, YL_GEN_ERROR, "RuntimeError: generator ignored GeneratorExit");
}

TEST(pep380_throwing_GeneratorExit_into_subgen_that_raises) {
  throw_genexit(2, YL_GEN_ERROR, "ValueError: Vorpal bunny encountered");
}

/* --- re-entry: a yield from loop, and delegators that claim to be running -- */

static yl_gen_t *loop_gi;

static yl_value_t loop_g2(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t in, r;
  trace("g2: starting");
  YIELD(g, yl_str("y2"), &in);
  trace("g2: about to yield from g1");
  if (yl_yield_from(g, loop_gi, &r) < 0) return yl_raise(r);
  trace("g2 should not be here");
  return yl_none();
}

static yl_value_t loop_g1(yl_gen_t *g, void *arg) {
  yl_value_t in, r;
  trace("g1: starting");
  YIELD(g, yl_str("y1"), &in);
  trace("g1: about to yield from g2");
  if (yield_from_new(g, "g2", loop_g2, arg, &r) < 0) return yl_raise(r);
  trace("g1 should not be here");
  return yl_none();
}

TEST(pep380_attempted_yield_from_loop) {
  loop_gi = yl_gen_new("g1", loop_g1, NULL);
  drain(loop_gi);
  CHECK_TRACE("g1: starting", "Yielded 'y1'", "g1: about to yield from g2", "g2: starting", "Yielded 'y2'",
              "g2: about to yield from g1", "Raised ValueError('generator already executing')");
  yl_gen_free(loop_gi);
}

static yl_gen_t *claim_g1;

static yl_value_t claim_two(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t in, r;
  YIELD(g, yl_int(1), &in);
  if (yl_yield_from(g, claim_g1, &r) < 0) {
    if (!yl_value_is_exc(r, yl_ValueError)) return yl_raise(r);
    trace("two caught %s", yl_test_repr(r));
    yl_value_drop(r);
  }
  YIELD(g, yl_int(2), &in);
  return yl_none();
}

static yl_value_t claim_one(yl_gen_t *g, void *arg) {
  yl_value_t in, r;
  YIELD(g, yl_int(0), &in);
  if (yield_from_new(g, "two", claim_two, arg, &r) < 0) return yl_raise(r);
  YIELD(g, yl_int(3), &in);
  return yl_none();
}

TEST(pep380_delegating_generators_claim_to_be_running) {
  claim_g1 = yl_gen_new("one", claim_one, NULL);
  drain(claim_g1);
  CHECK_TRACE("Yielded 0", "Yielded 1", "two caught ValueError('generator already executing')", "Yielded 2",
              "Yielded 3");
  yl_gen_free(claim_g1);
}

/* The close variant: while the subgenerator handles GeneratorExit, its delegator
 * reports itself running and next() on it raises ValueError. */
static yl_value_t claim_close_it(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t in;
  for (;;) {
    if (yl_yield(g, yl_int(42), &in) < 0) {
      trace("delegator %s", yl_gen_state_name(yl_gen_state(claim_g1)));
      yl_value_t v;
      CHECK_INT(yl_gen_next(claim_g1, &v), YL_GEN_ERROR);
      trace("next: %s", yl_test_repr(v));
      yl_value_drop(v);
      return yl_raise(in);
    }
  }
}

static yl_value_t claim_close_one(yl_gen_t *g, void *arg) {
  yl_value_t r;
  if (yield_from_new(g, "it", claim_close_it, arg, &r) < 0) return yl_raise(r);
  return yl_none();
}

TEST(pep380_delegating_generators_claim_to_be_running_with_close) {
  claim_g1 = yl_gen_new("one", claim_close_one, NULL);
  yl_value_t v, err;
  CHECK_INT(yl_gen_next(claim_g1, &v), YL_GEN_NEXT);
  CHECK_INT(yl_gen_close(claim_g1, &err), YL_OK);
  CHECK_TRACE("delegator GEN_RUNNING", "next: ValueError('generator already executing')");
  yl_gen_free(claim_g1);
}

/* A step sent straight to a delegate runs it without its delegator: the delegator
 * stays suspended, also after a step that did go through it, and a send to it from
 * there reaches the running delegate, whose ValueError ends the yield from. CPython:
 *   def inner():
 *       while True:
 *           x = yield 'i'
 *           log(f"inner got {x!r}; outer {st(o)}, inner {st(i)}")
 *           if x == 'poke': log(f"outer.send -> {o.send(None)!r}")
 *   def outer():
 *       try: yield from i
 *       except ValueError as e: log(f"outer caught ValueError: {e}"); yield 'o'
 */
static yl_gen_t *direct_inner, *direct_outer;

static yl_value_t direct_inner_body(yl_gen_t *g, void *arg) {
  (void)arg;
  for (;;) {
    yl_value_t x;
    YIELD(g, yl_str("i"), &x);
    trace("inner got %s; outer %s, inner %s", yl_test_repr(x), yl_gen_state_name(yl_gen_state(direct_outer)),
          yl_gen_state_name(yl_gen_state(direct_inner)));
    if (x.type == YL_STR && strcmp(x.as.s, "poke") == 0) {
      yl_value_t v;
      CHECK_INT(yl_gen_send(direct_outer, yl_none(), &v), YL_GEN_NEXT);
      trace("outer.send -> %s", yl_test_repr(v));
      yl_value_drop(v);
    }
    yl_value_drop(x);
  }
}

static yl_value_t direct_outer_body(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t r, in;
  if (yl_yield_from(g, direct_inner, &r) < 0) {
    trace("outer caught %s", yl_test_repr(r));
    yl_value_drop(r);
    YIELD(g, yl_str("o"), &in);
  }
  return yl_none();
}

TEST(pep380_step_sent_straight_to_a_delegate) {
  direct_inner = yl_gen_new("inner", direct_inner_body, NULL);
  direct_outer = yl_gen_new("outer", direct_outer_body, NULL);
  yl_value_t v;
  CHECK_INT(yl_gen_next(direct_outer, &v), YL_GEN_NEXT);
  CHECK_REPR(v, "'i'");
  CHECK_INT(yl_gen_send(direct_outer, yl_str("via outer"), &v), YL_GEN_NEXT);
  yl_value_drop(v);
  CHECK_INT(yl_gen_send(direct_inner, yl_str("direct"), &v), YL_GEN_NEXT);
  yl_value_drop(v);
  CHECK_INT(yl_gen_send(direct_inner, yl_str("poke"), &v), YL_GEN_NEXT);
  CHECK_REPR(v, "'i'");
  yl_value_drop(v);
  CHECK_STR(yl_gen_state_name(yl_gen_state(direct_outer)), "GEN_SUSPENDED");
  CHECK(yl_gen_yieldfrom(direct_outer) == NULL);
  CHECK_TRACE("inner got 'via outer'; outer GEN_RUNNING, inner GEN_RUNNING",
              "inner got 'direct'; outer GEN_SUSPENDED, inner GEN_RUNNING",
              "inner got 'poke'; outer GEN_SUSPENDED, inner GEN_RUNNING",
              "outer caught ValueError('generator already executing')", "outer.send -> 'o'");
  yl_gen_free(direct_outer);
  yl_gen_free(direct_inner);
}

/* --- two levels ------------------------------------------------------------ */

static yl_value_t lvl3(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t x;
  for (int i = 0;; i++) {
    if (yl_yield(g, yl_int(i), &x) < 0) {
      trace("lvl3 got %s", yl_test_repr(x));
      if (yl_value_is_exc(x, yl_KeyError)) {
        yl_value_drop(x);
        return yl_str("lvl3 done");
      }
      return yl_raise(x);
    }
    trace("lvl3 received %s", yl_test_repr(x));
    yl_value_drop(x);
  }
}

static yl_value_t lvl2(yl_gen_t *g, void *arg) {
  yl_value_t r;
  int rc = yield_from_new(g, "lvl3", lvl3, arg, &r);
  trace("lvl2 %s %s", rc < 0 ? "raised" : "got", yl_test_repr(r));
  if (rc < 0) return yl_raise(r);
  return yl_str_fmt("lvl2(%s)", r.as.s);
}

static yl_value_t lvl1(yl_gen_t *g, void *arg) {
  yl_value_t r, in;
  int rc = yield_from_new(g, "lvl2", lvl2, arg, &r);
  trace("lvl1 %s %s", rc < 0 ? "raised" : "got", yl_test_repr(r));
  if (rc < 0) return yl_raise(r);
  yl_value_drop(r);
  YIELD(g, yl_str("after"), &in);
  return yl_none();
}

TEST(pep380_two_levels_send_throw_and_state) {
  yl_gen_t *g = yl_gen_new("lvl1", lvl1, NULL);
  yl_value_t v;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK_REPR(v, "0");
  yl_gen_t *l2 = yl_gen_yieldfrom(g);
  CHECK(l2 != NULL);
  CHECK_STR(yl_gen_name(l2), "lvl2");
  CHECK_STR(yl_gen_name(yl_gen_yieldfrom(l2)), "lvl3");
  CHECK_STR(yl_gen_state_name(yl_gen_state(l2)), "GEN_SUSPENDED");
  CHECK_INT(yl_gen_send(g, yl_str("a"), &v), YL_GEN_NEXT);
  CHECK_REPR(v, "1");
  CHECK_INT(yl_gen_throw(g, yl_exc_value(yl_exc_new(yl_KeyError, "k")), &v), YL_GEN_NEXT);
  CHECK_REPR(v, "'after'");
  CHECK(yl_gen_yieldfrom(g) == NULL);
  CHECK_TRACE("lvl3 received 'a'", "lvl3 got KeyError('k')", "lvl2 got 'lvl3 done'", "lvl1 got 'lvl2(lvl3 done)'");
  yl_gen_free(g);
}

TEST(pep380_two_levels_close_innermost_first) {
  yl_gen_t *g = yl_gen_new("lvl1", lvl1, NULL);
  yl_value_t v, err;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK_INT(yl_gen_close(g, &err), YL_OK);
  CHECK_TRACE("lvl3 got GeneratorExit()", "lvl2 raised GeneratorExit()", "lvl1 raised GeneratorExit()");
  CHECK_STR(yl_gen_state_name(yl_gen_state(g)), "GEN_CLOSED");
  yl_gen_free(g);
}
