/* Coroutine stacks: guarded mappings, a per-thread pool, and the overflow handler.
 *
 * A mapping, from low to high addresses:
 *
 *   base                                                         base + reserved
 *   | guard page | slack | stack [lo, lo+size) ... | struct yl__stack_map |
 *
 * The bookkeeping lives at the top, above the stack, where an overflow (which runs
 * downwards) cannot reach it; the slack is what page rounding leaves. In wasm there
 * is no guard and no slack: a stack is plain aligned memory, and the Asyncify
 * backend checks for overflow at each switch.
 *
 * The handler finds the faulting address in the guard page of one of the thread's
 * mappings (kept in a list for it) and aborts with a message; any other fault goes
 * to whichever handler was installed before. It runs on an alternate signal stack,
 * set up for each thread at its first yl__stack_get(), since the overflowing stack
 * has no room left for it.
 */
#include "stack.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "yl_error.h"

#ifndef __EMSCRIPTEN__
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define YL__VALGRIND 1
#endif
#endif
#endif

#ifdef YL__ASAN
#include <sanitizer/asan_interface.h>
#endif

struct yl__stack_map {
  struct yl__stack_map *next, *prev; /* every mapping of this thread */
  struct yl__stack_map *next_free;   /* the pool's list */
  char *base;                        /* the mapping, guard page first */
  size_t reserved;                   /* its length */
  size_t size;                       /* its stack's size while in use; 0 while pooled */
  unsigned valgrind_id;
};

#define HDR ((sizeof(struct yl__stack_map) + 15) & ~(size_t)15)

/* Freed mappings of one length, newest first. */
struct pool {
  size_t reserved; /* the mapping length pooled here; 0 if none yet */
  unsigned n;
  struct yl__stack_map *free;
};

static _Thread_local struct {
  int ready;                 /* thread_setup() ran */
  struct yl__stack_map *all; /* for the fault handler: every mapping, pooled or not */
  struct pool pool[YL__STACK_POOL_SIZES];
} t;

static void thread_setup(void);

/* ---- The system's memory: mmap with a guard page, or malloc in wasm. ---- */

#ifndef __EMSCRIPTEN__

static size_t page; /* set once by process_setup(), before any mapping */
#define GUARD page
#define GRANULE page

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13 */
#endif

/* Whether guards are madvise() guard regions; set by process_setup(), before any
 * mapping. A guard region (Linux 6.13+) leaves the mapping one VMA, where a PROT_NONE
 * page splits it in two: Linux allows 65,530 per process (vm.max_map_count), so with
 * mprotect() about 32,000 stacks fit, with guard regions (as the kernel merges
 * neighbouring mappings) far more. */
static bool guard_regions;

/* Makes the first page of `p` a guard. */
static int guard(char *p) {
  if (guard_regions) return madvise(p, GUARD, MADV_GUARD_INSTALL);
  return mprotect(p, GUARD, PROT_NONE);
}

static sigjmp_buf probe_jmp;
static char *volatile probe_page;
static struct sigaction probe_old_segv, probe_old_bus;

static void probe_fault(int sig, siginfo_t *info, void *uc) {
  (void)uc;
  if (info->si_addr == probe_page) siglongjmp(probe_jmp, 1);
  /* another fault (another thread's, in this instant): its own handler, at its retry */
  sigaction(sig, sig == SIGSEGV ? &probe_old_segv : &probe_old_bus, NULL);
}

/* Whether guard regions work here: the kernel takes the advice and touching the page
 * faults (valgrind refuses the advice; qemu-user accepts it and does nothing). */
static bool probe_guard_regions(void) {
  char *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return false;
  bool works = false;
  if (madvise(p, page, MADV_GUARD_INSTALL) == 0) {
    struct sigaction sa;
    sa.sa_sigaction = probe_fault;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    probe_page = p;
    sigaction(SIGSEGV, &sa, &probe_old_segv);
    sigaction(SIGBUS, &sa, &probe_old_bus);
    if (sigsetjmp(probe_jmp, 1) == 0)
      (void)*(volatile char *)p;
    else
      works = true;
    sigaction(SIGSEGV, &probe_old_segv, NULL);
    sigaction(SIGBUS, &probe_old_bus, NULL);
  }
  munmap(p, page);
  return works;
}

