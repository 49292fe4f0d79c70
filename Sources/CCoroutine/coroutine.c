#define _GNU_SOURCE
#include "ipc_coroutine.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__x86_64__) && !defined(IPC_COROUTINE_FORCE_UCONTEXT)
#define IPC_COROUTINE_ASSEMBLY 1
void ipc_context_switch(void **save_sp, void *next_sp);
void ipc_context_trampoline(void);
#else
#define IPC_COROUTINE_ASSEMBLY 0
#include <ucontext.h>
#endif

// The Swift runtime's hooks for tasks: they move the accesses a task has open out of, and back into, the thread's
// exclusivity list. The state is two pointers, zero for a fresh context.
extern void swift_task_enterThreadLocalContext(char *state);
extern void swift_task_exitThreadLocalContext(char *state);

struct ipc_coroutine {
#if IPC_COROUTINE_ASSEMBLY
    void *stack_pointer;
    void *resumer_stack_pointer;
#else
    ucontext_t context;
    ucontext_t resumer;
#endif
    char *mapping;
    size_t mapping_size;
    size_t page_size;
    ipc_coroutine_entry entry;
    void *argument;
    int status;
    int crash_signal;
    uintptr_t crash_address;
    uintptr_t exclusivity[4];
};

static __thread ipc_coroutine *current;

// MARK: Crashes

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE};
enum { crash_signal_count = sizeof crash_signals / sizeof crash_signals[0] };
static struct sigaction previous_actions[crash_signal_count];
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;
static __thread int alternate_stack_ready;

static void switch_to_resumer(ipc_coroutine *coroutine);

/// What happened before the harness installed its handler still happens outside coroutines.
static void chain(int index, int signal, siginfo_t *info, void *context) {
    struct sigaction *previous = &previous_actions[index];
    if (previous->sa_flags & SA_SIGINFO) {
        if (previous->sa_sigaction) previous->sa_sigaction(signal, info, context);
        return;
    }
    if (previous->sa_handler != SIG_DFL && previous->sa_handler != SIG_IGN) {
        previous->sa_handler(signal);
        return;
    }
    // The default action: restore it, and let the faulting instruction run again (or, for a signal somebody
    // sent, send it again).
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigaction(signal, &fallback, NULL);
    if (info == NULL || info->si_code <= 0) raise(signal);
}

static void crash_handler(int signal, siginfo_t *info, void *context) {
    ipc_coroutine *coroutine = current;
    if (coroutine == NULL) {
        for (int index = 0; index < crash_signal_count; index++) {
            if (crash_signals[index] == signal) chain(index, signal, info, context);
        }
        return;
    }
    coroutine->status = IPC_COROUTINE_CRASHED;
    coroutine->crash_signal = signal;
    coroutine->crash_address = info ? (uintptr_t)info->si_addr : 0;
    // Back to the resumer, never to return here: the coroutine's stack and this handler's frame are abandoned.
    // SA_NODEFER left the signal unblocked, so a later crash is caught the same way.
    switch_to_resumer(coroutine);
    abort();
}

static void install_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = crash_handler;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    for (int index = 0; index < crash_signal_count; index++) {
        sigaction(crash_signals[index], &action, &previous_actions[index]);
    }
}

/// The handler runs on an alternate stack, so that a coroutine that overflowed into its guard page can still be
/// told about it. One per thread that resumes coroutines, made once.
static void prepare_thread(void) {
    pthread_once(&handler_once, install_handler);
    if (alternate_stack_ready) return;
    alternate_stack_ready = 1;
    stack_t existing;
    if (sigaltstack(NULL, &existing) == 0 && !(existing.ss_flags & SS_DISABLE)) return;
    size_t size = 64 * 1024;
    void *memory = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return;
    stack_t alternate = {.ss_sp = memory, .ss_size = size, .ss_flags = 0};
    sigaltstack(&alternate, NULL);
}

// MARK: Stacks

/// A few spare coroutines per thread, so that a simulation that runs thousands of schedules maps its stacks once.
enum { pool_capacity = 16 };
static __thread ipc_coroutine *pool[pool_capacity];
static __thread int pooled;

ipc_coroutine *ipc_coroutine_create(size_t stack_size) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t size = (stack_size + page - 1) / page * page + page;
    for (int index = pooled - 1; index >= 0; index--) {
        if (pool[index]->mapping_size == size) {
            ipc_coroutine *coroutine = pool[index];
            pool[index] = pool[--pooled];
            return coroutine;
        }
    }
    ipc_coroutine *coroutine = calloc(1, sizeof *coroutine);
    if (coroutine == NULL) return NULL;
    char *mapping = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (mapping == MAP_FAILED) {
        free(coroutine);
        return NULL;
    }
    mprotect(mapping, page, PROT_NONE);  // the guard page, below the stack
    coroutine->mapping = mapping;
    coroutine->mapping_size = size;
    coroutine->page_size = page;
    return coroutine;
}

