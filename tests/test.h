/* The test suite's checks. They survive NDEBUG, print both operands on failure and
 * do not stop the test: a failed check records itself and execution goes on, which
 * also works on a coroutine's stack and in wasm (no longjmp). */
#ifndef YL_TEST_H
#define YL_TEST_H

#include <stdint.h>
#include <string.h>

#include "yieldloop.h"

void yl_test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The repr of a value in a static rotating buffer, for messages and comparisons. */
const char *yl_test_repr(yl_value_t v);

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (!(cond)) yl_test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);               \
  } while (0)

#define CHECK_INT(a, b)                                                              \
  do {                                                                               \
    long long a_ = (long long)(a), b_ = (long long)(b);                              \
    if (a_ != b_) yl_test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_); \
  } while (0)

#define CHECK_STR(a, b)                                                              \
  do {                                                                               \
    const char *a_ = (a), *b_ = (b);                                                 \
    if (!a_ || !b_ || strcmp(a_, b_) != 0)                                           \
      yl_test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,        \
                   a_ ? a_ : "(null)", b_ ? b_ : "(null)");                          \
  } while (0)

/* The value's repr equals `expected`, e.g. CHECK_REPR(v, "'a'"). */
#define CHECK_REPR(v, expected) CHECK_STR(yl_test_repr(v), expected)

/* The exception value `v` formats as `expected`, e.g. "ValueError: bad". */
#define CHECK_EXC(v, expected)                                                       \
  do {                                                                               \
    yl_value_t v_ = (v);                                                             \
    char buf_[256] = "(not an exception)";                                           \
    if (v_.type == YL_EXC) yl_exc_format(v_.as.exc, buf_, sizeof buf_);              \
    CHECK_STR(buf_, expected);                                                       \
  } while (0)

/* A trace of what happened, as test_pep380.py keeps: entries joined by "|". */
void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void trace_reset(void);
const char *trace_get(void);
/* The trace equals the given entries, e.g. CHECK_TRACE("Starting g1", "Yielded 42"). */
#define CHECK_TRACE(...) CHECK_STR(trace_get(), yl_test_join((const char *[]){__VA_ARGS__, NULL}))
const char *yl_test_join(const char **items);

/* Loop callbacks the tests share: one that does nothing, one that stops the loop,
 * and one that traces "stop" first. */
yl_value_t yl_test_noop(yl_loop_t *loop, void *arg);
yl_value_t yl_test_stop(yl_loop_t *loop, void *arg);
yl_value_t yl_test_stop_traced(yl_loop_t *loop, void *arg);

/* A loop time CPython recorded (b) is ours (a): its virtual clock adds (deadline - now)
 * to now where ours jumps to the deadline, which may differ in the last bit. */
bool yl_test_same_time(double a, double b);

#define TEST(name) void test_##name(void)

#endif
