/* What examples/client_subp.c and client_subp_async.c need of Python's subprocess and
 * time modules, natively and in wasm under Node (a header, not a .c: every
 * .c file in examples/ is a program of its own).
 *
 * The server (server_subp.py) is a mode of the same program: `<prog> --server N`
 * sleeps N seconds (and a modelled start-up: see SERVER_STARTUP) and prints
 * "finished!". `--scale S` multiplies every sleep (the server's and the client's
 * time.sleep), so that tests can run the same rounds in a fraction of the time.
 *
 *   Popen([prog, '--server', t], stdout=PIPE)   popen_server(t, scale)
 *   process.poll()                              process_poll(p): -1 while running
 *   process.communicate()[0]                    process_communicate(p): its stdout
 *   time.sleep(s)                               time_sleep(loop, s)
 *
 * Natively the child is this executable again (argv[0]), spawned with its
 * stdout on a pipe and polled with waitpid(WNOHANG). In wasm the child runs this same
 * module (wasm/yl_process.js): under Node in a child Node process (child_process.spawn),
 * in a browser in a Web Worker standing in for the process; it is polled through its
 * end without blocking. time_sleep runs the event loop until a
 * call_later: natively it sleeps in poll(), in wasm (under yl_main) it waits on a JS
 * timer, never busy. */
#ifndef EXAMPLES_SUBPROCESS_H
#define EXAMPLES_SUBPROCESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yieldloop.h"

#ifdef __EMSCRIPTEN__
/* wasm/yl_process.js */
extern int yl_process_js_spawn(const char *const *argv, int argc);
extern int yl_process_js_poll(int id);
extern int yl_process_js_read(int id, char *buf, int n);
extern void yl_process_js_free(int id);
extern double yl_process_js_now(void);
#else
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
#endif

typedef struct process {
#ifdef __EMSCRIPTEN__
  int id;
#else
  pid_t pid;
  int out;    /* the read end of its stdout, -1 once closed */
  int status; /* its exit status once reaped, else -1 */
#endif
} process_t;

/* ---- The server: server_subp.py ---- */

/* time.sleep(s): runs `loop` until a timer s seconds ahead. */
static inline yl_value_t time_sleep_done(yl_loop_t *loop, void *arg) {
  (void)arg;
  yl_loop_stop(loop);
  return yl_none();
}

static inline int time_sleep(yl_loop_t *loop, double s) {
  yl_value_t err = yl_none();
  int r = yl_loop_call_later(loop, s, time_sleep_done, NULL, NULL);
  if (r == YL_OK) r = yl_loop_run_forever(loop, &err);
  if (r < 0) {
    char buf[256];
    yl_value_str(err, buf, sizeof buf);
    fprintf(stderr, "time.sleep: %s (%s)\n", yl_strerror(r), buf);
  }
  yl_value_drop(err);
  return r;
}

/* A clock every process reads alike, in seconds: CLOCK_MONOTONIC natively; in wasm
 * performance.timeOrigin + performance.now() (performance.now() alone starts at each
 * process's own start). */
static inline double shared_now(void) {
#ifdef __EMSCRIPTEN__
  return yl_process_js_now() / 1000.0;
#else
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#endif
}

/* python3 takes a while to start server_subp.py (tens of ms), and the example's
 * output depends on it: a server of N s must still be running at round N, N rounds
 * of time.sleep(1) after it was started (those sleeps overshoot a little each), and
 * done by round N+1. Our server's own start-up is either much shorter (natively, a
 * millisecond: less than the overshoots add up to) or longer and erratic (under
 * Node, a Node process and the module: 0.1 s, several times that on a loaded
 * machine). So the server models one of half a round, counted from when the client
 * spawned it (`--since`, on shared_now()'s clock): it answers at
 * since + (0.5 + N) * scale seconds whatever its real start-up took, if less. Half
 * a round is the most slack either way: the client's rounds may run up to half a
 * round late (they add up, as time.sleep's do), or the server's start-up take that
 * long, and the output is still the Python's. */
#define SERVER_STARTUP 0.5

/* n = int(sys.argv[1]); time.sleep(n); print('finished!') */
static inline int server_main(yl_loop_t *loop, const char *arg, double scale, double since) {
  int n = atoi(arg);
  double left = since + (SERVER_STARTUP + n) * scale - shared_now();
  if (time_sleep(loop, left > 0 ? left : 0) < 0) return 1;
  printf("finished!\n");
  return 0;
}

/* ---- The client's side ---- */

#ifndef __EMSCRIPTEN__
/* This program, to start again as the server: argv[0] if it is a path (under
 * valgrind or qemu-user /proc/self/exe is the tool's), else /proc/self/exe. */
static const char *self_path = "/proc/self/exe";
#endif

/* subprocess.Popen([this program, '--scale', scale, '--since', now, '--server', t],
 * stdout=PIPE): NULL (a message on stderr) if it cannot be started. */
