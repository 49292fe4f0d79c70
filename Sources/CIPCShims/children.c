// The fact tests' forked children (see ipc_children.h): only C from fork() to _exit.
#include "ipc_children.h"
#include "ipc_events.h"
#include "ipc_mqueue.h"
#include "ipc_sysv.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <mqueue.h>
#include <pthread.h>
#include <signal.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

int ipc_child_sysv_stat_as_nobody(int kind, int index, int id) {
    if (setuid(65534) != 0) return 10;
    switch (kind) {
    case IPC_SYSV_MESSAGES: {
        struct msqid_ds status;
        if (ipc_msgctl_stat_index(index, 0, &status) != -1 || errno != EACCES) return 11;
        if (ipc_msgctl_stat_index(index, 1, &status) != id || status.msg_qnum != 1) return 12;
        int limits[8], use[8];
        if (ipc_msgctl_info(0, limits) < index || limits[2] != 8192 || ipc_msgctl_info(1, use) < index) return 13;
        return 0;
    }
    case IPC_SYSV_SEMAPHORES: {
        unsigned long count = 0;
        unsigned int uid, gid, mode;
        long operation, change;
        if (ipc_semctl_stat_index(index, 0, &count, &uid, &gid, &mode, &operation, &change) != -1 || errno != EACCES) return 11;
        if (ipc_semctl_stat_index(index, 1, &count, &uid, &gid, &mode, &operation, &change) != id || count != 3) return 12;
        int use[10];
        if (ipc_semctl_info(1, use) < index || use[5] != 500) return 13;
        return 0;
    }
    case IPC_SYSV_SHARED_MEMORY: {
        struct shmid_ds status;
        if (ipc_shmctl_stat_index(index, 0, &status) != -1 || errno != EACCES) return 11;
        if (ipc_shmctl_stat_index(index, 1, &status) != id) return 12;
        unsigned long limits[6], use[6];
        if (ipc_shmctl_info(0, limits) < index || limits[2] != 4096 || ipc_shmctl_info(1, use) < index) return 13;
        return 0;
    }
    }
    return 14;
}

int ipc_child_sysv_call_as_user(int kind, int id, unsigned int uid, unsigned int gid, int set, long owner, long group) {
    if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) return 255;
    int result = -1;
    switch (kind) {
    case IPC_SYSV_MESSAGES: {
        struct msqid_ds info;
        if (!set) {
            result = msgctl(id, IPC_STAT, &info);
            break;
        }
        if (ipc_msgctl_stat_index(id, 1, &info) == -1) break;
        if (owner >= 0) info.msg_perm.uid = (uid_t)owner;
        if (group >= 0) info.msg_perm.gid = (gid_t)group;
        result = msgctl(id, IPC_SET, &info);
        break;
    }
    case IPC_SYSV_SEMAPHORES: {
        if (!set) {
            unsigned long count;
            unsigned int owner_, group_, mode;
            long operation, change;
            result = ipc_semctl_stat(id, &count, &owner_, &group_, &mode, &operation, &change);
            break;
        }
        result = ipc_semctl_set(id, -1, owner, group);
        break;
    }
    case IPC_SYSV_SHARED_MEMORY: {
        struct shmid_ds info;
        if (!set) {
            result = shmctl(id, IPC_STAT, &info);
            break;
        }
        if (ipc_shmctl_stat_index(id, 1, &info) == -1) break;
        if (owner >= 0) info.shm_perm.uid = (uid_t)owner;
        if (group >= 0) info.shm_perm.gid = (gid_t)group;
        result = shmctl(id, IPC_SET, &info);
        break;
    }
    default: errno = EINVAL;
    }
    return result == -1 ? errno : 0;
}

int ipc_child_shm_lock_as_nobody(int id, int owner) {
    if (setuid(65534) != 0) return 10;
    if (!owner) {
        int unlocked = shmctl(id, SHM_UNLOCK, NULL);
        int locked = shmctl(id, SHM_LOCK, NULL);
        return unlocked == -1 && locked == -1 && errno == EPERM ? 0 : 11;
    }
    if (shmctl(id, SHM_UNLOCK, NULL) != 0) return 11;
    struct shmid_ds status;
    if (shmctl(id, IPC_STAT, &status) != 0 || (status.shm_perm.mode & SHM_LOCKED) != 0) return 11;
    return shmctl(id, SHM_LOCK, NULL) == 0 ? 0 : 11;
}

