/* yieldloop result codes.
 *
 * Functions that can fail return an int: 0 (YL_OK) or more on success, a negative
 * YL_E* code on failure. One X-macro list gives each code its name and message, so
 * yl_err_name() and yl_strerror() cover every code by construction.
 */
#ifndef YL_ERROR_H
#define YL_ERROR_H

#define YL_ERRNO_MAP(X)                                                              \
  X(ENOMEM, -1, "out of memory")                                                     \
  X(EINVAL, -2, "invalid argument")                                                  \
  X(EBUSY, -3, "object is running and cannot be used now")                           \
  X(EDEAD, -4, "coroutine has finished and cannot be resumed")                       \
  X(ENOTRUNNING, -5, "not called from the coroutine being yielded")                  \
  X(ESTACKOVERFLOW, -6, "coroutine overflowed its stack; create it with a larger one") \
  X(ESTACKSIZE, -7, "stack size is too small for a coroutine")                        \
  X(EEXC, -8, "an exception was raised")                                             \
  X(ECLOSED, -9, "event loop is closed")                                             \
  X(EWOULDBLOCK, -10, "the event loop would have to block and cannot")               \
  X(ENOSYS, -11, "not supported by this build of the library")

typedef enum yl_result {
  YL_OK = 0,
#define YL__ERR_ENUM(name, code, msg) YL_##name = (code),
  YL_ERRNO_MAP(YL__ERR_ENUM)
#undef YL__ERR_ENUM
} yl_result;

/* The code's name, e.g. "YL_ENOMEM"; "YL_OK" for 0; "YL_EUNKNOWN" for others. */
const char *yl_err_name(int code);

/* The code's one-line description; a fixed string for unknown codes. */
const char *yl_strerror(int code);

#endif
