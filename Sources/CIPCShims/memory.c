#include "ipc_memory.h"

#include <setjmp.h>
#include <signal.h>
#include <string.h>

static _Thread_local sigjmp_buf ipc_guard_jump;

static void ipc_guard_handler(int signal) { siglongjmp(ipc_guard_jump, signal); }

int ipc_guarded_word(int operation, uint64_t *address, uint64_t operand, uint64_t *result) {
    struct sigaction guard, previous_segv, previous_bus;
    memset(&guard, 0, sizeof guard);
    guard.sa_handler = ipc_guard_handler;
    sigemptyset(&guard.sa_mask);
    sigaction(SIGSEGV, &guard, &previous_segv);
    sigaction(SIGBUS, &guard, &previous_bus);
    volatile int raised = sigsetjmp(ipc_guard_jump, 1);
    if (raised == 0) {
        switch (operation) {
        case IPC_WORD_LOAD: *result = __atomic_load_n(address, __ATOMIC_SEQ_CST); break;
        case IPC_WORD_STORE: __atomic_store_n(address, operand, __ATOMIC_SEQ_CST); break;
        default: *result = __atomic_fetch_add(address, operand, __ATOMIC_SEQ_CST); break;
        }
    }
    sigaction(SIGSEGV, &previous_segv, NULL);
    sigaction(SIGBUS, &previous_bus, NULL);
    return raised;
}
