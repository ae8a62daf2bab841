/* The host: how a program's event loop waits in real time, natively and in wasm.
 *
 * Natively a loop on the monotonic clock sleeps in poll() wherever it runs. In wasm
 * the thread belongs to the JS event loop (Node's or the page's) and cannot block, so
 * a program opts in by running its main through yl_main():
 *
 *   static int real_main(int argc, char **argv) { ... yl_loop_run_forever(loop, NULL); ... }
 *   int main(int argc, char **argv) { return yl_main(real_main, argc, argv); }
 *
 * In wasm, yl_main runs real_main on a coroutine of its own, the root. When a loop
 * running on the root has nothing to run before its next deadline, its wait arms ONE
 * JS wake-up for that deadline and yields the root: main returns to the JS event
 * loop, which sits idle (no polling) until the wake-up resumes the root, the wait
 * returns and the loop iterates. asyncio's per-iteration order is kept whole: JS never
 * runs a handle, it only ends a wait. The wake-up is
 *   - a setTimeout for a deadline ahead, chained in steps of at most 2^31-1 ms and
 *     never ending before the deadline by the loop's clock (a longer delay would
 *     fire at once in JS);
 *   - a zero-delay macrotask (setImmediate in Node, a MessageChannel message in
 *     browsers; never setTimeout(0) and its 1-4 ms clamp) when handles are ready but
 *     the loop has run for YL_HOST_SLICE_MS without letting the JS event loop in, so
 *     that a loop that is never idle still lets JS callbacks and I/O through;
 *   - nothing at all for a wait with no deadline: only a wake-up from outside ends it
 *     (a loop with no timer and no reader waits so only while held, yl_loop_hold():
 *     else nothing could wake it and the wait fails, "would wait forever").
 * C code that JS calls while the root waits (a JS callback calling an exported C
 * function) may use the loop: call_soon() and stop() wake it with a zero-delay
 * macrotask, and a timer earlier than the armed wake-up re-arms it; a cancelled
 * handle leaves the loop at once and never runs (a wake-up armed for it only makes
 * the loop look again). In wasm, readers are polled whenever the loop wakes and, as
 * nothing signals a descriptor, at least every YL_HOST_POLL_MS while waiting.
 *
 * When real_main returns, the program exits with its result: yl_main returns it if
 * real_main never waited, else calls exit() from the JS callback that resumed it (the
 * runtime is kept alive until then, and exit() from anywhere still ends the program).
 *
 * A wait that cannot suspend (in wasm: a program not started through yl_main, or a
 * loop running inside another coroutine, such as a generator, rather than on the root
 * itself) fails as before: run_once/run_forever return YL_EWOULDBLOCK with a
 * RuntimeError saying so. Waits of zero length and the virtual clock work anywhere.
 */
#ifndef YL_HOST_H
#define YL_HOST_H

#include <stdbool.h>

/* In wasm, how long a loop with handles always ready runs before letting the JS
 * event loop in (a zero-delay macrotask), and how often readers are polled while it
 * waits. Natively neither applies. */
#define YL_HOST_SLICE_MS 10
#define YL_HOST_POLL_MS 10

/* In wasm, the root coroutine's stack (its C frames, and its saved frames while it
 * waits); overflowing it stops the program with a message. */
#define YL_HOST_MAIN_STACK (1024 * 1024)

/* Runs main_fn(argc, argv) as the program's main and returns its result. Natively it
 * just calls it. In wasm it runs it on the root coroutine, so that loops on it can
 * wait in the JS event loop, and returns its result if it finishes without waiting;
 * else main returns to JS and the program later exit()s with the result. Calling it
 * again while its main_fn runs calls main_fn directly. 1 (with a message) if the root
 * cannot be created. */
int yl_main(int (*main_fn)(int argc, char **argv), int argc, char **argv);

/* True if a loop running here can wait in real time: natively always; in wasm on
 * yl_main's root coroutine, outside any other coroutine. */
bool yl_host_can_wait(void);

#endif
