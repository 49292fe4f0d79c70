#if !__has_include(<urcu/urcu-memb.h>)
#error "liburcu headers not found: install them with apt-get install -y liburcu-dev"
#endif

// One flavour per translation unit: each liburcu flavour header defines the generic rcu_* macros.
#include "CURCU.h"

#include <urcu/urcu-memb.h>

void curcu_memb_register_thread(void) { urcu_memb_register_thread(); }
void curcu_memb_unregister_thread(void) { urcu_memb_unregister_thread(); }
void curcu_memb_read_lock(void) { urcu_memb_read_lock(); }
void curcu_memb_read_unlock(void) { urcu_memb_read_unlock(); }
void curcu_memb_synchronize(void) { urcu_memb_synchronize_rcu(); }
void *curcu_memb_dereference(void *const *slot) { return rcu_dereference(*(void **)slot); }
void curcu_memb_assign_pointer(void **slot, void *value) { rcu_assign_pointer(*slot, value); }
