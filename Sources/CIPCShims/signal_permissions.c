#define _GNU_SOURCE
#include "ipc_signal_permissions.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/// One process of a measurement: it blocks every signal, takes its group, session and ids, says it is ready, and
/// on a command byte reports its pending signals (as 64 bits) and exits.
struct member {
    pid_t pid;
    int command;  // write end: a byte asks for the report
    int report;   // read end
};

static int make_member(struct member *member, uid_t uid, uid_t euid, uid_t suid, pid_t group, int new_session) {
    int commands[2], reports[2];
    if (pipe(commands) != 0 || pipe(reports) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        close(commands[1]);
        close(reports[0]);
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        if (new_session && setsid() < 0) _exit(1);
        if (!new_session && group >= 0 && setpgid(0, group) != 0) _exit(1);
        if (setresuid(uid, euid, suid) != 0) _exit(1);
        char byte = 1;
        if (write(reports[1], &byte, 1) != 1) _exit(1);
        if (read(commands[0], &byte, 1) != 1) _exit(1);
        sigset_t pending;
        sigpending(&pending);
        uint64_t bits = 0;
        for (int signal = 1; signal <= 64; signal++)
            if (sigismember(&pending, signal) == 1) bits |= 1ull << (signal - 1);
        if (write(reports[1], &bits, sizeof bits) != sizeof bits) _exit(1);
        _exit(0);
    }
    close(commands[0]);
    close(reports[1]);
    if (!new_session && group >= 0) setpgid(pid, group);  // either may win; the child's own call is checked
    char byte;
    if (read(reports[0], &byte, 1) != 1) return -1;
    member->pid = pid;
    member->command = commands[1];
    member->report = reports[0];
    return 0;
}

/// The member's pending signals (bit n-1 for signal n); it exits after. All ones when it could not say.
static uint64_t finish(struct member *member) {
    char byte = 1;
    uint64_t bits = ~0ull;
    if (write(member->command, &byte, 1) != 1 || read(member->report, &bits, sizeof bits) != sizeof bits) bits = ~0ull;
    close(member->command);
    close(member->report);
    waitpid(member->pid, NULL, 0);
    return bits;
}

static uint64_t bit(int signal) { return 1ull << (signal - 1); }

enum method { KILL, SIGQUEUE, TGKILL, PIDFD, PIDFD_GROUP, KILLPG, KILL_OWN_GROUP, KILLPG_OWN_GROUP, KILLPG_GETPGRP };