static inline process_t *popen_server(const char *t, double scale) {
  char s[32], since[32];
  snprintf(s, sizeof s, "%.17g", scale);
  snprintf(since, sizeof since, "%.17g", shared_now());
  process_t *p = calloc(1, sizeof *p);
  if (!p) return NULL;
#ifdef __EMSCRIPTEN__
  const char *argv[] = {"--scale", s, "--since", since, "--server", t};
  p->id = yl_process_js_spawn(argv, 6);
  if (p->id < 0) {
    fprintf(stderr, "popen: cannot start the server\n");
    free(p);
    return NULL;
  }
#else
  char *const argv[] = {(char *)self_path, "--scale", s, "--since", since, "--server", (char *)t, NULL};
  int fds[2];
  if (pipe(fds) != 0) {
    perror("popen: pipe");
    free(p);
    return NULL;
  }
  /* Not inherited by the other servers (an inherited write end would hold off EOF). */
  fcntl(fds[0], F_SETFD, FD_CLOEXEC);
  fcntl(fds[1], F_SETFD, FD_CLOEXEC);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1); /* dup2 clears close-on-exec */
  int e = posix_spawn(&p->pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (e != 0) {
    fprintf(stderr, "popen: %s: %s\n", argv[0], strerror(e));
    close(fds[0]);
    free(p);
    return NULL;
  }
  p->out = fds[0];
  p->status = -1;
#endif
  return p;
}

/* process.poll(): -1 (None) while it runs, else its exit code. Never blocks. */
static inline int process_poll(process_t *p) {
#ifdef __EMSCRIPTEN__
  return yl_process_js_poll(p->id);
#else
  if (p->status < 0) {
    int st;
    pid_t r;
    while ((r = waitpid(p->pid, &st, WNOHANG)) < 0 && errno == EINTR) {
    }
    if (r == 0) return -1;
    p->status = r < 0 ? 255 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  return p->status;
#endif
}

#ifndef __EMSCRIPTEN__
/* Appends what `fd` has to *buf: until EOF (1), or for a non-blocking fd until it
 * would block (0); -1 on error. */
static inline int read_some(int fd, char **buf, size_t *len) {
  char chunk[4096];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN ? 0 : -1;
    if (n == 0) return 1;
    char *b = realloc(*buf, *len + (size_t)n + 1);
    if (!b) return -1;
    memcpy(b + *len, chunk, (size_t)n);
    *len += (size_t)n;
    b[*len] = '\0';
    *buf = b;
  }
}
#endif

/* process.communicate()[0]: everything it printed (an owned str), once it exited. */
static inline yl_value_t process_communicate(process_t *p) {
#ifdef __EMSCRIPTEN__
  int n = yl_process_js_read(p->id, NULL, 0);
  char *buf = malloc((size_t)n + 1);
  if (!buf) return yl_str_dup("");
  yl_process_js_read(p->id, buf, n + 1);
  yl_value_t v = yl_str_dup(buf);
  free(buf);
  return v;
#else
  char *buf = NULL;
  size_t len = 0;
  if (p->out >= 0) {
    read_some(p->out, &buf, &len); /* blocking: until the child's stdout closes */
    close(p->out);
    p->out = -1;
  }
  while (p->status < 0) { /* and wait for it, as communicate() does */
    int st;
    pid_t r = waitpid(p->pid, &st, 0);
    if (r < 0 && errno == EINTR) continue;
    p->status = r < 0 ? 255 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  yl_value_t v = yl_str_dup(buf ? buf : "");
  free(buf);
  return v;
#endif
}

/* Frees what popen_server() made (the child is not killed, as Popen's __del__). */
static inline void process_free(process_t *p) {
  if (!p) return;
#ifdef __EMSCRIPTEN__
  yl_process_js_free(p->id);
#else
  if (p->out >= 0) close(p->out);
#endif
  free(p);
}

/* [--scale S] [--since T] [--server N] */
typedef struct options {
  double scale;
  double since;       /* --since T: when the client spawned this server (shared_now) */
  const char *server; /* --server N: run as the server */
} options_t;

static inline int parse_options(int argc, char **argv, options_t *o) {
  o->scale = 1.0;
  o->since = shared_now();
#ifndef __EMSCRIPTEN__
  if (argc > 0 && strchr(argv[0], '/')) self_path = argv[0];
#endif
  o->server = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
      char *end;
      o->scale = strtod(argv[++i], &end);
      if (*end || !(o->scale >= 0)) return -1;
    } else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
      char *end;
      o->since = strtod(argv[++i], &end);
      if (*end) return -1;
    } else if (strcmp(argv[i], "--server") == 0 && i + 1 < argc) {
      o->server = argv[++i];
    } else {
      return -1;
    }
  }
  return 0;
}

/* The start both programs share: line-buffered output, the options (a usage line on
 * stderr if they are wrong), the loop, and in --server mode the server itself.
 * Returns -1 when the program goes on as the client with *loop, else its exit status. */
static inline int start(int argc, char **argv, const char *prog, options_t *o, yl_loop_t **loop) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* each line as it is printed */
  if (parse_options(argc, argv, o) < 0) {
    fprintf(stderr, "usage: %s [--scale S] [--since T --server N]\n", prog);
    return 2;
  }
  *loop = yl_loop_new(NULL);
  if (!*loop) return 1;
  if (!o->server) return -1;
  int r = server_main(*loop, o->server, o->scale, o->since);
  yl_loop_free(*loop);
  return r;
}

#endif
