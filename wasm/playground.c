/* The playground's program: every example of the document in one module, traced.
 *
 *   playground [--trace FILE] <program> [args...]     (natively: FILE, or - for stderr)
 *
 * runs examples/<program>.c's main with the args. Each example is compiled a second
 * time for this program with its main renamed (CMakeLists.txt) and YL_TRACE_LINES, so
 * that events carry its source lines. In wasm the events go to the module's
 * `ylTrace(json)` function when the page sets one (wasm/yieldloop.mjs does); a
 * server that example 08 spawns (this same module, run with `--server N` and no
 * program name) is client_subp's server mode.
 */
#include <stdio.h>
#include <string.h>

#include "yieldloop.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#endif

/* id, program, and whether its main takes (void) or (argc, argv) */
#define YL_PLAYGROUND_EXAMPLES(X)                         \
  X("01_yrange", yrange, void)                            \
  X("02_yrange_global", yrange_global, void)              \
  X("03_jumping_range", jumping_range, args)              \
  X("04_pipeline", pipeline, void)                        \
  X("05_pipeline_yield_from", pipeline_yield_from, void)  \
  X("06_return_value", return_value, void)                \
  X("07_factorial_asyncio", factorial, args)              \
  X("08_client_subp", client_subp, args)                  \
  X("08_client_subp_async", client_subp_async, args)

/* Each main called with its own signature (wasm traps a call through the wrong one). */
#define PARAMS_void void
#define PARAMS_args int argc, char **argv
#define CALL_void(prog) yl_example_##prog()
#define CALL_args(prog) yl_example_##prog(argc, argv)
#define DEFINE(id, prog, kind)                                  \
  int yl_example_##prog(PARAMS_##kind);                         \
  static int run_##prog(int argc, char **argv) {                \
    (void)argc;                                                 \
    (void)argv;                                                 \
    return CALL_##kind(prog);                                   \
  }
YL_PLAYGROUND_EXAMPLES(DEFINE)
#undef DEFINE

static const struct example {
  const char *id, *program;
  int (*main)(int argc, char **argv);
} examples[] = {
#define ENTRY(id, prog, kind) {id, #prog, run_##prog},
    YL_PLAYGROUND_EXAMPLES(ENTRY)
#undef ENTRY
};
#define NEXAMPLES (sizeof examples / sizeof examples[0])

static const struct example *find(const char *program) {
  for (size_t i = 0; i < NEXAMPLES; i++)
    if (strcmp(examples[i].program, program) == 0 || strcmp(examples[i].id, program) == 0) return &examples[i];
  return NULL;
}

#ifdef __EMSCRIPTEN__
EM_JS(void, playground_emit, (const char *json, size_t len), {
  if (Module['ylTrace']) Module['ylTrace'](UTF8ToString(json, len));
});

static void sink(const char *json, size_t len, void *arg) {
  (void)arg;
  playground_emit(json, len);
}

/* For output lines: where the program is, and its loop's time (ms, NaN: none). */
EMSCRIPTEN_KEEPALIVE int yl_playground_line(void) { return yl_trace_current_line(); }
EMSCRIPTEN_KEEPALIVE double yl_playground_time(void) { return yl_trace_time(); }
#else
static void sink(const char *json, size_t len, void *arg) {
  fwrite(json, 1, len, arg);
  fputc('\n', arg);
}
#endif

static int usage(void) {
  fprintf(stderr, "usage: playground [--trace FILE] <program> [args...]\nprograms:");
  for (size_t i = 0; i < NEXAMPLES; i++) fprintf(stderr, " %s", examples[i].program);
  fprintf(stderr, "\n");
  return 2;
}

int main(int argc, char **argv) {
  int i = 1;
  FILE *trace = NULL;
  if (i + 1 < argc && strcmp(argv[i], "--trace") == 0) {
    trace = strcmp(argv[i + 1], "-") == 0 ? stderr : fopen(argv[i + 1], "w");
    if (!trace) {
      perror(argv[i + 1]);
      return 2;
    }
    i += 2;
  }
#ifdef __EMSCRIPTEN__
  if (EM_ASM_INT({ return Module['ylTrace'] ? 1 : 0; })) yl_trace_set(sink, NULL);
#endif
  if (trace) yl_trace_set(sink, trace);
  const struct example *ex = i < argc ? find(argv[i]) : NULL;
  int status;
  if (ex) {
    argv[i] = (char *)ex->program; /* the example's argv[0] */
    status = ex->main(argc - i, argv + i);
  } else if (i < argc && argv[i][0] == '-') { /* a server of example 08: no program name */
    argv[i - 1] = "client_subp";
    status = run_client_subp(argc - i + 1, argv + i - 1);
  } else {
    return usage();
  }
  if (trace && trace != stderr) fclose(trace);
  return status;
}
