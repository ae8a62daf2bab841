/* Generators: Python's generator protocol (PEP 255, 342, 380) over C functions.
 *
 * A generator runs a body `yl_value_t body(yl_gen_t *g, void *arg)` on a coroutine of
 * its own. The body yields with yl_yield() and delegates with yl_yield_from(); what it
 * returns ends the generator: a plain value becomes StopIteration's value, and
 * `return yl_raise(exc)` raises. The caller drives it with next/send/throw/close.
 *
 *     static yl_value_t yrange(yl_gen_t *g, void *arg) {      // def yrange(n):
 *       int64_t n = *(int64_t *)arg, i = 0;                   //     i = 0
 *       while (i < n) {                                       //     while i < n:
 *         yl_value_t in;
 *         if (yl_yield(g, yl_int(i), &in) < 0)                //         yield i
 *           return yl_raise(in);   // an exception thrown in: let it propagate
 *         i += 1;                                             //         i += 1
 *       }
 *       return yl_none();
 *     }
 *
 * Every step returns one of three outcomes, as CPython's gen_send_ex2 does:
 * YL_GEN_NEXT (it yielded *out), YL_GEN_RETURN (it finished; *out is StopIteration's
 * value, None for an exhausted generator) or YL_GEN_ERROR (*out holds the exception,
 * a YL_EXC value). Misuse is reported as CPython reports it, as an exception:
 * ValueError "generator already executing", TypeError "can't send non-None value to
 * a just-started generator", RuntimeError "generator ignored GeneratorExit".
 * An exception escaping the body closes the generator. Values passed in are moved
 * into the generator; *out is owned by the caller (see yl_value.h).
 *
 * `yield from` is handled without a switch per level: send/throw reach the innermost
 * delegate directly, as if forwarded through every level, and close() and
 * GeneratorExit close the delegates innermost first, as PEP 380 specifies.
 */
#ifndef YL_GEN_H
#define YL_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "yl_exc.h"
#include "yl_value.h"

typedef struct yl_gen yl_gen_t;
typedef yl_value_t (*yl_gen_fn)(yl_gen_t *g, void *arg);

typedef enum yl_gen_state {
  YL_GEN_CREATED = 0, /* not started: the body has not run */
  YL_GEN_RUNNING,     /* executing (or delegating to a running subgenerator) */
  YL_GEN_SUSPENDED,   /* paused at a yield or yield from */
  YL_GEN_CLOSED       /* returned, raised, or closed */
} yl_gen_state_t;

/* Outcomes of a step (next/send/throw). */
enum { YL_GEN_ERROR = -1, YL_GEN_RETURN = 0, YL_GEN_NEXT = 1 };

/* A new generator running body(g, arg) named `name` (borrowed; used in messages),
 * with the default stack. NULL on allocation failure. The body does not start yet. */
yl_gen_t *yl_gen_new(const char *name, yl_gen_fn body, void *arg);
/* The same with an explicit coroutine stack size in bytes (0: default); NULL on
 * allocation failure or a stack smaller than yl_coro_min_stack(). */
yl_gen_t *yl_gen_new_sized(const char *name, yl_gen_fn body, void *arg, size_t stack_size);
/* Closes `g` if it is suspended (PEP 342: close on collection; an exception from
 * that close is printed to stderr as "Exception ignored in: ...") and frees it.
 * Returns YL_OK, or YL_EBUSY (and frees nothing) if `g` is running or another
 * generator is in a yield from it. NULL is a no-op. */
int yl_gen_free(yl_gen_t *g);

/* next(g): send(g, None). */
int yl_gen_next(yl_gen_t *g, yl_value_t *out);
/* g.send(value): resumes g with `value` as the result of its paused yield. */
int yl_gen_send(yl_gen_t *g, yl_value_t value, yl_value_t *out);
/* g.throw(exc): raises `exc` (a YL_EXC value) at g's paused yield; a non-exception
 * value gives TypeError. Into a just-started generator it raises at its start. */
int yl_gen_throw(yl_gen_t *g, yl_value_t exc, yl_value_t *out);
/* g.close(): raises GeneratorExit inside g. Returns YL_OK if g finished (or was
 * already closed or never started), or YL_GEN_ERROR with the exception in *err
 * (RuntimeError if g yielded instead; whatever else g raised). */
int yl_gen_close(yl_gen_t *g, yl_value_t *err);

/* Inside the body: yields `value` and waits. Returns YL_OK with the value sent in
 * *in (None for next()), or YL_GEN_ERROR with the exception thrown in (GeneratorExit
 * on close). The body must handle it (and drop it) or raise it: `return yl_raise(*in)`. */
static inline int yl_yield(yl_gen_t *g, yl_value_t value, yl_value_t *in);
/* Inside the body: `*result = yield from sub`. Runs sub to completion, forwarding
 * every send/throw/close to it. Returns YL_OK with sub's return value, or YL_GEN_ERROR
 * with the exception sub raised or that was thrown in. `sub` stays owned by the caller. */
int yl_yield_from(yl_gen_t *g, yl_gen_t *sub, yl_value_t *result);

/* The generator's state as Python's inspect.getgeneratorstate() reports it. */
yl_gen_state_t yl_gen_state(const yl_gen_t *g);
/* "GEN_CREATED", "GEN_RUNNING", "GEN_SUSPENDED" or "GEN_CLOSED". */
const char *yl_gen_state_name(yl_gen_state_t s);
/* The name given at creation. */
const char *yl_gen_name(const yl_gen_t *g);
/* The generator g is delegating to with yield from (gi_yieldfrom), or NULL. */
yl_gen_t *yl_gen_yieldfrom(const yl_gen_t *g);
/* The body's argument. */
void *yl_gen_arg(const yl_gen_t *g);

/* yl_yield's switch, taking the value as two words: in wasm a struct argument is
 * built in the caller's memory and passed by address, words travel as arguments. */
int yl__yield_words(yl_gen_t *g, uint64_t w0, uint64_t w1, yl_value_t *in);

static inline int yl_yield(yl_gen_t *g, yl_value_t value, yl_value_t *in) {
  uint64_t w[2];
  memcpy(w, &value, sizeof w);
  return yl__yield_words(g, w[0], w[1], in);
}

#endif
