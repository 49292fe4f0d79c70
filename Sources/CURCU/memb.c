#if !__has_include(<urcu/urcu-memb.h>)
#error "liburcu headers not found: install them with apt-get install -y liburcu-dev"
#endif

// One flavour per translation unit: each liburcu flavour header defines the generic rcu_* macros.
#include "CURCU.h"

// The reader record is a thread-local variable of liburcu-memb.so. Declared before liburcu's own (inherited)
// declaration, this attribute makes every access a %fs-relative load through the GOT (R_X86_64_GOTTPOFF) instead
// of a call to __tls_get_addr. Valid because liburcu-memb.so is a DT_NEEDED library of whatever links CURCU, so
// its TLS block is in the static TLS area. Why not -ftls-model=initial-exec: SwiftPM accepts it only as an
// unsafeFlags setting, and a package with unsafeFlags cannot be used as a dependency by other packages.
struct urcu_reader;
extern __thread struct urcu_reader urcu_memb_reader __attribute__((tls_model("initial-exec")));

#include <urcu/urcu-memb.h>

void curcu_memb_register_thread(void) { urcu_memb_register_thread(); }
void curcu_memb_unregister_thread(void) { urcu_memb_unregister_thread(); }
void curcu_memb_read_lock(void) { urcu_memb_read_lock(); }
void curcu_memb_read_unlock(void) { urcu_memb_read_unlock(); }
int curcu_memb_read_ongoing(void) { return urcu_memb_read_ongoing(); }
void curcu_memb_synchronize(void) { urcu_memb_synchronize_rcu(); }
void curcu_memb_call_rcu(curcu_head *head, void (*function)(curcu_head *head)) {
    urcu_memb_call_rcu((struct rcu_head *)head, (void (*)(struct rcu_head *))function);
}
void curcu_memb_barrier(void) { urcu_memb_barrier(); }
