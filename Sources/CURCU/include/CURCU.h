// A thin C shim over liburcu (Debian liburcu-dev 0.13.2). The everyday names (rcu_read_lock, synchronize_rcu,
// rcu_dereference, rcu_assign_pointer) are macros that Swift cannot call; this header exports real functions
// for the memb and qsbr flavours. The signal flavour is deliberately absent: it takes SIGUSR1, which the harness
// uses to test signals. No liburcu header is included here; the .c file includes them.
#ifndef CURCU_H
#define CURCU_H

/// urcu-memb: readers need no quiescent-state announcements; every OS thread that reads must be registered.
void curcu_memb_register_thread(void);
void curcu_memb_unregister_thread(void);
void curcu_memb_read_lock(void);
void curcu_memb_read_unlock(void);
void curcu_memb_synchronize(void);
void *curcu_memb_dereference(void *const *slot);
void curcu_memb_assign_pointer(void **slot, void *value);

/// urcu-qsbr: readers announce quiescent states; a registered thread is online until it goes offline.
void curcu_qsbr_register_thread(void);
void curcu_qsbr_unregister_thread(void);
void curcu_qsbr_read_lock(void);
void curcu_qsbr_read_unlock(void);
void curcu_qsbr_quiescent_state(void);
void curcu_qsbr_thread_online(void);
void curcu_qsbr_thread_offline(void);
void curcu_qsbr_synchronize(void);

#endif
