/* The generator protocol: states, next/send/throw/close and their error cases with
 * CPython's messages, after Lib/test/test_generators.py's close/throw/GeneratorExit
 * behaviours. */
#include <stdio.h>
#include <unistd.h>

#include "test.h"

static yl_value_t counter(yl_gen_t *g, void *arg) {
  int64_t n = *(int64_t *)arg;
  for (int64_t i = 0; i < n; i++) {
    yl_value_t in;
    if (yl_yield(g, yl_int(i), &in) < 0) return yl_raise(in);
    if (!yl_is_none(in)) trace("got %s", yl_test_repr(in));
    yl_value_drop(in);
  }
  return yl_str("done");
}

static const char *state(const yl_gen_t *g) { return yl_gen_state_name(yl_gen_state(g)); }

TEST(gen_states_and_return_value) {
  int64_t n = 2;
  yl_gen_t *g = yl_gen_new("counter", counter, &n);
  yl_value_t v;
  CHECK_STR(state(g), "GEN_CREATED");
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK_REPR(v, "0");
  CHECK_STR(state(g), "GEN_SUSPENDED");
  CHECK_INT(yl_gen_send(g, yl_str("x"), &v), YL_GEN_NEXT);
  CHECK_REPR(v, "1");
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_RETURN); /* StopIteration('done') */
  CHECK_REPR(v, "'done'");
  CHECK_STR(state(g), "GEN_CLOSED");
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_RETURN); /* exhausted: StopIteration, value None */
  CHECK_REPR(v, "None");
  CHECK_TRACE("got 'x'");
  CHECK_STR(yl_gen_name(g), "counter");
  yl_gen_free(g);
}

TEST(gen_send_non_none_to_just_started) {
  int64_t n = 2;
  yl_gen_t *g = yl_gen_new("counter", counter, &n);
  yl_value_t v;
  CHECK_INT(yl_gen_send(g, yl_int(1), &v), YL_GEN_ERROR);
  CHECK_EXC(v, "TypeError: can't send non-None value to a just-started generator");
  yl_value_drop(v);
  CHECK_STR(state(g), "GEN_CREATED"); /* still usable */
  CHECK_INT(yl_gen_send(g, yl_none(), &v), YL_GEN_NEXT);
  CHECK_REPR(v, "0");
  yl_gen_free(g);
}

static yl_gen_t *self_gen;

static yl_value_t reenter(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t v, in;
  trace("%s", state(g));
  CHECK_INT(yl_gen_next(self_gen, &v), YL_GEN_ERROR);
  trace("%s", yl_test_repr(v));
  yl_value_drop(v);
  CHECK_INT(yl_gen_close(self_gen, &v), YL_GEN_ERROR);
  trace("%s", yl_test_repr(v));
  yl_value_drop(v);
  CHECK_INT(yl_gen_free(self_gen), YL_EBUSY);
  if (yl_yield(g, yl_int(1), &in) < 0) return yl_raise(in);
  return yl_none();
}

TEST(gen_already_executing) {
  self_gen = yl_gen_new("reenter", reenter, NULL);
  yl_value_t v;
  CHECK_INT(yl_gen_next(self_gen, &v), YL_GEN_NEXT);
  CHECK_TRACE("GEN_RUNNING", "ValueError('generator already executing')",
              "ValueError('generator already executing')");
  yl_gen_free(self_gen);
}

/* A generator with a finally block: on any exception, it runs and re-raises. */
static yl_value_t with_finally(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t in;
  trace("start");
  for (int i = 0; i < 3; i++) {
    if (yl_yield(g, yl_int(i), &in) < 0) {
      trace("finally after %s", yl_test_repr(in));
      return yl_raise(in);
    }
  }
  trace("finally");
  return yl_none();
}

TEST(gen_close_runs_finally) {
  yl_gen_t *g = yl_gen_new("f", with_finally, NULL);
  yl_value_t v;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK_INT(yl_gen_close(g, &v), YL_OK);
  CHECK_REPR(v, "None");
  CHECK_STR(state(g), "GEN_CLOSED");
  CHECK_INT(yl_gen_close(g, &v), YL_OK); /* closing a closed generator is a no-op */
  CHECK_TRACE("start", "finally after GeneratorExit()");
  yl_gen_free(g);
}

