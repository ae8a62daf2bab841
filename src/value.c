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

/* Python's float repr: the shortest digits that round-trip, in fixed notation when
 * the decimal exponent is in [-4, 16), else as d.ddde+XX. */
static size_t float_repr(double f, char *buf, size_t n) {
  if (isnan(f)) return (size_t)snprintf(buf, n, "nan");
  if (isinf(f)) return (size_t)snprintf(buf, n, f < 0 ? "-inf" : "inf");
  char tmp[40], digits[20], out[64];
  int prec;
  for (prec = 1; prec < 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, f);
    if (strtod(tmp, NULL) == f) break;
  }
  snprintf(tmp, sizeof tmp, "%.*e", prec - 1, f);
  /* tmp is [-]d[.ddd]e[+-]XX: split it into sign, digits and exponent. */
  const char *p = tmp;
  size_t len = 0, nd = 0;
  if (*p == '-') out[len++] = *p++;
  for (; *p != 'e'; p++)
    if (*p != '.') digits[nd++] = *p;
  while (nd > 1 && digits[nd - 1] == '0') nd--;
  int exp = atoi(p + 1);
  if (exp >= -4 && exp < 16) {
    if (exp < 0) { /* 0.000ddd */
      len += (size_t)snprintf(out + len, sizeof out - len, "0.");
      for (int k = -1; k > exp; k--) out[len++] = '0';
      for (size_t k = 0; k < nd; k++) out[len++] = digits[k];
    } else { /* ddd.ddd, with at least one digit after the point */
      for (int k = 0; k <= exp; k++) out[len++] = (size_t)k < nd ? digits[k] : '0';
      out[len++] = '.';
      if ((size_t)exp + 1 >= nd) out[len++] = '0';
      for (size_t k = (size_t)exp + 1; k < nd; k++) out[len++] = digits[k];
    }
  } else {
    out[len++] = digits[0];
    if (nd > 1) {
      out[len++] = '.';
      for (size_t k = 1; k < nd; k++) out[len++] = digits[k];
    }
    len += (size_t)snprintf(out + len, sizeof out - len, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  }
  out[len] = '\0';
  return (size_t)snprintf(buf, n, "%s", out);
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
  if (v.type == YL_EXC) return yl_exc_str(v.as.exc, buf, n);
  return yl_value_repr(v, buf, n);
}
