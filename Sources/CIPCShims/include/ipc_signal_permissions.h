// The signal permission and process-group facts' measurement (SignalPermissionFactsTests), in C: it changes
// credentials, sessions, process groups and a PID namespace, so it runs in a child forked from the test process,
// which must not enter the Swift runtime, and forks its own children.
#ifndef IPC_SIGNAL_PERMISSIONS_H
#define IPC_SIGNAL_PERMISSIONS_H

/// Measures who may signal whom (credentials, `SIGCONT` in a session; `kill`, `sigqueue`, `tgkill`,
/// `pidfd_send_signal`), sends to process groups with members of two users (`killpg`, `kill` of 0 and -G,
/// `PIDFD_SIGNAL_PROCESS_GROUP`) and, when `namespace` is not 0, `kill(-1)` inside a new PID namespace. Each check
/// compares a call's result and which processes the signal became pending for with what this kernel did; returns 0
/// when every check held, else the number of the first that failed (the test names them), 90 when the PID namespace
/// could not be made. Called only in a forked child, which it leaves in no group or session of the test's.
int ipc_child_signal_permission_facts(int namespace);

/// One send measured: a target forked with real, effective and saved uids `target_*` (in a session of its own when
/// `target_session` is 1), blocking every signal, and a sender forked as `uid`, `euid` (saved: `euid`), which sends
/// `signal` to it with `method` (0 `kill`, 1 `sigqueue`, 2 `tgkill`, 3 `pidfd_send_signal`). Returns the call's errno
/// (0: it succeeded; -1: the set-up failed) and sets `pending` to whether the signal became pending for the target.
/// Forks from the caller: run it with no concurrent spawns (the children make C calls only).
int ipc_signal_send_as(unsigned int target_uid, unsigned int target_euid, unsigned int target_suid, int target_session,
    unsigned int uid, unsigned int euid, int method, int signal, int *pending);

/// One group send measured: a group of `count` members (at most 8) forked with the uids `uids` (real, effective and
/// saved alike; the first leads it), blocking every signal, and a sender forked as `sender_uid`, a member of it when
/// `sender_member` is 1 (else in a group of its own), which sends `signal` with `method` (0 `killpg(G)`, 1
/// `kill(-G)`, 2 `kill(0)`, 3 `killpg(0)`). Returns the call's errno (0: done; -1: the set-up failed), sets bit i of
/// `reached` when the signal became pending for member i, and `sender_pending` when for the sender. Forks from the
/// caller: run it with no concurrent spawns (the children make C calls only).
int ipc_signal_group_send_as(int count, const unsigned int *uids, unsigned int sender_uid, int sender_member, int method,
    int signal, int *reached, int *sender_pending);

#endif
