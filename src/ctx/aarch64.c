/* AArch64 backend (AAPCS64): a hand-written register switch.
 *
 * Saves: the callee-saved general registers x19-x28, the frame pointer x29, the link
 * register x30 (the address to continue at), the low halves d8-d15 of v8-v15 (the
 * only callee-saved part of the vector registers) and sp: 160 bytes on the stack
 * being left.
 *
 * Does NOT save:
 * - x0-x17 and v0-v7, v16-v31, nor the upper halves of v8-v15: caller-saved, so the
 *   compiler has already spilled whatever is live across yl__ctx_switch().
 * - x18, the platform register: the thread's, never touched here.
 * - FPCR/FPSR (rounding mode, exception flags): the thread's floating-point
 *   environment is shared by its coroutines, as on x86-64; keeping it per context
 *   would add system-register moves to every switch for a case this library does
 *   not support.
 * - the signal mask (unlike swapcontext, which makes a system call for it), and
 *   tpidr_el0 (TLS): a coroutine runs on the thread that created it.
 *
 * The switch ends in `br x30`, not `ret`: a `ret` would be predicted from the
 * return stack, which holds the caller of this side's yl__ctx_switch(), never the
 * other side's. Where branch target identification is enforced (built with
 * -mbranch-protection=bti or standard) an indirect `br` may only land on a BTI pad,
 * which a return address is not, so that build uses `ret`. The `hint` pads are
 * BTI's `bti c`/`bti j`, no-ops on cores without it. Return-address signing
 * (pac-ret) needs nothing here: each function signs and checks its own x30 against
 * its own sp, which the switch restores.
 */
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

_Static_assert(offsetof(yl__ctx, caller) == YL__CTX_OFF_CALLER, "asm.h offsets");

const char yl__ctx_backend[] = "aarch64";

/* Entered by the first switch into a context, with x19 = the context, x20 = entry,
 * x21 = arg and sp at the top of its stack. */
__attribute__((visibility("hidden"))) void yl__ctx_start(void);

#define YL__S(x) #x
#define YL__STR(x) YL__S(x)

#if defined(__ARM_FEATURE_BTI_DEFAULT)
#define YL__JUMP_X30 "  ret x30\n"
#else
#define YL__JUMP_X30 "  br x30\n"
#endif

/* Both halves restore the same 160-byte frame and continue at its x30. */
#define YL__RESTORE_AND_JUMP        \
  "  ldp x19, x20, [sp, #0]\n"     \
  "  ldp x21, x22, [sp, #16]\n"    \
  "  ldp x23, x24, [sp, #32]\n"    \
  "  ldp x25, x26, [sp, #48]\n"    \
  "  ldp x27, x28, [sp, #64]\n"    \
  "  ldp x29, x30, [sp, #80]\n"    \
  "  ldp d8, d9, [sp, #96]\n"      \
  "  ldp d10, d11, [sp, #112]\n"   \
  "  ldp d12, d13, [sp, #128]\n"   \
  "  ldp d14, d15, [sp, #144]\n"   \
  "  add sp, sp, #160\n" YL__JUMP_X30

__asm__(
    "  .text\n"
    "  .globl yl__ctx_switch\n"
    "  .hidden yl__ctx_switch\n"
    "  .type yl__ctx_switch, %function\n"
    "  .p2align 4\n"
    "yl__ctx_switch:\n" /* x0 = save, x1 = to, x2 = pass, x30 = where to continue */
    "  hint #34\n"      /* bti c */
    "  sub sp, sp, #160\n"
    "  stp x19, x20, [sp, #0]\n"
    "  stp x21, x22, [sp, #16]\n"
    "  stp x23, x24, [sp, #32]\n"
    "  stp x25, x26, [sp, #48]\n"
    "  stp x27, x28, [sp, #64]\n"
    "  stp x29, x30, [sp, #80]\n"
    "  stp d8, d9, [sp, #96]\n"
    "  stp d10, d11, [sp, #112]\n"
    "  stp d12, d13, [sp, #128]\n"
    "  stp d14, d15, [sp, #144]\n"
    "  mov x3, sp\n"
    "  str x3, [x0]\n"
    "  mov sp, x1\n"
    "  mov x0, x2\n" YL__RESTORE_AND_JUMP
    "  .size yl__ctx_switch, .-yl__ctx_switch\n"

    "  .globl yl__ctx_start\n"
    "  .hidden yl__ctx_start\n"
    "  .type yl__ctx_start, %function\n"
    "  .p2align 4\n"
    "yl__ctx_start:\n"
    "  .cfi_startproc\n"
    "  .cfi_undefined x30\n" /* the outermost frame of the context: unwinders stop here */
    "  hint #36\n"           /* bti j */
    "  mov x0, x21\n"
    "  blr x20\n" /* entry(arg) */
    /* entry returned: leave the context's stack for good, restoring the frame its
     * last resumer saved, whose yl__ctx_resume() returns entry's result (in w0). */
    "  ldr x3, [x19, #" YL__STR(YL__CTX_OFF_CALLER) "]\n"
    "  mov sp, x3\n" YL__RESTORE_AND_JUMP
    "  .cfi_endproc\n"
    "  .size yl__ctx_start, .-yl__ctx_start\n");

void yl__ctx_init(yl__ctx *c, void *lo, size_t size, yl__ctx_entry entry, void *arg) {
  uintptr_t top = ((uintptr_t)lo + size) & ~(uintptr_t)15;
  /* The frame the first switch restores; sp ends at `top`, 16-byte aligned. */
  uintptr_t *sp = (uintptr_t *)(top - 160);
  for (int i = 0; i < 20; i++) sp[i] = 0; /* x22-x28, x29 (ends frame chains), d8-d15 */
  sp[0] = (uintptr_t)c;              /* x19 */
  sp[1] = (uintptr_t)entry;          /* x20 */
  sp[2] = (uintptr_t)arg;            /* x21 */
  sp[11] = (uintptr_t)yl__ctx_start; /* x30: continue at */
  c->sp = sp;
  c->caller = NULL;
}
