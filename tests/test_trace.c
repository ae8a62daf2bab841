/* Tracing (yl_trace.h): the events a generator and a loop produce, their snapshots
 * as exact JSON, lines recorded by the program, and stopping. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define MAX_EVENTS 64

static struct {
  char *json[MAX_EVENTS];
  size_t n;
} got;

static void collect(const char *json, size_t len, void *arg) {
  (void)arg;
  CHECK_INT(strlen(json), len);
  if (got.n < MAX_EVENTS) got.json[got.n++] = strdup(json);
}

static void start(void) {
  got.n = 0;
  CHECK_INT(yl_trace_set(collect, NULL), YL_OK);
}

static void finish(void) {
  yl_trace_set(NULL, NULL);
  for (size_t i = 0; i < got.n; i++) free(got.json[i]);
  got.n = 0;
}

/* The kinds of the events, joined by "|", with a field of each where one is named:
 * "gen.resume:send" for how, "gen.yield:1" for values, "loop.handle:<Handle a>"... */
static const char *kinds(void) {
  static char out[2048];
  size_t len = 0;
  out[0] = '\0';
  for (size_t i = 0; i < got.n; i++) {
    const char *ev = strstr(got.json[i], "\"ev\":\"") + 6;
    int evlen = (int)(strchr(ev, '"') - ev);
    const char *fields[] = {"\"how\":\"", "\"value\":\"", "\"exc\":\"", "\"repr\":\"", "\"moved\":", NULL};
    const char *f = NULL;
    for (int k = 0; fields[k] && !f; k++) {
      const char *at = strstr(got.json[i], fields[k]);
      if (at && at < strstr(got.json[i], "\"state\"")) f = at + strlen(fields[k]);
    }
    int flen = f ? (int)strcspn(f, "\",") : 0;
    len += (size_t)snprintf(out + len, sizeof out - len, "%s%.*s%s%.*s", i ? "|" : "", evlen, ev, f ? ":" : "",
                            flen, f ? f : "");
  }
  return out;
}

static yl_value_t counter(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t in;
  yl_trace_line(100);
  if (yl_yield(g, yl_int(1), &in) < 0) return yl_raise(in);
  yl_trace_line(101);
  if (yl_yield(g, in, &in) < 0) return yl_raise(in);
  return yl_str("done");
}

TEST(trace_generator_events_and_snapshots) {
  start();
  yl_value_t v;
  yl_trace_line(7);
  yl_gen_t *g = yl_gen_new("counter", counter, NULL);
  CHECK_STR(got.json[0],
            "{\"seq\":0,\"ev\":\"gen.new\",\"line\":7,\"t\":null,\"gen\":1,\"name\":\"counter\",\"state\":{\"gens\":"
            "[{\"id\":1,\"name\":\"counter\",\"state\":\"GEN_CREATED\",\"sent\":null,\"yielded\":null,"
            "\"yieldfrom\":null,\"line\":0}],\"loop\":null}}");
  yl_trace_line(8);
  yl_gen_next(g, &v);
  yl_gen_send(g, yl_str("a\"b"), &v);
  yl_value_drop(v);
  /* The yield is at the body's line; the resumer's line is back afterwards. */
  CHECK_STR(got.json[2],
            "{\"seq\":2,\"ev\":\"gen.yield\",\"line\":100,\"t\":null,\"gen\":1,\"value\":\"1\",\"state\":{\"gens\":"
            "[{\"id\":1,\"name\":\"counter\",\"state\":\"GEN_SUSPENDED\",\"sent\":\"None\",\"yielded\":\"1\","
            "\"yieldfrom\":null,\"line\":100}],\"loop\":null}}");
  CHECK_INT(yl_trace_current_line(), 8);
  CHECK(strstr(got.json[3], "\"how\":\"send\",\"value\":\"'a\\\"b'\"") != NULL); /* JSON-escaped repr */
  CHECK(strstr(got.json[4], "\"line\":101") != NULL);
  yl_gen_next(g, &v);
  CHECK_REPR(v, "'done'");
  yl_gen_throw(g, yl_exc_value(yl_exc_new(yl_ValueError, "x")), &v);
  yl_value_drop(v);
  yl_gen_free(g);
  CHECK_STR(kinds(), "gen.new|gen.resume:next|gen.yield:1|gen.resume:send|gen.yield:'a\\|gen.resume:next|"
                     "gen.return:'done'|gen.resume:throw|gen.raise:ValueError('x')|gen.free");
  CHECK(strstr(got.json[got.n - 1], "\"gens\":[]") != NULL); /* freed: gone from the snapshot */
  finish();
}

static yl_value_t inner(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t in;
  if (yl_yield(g, yl_int(5), &in) < 0) return yl_raise(in);
  return in;
}

static yl_value_t outer(yl_gen_t *g, void *arg) {
  yl_value_t r;
  if (yl_yield_from(g, arg, &r) < 0) return yl_raise(r);
  return r;
}