static char *sys_alloc(size_t reserved) {
  int flags = MAP_PRIVATE | MAP_ANONYMOUS;
#ifdef MAP_STACK
  flags |= MAP_STACK;
#endif
  char *p = mmap(NULL, reserved, PROT_READ | PROT_WRITE, flags, -1, 0);
  if (p == MAP_FAILED) return NULL;
  if (guard(p) != 0) {
    munmap(p, reserved);
    return NULL;
  }
  return p;
}

static void sys_free(char *base, size_t reserved) { munmap(base, reserved); }

#else

#define GUARD ((size_t)0)
#define GRANULE ((size_t)16)

static char *sys_alloc(size_t reserved) { return aligned_alloc(16, reserved); }
static void sys_free(char *base, size_t reserved) {
  (void)reserved;
  free(base);
}
static void thread_setup(void) { t.ready = 1; }

#endif

/* ---- Mappings and the pool. ---- */

static struct yl__stack_map *map_new(size_t reserved) {
  char *base = sys_alloc(reserved);
  if (!base) return NULL;
  struct yl__stack_map *m = (struct yl__stack_map *)(base + reserved - HDR);
  m->base = base;
  m->reserved = reserved;
  m->size = 0;
  m->next_free = NULL;
#ifdef YL__VALGRIND
  m->valgrind_id = VALGRIND_STACK_REGISTER(base + GUARD, (char *)m);
#else
  m->valgrind_id = 0;
#endif
  /* Publish last: the fault handler may walk the list at any instruction. */
  m->prev = NULL;
  m->next = t.all;
  if (t.all) t.all->prev = m;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  t.all = m;
  return m;
}

static void map_free(struct yl__stack_map *m) {
  if (m->prev)
    m->prev->next = m->next;
  else
    t.all = m->next;
  if (m->next) m->next->prev = m->prev;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
#ifdef YL__VALGRIND
  VALGRIND_STACK_DEREGISTER(m->valgrind_id);
#endif
  sys_free(m->base, m->reserved);
}

/* The pool entry for mappings of this length, or with `claim`, an empty one taken
 * over for it; NULL if there is none. */
static struct pool *pool_for(size_t reserved, int claim) {
  int empty = -1;
  for (int i = 0; i < YL__STACK_POOL_SIZES; i++) {
    if (t.pool[i].reserved == reserved) return &t.pool[i];
    if (empty < 0 && t.pool[i].n == 0) empty = i;
  }
  if (!claim || empty < 0) return NULL;
  t.pool[empty].reserved = reserved;
  return &t.pool[empty];
}

int yl__stack_get(yl__stack *s, size_t size) {
  if (!t.ready) thread_setup();
  s->lo = NULL;
  s->map = NULL;
  if (size > SIZE_MAX / 4) return YL_ENOMEM;
  size = (size + 15) & ~(size_t)15;
  size_t reserved = GUARD + ((size + HDR + GRANULE - 1) / GRANULE * GRANULE);

  struct yl__stack_map *m = NULL;
  struct pool *p = pool_for(reserved, 0);
  if (p && p->free) {
    m = p->free;
    p->free = m->next_free;
    p->n--;
  } else if (!(m = map_new(reserved))) {
    return YL_ENOMEM;
  }
  m->size = size;
  s->map = m;
  s->size = size;
  s->lo = (char *)m - size;
  return YL_OK;
}

void yl__stack_put(yl__stack *s) {
  struct yl__stack_map *m = s->map;
  if (!m) return;
  *s = (yl__stack){0};
#ifdef YL__ASAN
  /* A coroutine destroyed while suspended leaves its frames' redzones poisoned;
   * the next user of this memory (a coroutine, or any mapping after munmap) must
   * not inherit them. */
  __asan_unpoison_memory_region(m->base + GUARD, (size_t)((char *)m - (m->base + GUARD)));
#endif
  struct pool *p = pool_for(m->reserved, 1);
  m->size = 0;
  if (p && p->n < YL__STACK_POOL_MAX) {
    m->next_free = p->free;
    p->free = m;
    p->n++;
  } else {
    map_free(m);
  }
}

