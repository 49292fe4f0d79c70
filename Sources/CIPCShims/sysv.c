#include "ipc_sysv.h"

#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

union ipc_semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

int ipc_msg_except(void) { return MSG_EXCEPT; }

int ipc_msg_copy(void) { return MSG_COPY; }

int ipc_msgctl_info(int counts, int *values) {
    struct msginfo info;
    int result = msgctl(0, counts ? MSG_INFO : IPC_INFO, (struct msqid_ds *)&info);
    if (result >= 0) {
        int fields[8] = {info.msgpool, info.msgmap, info.msgmax, info.msgmnb, info.msgmni, info.msgssz, info.msgtql, info.msgseg};
        for (int i = 0; i < 8; i++) values[i] = fields[i];
    }
    return result;
}

int ipc_msgctl_stat_index(int index, int any, struct msqid_ds *buffer) {
    return msgctl(index, any ? MSG_STAT_ANY : MSG_STAT, buffer);
}

int ipc_semtimedop(int semid, struct sembuf *operations, unsigned long count, const struct timespec *timeout) {
    return semtimedop(semid, operations, count, timeout);
}

int ipc_semctl_getval(int semid, int semnum) { return semctl(semid, semnum, GETVAL); }

int ipc_semctl_command(int semid, int command) {
    struct semid_ds buffer;
    union semun { int val; struct semid_ds *buf; unsigned short *array; } argument = {.buf = &buffer};
    return semctl(semid, 0, command, argument);
}

int ipc_semctl_waiters(int semid, int semnum, int zero) { return semctl(semid, semnum, zero ? GETZCNT : GETNCNT); }

int ipc_semctl_getpid(int semid, int semnum) { return semctl(semid, semnum, GETPID); }

int ipc_semctl_setval(int semid, int semnum, int value) {
    union ipc_semun argument = {.val = value};
    return semctl(semid, semnum, SETVAL, argument);
}

int ipc_semctl_getall(int semid, unsigned short *values) {
    union ipc_semun argument = {.array = values};
    return semctl(semid, 0, GETALL, argument);
}

int ipc_semctl_setall(int semid, unsigned short *values) {
    union ipc_semun argument = {.array = values};
    return semctl(semid, 0, SETALL, argument);
}

int ipc_semctl_remove(int semid) { return semctl(semid, 0, IPC_RMID); }

int ipc_semctl_set(int semid, int mode, long uid, long gid) {
    struct semid_ds info;
    union ipc_semun argument = {.buf = &info};
    /* SEM_STAT_ANY, not IPC_STAT, which needs read permission: IPC_SET's own EPERM (or success) is the answer. */
    if (semctl(semid, 0, SEM_STAT_ANY, argument) < 0) return -1;
    if (mode >= 0) info.sem_perm.mode = (info.sem_perm.mode & ~0777u) | ((unsigned)mode & 0777u);
    if (uid >= 0) info.sem_perm.uid = (uid_t)uid;
    if (gid >= 0) info.sem_perm.gid = (gid_t)gid;
    return semctl(semid, 0, IPC_SET, argument);
}

int ipc_semctl_stat(int semid, unsigned long *nsems, unsigned int *uid, unsigned int *gid, unsigned int *mode, long *otime, long *ctime) {
    struct semid_ds info;
    union ipc_semun argument = {.buf = &info};
    int result = semctl(semid, 0, IPC_STAT, argument);
    if (result == 0) {
        *nsems = info.sem_nsems;
        *uid = info.sem_perm.uid;
        *gid = info.sem_perm.gid;
        *mode = info.sem_perm.mode;
        *otime = (long)info.sem_otime;
        *ctime = (long)info.sem_ctime;
    }
    return result;
}

int ipc_semctl_info(int counts, int *values) {
    struct seminfo info;
    union ipc_semun argument = {.buf = (struct semid_ds *)&info};
    int result = semctl(0, 0, counts ? SEM_INFO : IPC_INFO, argument);
    if (result >= 0) {
        int fields[10] = {info.semmap, info.semmni, info.semmns, info.semmnu, info.semmsl,
                          info.semopm, info.semume, info.semusz, info.semvmx, info.semaem};
        for (int i = 0; i < 10; i++) values[i] = fields[i];
    }
    return result;
}

int ipc_semctl_stat_index(int index, int any, unsigned long *nsems, unsigned int *uid, unsigned int *gid, unsigned int *mode, long *otime, long *ctime) {
    struct semid_ds info;
    union ipc_semun argument = {.buf = &info};
    int result = semctl(index, 0, any ? SEM_STAT_ANY : SEM_STAT, argument);
    if (result >= 0) {
        *nsems = info.sem_nsems;
        *uid = info.sem_perm.uid;
        *gid = info.sem_perm.gid;
        *mode = info.sem_perm.mode;
        *otime = (long)info.sem_otime;
        *ctime = (long)info.sem_ctime;
    }
    return result;
}

int ipc_shmctl_info(int counts, unsigned long *values) {
    if (counts) {
        struct shm_info info;
        int result = shmctl(0, SHM_INFO, (struct shmid_ds *)&info);
        if (result >= 0) {
            unsigned long fields[6] = {(unsigned long)info.used_ids, info.shm_tot, info.shm_rss, info.shm_swp,
                                       info.swap_attempts, info.swap_successes};
            for (int i = 0; i < 6; i++) values[i] = fields[i];
        }
        return result;
    }
    struct shminfo info;
    int result = shmctl(0, IPC_INFO, (struct shmid_ds *)&info);
    if (result >= 0) {
        unsigned long fields[5] = {info.shmmax, info.shmmin, info.shmmni, info.shmseg, info.shmall};
        for (int i = 0; i < 5; i++) values[i] = fields[i];
    }
    return result;
}

int ipc_shmctl_stat_index(int index, int any, struct shmid_ds *buffer) {
    return shmctl(index, any ? SHM_STAT_ANY : SHM_STAT, buffer);
}
