#include "ipc_memory.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

// The handlers are installed once for the process and stay: installing them around each access would race
// between threads (one putting back the default while another's access faults). A fault outside a guarded access
// puts the previous handler back and returns, so the faulting instruction runs again and meets it.
static _Thread_local sigjmp_buf ipc_guard_jump;
static _Thread_local volatile sig_atomic_t ipc_guard_active;
static struct sigaction ipc_previous_segv, ipc_previous_bus;
static pthread_once_t ipc_guard_once = PTHREAD_ONCE_INIT;

static void ipc_guard_handler(int signal) {
    if (ipc_guard_active) {
        ipc_guard_active = 0;
        siglongjmp(ipc_guard_jump, signal);
    }
    sigaction(signal, signal == SIGBUS ? &ipc_previous_bus : &ipc_previous_segv, NULL);
}

static void ipc_guard_install(void) {
    struct sigaction guard;
    memset(&guard, 0, sizeof guard);
    guard.sa_handler = ipc_guard_handler;
    sigemptyset(&guard.sa_mask);
    guard.sa_flags = SA_NODEFER;
    sigaction(SIGSEGV, &guard, &ipc_previous_segv);
    sigaction(SIGBUS, &guard, &ipc_previous_bus);
}

int ipc_guarded_word(int operation, uint64_t *address, uint64_t operand, uint64_t *result) {
    pthread_once(&ipc_guard_once, ipc_guard_install);
    int raised = sigsetjmp(ipc_guard_jump, 1);
    if (raised != 0) return raised;
    ipc_guard_active = 1;
    switch (operation) {
    case IPC_WORD_LOAD: *result = __atomic_load_n(address, __ATOMIC_SEQ_CST); break;
    case IPC_WORD_STORE: __atomic_store_n(address, operand, __ATOMIC_SEQ_CST); break;
    default: *result = __atomic_fetch_add(address, operand, __ATOMIC_SEQ_CST); break;
    }
    ipc_guard_active = 0;
    return 0;
}

int ipc_mlock2(void *address, size_t length, unsigned int flags) {
    return mlock2(address, length, flags);
}

int ipc_has_ipc_lock_capability(void) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return -1;
    return (data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective & CAP_TO_MASK(CAP_IPC_LOCK)) != 0;
}

int ipc_drop_ipc_lock_capability(void) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return -1;
    data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
    data[CAP_TO_INDEX(CAP_IPC_LOCK)].permitted &= ~CAP_TO_MASK(CAP_IPC_LOCK);
    data[CAP_TO_INDEX(CAP_IPC_LOCK)].inheritable &= ~CAP_TO_MASK(CAP_IPC_LOCK);
    return (int)syscall(SYS_capset, &header, data);
}

int ipc_drop_sys_resource_capability(void) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return -1;
    data[CAP_TO_INDEX(CAP_SYS_RESOURCE)].effective &= ~CAP_TO_MASK(CAP_SYS_RESOURCE);
    data[CAP_TO_INDEX(CAP_SYS_RESOURCE)].permitted &= ~CAP_TO_MASK(CAP_SYS_RESOURCE);
    data[CAP_TO_INDEX(CAP_SYS_RESOURCE)].inheritable &= ~CAP_TO_MASK(CAP_SYS_RESOURCE);
    return (int)syscall(SYS_capset, &header, data);
}