TEST(gen_close_just_started_runs_nothing) {
  yl_gen_t *g = yl_gen_new("f", with_finally, NULL);
  yl_value_t v;
  CHECK_INT(yl_gen_close(g, &v), YL_OK);
  CHECK_STR(state(g), "GEN_CLOSED");
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_RETURN);
  CHECK_TRACE("");
  yl_gen_free(g);
}

TEST(gen_close_exhausted_is_noop) {
  yl_gen_t *g = yl_gen_new("f", with_finally, NULL);
  yl_value_t v;
  while (yl_gen_next(g, &v) == YL_GEN_NEXT) {
  }
  CHECK_INT(yl_gen_close(g, &v), YL_OK);
  CHECK_TRACE("start", "finally");
  yl_gen_free(g);
}

static yl_value_t ignores_exit(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t in;
  for (int i = 0; i < 100; i++) { /* bounded so a broken close cannot hang the suite */
    if (yl_yield(g, yl_int(1), &in) < 0) {
      trace("ignored %s", yl_test_repr(in));
      yl_value_drop(in);
    }
  }
  return yl_none();
}

TEST(gen_ignored_GeneratorExit) {
  yl_gen_t *g = yl_gen_new("ig", ignores_exit, NULL);
  yl_value_t v;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK_INT(yl_gen_close(g, &v), YL_GEN_ERROR);
  CHECK_EXC(v, "RuntimeError: generator ignored GeneratorExit");
  yl_value_drop(v);
  CHECK_STR(state(g), "GEN_SUSPENDED"); /* as CPython: it yielded, so it is still suspended */
  CHECK_TRACE("ignored GeneratorExit()");
  yl_gen_free(g); /* closes again, reports on stderr, frees the stack where it stands */
}

static yl_value_t returns_on_exit(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t in;
  if (yl_yield(g, yl_int(1), &in) < 0) {
    yl_value_drop(in);
    return yl_int(5);
  }
  return yl_none();
}

TEST(gen_close_returning_value_returns_none) {
  yl_gen_t *g = yl_gen_new("r", returns_on_exit, NULL);
  yl_value_t v;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK_INT(yl_gen_close(g, &v), YL_OK); /* 3.11: close() returns None, the value is lost */
  CHECK_REPR(v, "None");
  CHECK_STR(state(g), "GEN_CLOSED");
  yl_gen_free(g);
}

static yl_value_t raises_in_finally(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t in;
  if (yl_yield(g, yl_int(1), &in) < 0) {
    yl_value_drop(in);
    return yl_raise_new(yl_KeyError, "cleanup");
  }
  return yl_none();
}

TEST(gen_close_propagates_other_exception) {
  yl_gen_t *g = yl_gen_new("r", raises_in_finally, NULL);
  yl_value_t v;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK_INT(yl_gen_close(g, &v), YL_GEN_ERROR);
  CHECK_EXC(v, "KeyError: 'cleanup'");
  yl_value_drop(v);
  CHECK_STR(state(g), "GEN_CLOSED");
  yl_gen_free(g);
}

TEST(gen_throw_into_just_started_raises_at_start) {
  yl_gen_t *g = yl_gen_new("f", with_finally, NULL);
  yl_value_t v;
  CHECK_INT(yl_gen_throw(g, yl_exc_value(yl_exc_new(yl_ValueError, "early")), &v), YL_GEN_ERROR);
  CHECK_EXC(v, "ValueError: early");
  yl_value_drop(v);
  CHECK_STR(state(g), "GEN_CLOSED");
  CHECK_TRACE(""); /* the body never ran */
  yl_gen_free(g);
}

