/* Values: constructors that allocate, release, copy, compare and repr/str. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yl_exc.h"
#include "yl_value.h"

static yl_value_t owned_str(char *s) {
  if (!s) return yl_str("");
  yl_value_t v = yl_str(s);
  v.flags = YL__VALUE_OWNED;
  return v;
}

yl_value_t yl_str_dup(const char *s) { return owned_str(strdup(s ? s : "")); }

yl_value_t yl_str_fmt(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *s = n < 0 ? NULL : malloc((size_t)n + 1);
  if (s) {
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  return owned_str(s);
}

yl_value_t yl_exc_value(yl_exc_t *e) {
  yl_value_t v = {YL_EXC, YL__VALUE_OWNED, {.exc = e}};
  return v;
}

void yl_value_drop(yl_value_t v) {
  if (!(v.flags & YL__VALUE_OWNED)) return;
  if (v.type == YL_STR) free((char *)v.as.s);
  else if (v.type == YL_EXC) yl_exc_free(v.as.exc);
}

yl_value_t yl_value_clone(yl_value_t v) {
  if (v.type == YL_STR) return yl_str_dup(v.as.s);
  if (v.type == YL_EXC) return yl_exc_value(yl_exc_clone(v.as.exc));
  v.flags = 0;
  return v;
}

bool yl_value_eq(yl_value_t a, yl_value_t b) {
  /* Python compares bool, int and float by numeric value. */
  int an = a.type == YL_BOOL || a.type == YL_INT || a.type == YL_FLOAT;
  int bn = b.type == YL_BOOL || b.type == YL_INT || b.type == YL_FLOAT;
  if (an && bn) {
    if (a.type == YL_FLOAT || b.type == YL_FLOAT) {
      double x = a.type == YL_FLOAT ? a.as.f : a.type == YL_INT ? (double)a.as.i : a.as.b;
      double y = b.type == YL_FLOAT ? b.as.f : b.type == YL_INT ? (double)b.as.i : b.as.b;
      return x == y;
    }
    int64_t x = a.type == YL_INT ? a.as.i : a.as.b, y = b.type == YL_INT ? b.as.i : b.as.b;
    return x == y;
  }
  if (a.type != b.type) return false;
  switch (a.type) {
  case YL_NONE: return true;
  case YL_STR: return strcmp(a.as.s, b.as.s) == 0;
  case YL_PTR: return a.as.p == b.as.p;
  case YL_EXC: return a.as.exc == b.as.exc;
  default: return false;
  }
}

/* Python's float repr: the shortest string that round-trips, with ".0" when it
 * would otherwise read as an int. */
static size_t float_repr(double f, char *buf, size_t n) {
  char tmp[40];
  if (isnan(f)) return (size_t)snprintf(buf, n, "nan");
  if (isinf(f)) return (size_t)snprintf(buf, n, f < 0 ? "-inf" : "inf");
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, f);
    if (strtod(tmp, NULL) == f) break;
  }
  /* Python switches to exponent form at 1e16 and below 1e-4, like %g mostly does. */
  char *e = strchr(tmp, 'e');
  if (e) {
    /* Python writes 1e+16 as 1e+16 and 1e-05 as 1e-05: same as C's %g. */
    return (size_t)snprintf(buf, n, "%s", tmp);
  }
  if (!strchr(tmp, '.') && !strchr(tmp, 'n') && !strchr(tmp, 'i')) strcat(tmp, ".0");
  return (size_t)snprintf(buf, n, "%s", tmp);
}

/* Python's str repr: single quotes unless the text holds a ' and no ". */
static size_t str_repr(const char *s, char *buf, size_t n) {
  char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
  size_t len = 0;
#define PUT(c)                                                                       \
  do {                                                                               \
    if (len + 1 < n) buf[len] = (c);                                                 \
    len++;                                                                           \
  } while (0)
  PUT(q);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned char c = *p;
    const char *esc = NULL;
    char hex[5];
    if (c == '\\') esc = "\\\\";
    else if (c == '\n') esc = "\\n";
    else if (c == '\r') esc = "\\r";
    else if (c == '\t') esc = "\\t";
    else if (c == (unsigned char)q) esc = q == '\'' ? "\\'" : "\\\"";
    else if (c < 0x20 || c == 0x7f) {
      snprintf(hex, sizeof hex, "\\x%02x", c);
      esc = hex;
    }
    if (esc)
      for (; *esc; esc++) PUT(*esc);
    else
      PUT((char)c);
  }
  PUT(q);
#undef PUT
  if (n) buf[len < n ? len : n - 1] = '\0';
  return len;
}

static size_t exc_repr(const yl_exc_t *e, char *buf, size_t n) {
  const char *msg = yl_exc_message(e);
  if (!*msg) return (size_t)snprintf(buf, n, "%s()", yl_exc_type(e)->name);
  size_t len = (size_t)snprintf(buf, n, "%s(", yl_exc_type(e)->name);
  len += str_repr(msg, len < n ? buf + len : NULL, len < n ? n - len : 0);
  len += (size_t)snprintf(len < n ? buf + len : NULL, len < n ? n - len : 0, ")");
  return len;
}

size_t yl_value_repr(yl_value_t v, char *buf, size_t n) {
  switch (v.type) {
  case YL_NONE: return (size_t)snprintf(buf, n, "None");
  case YL_BOOL: return (size_t)snprintf(buf, n, v.as.b ? "True" : "False");
  case YL_INT: return (size_t)snprintf(buf, n, "%" PRId64, v.as.i);
  case YL_FLOAT: return float_repr(v.as.f, buf, n);
  case YL_STR: return str_repr(v.as.s, buf, n);
  case YL_PTR: return (size_t)snprintf(buf, n, "<pointer %p>", v.as.p);
  case YL_EXC: return exc_repr(v.as.exc, buf, n);
  }
  return (size_t)snprintf(buf, n, "<invalid value>");
}

size_t yl_value_str(yl_value_t v, char *buf, size_t n) {
  if (v.type == YL_STR) return (size_t)snprintf(buf, n, "%s", v.as.s);
  if (v.type == YL_EXC) return (size_t)snprintf(buf, n, "%s", yl_exc_message(v.as.exc));
  return yl_value_repr(v, buf, n);
}
