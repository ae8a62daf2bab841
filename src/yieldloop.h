/* yieldloop: Python's generators and asyncio's event loop as a small C library,
 * native and WebAssembly. Include this umbrella header; each layer's header documents
 * its functions:
 *   yl_error.h  result codes          yl_value.h  values and their ownership
 *   yl_exc.h    exceptions            yl_coro.h   stackful coroutines
 *   yl_gen.h    generators (next/send/throw/close, yield from)
 *   yl_loop.h   the event loop (call_soon/call_later, run_forever, readers, clocks)
 *   yl_future.h futures, await, run_until_complete
 *   yl_task.h   tasks, sleep, gather, wait, wait_for, shield
 *   yl_host.h   yl_main: waiting in real time, natively and in wasm's JS event loop
 *   yl_trace.h  tracing: the runtime's events as JSON, with snapshots of its state
 */
#ifndef YIELDLOOP_H
#define YIELDLOOP_H

#define YL_VERSION_MAJOR 0
#define YL_VERSION_MINOR 1
#define YL_VERSION_PATCH 0

#include "yl_coro.h"
#include "yl_error.h"
#include "yl_exc.h"
#include "yl_future.h"
#include "yl_gen.h"
#include "yl_host.h"
#include "yl_loop.h"
#include "yl_task.h"
#include "yl_value.h"
#include "yl_trace.h" /* last: with YL_TRACE_LINES its macros wrap the functions above */

#endif
