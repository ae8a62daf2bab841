/* The in-process test runner: the same binary runs natively, under sanitizers and
 * valgrind, and as wasm under Node. Prints one "ok"/"not ok" line per test, "#" lines
 * for diagnostics, and a closing "N passed, N failed" line; the Node drivers in
 * tests/ turn each line into a subtest. Usage: yl_tests [--list] [name...] */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "test-list.h"
#include "test.h"

#define YL__DECLARE(name) void test_##name(void);
YL_TEST_LIST(YL__DECLARE)

static const struct {
  const char *name;
  void (*fn)(void);
} tests[] = {
#define YL__ENTRY(name) {#name, test_##name},
    YL_TEST_LIST(YL__ENTRY)};

static int failures;

void yl_test_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  printf("#   %s:%d: ", file, line);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  failures++;
}

const char *yl_test_repr(yl_value_t v) {
  static char bufs[8][512];
  static unsigned next;
  char *b = bufs[next++ % 8];
  yl_value_repr(v, b, sizeof bufs[0]);
  return b;
}

static char trace_buf[8192];
static size_t trace_len;

void trace_reset(void) {
  trace_len = 0;
  trace_buf[0] = '\0';
}

void trace(const char *fmt, ...) {
  va_list ap;
  if (trace_len && trace_len + 1 < sizeof trace_buf) trace_buf[trace_len++] = '|';
  va_start(ap, fmt);
  int n = vsnprintf(trace_buf + trace_len, sizeof trace_buf - trace_len, fmt, ap);
  va_end(ap);
  if (n > 0) trace_len += (size_t)n;
  if (trace_len >= sizeof trace_buf) trace_len = sizeof trace_buf - 1;
}

const char *trace_get(void) { return trace_buf; }

const char *yl_test_join(const char **items) {
  static char buf[8192];
  size_t len = 0;
  buf[0] = '\0';
  for (int i = 0; items[i]; i++)
    len += (size_t)snprintf(buf + len, len < sizeof buf ? sizeof buf - len : 0, "%s%s", i ? "|" : "", items[i]);
  return buf;
}

bool yl_test_same_time(double a, double b) {
  /* (No fabs: the suite does not link libm.) */
  double d = a > b ? a - b : b - a, scale = b > 1.0 ? b : b < -1.0 ? -b : 1.0;
  return d <= 1e-9 * scale;
}

yl_value_t yl_test_noop(yl_loop_t *loop, void *arg) {
  (void)loop;
  (void)arg;
  return yl_none();
}

yl_value_t yl_test_stop(yl_loop_t *loop, void *arg) {
  (void)arg;
  yl_loop_stop(loop);
  return yl_none();
}

yl_value_t yl_test_stop_traced(yl_loop_t *loop, void *arg) {
  trace("stop");
  return yl_test_stop(loop, arg);
}

static int selected(const char *name, int argc, char **argv) {
  int any = 0;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-') continue;
    any = 1;
    if (strcmp(argv[i], name) == 0) return 1;
  }
  return !any;
}

int main(int argc, char **argv) {
  size_t n = sizeof tests / sizeof tests[0];
  if (argc > 1 && strcmp(argv[1], "--list") == 0) {
    for (size_t i = 0; i < n; i++) printf("%s\n", tests[i].name);
    return 0;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("# backend %s\n", yl_backend_name());
  int passed = 0, failed = 0;
  for (size_t i = 0; i < n; i++) {
    if (!selected(tests[i].name, argc, argv)) continue;
    int before = failures;
    trace_reset();
    tests[i].fn();
    if (failures == before) {
      passed++;
      printf("ok %d - %s\n", passed + failed, tests[i].name);
    } else {
      failed++;
      printf("not ok %d - %s\n", passed + failed, tests[i].name);
    }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