TEST(gen_throw_uncaught_closes) {
  yl_gen_t *g = yl_gen_new("f", with_finally, NULL);
  yl_value_t v;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK_INT(yl_gen_throw(g, yl_exc_value(yl_exc_new(yl_ValueError, "boom")), &v), YL_GEN_ERROR);
  CHECK_EXC(v, "ValueError: boom");
  yl_value_drop(v);
  CHECK_STR(state(g), "GEN_CLOSED");
  /* Throwing into a closed generator raises the exception thrown. */
  CHECK_INT(yl_gen_throw(g, yl_exc_value(yl_exc_new(yl_TypeError, "late")), &v), YL_GEN_ERROR);
  CHECK_EXC(v, "TypeError: late");
  yl_value_drop(v);
  CHECK_TRACE("start", "finally after ValueError('boom')");
  yl_gen_free(g);
}

static yl_value_t catches_value_error(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t in;
  for (int i = 0;; i++) {
    if (yl_yield(g, yl_int(i), &in) < 0) {
      if (!yl_value_is_exc(in, yl_ValueError)) return yl_raise(in);
      trace("caught %s", yl_test_repr(in));
      yl_value_drop(in);
      if (yl_yield(g, yl_str("handled"), &in) < 0) return yl_raise(in);
    }
  }
}

TEST(gen_throw_caught_yields) {
  yl_gen_t *g = yl_gen_new("c", catches_value_error, NULL);
  yl_value_t v;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK_INT(yl_gen_throw(g, yl_exc_value(yl_exc_new(yl_ValueError, "x")), &v), YL_GEN_NEXT);
  CHECK_REPR(v, "'handled'");
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK_REPR(v, "1");
  CHECK_TRACE("caught ValueError('x')");
  yl_gen_free(g);
}

TEST(gen_throw_non_exception_is_type_error) {
  int64_t n = 2;
  yl_gen_t *g = yl_gen_new("counter", counter, &n);
  yl_value_t v;
  CHECK_INT(yl_gen_throw(g, yl_int(1), &v), YL_GEN_ERROR);
  CHECK_EXC(v, "TypeError: exceptions must be classes or instances deriving from BaseException, not int");
  yl_value_drop(v);
  CHECK_STR(state(g), "GEN_CREATED");
  yl_gen_free(g);
}

TEST(gen_pep479_stop_iteration_becomes_runtime_error) {
  yl_gen_t *g = yl_gen_new("f", with_finally, NULL);
  yl_value_t v;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK_INT(yl_gen_throw(g, yl_exc_value(yl_exc_new(yl_StopIteration, NULL)), &v), YL_GEN_ERROR);
  CHECK_EXC(v, "RuntimeError: generator raised StopIteration");
  CHECK(yl_exc_matches(yl_exc_cause(v.as.exc), yl_StopIteration));
  yl_value_drop(v);
  yl_gen_free(g);
  /* Into a just-started generator too. */
  g = yl_gen_new("f", with_finally, NULL);
  CHECK_INT(yl_gen_throw(g, yl_exc_value(yl_exc_new(yl_StopIteration, NULL)), &v), YL_GEN_ERROR);
  CHECK_EXC(v, "RuntimeError: generator raised StopIteration");
  yl_value_drop(v);
  yl_gen_free(g);
}

TEST(gen_free_suspended_closes_first) {
  yl_gen_t *g = yl_gen_new("f", with_finally, NULL);
  yl_value_t v;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK_INT(yl_gen_free(g), YL_OK);
  CHECK_TRACE("start", "finally after GeneratorExit()");
}

static yl_value_t owned_strings(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t in;
  for (int i = 0;; i++) {
    if (yl_yield(g, yl_str_fmt("item %d", i), &in) < 0) return yl_raise(in);
    trace("%s", yl_test_repr(in));
    yl_value_drop(in);
  }
}

