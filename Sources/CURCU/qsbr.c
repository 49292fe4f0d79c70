#if !__has_include(<urcu/urcu-qsbr.h>)
#error "liburcu headers not found: install them with apt-get install -y liburcu-dev"
#endif

// One flavour per translation unit: each liburcu flavour header defines the generic rcu_* macros.
#include "CURCU.h"

// The initial-exec TLS model for liburcu-qsbr.so's reader record: see memb.c.
struct urcu_qsbr_reader;
extern __thread struct urcu_qsbr_reader urcu_qsbr_reader __attribute__((tls_model("initial-exec")));

#include <urcu/urcu-qsbr.h>

void curcu_qsbr_register_thread(void) { urcu_qsbr_register_thread(); }
void curcu_qsbr_unregister_thread(void) { urcu_qsbr_unregister_thread(); }
void curcu_qsbr_read_lock(void) { urcu_qsbr_read_lock(); }
void curcu_qsbr_read_unlock(void) { urcu_qsbr_read_unlock(); }
int curcu_qsbr_read_ongoing(void) { return urcu_qsbr_read_ongoing(); }
void curcu_qsbr_quiescent_state(void) { urcu_qsbr_quiescent_state(); }
void curcu_qsbr_thread_online(void) { urcu_qsbr_thread_online(); }
void curcu_qsbr_thread_offline(void) { urcu_qsbr_thread_offline(); }
void curcu_qsbr_synchronize(void) { urcu_qsbr_synchronize_rcu(); }
void curcu_qsbr_call_rcu(curcu_head *head, void (*function)(curcu_head *head)) {
    urcu_qsbr_call_rcu((struct rcu_head *)head, (void (*)(struct rcu_head *))function);
}
void curcu_qsbr_barrier(void) { urcu_qsbr_barrier(); }
