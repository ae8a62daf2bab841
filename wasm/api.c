/* The C side of wasm/yieldloop.mjs's loops, handles and futures: small exported
 * functions over the public API, for JS.
 *
 * JS drives a loop one run_once at a time and does the waiting itself (a loop driven
 * from JS is not on yl_main's root, so it never suspends; yl_loop_timeout() says how
 * long to sleep). A JS callback is known here by its number: the handle's callback
 * and the future's done callback call back into JS with it.
 *
 * Values cross as (kind, number, string): kinds none, bool, int, float, str, and
 * `ref`, a JS object that JS keeps in a table and C carries as a pointer-valued
 * number. An exception crosses as its kind's name and message, and a JS error thrown
 * in keeps its JS object as a ref in the exception's payload. What a call returns
 * to JS that does not fit in its result (a value, an exception) is left in `out`,
 * read with the yl_js_out_* functions before the next call.
 */
#include <emscripten.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yieldloop.h"

enum kind { K_NONE, K_BOOL, K_INT, K_FLOAT, K_STR, K_REF, K_EXC };

/* JS's side: wasm/yieldloop.mjs sets these on the module. */
EM_JS(void, js_call, (int id), { Module['ylJsCall'](id); });
EM_JS(void, js_report, (const char *text), { Module['ylJsReport'](UTF8ToString(text)); });

static struct {
  yl_value_t value; /* owned */
  char text[1024];
} out;

static void set_out(yl_value_t v) {
  yl_value_drop(out.value);
  out.value = v;
}

EMSCRIPTEN_KEEPALIVE void *yl_js_alloc(size_t n) { return malloc(n); }
EMSCRIPTEN_KEEPALIVE void yl_js_free(void *p) { free(p); }

/* ---- Values ---- */

static yl_value_t from_js(int kind, double num, const char *str) {
  switch (kind) {
  case K_BOOL: return yl_bool(num != 0);
  case K_INT: return yl_int((int64_t)num);
  case K_FLOAT: return yl_float(num);
  case K_STR: return yl_str_dup(str);
  case K_REF: return yl_ptr((void *)(uintptr_t)num);
  default: return yl_none();
  }
}

static const yl_exc_type_t *const known[] = {
    yl_Exception, yl_RuntimeError, yl_ValueError, yl_TypeError, yl_KeyError, yl_ZeroDivisionError,
    yl_OSError, yl_TimeoutError, yl_CancelledError, yl_InvalidStateError, yl_MemoryError, yl_StopIteration,
};

/* An exception of the kind named `type` (Exception if none is), with `ref` (a JS
 * error object, 0: none) as its payload. */
static yl_exc_t *exc_from_js(const char *type, const char *msg, double ref) {
  const yl_exc_type_t *t = yl_Exception;
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(known[i]->name, type) == 0) t = known[i];
  yl_value_t payload = ref ? yl_ptr((void *)(uintptr_t)ref) : yl_none();
  return yl_exc_new_payload(t, payload, msg && *msg ? "%s" : NULL, msg);
}

EMSCRIPTEN_KEEPALIVE int yl_js_out_kind(void) {
  switch (out.value.type) {
  case YL_BOOL: return K_BOOL;
  case YL_INT: return K_INT;
  case YL_FLOAT: return K_FLOAT;
  case YL_STR: return K_STR;
  case YL_PTR: return K_REF;
  case YL_EXC: return K_EXC;
  default: return K_NONE;
  }
}

EMSCRIPTEN_KEEPALIVE double yl_js_out_num(void) {
  switch (out.value.type) {
  case YL_BOOL: return out.value.as.b;
  case YL_INT: return (double)out.value.as.i;
  case YL_FLOAT: return out.value.as.f;
  case YL_PTR: return (double)(uintptr_t)out.value.as.p;
  case YL_EXC: { /* the payload's ref, if it carries a JS error */
    yl_value_t p = yl_exc_payload(out.value.as.exc);
    return p.type == YL_PTR ? (double)(uintptr_t)p.as.p : 0;
  }
  default: return 0;
  }
}

/* A string value; an exception's kind name (the message is yl_js_out_message). */
EMSCRIPTEN_KEEPALIVE const char *yl_js_out_str(void) {
  if (out.value.type == YL_STR) return out.value.as.s;
  if (out.value.type == YL_EXC) return yl_exc_type(out.value.as.exc)->name;
  return "";
}

EMSCRIPTEN_KEEPALIVE const char *yl_js_out_message(void) {
  if (out.value.type != YL_EXC) return "";
  yl_exc_str(out.value.as.exc, out.text, sizeof out.text);
  return out.text;
}

/* ---- Loops ---- */

static void report(yl_loop_t *loop, const yl_loop_context_t *ctx, void *arg) {
  (void)loop;
  (void)arg;
  yl_loop_format_context(ctx, out.text, sizeof out.text);
  js_report(out.text);
}

EMSCRIPTEN_KEEPALIVE yl_loop_t *yl_js_loop_new(int virtual_time) {
  yl_loop_options_t opts = {virtual_time ? YL_CLOCK_VIRTUAL : YL_CLOCK_MONOTONIC, 0, NULL};
  yl_loop_t *loop = yl_loop_new(&opts);
  if (loop) yl_loop_set_exception_handler(loop, report, NULL);
  return loop;
}