void ipc_coroutine_destroy(ipc_coroutine *coroutine) {
    if (coroutine == NULL) return;
    if (pooled < pool_capacity) {
        pool[pooled++] = coroutine;
        return;
    }
    munmap(coroutine->mapping, coroutine->mapping_size);
    free(coroutine);
}

// MARK: Switching

static void switch_to_resumer(ipc_coroutine *coroutine) {
    swift_task_exitThreadLocalContext((char *)coroutine->exclusivity);
#if IPC_COROUTINE_ASSEMBLY
    ipc_context_switch(&coroutine->stack_pointer, coroutine->resumer_stack_pointer);
#else
    swapcontext(&coroutine->context, &coroutine->resumer);
#endif
}

static void run(void *argument) {
    ipc_coroutine *coroutine = argument;
    coroutine->entry(coroutine->argument);
    coroutine->status = IPC_COROUTINE_FINISHED;
    switch_to_resumer(coroutine);
    abort();  // a finished coroutine is started again, never resumed
}

#if !IPC_COROUTINE_ASSEMBLY
static void run_from_halves(unsigned int high, unsigned int low) {
    run((void *)(((uintptr_t)high << 32) | (uintptr_t)low));
}
#endif

void ipc_coroutine_start(ipc_coroutine *coroutine, ipc_coroutine_entry entry, void *argument) {
    coroutine->entry = entry;
    coroutine->argument = argument;
    coroutine->status = IPC_COROUTINE_YIELDED;
    coroutine->crash_signal = 0;
    coroutine->crash_address = 0;
    memset(coroutine->exclusivity, 0, sizeof coroutine->exclusivity);
    char *top = coroutine->mapping + coroutine->mapping_size;
#if IPC_COROUTINE_ASSEMBLY
    // What ipc_context_switch pops: the control words, r15, r14, r13 (the argument), r12 (the function), rbx,
    // rbp, and the return address (the trampoline).
    uint64_t *stack = (uint64_t *)top;
    *--stack = 0;
    *--stack = (uint64_t)(uintptr_t)ipc_context_trampoline;
    *--stack = 0;                              // rbp
    *--stack = 0;                              // rbx
    *--stack = (uint64_t)(uintptr_t)run;       // r12
    *--stack = (uint64_t)(uintptr_t)coroutine; // r13
    *--stack = 0;                              // r14
    *--stack = 0;                              // r15
    uint32_t sse = 0;
    uint16_t x87 = 0;
    __asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(sse), "=m"(x87));
    *--stack = ((uint64_t)x87 << 32) | sse;
    coroutine->stack_pointer = stack;
#else
    getcontext(&coroutine->context);
    coroutine->context.uc_stack.ss_sp = coroutine->mapping + coroutine->page_size;
    coroutine->context.uc_stack.ss_size = coroutine->mapping_size - coroutine->page_size;
    coroutine->context.uc_link = NULL;
    uintptr_t pointer = (uintptr_t)coroutine;
    makecontext(&coroutine->context, (void (*)(void))run_from_halves, 2, (unsigned int)(pointer >> 32),
                (unsigned int)(pointer & 0xFFFFFFFFu));
    (void)top;
#endif
}

int ipc_coroutine_resume(ipc_coroutine *coroutine) {
    prepare_thread();
    ipc_coroutine *outer = current;
    current = coroutine;
    coroutine->status = IPC_COROUTINE_YIELDED;
    swift_task_enterThreadLocalContext((char *)coroutine->exclusivity);
#if IPC_COROUTINE_ASSEMBLY
    ipc_context_switch(&coroutine->resumer_stack_pointer, coroutine->stack_pointer);
#else
    swapcontext(&coroutine->resumer, &coroutine->context);
#endif
    current = outer;
    return coroutine->status;
}

void ipc_coroutine_yield(void) {
    ipc_coroutine *coroutine = current;
    if (coroutine == NULL) abort();  // not inside a coroutine: a harness bug
    switch_to_resumer(coroutine);
}

void ipc_coroutine_fail(int signal) {
    ipc_coroutine *coroutine = current;
    if (coroutine == NULL) abort();
    coroutine->status = IPC_COROUTINE_CRASHED;
    coroutine->crash_signal = signal;
    coroutine->crash_address = 0;
    switch_to_resumer(coroutine);
    abort();
}

ipc_coroutine *ipc_coroutine_current(void) { return current; }

int ipc_coroutine_crash_signal(const ipc_coroutine *coroutine) { return coroutine->crash_signal; }

uintptr_t ipc_coroutine_crash_address(const ipc_coroutine *coroutine) { return coroutine->crash_address; }

int ipc_coroutine_is_guard_address(const ipc_coroutine *coroutine, uintptr_t address) {
    uintptr_t guard = (uintptr_t)coroutine->mapping;
    return address >= guard && address < guard + coroutine->page_size;
}

int ipc_coroutine_uses_assembly(void) { return IPC_COROUTINE_ASSEMBLY; }