/// The result (0 or errno) of `method` with `signal` to `target` by a child that became `uid`, `euid` (saved:
/// `euid`), after joining `group` (-1: not); `own`, when not NULL, gets the sender's own pending signals after.
static int send_as(uid_t uid, uid_t euid, pid_t group, enum method method, pid_t target, int signal, uint64_t *own) {
    int reports[2];
    if (pipe(reports) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        close(reports[0]);
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        if (group >= 0 && setpgid(0, group) != 0) _exit(255);  // 0: a group of its own
        if (setresuid(uid, euid, euid) != 0) _exit(255);
        long result = -1;
        union sigval value = {.sival_int = 7};
        switch (method) {
        case KILL: result = kill(target, signal); break;
        case SIGQUEUE: result = sigqueue(target, signal, value); break;
        case TGKILL: result = syscall(SYS_tgkill, target, target, signal); break;
        case PIDFD:
        case PIDFD_GROUP: {
            int descriptor = (int)syscall(SYS_pidfd_open, target, 0);
            if (descriptor < 0) _exit(254);
            result = syscall(SYS_pidfd_send_signal, descriptor, signal, NULL, method == PIDFD_GROUP ? 4u : 0u);
            break;
        }
        case KILLPG: result = killpg(target, signal); break;
        case KILL_OWN_GROUP: result = kill(0, signal); break;
        case KILLPG_OWN_GROUP: result = killpg(0, signal); break;
        case KILLPG_GETPGRP: result = killpg(getpgrp(), signal); break;
        }
        int error = result == 0 ? 0 : errno;
        sigset_t pending;
        sigpending(&pending);
        uint64_t bits = 0;
        for (int number = 1; number <= 64; number++)
            if (sigismember(&pending, number) == 1) bits |= 1ull << (number - 1);
        if (write(reports[1], &bits, sizeof bits) != sizeof bits) _exit(253);
        _exit(error);
    }
    close(reports[1]);
    uint64_t bits = ~0ull;
    if (read(reports[0], &bits, sizeof bits) != sizeof bits) bits = ~0ull;
    close(reports[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
    if (own) *own = bits;
    return WEXITSTATUS(status);
}

/// `kill`-like `method` with `signal` by `uid`/`euid` to a fresh target of ids `tuid`, `teuid`, `tsuid` (its own
/// session when `session`): the result, and whether the signal became pending for the target.
static int single(uid_t tuid, uid_t teuid, uid_t tsuid, int session, uid_t uid, uid_t euid, enum method method, int signal, int *pending) {
    struct member target;
    if (make_member(&target, tuid, teuid, tsuid, -1, session) != 0) return -1;
    int result = send_as(uid, euid, -1, method, target.pid, signal, NULL);
    uint64_t bits = finish(&target);
    *pending = signal >= 1 && signal <= 64 && (bits & bit(signal)) != 0;
    return result;
}

static int credentials(void) {
    int pending = 0;
    const uid_t nobody = 65534;
    if (single(0, 0, 0, 0, nobody, nobody, KILL, SIGUSR1, &pending) != EPERM || pending) return 10;
    if (single(0, 0, 0, 0, nobody, nobody, KILL, 0, &pending) != EPERM) return 11;
    if (single(0, 0, 0, 0, nobody, nobody, KILL, 65, &pending) != EINVAL) return 12;
    // The target's saved uid counts, its effective uid does not.
    if (single(0, 0, 1000, 0, 1000, 1000, KILL, SIGUSR1, &pending) != 0 || !pending) return 13;
    if (single(0, 1000, 0, 0, 1000, 1000, KILL, SIGUSR1, &pending) != EPERM || pending) return 14;
    // The sender's effective or real uid.
    if (single(2000, 2000, 2000, 0, 1000, 2000, KILL, SIGUSR1, &pending) != 0 || !pending) return 15;
    if (single(2000, 2000, 2000, 0, 2000, 1000, KILL, SIGUSR1, &pending) != 0 || !pending) return 16;
    // SIGCONT within the session, and from outside it.
    if (single(0, 0, 0, 0, nobody, nobody, KILL, SIGCONT, &pending) != 0 || !pending) return 17;
    if (single(0, 0, 0, 1, nobody, nobody, KILL, SIGCONT, &pending) != EPERM || pending) return 18;
    // The other calls.
    if (single(0, 0, 0, 0, nobody, nobody, SIGQUEUE, SIGRTMIN + 1, &pending) != EPERM || pending) return 19;
    if (single(0, 0, 0, 0, nobody, nobody, SIGQUEUE, 0, &pending) != EPERM) return 20;
    if (single(0, 0, 0, 0, nobody, nobody, TGKILL, SIGUSR1, &pending) != EPERM || pending) return 21;
    if (single(0, 0, 0, 0, nobody, nobody, TGKILL, 65, &pending) != EINVAL) return 22;
    if (single(0, 0, 0, 0, nobody, nobody, PIDFD, SIGUSR1, &pending) != EPERM || pending) return 23;
    if (single(0, 0, 0, 0, nobody, nobody, PIDFD, 65, &pending) != EINVAL) return 24;
    // A process gone: ESRCH before the number and the credentials.
    pid_t gone = fork();
    if (gone == 0) _exit(0);
    waitpid(gone, NULL, 0);
    if (send_as(nobody, nobody, -1, KILL, gone, 65, NULL) != ESRCH) return 25;
    return 0;
}

static int groups(void) {
    const uid_t nobody = 65534;
    struct member leader, member;
    uint64_t own = 0;
    if (make_member(&leader, 0, 0, 0, 0, 0) != 0) return 30;
    pid_t group = leader.pid;
    if (make_member(&member, nobody, nobody, nobody, group, 0) != 0) return 30;
    // One member the sender may signal: success, only that one reached.
    if (send_as(nobody, nobody, -1, KILLPG, group, SIGUSR1, NULL) != 0) return 31;
    if (send_as(nobody, nobody, -1, KILL, -group, 0, NULL) != 0) return 32;
    if (send_as(nobody, nobody, -1, KILLPG, group, 65, NULL) != EINVAL) return 33;
    if ((finish(&member) & bit(SIGUSR1)) == 0) return 34;
    // None it may signal: EPERM, for signal 0 too; a bad number EINVAL.
    if (send_as(nobody, nobody, -1, KILLPG, group, SIGUSR2, NULL) != EPERM) return 35;
    if (send_as(nobody, nobody, -1, KILLPG, group, 0, NULL) != EPERM) return 36;
    if (send_as(nobody, nobody, -1, KILLPG, group, 65, NULL) != EINVAL) return 37;
    if (send_as(nobody, nobody, -1, PIDFD_GROUP, group, SIGUSR2, NULL) != EPERM) return 38;
    // The sender's own group: kill(0), killpg(0), killpg(getpgrp()) reach the leader and the sender.
    if (send_as(0, 0, group, KILL_OWN_GROUP, 0, SIGHUP, &own) != 0 || (own & bit(SIGHUP)) == 0) return 39;
    if (send_as(0, 0, group, KILLPG_OWN_GROUP, 0, SIGINT, &own) != 0 || (own & bit(SIGINT)) == 0) return 40;
    if (send_as(0, 0, group, KILLPG_GETPGRP, 0, SIGQUIT, &own) != 0 || (own & bit(SIGQUIT)) == 0) return 41;
    if (send_as(0, 0, group, KILL_OWN_GROUP, 0, 65, &own) != EINVAL) return 42;
    // A member that may signal no other: its own group's send succeeds, reaching itself only.
    if (send_as(nobody, nobody, group, KILL_OWN_GROUP, 0, SIGTERM, &own) != 0 || (own & bit(SIGTERM)) == 0) return 43;
    if (send_as(0, 0, -1, KILLPG, -1, SIGUSR1, NULL) != EINVAL) return 44;  // glibc's check
    uint64_t pending = finish(&leader);
    uint64_t expected = bit(SIGHUP) | bit(SIGINT) | bit(SIGQUIT);
    if ((pending & (expected | bit(SIGUSR1) | bit(SIGUSR2) | bit(SIGTERM))) != expected) return 45;
    // No member left: ESRCH, even for a bad number.
    if (send_as(0, 0, -1, KILLPG, group, SIGUSR1, NULL) != ESRCH) return 46;
    if (send_as(0, 0, -1, KILLPG, group, 65, NULL) != ESRCH) return 47;
    return 0;
}

/// kill(-1) in a new PID namespace, whose init is the measuring child's child: every process but the sender and
/// init, refusals ignored; ESRCH with no other process.
static int everyone(void) {
    if (unshare(CLONE_NEWPID) != 0) return 90;
    pid_t init = fork();
    if (init < 0) return 91;
    if (init == 0) {
        const uid_t nobody = 65534;
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        struct member root, user;
        if (make_member(&root, 0, 0, 0, -1, 0) != 0 || make_member(&user, nobody, nobody, nobody, -1, 0) != 0) _exit(50);
        uint64_t own = 0;
        if (send_as(0, 0, -1, KILL, -1, SIGUSR1, &own) != 0 || (own & bit(SIGUSR1))) _exit(51);
        if (send_as(nobody, nobody, -1, KILL, -1, SIGUSR2, &own) != 0) _exit(52);
        if (send_as(nobody, nobody, -1, KILL, -1, 65, NULL) != EINVAL) _exit(53);
        uint64_t pending = finish(&user);
        if ((pending & (bit(SIGUSR1) | bit(SIGUSR2))) != (bit(SIGUSR1) | bit(SIGUSR2))) _exit(54);
        // Only processes it may not signal left: 0 all the same, nothing sent.
        if (send_as(nobody, nobody, -1, KILL, -1, SIGHUP, NULL) != 0) _exit(55);
        if (send_as(nobody, nobody, -1, KILL, -1, 0, NULL) != 0) _exit(56);
        pending = finish(&root);
        if ((pending & (bit(SIGUSR1) | bit(SIGUSR2) | bit(SIGHUP))) != bit(SIGUSR1)) _exit(57);
        // Init is never reached.
        sigset_t mine;
        sigpending(&mine);
        if (sigismember(&mine, SIGUSR1) == 1 || sigismember(&mine, SIGUSR2) == 1) _exit(58);
        // No process but init and the sender: ESRCH, even for a bad number.
        if (send_as(0, 0, -1, KILL, -1, SIGUSR1, NULL) != ESRCH) _exit(59);
        if (send_as(0, 0, -1, KILL, -1, 65, NULL) != ESRCH) _exit(60);
        _exit(0);
    }
    int status = 0;
    if (waitpid(init, &status, 0) != init || !WIFEXITED(status)) return 92;
    return WEXITSTATUS(status);
}

int ipc_signal_send_as(unsigned int target_uid, unsigned int target_euid, unsigned int target_suid, int target_session,
    unsigned int uid, unsigned int euid, int method, int signal, int *pending) {
    if (method < KILL || method > PIDFD) return -1;
    return single(target_uid, target_euid, target_suid, target_session, uid, euid, (enum method)method, signal, pending);
}

int ipc_signal_group_send_as(int count, const unsigned int *uids, unsigned int sender_uid, int sender_member, int method,
    int signal, int *reached, int *sender_pending) {
    static const enum method methods[] = {KILLPG, KILL, KILL_OWN_GROUP, KILLPG_OWN_GROUP};
    if (count < 1 || count > 8 || method < 0 || method > 3) return -1;
    struct member members[8];
    pid_t group = 0;
    int made = 0, result = -1;
    for (; made < count; made++) {
        if (make_member(&members[made], uids[made], uids[made], uids[made], group, 0) != 0) break;
        if (made == 0) group = members[0].pid;
    }
    if (made == count) {
        uint64_t own = 0;
        pid_t target = method == 1 ? -group : group;
        // Not a member, the sender takes a group of its own: never the caller's.
        result = send_as(sender_uid, sender_uid, sender_member ? group : 0, methods[method], target, signal, &own);
        *sender_pending = signal >= 1 && signal <= 64 && (own & bit(signal)) != 0;
    }
    *reached = 0;
    for (int index = 0; index < made; index++) {
        uint64_t bits = finish(&members[index]);
        if (signal >= 1 && signal <= 64 && (bits & bit(signal))) *reached |= 1 << index;
    }
    return result;
}

int ipc_child_signal_permission_facts(int namespace) {
    // A group and session of its own, so no send of the measurement reaches the test's.
    if (setsid() < 0) return 2;
    int failed = credentials();
    if (failed == 0) failed = groups();
    if (failed == 0 && namespace) failed = everyone();
    return failed;
}