int ipc_child_mq_signal_notification(const char *name, int signal, int value, unsigned int sender_uid) {
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, signal);
    if (sigprocmask(SIG_BLOCK, &blocked, NULL) != 0) return 4;
    int queue = ipc_mq_create(name, O_RDWR | O_EXCL | O_CLOEXEC, 0600, 4, 8);
    if (queue == -1) return 4;
    int result = 0;
    if (ipc_mq_notify(queue, signal, value) != 0) {
        result = 4;
    } else {
        pid_t sender = fork();
        if (sender == 0) {
            (void)setuid(sender_uid);
            char byte = 1;
            _exit(mq_send(queue, &byte, 1, 0) == 0 ? 0 : 1);
        }
        int status = 0;
        if (sender == -1 || waitpid(sender, &status, 0) != sender || status != 0) {
            result = 2;
        } else {
            int code = 0, pid = 0, sent = 0;
            if (ipc_sigtimedwait(&signal, 1, 0, &code, &pid, &sent) != signal || code != SI_MESGQ || pid != sender
                || sent != value)
                result = 3;
        }
    }
    mq_close(queue);
    mq_unlink(name);
    return result;
}

void ipc_child_hold_mutex(void *mutex, int ready) {
    if (pthread_mutex_lock((pthread_mutex_t *)mutex) != 0) _exit(1);
    char byte = 1;
    (void)write(ready, &byte, 1);
    for (;;) pause();
}

int ipc_set_owner_ex(int descriptor, int type, int id) {
    struct f_owner_ex owner = {.type = (enum __pid_type)type, .pid = id};
    return fcntl(descriptor, F_SETOWN_EX, &owner);
}

/// Takes every pending signal of `signals[0..<count]` without waiting, in the order sigtimedwait takes them, at most
/// `capacity`: their numbers and si_code into `taken` and `codes`, si_band and si_fd into `bands` and `descriptors`
/// (each may be NULL). Returns how many.
static int take_all(const int *signals, int count, int capacity, int *taken, int *codes, long *bands, int *descriptors) {
    int number = 0;
    for (;;) {
        int code = 0, descriptor = 0;
        long band = 0;
        int signal = ipc_sigtimedwait_io(signals, count, 0, &code, &band, &descriptor);
        if (signal <= 0) return number;
        if (number < capacity) {
            taken[number] = signal;
            codes[number] = code;
            if (bands) bands[number] = band;
            if (descriptors) descriptors[number] = descriptor;
        }
        number++;
    }
}

int ipc_child_async_process_and_thread_owner(int realtime) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGIO);
    sigaddset(&set, realtime);
    sigaddset(&set, realtime + 1);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) return 0;
    int ends[2];
    if (pipe(ends) != 0) return 0;
    char byte = 1;
    (void)fcntl(ends[0], F_SETOWN, getpid());
    (void)fcntl(ends[0], F_SETFL, O_ASYNC | O_NONBLOCK);
    (void)write(ends[1], &byte, 1);
    (void)write(ends[1], &byte, 1);
    int signals[4], codes[4], descriptors[4];
    long bands[4];
    int io = SIGIO;
    if (take_all(&io, 1, 4, signals, codes, bands, descriptors) != 1 || signals[0] != SIGIO || codes[0] != 0x80
        || bands[0] != 0 || descriptors[0] != 0)
        return 0;
    // The read end's owner the thread (its id is the pid: one thread), the write end's the process.
    if (ipc_set_owner_ex(ends[0], F_OWNER_TID, getpid()) != 0) return 0;
    (void)fcntl(ends[0], F_SETSIG, realtime + 1);
    (void)fcntl(ends[1], F_SETOWN, getpid());
    (void)fcntl(ends[1], F_SETFL, O_ASYNC | O_NONBLOCK);
    (void)fcntl(ends[1], F_SETSIG, realtime);
    (void)read(ends[0], &byte, 1);  // POLL_OUT, realtime, to the process
    (void)write(ends[1], &byte, 1);  // POLL_IN, realtime + 1, to the thread
    int realtimes[2] = {realtime, realtime + 1};
    int order = take_all(realtimes, 2, 4, signals, codes, NULL, NULL);
    close(ends[0]);
    close(ends[1]);
    return order == 2 && signals[0] == realtime + 1 && codes[0] == POLL_IN && signals[1] == realtime && codes[1] == POLL_OUT;
}
