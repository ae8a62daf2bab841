/* trace.c's hooks (yl_trace.h says what the events are). The layers call them through
 * YL__TRACE(), which is nothing unless the library is built with YL_TRACE=1, and
 * costs one thread-local test when it is but no tracer is set. */
#ifndef YL_TRACE_INT_H
#define YL_TRACE_INT_H

#include <stdbool.h>

#include "yl_loop.h"
#include "yl_trace.h"

#if YL_TRACE
#define YL__TRACE(call)                \
  do {                                 \
    if (yl__tracing()) yl__trace_##call; \
  } while (0)
#else
#define YL__TRACE(call) ((void)0)
#endif

bool yl__tracing(void);
void yl__trace_gen_new(const yl_gen_t *g);
/* A step of g begins (`how`: next, send, throw or close; `value` borrowed). */
void yl__trace_gen_resume(const yl_gen_t *g, const char *how, yl_value_t value);
/* The step ended with outcome r (YL_GEN_NEXT, _RETURN or _ERROR) and `out`. */
void yl__trace_gen_outcome(const yl_gen_t *g, int r, yl_value_t out);
void yl__trace_gen_free(const yl_gen_t *g);
/* An iteration of `loop` begins; its due timers went to the ready queue;
 * handle `h` is about to run; the loop waits up to `timeout` s (INFINITY: no deadline; 0 or less: polls);
 * run_forever stopped. */
void yl__trace_loop_iter(yl_loop_t *loop);
void yl__trace_loop_due(yl_loop_t *loop);
void yl__trace_loop_handle(yl_loop_t *loop, const yl_handle_t *h);
void yl__trace_loop_wait(yl_loop_t *loop, double timeout);
void yl__trace_loop_stop(yl_loop_t *loop);

#endif
