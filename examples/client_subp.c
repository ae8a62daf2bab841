/* 08_client_subp.py: non-blocking reads by polling child processes from generator
 * coroutines, with a hand-written loop standing in for an event loop.
 *
 *   def nb_read(t):                                 static yl_value_t nb_read(g, t)
 *       process = subprocess.Popen([...server, t])      process = popen_server(t, scale)
 *       while process.poll() is None:                   while (process_poll(process) < 0)
 *           yield None                                      yl_yield(g, None, &in)
 *       yield process.communicate()                     yl_yield(g, process_communicate(process), &in)
 *
 * The server (server_subp.py) is this same program run with `--server N` (see
 * examples/subprocess.h): natively this executable again, in wasm this module in a
 * child Node process (under Node) or in a Web Worker (in a browser). `--scale S` multiplies every sleep (the servers' 5
 * and 3 s and the rounds' 1 s), for the same rounds in less time. The output only
 * depends on the order of the servers' ends and the rounds, as in Python: a server of
 * N s is still running at round N (it started a little after round 0) and done by
 * round N+1. */
#include <stdio.h>
#include <string.h>

#include "subprocess.h"

static double scale = 1.0;

static yl_value_t nb_read(yl_gen_t *g, void *arg) { /* def nb_read(t): */
  const char *t = arg;
  yl_value_t in;
  process_t *process = popen_server(t, scale); /* process = subprocess.Popen(...) */
  if (!process) return yl_raise_new(yl_OSError, "cannot start the server");
  while (process_poll(process) < 0) { /* while process.poll() is None: */
    if (yl_yield(g, yl_none(), &in) < 0) { /* yield None */
      process_free(process);
      return yl_raise(in);
    }
  }
  yl_value_t out = process_communicate(process); /* yield process.communicate() */
  process_free(process);
  if (yl_yield(g, out, &in) < 0) return yl_raise(in); /* yield process.communicate() -- GeneratorExit from close() */
  return yl_none();
}

/* task.send(None), for the round: None while it works, else its output. */
static yl_value_t send(yl_gen_t *task) {
  yl_value_t res;
  if (yl_gen_send(task, yl_none(), &res) != YL_GEN_NEXT) {
    char buf[256];
    yl_value_str(res, buf, sizeof buf);
    fprintf(stderr, "client_subp: %s: %s\n", yl_gen_name(task), buf);
    yl_value_drop(res);
    exit(1);
  }
  return res;
}

static int run(int argc, char **argv) {
  options_t o;
  yl_loop_t *loop;
  /* The loop only stands in for time.sleep's wait (in wasm: on a JS timer). */
  int status = start(argc, argv, "client_subp", &o, &loop);
  if (status >= 0) return status;
  scale = o.scale;

  yl_gen_t *task1 = yl_gen_new("nb_read", nb_read, "5"); /* task1 = nb_read('5') */
  yl_gen_t *task2 = yl_gen_new("nb_read", nb_read, "3"); /* task2 = nb_read('3') */
  int fin1 = 0; /* fin1 = False */
  int fin2 = 0; /* fin2 = False */
  yl_value_t err;
  while (1) {     /* while 1: */
    if (!fin1) { /* if not fin1: */
      yl_value_t res1 = send(task1); /* res1 = task1.send(None) */
      if (!yl_is_none(res1)) {        /* if res1 != None: */
        printf("task1:%s\n", res1.as.s); /* print('task1:'+res1[0]) */
        fin1 = 1;                         /* fin1 = True */
        yl_gen_close(task1, &err);        /* task1.close() */
        yl_value_drop(err);
      } else {
        printf("still working on task1\n"); /* print('still working on task1') */
      }
      yl_value_drop(res1);
    }
    if (!fin2) { /* if not fin2: */
      yl_value_t res2 = send(task2); /* res2 = task2.send(None) */
      if (!yl_is_none(res2)) {        /* if res2 != None: */
        printf("task2:%s\n", res2.as.s); /* print('task2:'+res2[0]) */
        fin2 = 1;                         /* fin2 = True */
        yl_gen_close(task2, &err);        /* task2.close() */
        yl_value_drop(err);
      } else {
        printf("still working on task2\n"); /* print('still working on task2') */
      }
      yl_value_drop(res2);
    }
    if (fin1 && fin2) break; /* if fin1==True and fin2==True: */
    if (time_sleep(loop, 1 * scale) < 0) return 1; /* time.sleep(1) */
  }
  yl_gen_free(task1);
  yl_gen_free(task2);
  yl_loop_free(loop);
  return 0;
}

/* yl_main: in wasm, time_sleep's loop waits on JS timers (src/yl_host.h). */
int main(int argc, char **argv) { return yl_main(run, argc, argv); }
