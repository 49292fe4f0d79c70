// A thin C shim over liburcu (Debian liburcu-dev 0.13.2). The everyday names (rcu_read_lock, synchronize_rcu,
// rcu_dereference, rcu_assign_pointer, call_rcu, rcu_barrier) are macros that Swift cannot call; this header
// exports real functions for the memb and qsbr flavours. The signal flavour is deliberately absent: it takes
// SIGUSR1, which the harness uses to test signals. No liburcu header is included here; the .c files include them.
//
// Read-side speed: liburcu keeps each thread's reader record in a thread-local variable of the flavour's shared
// library. Compiled position-independent, every access to it would go through __tls_get_addr; the .c files
// redeclare those variables with the initial-exec TLS model (a %fs-relative load) before liburcu's headers use
// them. See memb.c for why this is done per variable rather than with -ftls-model=initial-exec.
#ifndef CURCU_H
#define CURCU_H

/// A callback record for `call_rcu`: lay it out inside the object to reclaim and recover the object from the
/// pointer the callback receives. The same layout as liburcu's `struct rcu_head` (checked in call_rcu.c).
typedef struct curcu_head {
    void *reserved;
    void (*function)(struct curcu_head *head);
} curcu_head;

// urcu-memb: readers need no quiescent-state announcements; every OS thread that reads must be registered.
void curcu_memb_register_thread(void);
void curcu_memb_unregister_thread(void);
void curcu_memb_read_lock(void);
void curcu_memb_read_unlock(void);
/// Nonzero inside a read-side critical section. The corresponding C function is `rcu_read_ongoing`.
int curcu_memb_read_ongoing(void);
void curcu_memb_synchronize(void);
/// Runs `function(head)` on liburcu's call_rcu thread after a grace period. The caller must be registered.
void curcu_memb_call_rcu(curcu_head *head, void (*function)(curcu_head *head));
/// Waits until every callback queued with curcu_memb_call_rcu before it has run. Not from a read-side section.
void curcu_memb_barrier(void);

// urcu-qsbr: readers announce quiescent states; a registered thread is online until it goes offline.
void curcu_qsbr_register_thread(void);
void curcu_qsbr_unregister_thread(void);
void curcu_qsbr_read_lock(void);
void curcu_qsbr_read_unlock(void);
int curcu_qsbr_read_ongoing(void);
void curcu_qsbr_quiescent_state(void);
void curcu_qsbr_thread_online(void);
void curcu_qsbr_thread_offline(void);
void curcu_qsbr_synchronize(void);
void curcu_qsbr_call_rcu(curcu_head *head, void (*function)(curcu_head *head));
void curcu_qsbr_barrier(void);

// Publishing a pointer (flavour-independent). The corresponding C macros are `rcu_dereference`,
// `rcu_assign_pointer` and `rcu_xchg_pointer`.
void *curcu_dereference(void *const *slot);
void curcu_assign_pointer(void **slot, void *value);
void *curcu_exchange_pointer(void **slot, void *value);

#endif
