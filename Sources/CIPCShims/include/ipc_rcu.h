// What the project's own RCU needs from C: membarrier(2), which glibc wraps only through the variadic syscall(2),
// and a compiler-only barrier (Swift has no atomic_signal_fence). Static inline, so Swift inlines it: it costs no
// instruction, it only keeps the compiler from moving memory accesses across it. (futex(2): ipc_futex.h.)
#ifndef IPC_RCU_H
#define IPC_RCU_H

/// membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED): 0, or -1 with errno.
int ipc_membarrier_register_private_expedited(void);

/// membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED): every running thread of this process executes a full memory
/// barrier before it returns. 0, or -1 with errno (EPERM before registration).
int ipc_membarrier_private_expedited(void);

/// atomic_signal_fence(memory_order_seq_cst): the compiler keeps memory accesses on their side of it.
static inline void ipc_compiler_barrier(void) { __asm__ __volatile__("" ::: "memory"); }

/// The spin-wait hint (x86 `pause`, as liburcu's caa_cpu_relax): a polling loop yields the core's pipeline to its
/// sibling and does not flood the memory system.
static inline void ipc_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

#endif