void yl__stack_pool_drain(void) {
  for (int i = 0; i < YL__STACK_POOL_SIZES; i++) {
    while (t.pool[i].free) {
      struct yl__stack_map *m = t.pool[i].free;
      t.pool[i].free = m->next_free;
      map_free(m);
    }
    t.pool[i].n = 0;
    t.pool[i].reserved = 0;
  }
}

/* ---- Natively: the overflow handler, its alternate stack, thread exit. ---- */

#ifndef __EMSCRIPTEN__

#define ALTSTACK_SIZE (64 * 1024)

static struct sigaction old_segv, old_bus;
static pthread_once_t process_once = PTHREAD_ONCE_INIT;
static pthread_key_t thread_exit_key;
static _Thread_local void *altstack; /* ours, if this thread had none */

static size_t put_str(char *buf, size_t n, const char *s) {
  while (*s) buf[n++] = *s++;
  return n;
}

static size_t put_uint(char *buf, size_t n, uintptr_t v, unsigned base) {
  char digits[32];
  int k = 0;
  do {
    digits[k++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  while (k) buf[n++] = digits[--k];
  return n;
}

/* Only async-signal-safe calls from here: write() and abort(). */
static void report_overflow(const struct yl__stack_map *m) {
  char buf[256];
  size_t n = put_str(buf, 0, "yieldloop: coroutine stack overflow (stack of ");
  n = put_uint(buf, n, m->size, 10);
  n = put_str(buf, n, " bytes at 0x");
  n = put_uint(buf, n, (uintptr_t)((const char *)m - m->size), 16);
  n = put_str(buf, n, "); create the coroutine with a larger stack\n");
  ssize_t w = write(2, buf, n);
  (void)w;
  abort();
}

static void on_fault(int sig, siginfo_t *si, void *uc) {
  /* si_code > 0: raised by the kernel for a faulting access, si_addr is meaningful. */
  if (si->si_code > 0) {
    const char *a = si->si_addr;
    for (const struct yl__stack_map *m = t.all; m; m = m->next)
      if (m->size && a >= m->base && a < m->base + GUARD) report_overflow(m);
  }
  /* Not ours: hand it on as if we had never been installed. */
  const struct sigaction *old = sig == SIGBUS ? &old_bus : &old_segv;
  if (old->sa_flags & SA_SIGINFO) {
    old->sa_sigaction(sig, si, uc);
  } else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
    old->sa_handler(sig);
  } else {
    /* Default action: reinstall it and raise the signal again, which is delivered
     * once this handler returns (a faulting instruction would also fault again). */
    struct sigaction dfl;
    dfl.sa_handler = SIG_DFL;
    dfl.sa_flags = 0;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig);
  }
}

static void thread_exit(void *unused) {
  (void)unused;
  yl__stack_pool_drain();
  if (altstack) {
    stack_t off = {.ss_flags = SS_DISABLE};
    stack_t cur;
    if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == altstack) sigaltstack(&off, NULL);
    munmap(altstack, ALTSTACK_SIZE);
    altstack = NULL;
  }
}

static void process_setup(void) {
  page = (size_t)sysconf(_SC_PAGESIZE);
  guard_regions = probe_guard_regions();
  struct sigaction sa;
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &old_segv);
  sigaction(SIGBUS, &sa, &old_bus);
  pthread_key_create(&thread_exit_key, thread_exit);
}

static void thread_setup(void) {
  t.ready = 1;
  pthread_once(&process_once, process_setup);
  /* A thread may already have an alternate stack (its own, or a sanitizer's). */
  stack_t cur;
  if (sigaltstack(NULL, &cur) == 0 && (cur.ss_flags & SS_DISABLE)) {
    void *p = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      stack_t ss = {.ss_sp = p, .ss_size = ALTSTACK_SIZE, .ss_flags = 0};
      if (sigaltstack(&ss, NULL) == 0)
        altstack = p;
      else
        munmap(p, ALTSTACK_SIZE);
    }
  }
  /* Non-NULL, so that thread_exit runs when this thread ends. */
  pthread_setspecific(thread_exit_key, &t);
}

#endif
