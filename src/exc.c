/* Exceptions: the built-in kinds, construction, hierarchy tests and formatting. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yl_exc.h"

const yl_exc_type_t yl_BaseException[1] = {{"BaseException", NULL}};
const yl_exc_type_t yl_Exception[1] = {{"Exception", yl_BaseException}};
const yl_exc_type_t yl_GeneratorExit[1] = {{"GeneratorExit", yl_BaseException}};
const yl_exc_type_t yl_StopIteration[1] = {{"StopIteration", yl_Exception}};
const yl_exc_type_t yl_ArithmeticError[1] = {{"ArithmeticError", yl_Exception}};
const yl_exc_type_t yl_ZeroDivisionError[1] = {{"ZeroDivisionError", yl_ArithmeticError}};
const yl_exc_type_t yl_LookupError[1] = {{"LookupError", yl_Exception}};
const yl_exc_type_t yl_KeyError[1] = {{"KeyError", yl_LookupError}};
const yl_exc_type_t yl_MemoryError[1] = {{"MemoryError", yl_Exception}};
const yl_exc_type_t yl_RuntimeError[1] = {{"RuntimeError", yl_Exception}};
const yl_exc_type_t yl_TypeError[1] = {{"TypeError", yl_Exception}};
const yl_exc_type_t yl_ValueError[1] = {{"ValueError", yl_Exception}};
const yl_exc_type_t yl_OSError[1] = {{"OSError", yl_Exception}};
const yl_exc_type_t yl_TimeoutError[1] = {{"TimeoutError", yl_OSError}};
const yl_exc_type_t yl_CancelledError[1] = {{"CancelledError", yl_BaseException}};
const yl_exc_type_t yl_InvalidStateError[1] = {{"InvalidStateError", yl_Exception}};

struct yl_exc {
  const yl_exc_type_t *type;
  char *message; /* NULL: none */
  yl_value_t payload;
  yl_exc_t *cause;
};

/* Returned when an exception cannot be allocated; never freed. */
static yl_exc_t out_of_memory = {yl_MemoryError, NULL, {YL_NONE, 0, {.i = 0}}, NULL};

static yl_exc_t *exc_newv(const yl_exc_type_t *type, yl_value_t payload, const char *fmt, va_list ap) {
  yl_exc_t *e = calloc(1, sizeof *e);
  if (!e) {
    yl_value_drop(payload);
    return &out_of_memory;
  }
  e->type = type;
  e->payload = payload;
  if (fmt) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n >= 0 && (e->message = malloc((size_t)n + 1)) != NULL) vsnprintf(e->message, (size_t)n + 1, fmt, ap);
  }
  return e;
}

yl_exc_t *yl_exc_new(const yl_exc_type_t *type, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  yl_exc_t *e = exc_newv(type, yl_none(), fmt, ap);
  va_end(ap);
  return e;
}

yl_exc_t *yl_exc_new_payload(const yl_exc_type_t *type, yl_value_t payload, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  yl_exc_t *e = exc_newv(type, payload, fmt, ap);
  va_end(ap);
  return e;
}

void yl_exc_free(yl_exc_t *e) {
  if (!e || e == &out_of_memory) return;
  free(e->message);
  yl_value_drop(e->payload);
  yl_exc_free(e->cause);
  free(e);
}

yl_exc_t *yl_exc_clone(const yl_exc_t *e) {
  if (e == &out_of_memory) return &out_of_memory;
  yl_exc_t *c = e->message ? yl_exc_new_payload(e->type, yl_value_clone(e->payload), "%s", e->message)
                           : yl_exc_new_payload(e->type, yl_value_clone(e->payload), NULL);
  if (e->cause && c != &out_of_memory) c->cause = yl_exc_clone(e->cause);
  return c;
}

const yl_exc_type_t *yl_exc_type(const yl_exc_t *e) { return e->type; }
const char *yl_exc_message(const yl_exc_t *e) { return e->message ? e->message : ""; }
yl_value_t yl_exc_payload(const yl_exc_t *e) {
  yl_value_t v = e->payload;
  v.flags = 0; /* borrowed */
  return v;
}
const yl_exc_t *yl_exc_cause(const yl_exc_t *e) { return e->cause; }

void yl_exc_set_cause(yl_exc_t *e, yl_exc_t *cause) {
  if (e == &out_of_memory) {
    yl_exc_free(cause);
    return;
  }
  yl_exc_free(e->cause);
  e->cause = cause;
}

bool yl_exc_type_is(const yl_exc_type_t *type, const yl_exc_type_t *base) {
  for (; type; type = type->base)
    if (type == base) return true;
  return false;
}

bool yl_exc_matches(const yl_exc_t *e, const yl_exc_type_t *base) { return e && yl_exc_type_is(e->type, base); }

bool yl_value_is_exc(yl_value_t v, const yl_exc_type_t *base) {
  return v.type == YL_EXC && yl_exc_matches(v.as.exc, base);
}

size_t yl_exc_str(const yl_exc_t *e, char *buf, size_t n) {
  /* str(KeyError(k)) is repr(k): KeyError('a') prints as KeyError: 'a'. */
  if (e->message && yl_exc_type_is(e->type, yl_KeyError)) return yl_value_repr(yl_str(e->message), buf, n);
  return (size_t)snprintf(buf, n, "%s", yl_exc_message(e));
}

size_t yl_exc_format(const yl_exc_t *e, char *buf, size_t n) {
  if (!e->message) return (size_t)snprintf(buf, n, "%s", e->type->name);
  size_t len = (size_t)snprintf(buf, n, "%s: ", e->type->name);
  return len + yl_exc_str(e, len < n ? buf + len : NULL, len < n ? n - len : 0);
}

yl_value_t yl_raise(yl_value_t v) {
  if (v.type != YL_EXC) {
    yl_value_drop(v);
    v = yl_exc_value(yl_exc_new(yl_TypeError, "exceptions must derive from BaseException"));
  }
  v.flags |= YL__VALUE_RAISED;
  return v;
}

yl_value_t yl_raise_new(const yl_exc_type_t *type, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  yl_exc_t *e = exc_newv(type, yl_none(), fmt, ap);
  va_end(ap);
  return yl_raise(yl_exc_value(e));
}
