/* Values: what generators yield, are sent, return and raise.
 *
 * A yl_value_t is a small tagged value passed by value (16 bytes): none, bool, int
 * (64-bit), float (double), string, opaque pointer, or exception. As in the document,
 * "you can send any value".
 *
 * Ownership. A value either borrows or owns what it points to:
 *   - yl_str() borrows: the string must outlive every copy of the value (literals).
 *   - yl_str_dup() and yl_str_fmt() own a heap copy; yl_exc_value() owns its exception.
 *   - yl_ptr() never owns: the pointee is the program's business.
 * Passing a value to yl_gen_send(), yl_yield() or returning it from a generator
 * moves it: the receiver owns it from then on and releases it with yl_value_drop().
 * Dropping a borrowed or scalar value is a no-op, so "drop everything you receive"
 * is always correct. yl_value_clone() makes an independently owned copy.
 */
#ifndef YL_VALUE_H
#define YL_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct yl_exc yl_exc_t;

typedef enum yl_type {
  YL_NONE = 0, /* Python's None; a zeroed yl_value_t is none */
  YL_BOOL,
  YL_INT,
  YL_FLOAT,
  YL_STR,
  YL_PTR,
  YL_EXC /* an exception object, owned */
} yl_type_t;

typedef struct yl_value {
  yl_type_t type;
  uint32_t flags; /* YL__VALUE_OWNED: the string or exception is owned by this value */
  union {
    bool b;
    int64_t i;
    double f;
    const char *s;
    void *p;
    yl_exc_t *exc;
  } as;
} yl_value_t;

#define YL__VALUE_OWNED 1u  /* the string or exception is owned */
#define YL__VALUE_RAISED 2u /* set by yl_raise(): a generator returned it to raise it */
#define YL__VALUE_AWAIT 4u  /* set by yl_await(): a task's body yielded the future it awaits */

/* None. */
static inline yl_value_t yl_none(void) { yl_value_t v = {YL_NONE, 0, {.i = 0}}; return v; }
/* A bool. */
static inline yl_value_t yl_bool(bool b) { yl_value_t v = {YL_BOOL, 0, {.b = b}}; return v; }
/* A 64-bit integer. */
static inline yl_value_t yl_int(int64_t i) { yl_value_t v = {YL_INT, 0, {.i = i}}; return v; }
/* A double. */
static inline yl_value_t yl_float(double f) { yl_value_t v = {YL_FLOAT, 0, {.f = f}}; return v; }
/* A borrowed string: `s` must outlive the value and every copy of it. */
static inline yl_value_t yl_str(const char *s) { yl_value_t v = {YL_STR, 0, {.s = s}}; return v; }
/* An opaque pointer, never owned. */
static inline yl_value_t yl_ptr(void *p) { yl_value_t v = {YL_PTR, 0, {.p = p}}; return v; }

/* An owned copy of `s`; on allocation failure, a borrowed "" (never NULL). */
yl_value_t yl_str_dup(const char *s);
/* An owned string formatted like printf. */
yl_value_t yl_str_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A value owning exception `e` (which may be NULL only on allocation failure paths). */
yl_value_t yl_exc_value(yl_exc_t *e);

/* True if `v` is None. */
static inline bool yl_is_none(yl_value_t v) { return v.type == YL_NONE; }
/* Releases what `v` owns; no-op for scalars and borrowed values. */
void yl_value_drop(yl_value_t v);
/* An independently owned deep copy of `v` (strings and exceptions are copied). */
yl_value_t yl_value_clone(yl_value_t v);
/* Python's == on the two values (exceptions compare by identity). */
bool yl_value_eq(yl_value_t a, yl_value_t b);
/* Writes Python's repr() of `v` into buf (always NUL-terminated); returns the full length. */
size_t yl_value_repr(yl_value_t v, char *buf, size_t n);
/* Writes Python's str() of `v` into buf (always NUL-terminated); returns the full length. */
size_t yl_value_str(yl_value_t v, char *buf, size_t n);

#endif
