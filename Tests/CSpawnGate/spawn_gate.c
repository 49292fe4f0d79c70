// Every spawn of the test process takes the spawn gate, whoever makes it.
//
// Suites run in parallel in one test process, and between its clone and its exec a child holds a copy of every
// descriptor of that process: a close made meanwhile by a kernel-fact test is not the last (no end of file, no
// EPOLLHUP, a release signal late). The fact tests hold the gate (`Syscall.withoutConcurrentSpawns`), and so did our
// own spawns, but Swift Testing spawns its exit tests itself: `KernelFIFOAsyncFactsTests` failed so in CI. Defined in
// the test executable, these come before libc's for every caller (Swift Testing, Foundation's Process, Subprocess,
// `Syscall.spawn`), which then spawns only while no fact test holds the gate. The gate is recursive, so a spawn made
// inside `withoutConcurrentSpawns` goes on.

#include <dlfcn.h>
#include <errno.h>
#include <spawn.h>
#include "CIPCShims.h"

typedef int (*spawn_function)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
                              char *const[], char *const[]);

static int gated(const char *name, pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
                 const posix_spawnattr_t *attributes, char *const arguments[], char *const environment[]) {
    spawn_function next = (spawn_function)dlsym(RTLD_NEXT, name);
    if (next == NULL) return ENOSYS;
    ipc_spawn_gate_enter();
    int result = next(pid, path, actions, attributes, arguments, environment);
    ipc_spawn_gate_leave();
    return result;
}

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attributes,
                char *const arguments[], char *const environment[]) {
    return gated("posix_spawn", pid, path, actions, attributes, arguments, environment);
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attributes,
                 char *const arguments[], char *const environment[]) {
    return gated("posix_spawnp", pid, file, actions, attributes, arguments, environment);
}