/* One iteration; YL_OK, else the error code with the exception in `out`. */
EMSCRIPTEN_KEEPALIVE int yl_js_loop_run_once(yl_loop_t *loop) {
  yl_value_t err;
  int rc = yl_loop_run_once(loop, &err);
  if (rc < 0) set_out(err);
  return rc;
}

EMSCRIPTEN_KEEPALIVE int yl_js_loop_close(yl_loop_t *loop) {
  yl_value_t err;
  int rc = yl_loop_close(loop, &err);
  if (rc < 0) set_out(err);
  return rc;
}

EMSCRIPTEN_KEEPALIVE double yl_js_loop_time(yl_loop_t *loop) { return yl_loop_time(loop); }
EMSCRIPTEN_KEEPALIVE double yl_js_loop_timeout(yl_loop_t *loop) { return yl_loop_timeout(loop); }
EMSCRIPTEN_KEEPALIVE void yl_js_loop_stop(yl_loop_t *loop) { yl_loop_stop(loop); }
EMSCRIPTEN_KEEPALIVE int yl_js_loop_is_closed(yl_loop_t *loop) { return yl_loop_is_closed(loop); }

/* The loop's state as JSON (yl_trace.h's "loop" snapshot), in `out`'s text. */
EMSCRIPTEN_KEEPALIVE const char *yl_js_loop_state(yl_loop_t *loop) {
  char *json = yl_trace_loop_json(loop);
  set_out(json ? yl_str_dup(json) : yl_none());
  free(json);
  return yl_js_out_str();
}

/* ---- Handles ---- */

static yl_value_t call_js(yl_loop_t *loop, void *arg) {
  (void)loop;
  js_call((int)(intptr_t)arg);
  return yl_none();
}

/* call_soon (delay NaN), call_later (delay) or call_at (when, at != 0) of JS callback
 * `id`: a handle JS holds a reference to, NULL with the error in `out`. */
EMSCRIPTEN_KEEPALIVE yl_handle_t *yl_js_schedule(yl_loop_t *loop, int at, double t, int id) {
  yl_handle_t *h = NULL;
  void *arg = (void *)(intptr_t)id;
  int rc = at ? yl_loop_call_at(loop, t, call_js, arg, &h)
           : t == t ? yl_loop_call_later(loop, t, call_js, arg, &h) /* t == t: not NaN */
                    : yl_loop_call_soon(loop, call_js, arg, &h);
  if (rc == YL_OK) return h;
  const yl_exc_type_t *type = rc == YL_ECLOSED ? yl_RuntimeError : rc == YL_EINVAL ? yl_ValueError : yl_MemoryError;
  set_out(yl_exc_value(yl_exc_new(type, "%s", rc == YL_ECLOSED ? "Event loop is closed" : yl_strerror(rc))));
  return NULL;
}

EMSCRIPTEN_KEEPALIVE void yl_js_handle_cancel(yl_handle_t *h) { yl_handle_cancel(h); }
EMSCRIPTEN_KEEPALIVE double yl_js_handle_when(yl_handle_t *h) { return yl_timer_when(h); }
EMSCRIPTEN_KEEPALIVE void yl_js_handle_release(yl_handle_t *h) { yl_handle_release(h); }

/* ---- Futures ---- */

EMSCRIPTEN_KEEPALIVE yl_future_t *yl_js_future_new(yl_loop_t *loop) { return yl_future_new(loop); }
EMSCRIPTEN_KEEPALIVE void yl_js_future_release(yl_future_t *f) { yl_future_release(f); }
EMSCRIPTEN_KEEPALIVE int yl_js_future_state(yl_future_t *f) { return yl_future_state(f); }

/* result() / exception(): YL_OK with the value in `out`, or the error with the
 * exception there. */
EMSCRIPTEN_KEEPALIVE int yl_js_future_result(yl_future_t *f, int exception) {
  yl_value_t v;
  int rc = exception ? yl_future_exception(f, &v) : yl_future_result(f, &v);
  set_out(v);
  return rc;
}

EMSCRIPTEN_KEEPALIVE int yl_js_future_set_result(yl_future_t *f, int kind, double num, const char *str) {
  yl_value_t err;
  int rc = yl_future_set_result(f, from_js(kind, num, str), &err);
  if (rc < 0) set_out(err);
  return rc;
}

EMSCRIPTEN_KEEPALIVE int yl_js_future_set_exception(yl_future_t *f, const char *type, const char *msg, double ref) {
  yl_value_t err;
  int rc = yl_future_set_exception(f, yl_exc_value(exc_from_js(type, msg, ref)), &err);
  if (rc < 0) set_out(err);
  return rc;
}

EMSCRIPTEN_KEEPALIVE int yl_js_future_cancel(yl_future_t *f, const char *msg) { return yl_future_cancel(f, msg); }

static yl_value_t done_js(yl_future_t *f, void *arg) {
  (void)f;
  js_call((int)(intptr_t)arg);
  return yl_none();
}

EMSCRIPTEN_KEEPALIVE int yl_js_future_add_done_callback(yl_future_t *f, int id) {
  return yl_future_add_done_callback(f, done_js, (void *)(intptr_t)id);
}

EMSCRIPTEN_KEEPALIVE size_t yl_js_future_remove_done_callback(yl_future_t *f, int id) {
  return yl_future_remove_done_callback(f, done_js, (void *)(intptr_t)id);
}

EMSCRIPTEN_KEEPALIVE const char *yl_js_future_repr(yl_future_t *f) {
  yl_future_repr(f, out.text, sizeof out.text);
  return out.text;
}
