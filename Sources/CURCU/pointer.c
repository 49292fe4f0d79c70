#if !__has_include(<urcu/pointer.h>)
#error "liburcu headers not found: install them with apt-get install -y liburcu-dev"
#endif

// Publishing a pointer is the same in every flavour: urcu/pointer.h needs no flavour header.
#include "CURCU.h"

#include <stddef.h>
#include <urcu/call-rcu.h>
#include <urcu/pointer.h>

// curcu_head stands for struct rcu_head in Swift-visible code: the layouts must agree.
_Static_assert(sizeof(curcu_head) == sizeof(struct rcu_head), "curcu_head must have struct rcu_head's size");
_Static_assert(offsetof(curcu_head, function) == offsetof(struct rcu_head, func), "curcu_head.function must be rcu_head.func");

void *curcu_dereference(void *const *slot) { return rcu_dereference(*(void **)slot); }
void curcu_assign_pointer(void **slot, void *value) { rcu_assign_pointer(*slot, value); }
void *curcu_exchange_pointer(void **slot, void *value) { return rcu_xchg_pointer(slot, value); }
