/* Tracing: what the runtime does, as a stream of JSON events, each with a snapshot of
 * the state (every live generator; the loop's ready handles, timers and tasks). The
 * playground draws from it, and tests read it. It exists in the library built with
 * YL_TRACE=1 (the CMake target yieldloop_trace); the plain library has the functions
 * but yl_trace_set() refuses, and its hot paths carry no tracing code at all.
 *
 * Each event is one JSON object, for example
 *   {"seq":3,"ev":"gen.yield","line":27,"t":null,"gen":1,"value":"2","state":{...}}
 * with `line` the program's source line (0 if unknown; see YL_TRACE_LINES below) and
 * `t` the running (else current) loop's clock in ms, null without a loop. The kinds:
 *   gen.new {gen,name}  gen.resume {gen,how,value}  gen.yield {gen,value}
 *   gen.return {gen,value}  gen.raise {gen,exc}  gen.free {gen}
 *   loop.iter {n}  loop.due {moved}  loop.handle {repr}  loop.wait {timeout}  loop.stop
 * and the snapshot
 *   {"gens":[{"id","name","state","sent","yielded","yieldfrom","line"}],
 *    "loop":null | {"time","iteration","phase","ready":[{"repr"}],
 *                   "scheduled":[{"repr","when"}],
 *                   "tasks":[{"id","name","state","awaits","callbacks","result"}]}}
 * (values as Python's repr(), times in ms, generators numbered from 1 per thread in
 * creation order, phases idle|due|run|wait). Steps that the runtime makes internally
 * (a yield from's first step, a task's wake-up) show in the snapshots, not as events.
 */
#ifndef YL_TRACE_H
#define YL_TRACE_H

#include <stddef.h>

#include "yl_future.h"
#include "yl_gen.h"
#include "yl_task.h"

/* Receives one event: `len` bytes of JSON (NUL-terminated), valid until it returns.
 * It must not call into the runtime. */
typedef void (*yl_trace_fn)(const char *json, size_t len, void *arg);

/* Sends this thread's events to fn(json, len, arg) from now on (fn NULL: stops) and
 * restarts the numbering. YL_ENOSYS if the library was built without YL_TRACE. */
int yl_trace_set(yl_trace_fn fn, void *arg);

/* Records that the program is at source line `line` now: the next events carry it. */
void yl_trace_line(int line);

/* The line last recorded (0: none), for output the host prints. */
int yl_trace_current_line(void);

/* The running (else current) loop's clock in ms; NaN without a loop. */
double yl_trace_time(void);

/* `loop`'s state as the snapshots show it, {"time",...,"tasks":[...]}, in a string the
 * caller frees; NULL if out of memory. Works with or without YL_TRACE. */
char *yl_trace_loop_json(yl_loop_t *loop);

/* Compiled with -DYL_TRACE_LINES, a program's calls into the runtime (and its printf)
 * record their line first, so that events point into its source. Include this header
 * after <stdio.h>. */
#ifdef YL_TRACE_LINES
#define YL__AT(call) (yl_trace_line(__LINE__), call)
#define yl_gen_new(...) YL__AT(yl_gen_new(__VA_ARGS__))
#define yl_gen_next(...) YL__AT(yl_gen_next(__VA_ARGS__))
#define yl_gen_send(...) YL__AT(yl_gen_send(__VA_ARGS__))
#define yl_gen_throw(...) YL__AT(yl_gen_throw(__VA_ARGS__))
#define yl_gen_close(...) YL__AT(yl_gen_close(__VA_ARGS__))
#define yl_gen_free(...) YL__AT(yl_gen_free(__VA_ARGS__))
#define yl_yield(...) YL__AT(yl_yield(__VA_ARGS__))
#define yl_yield_from(...) YL__AT(yl_yield_from(__VA_ARGS__))
#define yl_await(...) YL__AT(yl_await(__VA_ARGS__))
#define yl_sleep(...) YL__AT(yl_sleep(__VA_ARGS__))
#define yl_wait(...) YL__AT(yl_wait(__VA_ARGS__))
#define yl_wait_for(...) YL__AT(yl_wait_for(__VA_ARGS__))
#define yl_loop_run_until_complete(...) YL__AT(yl_loop_run_until_complete(__VA_ARGS__))
#define yl_loop_run_forever(...) YL__AT(yl_loop_run_forever(__VA_ARGS__))
#define printf(...) YL__AT(printf(__VA_ARGS__))
#endif

#endif