TEST(gen_values_of_every_type_and_ownership) {
  yl_gen_t *g = yl_gen_new("s", owned_strings, NULL);
  yl_value_t v;
  yl_value_t sends[] = {yl_none(), yl_bool(true), yl_int(-7), yl_float(2.5), yl_str("lit"), yl_str_dup("dup"),
                        yl_float(1e16), yl_float(0.1), yl_str("it's"), yl_exc_value(yl_exc_new(yl_KeyError, "k"))};
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK_REPR(v, "'item 0'");
  yl_value_drop(v);
  for (size_t i = 0; i < sizeof sends / sizeof sends[0]; i++) {
    CHECK_INT(yl_gen_send(g, sends[i], &v), YL_GEN_NEXT);
    yl_value_drop(v);
  }
  CHECK_TRACE("None", "True", "-7", "2.5", "'lit'", "'dup'", "1e+16", "0.1", "\"it's\"", "KeyError('k')");
  yl_gen_free(g);
}

TEST(gen_many_alive_and_stack_sizes) {
  enum { N = 1000 };
  static yl_gen_t *gens[N];
  int64_t n = 3;
  for (int i = 0; i < N; i++) gens[i] = yl_gen_new("counter", counter, &n);
  for (int round = 0; round < 3; round++)
    for (int i = 0; i < N; i++) {
      yl_value_t v;
      CHECK_INT(yl_gen_next(gens[i], &v), YL_GEN_NEXT);
      CHECK_INT(v.as.i, round);
    }
  for (int i = 0; i < N; i++) yl_gen_free(gens[i]);
  CHECK(yl_gen_new_sized("tiny", counter, &n, 16) == NULL);
  yl_gen_t *g = yl_gen_new_sized("big", counter, &n, 256 * 1024);
  yl_value_t v;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  yl_gen_free(g);
}

TEST(gen_yield_outside_generator_is_refused) {
  int64_t n = 2;
  yl_gen_t *g = yl_gen_new("counter", counter, &n);
  yl_value_t v;
  CHECK_INT(yl_yield(g, yl_int(1), &v), YL_GEN_ERROR);
  CHECK_EXC(v, "RuntimeError: yl_yield() called outside generator 'counter'");
  yl_value_drop(v);
  yl_gen_free(g);
}

/* Runs fn with stderr sent to a file and returns what it wrote. */
static const char *capture_stderr(void (*fn)(void)) {
  static char buf[1024];
  const char *path = "yl_test_stderr.txt";
  fflush(stderr);
  FILE *saved = fdopen(dup(fileno(stderr)), "w");
  if (!saved || !freopen(path, "w", stderr)) return "(cannot redirect stderr)";
  fn();
  fflush(stderr);
  dup2(fileno(saved), fileno(stderr));
  fclose(saved);
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  buf[n] = '\0';
  if (f) fclose(f);
  remove(path);
  return buf;
}

static void free_ignoring_generator(void) {
  yl_gen_t *g = yl_gen_new("ig", ignores_exit, NULL);
  yl_value_t v;
  yl_gen_next(g, &v);
  CHECK_INT(yl_gen_free(g), YL_OK);
}

TEST(gen_free_reports_ignored_GeneratorExit) {
  CHECK_STR(capture_stderr(free_ignoring_generator),
            "Exception ignored in: <generator object ig>\nRuntimeError: generator ignored GeneratorExit\n");
  CHECK_TRACE("ignored GeneratorExit()");
}

static yl_value_t delegates_to_arg(yl_gen_t *g, void *arg) {
  yl_value_t r;
  if (yl_yield_from(g, arg, &r) < 0) return yl_raise(r);
  return r;
}

TEST(gen_free_of_a_delegate_in_use_is_refused) {
  int64_t n = 3;
  yl_gen_t *sub = yl_gen_new("counter", counter, &n);
  yl_gen_t *g = yl_gen_new("outer", delegates_to_arg, sub);
  yl_value_t v;
  CHECK_INT(yl_gen_next(g, &v), YL_GEN_NEXT);
  CHECK_INT(yl_gen_free(sub), YL_EBUSY); /* g is in `yield from sub` */
  CHECK_INT(yl_gen_close(g, &v), YL_OK);  /* closes sub first, then g */
  CHECK_STR(yl_gen_state_name(yl_gen_state(sub)), "GEN_CLOSED");
  CHECK_INT(yl_gen_free(sub), YL_OK);
  CHECK_INT(yl_gen_free(g), YL_OK);
}
