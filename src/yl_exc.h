/* Exceptions: a kind, a message and an optional payload value.
 *
 * A kind is a yl_exc_type_t with a name and a base kind, forming Python's hierarchy;
 * yl_exc_matches() is `except Kind:`. The built-in kinds below are arrays of one, so
 * their names are pointers: yl_exc_new(yl_ValueError, "bad %d", x). A program defines
 * its own kinds the same way:
 *     const yl_exc_type_t MyError[1] = {{"MyError", yl_Exception}};
 * Exceptions are heap objects with a single owner; a yl_value_t of type YL_EXC owns
 * one (see yl_value.h). StopIteration's payload is the generator's return value.
 */
#ifndef YL_EXC_H
#define YL_EXC_H

#include "yl_value.h"

typedef struct yl_exc_type {
  const char *name;
  const struct yl_exc_type *base; /* NULL only for BaseException */
} yl_exc_type_t;

extern const yl_exc_type_t yl_BaseException[1];
extern const yl_exc_type_t yl_Exception[1];
extern const yl_exc_type_t yl_GeneratorExit[1];   /* BaseException */
extern const yl_exc_type_t yl_StopIteration[1];
extern const yl_exc_type_t yl_ArithmeticError[1];
extern const yl_exc_type_t yl_ZeroDivisionError[1];
extern const yl_exc_type_t yl_LookupError[1];
extern const yl_exc_type_t yl_KeyError[1];        /* LookupError */
extern const yl_exc_type_t yl_MemoryError[1];
extern const yl_exc_type_t yl_RuntimeError[1];
extern const yl_exc_type_t yl_TypeError[1];
extern const yl_exc_type_t yl_ValueError[1];
extern const yl_exc_type_t yl_OSError[1];
extern const yl_exc_type_t yl_TimeoutError[1];     /* OSError, as asyncio.TimeoutError is since 3.11 */
extern const yl_exc_type_t yl_CancelledError[1];   /* BaseException, as since 3.8 */
extern const yl_exc_type_t yl_InvalidStateError[1];

/* A new exception of `type` with a printf-formatted message (fmt may be NULL: no
 * message). Never returns NULL: on allocation failure it returns a shared static
 * MemoryError, which yl_exc_free() leaves alone. */
yl_exc_t *yl_exc_new(const yl_exc_type_t *type, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Like yl_exc_new() with a payload value, which the exception takes ownership of. */
yl_exc_t *yl_exc_new_payload(const yl_exc_type_t *type, yl_value_t payload, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Frees `e`, its message, payload and cause. NULL is a no-op. */
void yl_exc_free(yl_exc_t *e);
/* An independently owned deep copy of `e`. */
yl_exc_t *yl_exc_clone(const yl_exc_t *e);

/* The exception's kind. */
const yl_exc_type_t *yl_exc_type(const yl_exc_t *e);
/* Its message, "" if none. */
const char *yl_exc_message(const yl_exc_t *e);
/* Its payload (borrowed; None if none). */
yl_value_t yl_exc_payload(const yl_exc_t *e);
/* The exception it was raised from (`raise ... from cause`), or NULL; borrowed. */
const yl_exc_t *yl_exc_cause(const yl_exc_t *e);
/* Sets the cause, taking ownership of it (replacing any previous one). */
void yl_exc_set_cause(yl_exc_t *e, yl_exc_t *cause);

/* True if `type` is `base` or derives from it. */
bool yl_exc_type_is(const yl_exc_type_t *type, const yl_exc_type_t *base);
/* `except base:` for an exception: true if e's kind is or derives from `base`. */
bool yl_exc_matches(const yl_exc_t *e, const yl_exc_type_t *base);
/* The same test on a value: false unless v holds an exception. */
bool yl_value_is_exc(yl_value_t v, const yl_exc_type_t *base);

/* Writes str(e) into buf (always NUL-terminated): the message, or for KeyError the
 * repr of its key, as Python prints it; returns the full length. */
size_t yl_exc_str(const yl_exc_t *e, char *buf, size_t n);

/* Formats the exception as the last line of a Python traceback, e.g.
 * "ValueError: bad value" or "StopIteration" (no message); returns the full length. */
size_t yl_exc_format(const yl_exc_t *e, char *buf, size_t n);

/* Marks `v` as raised for a generator's return (see yl_gen.h): `return yl_raise(v);`
 * raises the exception `v` holds. A non-exception `v` is raised as a TypeError
 * ("exceptions must derive from BaseException"), as Python's `raise 1` is. */
yl_value_t yl_raise(yl_value_t v);
/* Shorthand: yl_raise(yl_exc_value(yl_exc_new(type, fmt, ...))). */
yl_value_t yl_raise_new(const yl_exc_type_t *type, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
