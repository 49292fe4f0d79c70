// Coroutines for the simulation: each virtual process runs ordinary synchronous Swift on a stack of its own, and
// gives control back at every access to simulated shared memory. All of a simulation's coroutines run on the one
// thread that resumes them, so a switch is a few saved registers and a stack pointer (about 20 ns here, against
// 450 ns for glibc's swapcontext, whose sigprocmask is a system call, and 4.4 µs for a hand-off between two threads:
// `ipc-harness bench sim` measures all three).
//
// - x86-64: a hand-written switch (switch_x86_64.S) saves the callee-saved registers, the SSE control word and the
//   x87 control word, and swaps stacks. Elsewhere: makecontext/swapcontext.
// - Stacks are mmap'd with an inaccessible guard page below them: an overflow faults instead of writing over
//   another stack.
// - The Swift runtime's dynamic exclusivity checking keeps its open accesses in a thread-local list; each coroutine
//   keeps its own (swift_task_enter/exitThreadLocalContext, as tasks do), so an access a process left open when it
//   yielded is never seen by another, nor left dangling when a process is abandoned.
// - A crash inside a coroutine (SIGSEGV, SIGBUS, SIGILL — a Swift trap —, SIGTRAP, SIGFPE) returns to the resumer
//   as a crash (on an alternate signal stack, so that a stack overflow is caught too) instead of killing the
//   process; outside a coroutine the previous disposition applies.
#ifndef IPC_COROUTINE_H
#define IPC_COROUTINE_H

#include <stddef.h>
#include <stdint.h>

typedef struct ipc_coroutine ipc_coroutine;

/// What a coroutine runs: `entry(argument)`.
typedef void (*ipc_coroutine_entry)(void *argument);

/// How a resume ended.
enum {
    IPC_COROUTINE_YIELDED = 0,
    IPC_COROUTINE_FINISHED = 1,
    IPC_COROUTINE_CRASHED = 2,
};

/// A coroutine with a stack of `stack_size` bytes (rounded up to pages) and a guard page; NULL if the memory cannot
/// be mapped. Reusable: `ipc_coroutine_start` it again once it has finished, crashed or been abandoned.
ipc_coroutine *ipc_coroutine_create(size_t stack_size);

/// Unmaps its stack. Never while it is running.
void ipc_coroutine_destroy(ipc_coroutine *coroutine);

/// Makes it run `entry(argument)` from the beginning at its next resume. Whatever it was doing is abandoned (its
/// stack is simply reused: nothing on it is unwound).
void ipc_coroutine_start(ipc_coroutine *coroutine, ipc_coroutine_entry entry, void *argument);

/// Runs it until it yields, finishes or crashes (IPC_COROUTINE_*). On the thread that runs the simulation.
int ipc_coroutine_resume(ipc_coroutine *coroutine);

/// Inside a coroutine: gives control back to its resumer; returns when it is resumed again.
void ipc_coroutine_yield(void);

/// Inside a coroutine: ends it as crashed by `signal` without any signal being raised (the simulator's own verdict on
/// a bad access); its resumer sees IPC_COROUTINE_CRASHED. Never returns.
void ipc_coroutine_fail(int signal) __attribute__((noreturn));

/// The coroutine running on this thread, or NULL.
ipc_coroutine *ipc_coroutine_current(void);

/// After IPC_COROUTINE_CRASHED: the signal, and the faulting address (NULL when the signal has none).
int ipc_coroutine_crash_signal(const ipc_coroutine *coroutine);
uintptr_t ipc_coroutine_crash_address(const ipc_coroutine *coroutine);

/// Whether `address` lies in the coroutine's guard page (a crash there is a stack overflow).
int ipc_coroutine_is_guard_address(const ipc_coroutine *coroutine, uintptr_t address);

/// 1 when this machine switches with the hand-written routine, 0 when with swapcontext.
int ipc_coroutine_uses_assembly(void);

/// Seconds for `round_trips` round trips between two contexts: a coroutine of this module; two ucontexts with
/// glibc's swapcontext; two threads handing a futex-guarded turn back and forth (what a thread per virtual process
/// with strict hand-off costs). For `ipc-harness bench sim`.
double ipc_coroutine_benchmark_switch(long round_trips);
double ipc_coroutine_benchmark_swapcontext(long round_trips);
double ipc_coroutine_benchmark_thread_handoff(long round_trips);

#endif
