/* x86-64 backend (System V ABI): a hand-written register switch.
 *
 * Saves: the callee-saved general registers rbx, rbp, r12-r15, the stack pointer and
 * the address to continue at; that is all the ABI requires a function call to keep.
 *
 * Does NOT save:
 * - xmm/ymm/zmm registers and the x87 stack: all caller-saved in System V, so the
 *   compiler has already spilled whatever is live across yl__ctx_switch().
 * - MXCSR and the x87 control word: the ABI makes their control bits callee-saved,
 *   but keeping them per context would put four more instructions (ldmxcsr and
 *   fldcw among them, not cheap) on every switch for a case this library does not
 *   support: all coroutines of a thread share its rounding mode and exception masks,
 *   so a coroutine that changes them changes them for its resumer too.
 * - the signal mask (unlike swapcontext, which makes a system call for it): it is
 *   the thread's, shared by its coroutines.
 * - the fs base (TLS): a coroutine runs on the thread that created it.
 *
 * The switch ends in `jmp *%rcx`, not `ret`: the return-stack predictor would guess
 * the caller of this side's yl__ctx_switch(), never the other side's, so a `ret`
 * mispredicts on every switch (about 5 ns here, see notes/native-switch.md).
 * Neither jump target carries `endbr64` and returns do not match calls, so the
 * switch is incompatible with CET indirect-branch tracking and shadow stacks, which
 * Linux does not enforce for binaries that do not opt in.
 */
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

_Static_assert(offsetof(yl__ctx, caller) == YL__CTX_OFF_CALLER, "asm.h offsets");

const char yl__ctx_backend[] = "x86_64";

/* Entered by the first switch into a context, with rbx = the context, r12 = entry,
 * r13 = arg and rsp 16-byte aligned. */
__attribute__((visibility("hidden"))) void yl__ctx_start(void);

#define YL__S(x) #x
#define YL__STR(x) YL__S(x)

/* Both halves restore the same frame: r15 r14 r13 r12 rbx rbp, then the address. */
#define YL__RESTORE_AND_JUMP \
  "  popq %r15\n"            \
  "  popq %r14\n"            \
  "  popq %r13\n"            \
  "  popq %r12\n"            \
  "  popq %rbx\n"            \
  "  popq %rbp\n"            \
  "  popq %rcx\n"            \
  "  jmpq *%rcx\n"

__asm__(
    "  .text\n"
    "  .globl yl__ctx_switch\n"
    "  .hidden yl__ctx_switch\n"
    "  .type yl__ctx_switch, @function\n"
    "  .p2align 4\n"
    "yl__ctx_switch:\n" /* rdi = save, rsi = to, rdx = pass; return address at (%rsp) */
    "  pushq %rbp\n"
    "  pushq %rbx\n"
    "  pushq %r12\n"
    "  pushq %r13\n"
    "  pushq %r14\n"
    "  pushq %r15\n"
    "  movq %rsp, (%rdi)\n"
    "  movq %rsi, %rsp\n"
    "  movq %rdx, %rax\n" YL__RESTORE_AND_JUMP
    "  .size yl__ctx_switch, .-yl__ctx_switch\n"

    "  .globl yl__ctx_start\n"
    "  .hidden yl__ctx_start\n"
    "  .type yl__ctx_start, @function\n"
    "  .p2align 4\n"
    "yl__ctx_start:\n"
    "  .cfi_startproc\n"
    "  .cfi_undefined rip\n" /* the outermost frame of the context: unwinders stop here */
    "  movq %r13, %rdi\n"
    "  callq *%r12\n" /* entry(arg) */
    /* entry returned: leave the context's stack for good, restoring the frame its
     * last resumer saved, whose yl__ctx_resume() returns entry's result (in eax). */
    "  movq " YL__STR(YL__CTX_OFF_CALLER) "(%rbx), %rsp\n" YL__RESTORE_AND_JUMP
    "  .cfi_endproc\n"
    "  .size yl__ctx_start, .-yl__ctx_start\n");

void yl__ctx_init(yl__ctx *c, void *lo, size_t size, yl__ctx_entry entry, void *arg) {
  uintptr_t top = ((uintptr_t)lo + size) & ~(uintptr_t)15;
  /* The frame the first switch pops. After its seven pops rsp is top - 16, aligned
   * as at a call site, so the trampoline's call enters entry() with the ABI's
   * alignment; the 16 bytes above stay unused. */
  uintptr_t *sp = (uintptr_t *)(top - 72);
  sp[0] = 0;                        /* r15 */
  sp[1] = 0;                        /* r14 */
  sp[2] = (uintptr_t)arg;           /* r13 */
  sp[3] = (uintptr_t)entry;         /* r12 */
  sp[4] = (uintptr_t)c;             /* rbx */
  sp[5] = 0;                        /* rbp: ends frame-pointer backtraces */
  sp[6] = (uintptr_t)yl__ctx_start; /* continue at */
  c->sp = sp;
  c->caller = NULL;
}
