// liburcu's memb read side as C programs use it: with _LGPL_SOURCE, rcu_read_lock, rcu_read_unlock and
// rcu_dereference are static inline code from liburcu's headers, not calls into the library. Wrapped here in
// static inline functions, they inline into Swift the same way, so `ipc-harness bench rcu` can put the Swift RCU
// beside the read side C users actually get (the CURCU shim's functions are library calls, one call each).
//
// For the benchmark only: CURCU stays free of liburcu's headers (their macros would reach every importer).
#ifndef CURCU_INLINE_H
#define CURCU_INLINE_H

#ifndef _LGPL_SOURCE
#define _LGPL_SOURCE 1
#endif

// As in CURCU/memb.c: the reader record is a thread-local variable of liburcu-memb.so; the initial-exec model
// makes each access one %fs-relative load instead of a call to __tls_get_addr, as in a C program linking it.
struct urcu_reader;
extern __thread struct urcu_reader urcu_memb_reader __attribute__((tls_model("initial-exec")));

#include <urcu/urcu-memb.h>

/// rcu_read_lock, inlined. The corresponding C function is `urcu_memb_read_lock`.
static inline void curcu_inline_memb_read_lock(void) { urcu_memb_read_lock(); }
/// rcu_read_unlock, inlined. The corresponding C function is `urcu_memb_read_unlock`.
static inline void curcu_inline_memb_read_unlock(void) { urcu_memb_read_unlock(); }
/// rcu_dereference, inlined.
static inline void *curcu_inline_dereference(void *const *slot) { return rcu_dereference(*slot); }

#endif
