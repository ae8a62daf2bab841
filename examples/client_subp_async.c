/* 08_client_subp_async.py: example 08 the asyncio way. The two reads are tasks on the
 * event loop, each awaiting a future that the loop completes with the server's output
 * when it exits: no polling and no rounds, the loop sleeps until a server is done.
 *
 *   async def nb_read(name, t):                 static yl_value_t nb_read(g, arg)
 *       out = await run_server(t)                   fut = popen_future(loop, t)
 *                                                   yl_await(g, fut, &out)
 *       print(name + ':' + out)                     printf("%s:%s\n", name, out)
 *
 *   loop.run_until_complete(asyncio.gather(nb_read('task1', '5'), nb_read('task2', '3')))
 *
 * run_server(t) is asyncio's create_subprocess_exec(...) and communicate(): natively a
 * reader on the child's stdout pipe (yl_loop_add_reader) collects its output until
 * EOF, then reaps it; in wasm the child's end (a Node process's 'close' event, a
 * Web Worker's last message in a browser) completes the
 * future (wasm/yl_process.js), and the loop holds itself open meanwhile
 * (yl_loop_hold: nothing else could wake it). The server is the same as
 * client_subp's (examples/subprocess.h: this program with --server N; --scale S).
 * It prints task2's line when the 3 s server is done, then task1's at 5 s:
 * tests/fixtures/examples/08_client_subp_async.out. */
#include <stdio.h>
#include <string.h>

#include "subprocess.h"

static double scale = 1.0;

/* The future of one server: done with its output (a str) once it exited. */
typedef struct server_read {
  yl_loop_t *loop;
  yl_future_t *fut;
  process_t *process;
#ifndef __EMSCRIPTEN__
  char *buf;
  size_t len;
#endif
} server_read_t;

/* The server exited (its stdout closed): the future gets what it printed. */
static void server_done(server_read_t *s, yl_value_t out) {
  yl_future_set_result(s->fut, out, NULL);
  yl_future_release(s->fut);
  process_free(s->process);
  free(s);
}

#ifndef __EMSCRIPTEN__
/* The reader of the child's stdout: collects what it prints until EOF. */
static yl_value_t on_readable(yl_loop_t *loop, void *arg) {
  server_read_t *s = arg;
  if (read_some(s->process->out, &s->buf, &s->len) == 0) return yl_none(); /* more to come */
  yl_loop_remove_reader(loop, s->process->out);
  yl_value_t rest = process_communicate(s->process); /* EOF: reaps it ("" left to read) */
  yl_value_drop(rest);
  yl_value_t out = yl_str_dup(s->buf ? s->buf : "");
  free(s->buf);
  server_done(s, out);
  return yl_none();
}
#else
extern void yl_process_js_on_close(int id, void (*fn)(void *arg), void *arg);

/* Called from JS (the child's 'close' event) while the loop waits. */
static void on_close(void *arg) {
  server_read_t *s = arg;
  yl_loop_unhold(s->loop);
  server_done(s, process_communicate(s->process));
}
#endif

/* A future done with the output of a server of t seconds, or NULL. */
static yl_future_t *popen_future(yl_loop_t *loop, const char *t) {
  server_read_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->loop = loop;
  s->process = popen_server(t, scale);
  s->fut = yl_future_new(loop);
  if (!s->process || !s->fut) {
    process_free(s->process);
    yl_future_release(s->fut);
    free(s);
    return NULL;
  }
#ifndef __EMSCRIPTEN__
  fcntl(s->process->out, F_SETFL, fcntl(s->process->out, F_GETFL) | O_NONBLOCK);
  yl_loop_add_reader(loop, s->process->out, on_readable, s);
#else
  yl_loop_hold(loop);
  yl_process_js_on_close(s->process->id, on_close, s);
#endif
  return yl_future_ref(s->fut); /* one for the caller, one for the server's end */
}

typedef struct read_args {
  const char *name;
  const char *t;
} read_args_t;

static yl_value_t nb_read(yl_gen_t *g, void *arg) { /* async def nb_read(name, t): */
  read_args_t *a = arg;
  yl_future_t *fut = popen_future(yl_loop_get_running(), a->t); /* process = await asyncio.create_subprocess_exec(...) */
  if (!fut) return yl_raise_new(yl_OSError, "cannot start the server");
  yl_value_t out;
  int r = yl_await(g, fut, &out); /* out, _ = await process.communicate() */
  yl_future_release(fut);
  if (r < 0) return yl_raise(out);
  printf("%s:%s\n", a->name, out.as.s); /* print(name + ':' + out.decode()) */
  yl_value_drop(out);
  return yl_none();
}

static yl_future_t *create_task(yl_loop_t *loop, read_args_t *a) {
  yl_task_t *t;
  return yl_task_new(loop, yl_gen_new("nb_read", nb_read, a), &t) == YL_OK ? yl_task_future(t) : NULL;
}

static int run(int argc, char **argv) {
  options_t o;
  yl_loop_t *loop;
  int status = start(argc, argv, "client_subp_async", &o, &loop);
  if (status >= 0) return status;
  scale = o.scale;
  yl_loop_set_current(loop); /* asyncio.set_event_loop(loop) */
  read_args_t args[] = {{"task1", "5"}, {"task2", "3"}};
  yl_future_t *tasks[] = {create_task(loop, &args[0]), create_task(loop, &args[1])};
  yl_future_t *all = tasks[0] && tasks[1] ? yl_gather(loop, tasks, 2, false) : NULL;
  yl_value_t err = yl_none();
  int r = all ? yl_loop_run_until_complete(loop, all, NULL, &err) : YL_ENOMEM; /* loop.run_until_complete(asyncio.gather(...)) */
  if (r < 0) {
    char buf[256];
    yl_value_str(err, buf, sizeof buf);
    fprintf(stderr, "client_subp_async: %s (%s)\n", buf, yl_strerror(r));
  }
  yl_value_drop(err);
  yl_future_release(all);
  yl_future_release(tasks[0]);
  yl_future_release(tasks[1]);
  yl_loop_close(loop, NULL); /* loop.close() */
  yl_loop_free(loop);
  return r < 0;
}

int main(int argc, char **argv) { return yl_main(run, argc, argv); }