TEST(trace_yield_from_chain_in_snapshots) {
  start();
  yl_value_t v;
  yl_gen_t *sub = yl_gen_new("inner", inner, NULL);
  yl_gen_t *g = yl_gen_new("outer", outer, sub);
  yl_gen_next(g, &v);
  /* The value sent reaches the innermost body: the snapshot says so. */
  CHECK(strstr(got.json[got.n - 1], "{\"id\":1,\"name\":\"inner\",\"state\":\"GEN_SUSPENDED\",\"sent\":null,"
                                    "\"yielded\":\"5\",\"yieldfrom\":null") != NULL);
  CHECK(strstr(got.json[got.n - 1], "{\"id\":2,\"name\":\"outer\",\"state\":\"GEN_SUSPENDED\",\"sent\":\"None\","
                                    "\"yielded\":\"5\",\"yieldfrom\":1") != NULL);
  yl_gen_send(g, yl_int(9), &v);
  CHECK_REPR(v, "9");
  CHECK(strstr(got.json[got.n - 2], "{\"id\":1,\"name\":\"inner\",\"state\":\"GEN_SUSPENDED\",\"sent\":\"9\"") != NULL);
  yl_gen_free(g);
  yl_gen_free(sub);
  CHECK_STR(kinds(), "gen.new|gen.new|gen.resume:next|gen.yield:5|gen.resume:send|gen.return:9|gen.free|gen.free");
  finish();
}

TEST(trace_loop_iterations_in_virtual_time) {
  yl_loop_options_t opts = {YL_CLOCK_VIRTUAL, 0, NULL};
  yl_loop_t *loop = yl_loop_new(&opts);
  yl_handle_t *h;
  yl_loop_call_later(loop, 0.5, yl_test_noop, NULL, &h);
  yl_handle_set_name(h, "later");
  yl_handle_release(h);
  yl_loop_call_soon(loop, yl_test_noop, NULL, &h);
  yl_handle_set_name(h, "soon");
  yl_handle_release(h);
  yl_loop_call_later(loop, 1, yl_test_stop, NULL, &h);
  yl_handle_set_name(h, "stop");
  yl_handle_release(h);
  start();
  CHECK_INT(yl_loop_run_forever(loop, NULL), YL_OK);
  CHECK_STR(kinds(), "loop.iter|loop.wait|loop.due:0|loop.handle:<Handle soon>|"
                     "loop.iter|loop.wait|loop.due:1|loop.handle:<TimerHandle when=0.5 later>|"
                     "loop.iter|loop.wait|loop.due:1|loop.handle:<TimerHandle when=1 stop>|loop.stop");
  /* The first iteration: one handle ready, two timers in deadline order, in ms. */
  CHECK_STR(got.json[0],
            "{\"seq\":0,\"ev\":\"loop.iter\",\"line\":0,\"t\":0,\"n\":1,\"state\":{\"gens\":[],\"loop\":{\"time\":0,"
            "\"iteration\":1,\"phase\":\"wait\",\"ready\":[{\"repr\":\"<Handle soon>\"}],\"scheduled\":["
            "{\"repr\":\"<TimerHandle when=0.5 later>\",\"when\":500},{\"repr\":\"<TimerHandle when=1 stop>\","
            "\"when\":1000}],\"tasks\":[]}}}");
  CHECK(strstr(got.json[5], "\"ev\":\"loop.wait\",\"line\":0,\"t\":0,\"timeout\":500,") != NULL);
  CHECK(strstr(got.json[6], "\"t\":500,") != NULL); /* the virtual clock jumped */
  CHECK(strstr(got.json[got.n - 1], "\"phase\":\"run\",\"ready\":[],\"scheduled\":[]") != NULL);
  CHECK(isnan(yl_trace_time())); /* not running, not current: no loop */
  finish();
  yl_loop_free(loop);
}

static yl_value_t sleeper(yl_gen_t *g, void *arg) {
  (void)arg;
  yl_value_t r;
  if (yl_sleep(g, 0.25, yl_int(3), &r) < 0) return yl_raise(r);
  return r;
}

TEST(trace_tasks_and_what_they_await) {
  yl_loop_options_t opts = {YL_CLOCK_VIRTUAL, 0, NULL};
  yl_loop_t *loop = yl_loop_new(&opts);
  yl_loop_set_current(loop);
  start();
  yl_task_t *t;
  yl_task_new(loop, yl_gen_new("sleeper", sleeper, NULL), &t);
  yl_task_set_name(t, "nap");
  yl_value_t v;
  CHECK_INT(yl_loop_run_until_complete(loop, yl_task_future(t), &v, NULL), YL_OK);
  CHECK_REPR(v, "3");
  const char *s = kinds();
  CHECK(strstr(s, "loop.handle:<Handle nap.__step()>|gen.resume:send|gen.yield:<Future pending>|") != NULL);
  CHECK(strstr(s, "loop.handle:<TimerHandle when=0.25 futures._set_result_unless_cancelled()>") != NULL);
  int found = 0;
  for (size_t i = 0; i < got.n; i++)
    found |= strstr(got.json[i], "\"tasks\":[{\"id\":\"nap\",\"name\":\"nap\",\"state\":\"PENDING\",\"awaits\":"
                                 "\"nap sleeper() awaits sleep until 0.25\",\"callbacks\":1,\"result\":null}]") != NULL;
  CHECK(found);
  CHECK(strstr(got.json[got.n - 1], "\"state\":\"FINISHED\",\"awaits\":\"nap sleeper() done\",\"callbacks\":0,"
                                    "\"result\":\"3\"") != NULL);
  finish();
  yl_future_release(yl_task_future(t));
  yl_loop_set_current(NULL);
  yl_loop_free(loop);
}

TEST(trace_off_emits_nothing) {
  yl_value_t v;
  yl_gen_t *g = yl_gen_new("counter", counter, NULL);
  yl_gen_next(g, &v);
  yl_gen_free(g);
  CHECK_INT(got.n, 0);
  CHECK(isnan(yl_trace_time()));
}
