// System V IPC: semctl is variadic, MSG_EXCEPT is a GNU constant.
#ifndef IPC_SYSV_H
#define IPC_SYSV_H

/// msgrcv's MSG_EXCEPT flag (GNU).
int ipc_msg_except(void);
/// msgrcv's MSG_COPY flag (GNU; needs CONFIG_CHECKPOINT_RESTORE): copy the message at position msgtyp.
int ipc_msg_copy(void);
/// semctl(id, num, GETVAL).
int ipc_semctl_getval(int semid, int semnum);
/// semctl(id, num, GETNCNT) (`zero` 0) or semctl(id, num, GETZCNT).
int ipc_semctl_waiters(int semid, int semnum, int zero);
/// semctl(id, num, GETPID): the process id of the last process to change or wait on semaphore num.
int ipc_semctl_getpid(int semid, int semnum);
/// semctl(id, num, SETVAL, value).
int ipc_semctl_setval(int semid, int semnum, int value);
/// semctl(id, 0, GETALL, values).
int ipc_semctl_getall(int semid, unsigned short *values);
/// semctl(id, 0, SETALL, values).
int ipc_semctl_setall(int semid, unsigned short *values);
/// semctl(id, 0, IPC_RMID).
int ipc_semctl_remove(int semid);
/// semctl(id, 0, command, buffer) with a buffer as large as any command's (`struct semid_ds`): for a command or id
/// the kernel refuses (EINVAL).
int ipc_semctl_command(int semid, int command);
/// semctl(id, 0, IPC_STAT), then IPC_SET with the permission bits `mode`, the owner `uid` and the group `gid` (each
/// -1: kept).
int ipc_semctl_set(int semid, int mode, long uid, long gid);
/// semctl(id, 0, IPC_STAT): the number of semaphores, the owner's uid, the mode, and sem_otime and sem_ctime in
/// seconds — one call, so that they are one moment's.
int ipc_semctl_stat(int semid, unsigned long *nsems, unsigned int *uid, unsigned int *gid, unsigned int *mode, long *otime, long *ctime);

/// msgctl(0, IPC_INFO, ...) (`counts` 0) or msgctl(0, MSG_INFO, ...): struct msginfo's fields into `values`, in
/// the order msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql, msgseg; returns the highest queue index in use.
int ipc_msgctl_info(int counts, int *values);
struct msqid_ds;
/// msgctl(index, MSG_STAT, buffer) (`any` 0) or MSG_STAT_ANY: the id of the queue at `index`, its IPC_STAT in buffer.
int ipc_msgctl_stat_index(int index, int any, struct msqid_ds *buffer);

/// semctl(0, 0, IPC_INFO, ...) (`counts` 0) or SEM_INFO: struct seminfo's fields into `values`, in the order
/// semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem; returns the highest set index in use.
int ipc_semctl_info(int counts, int *values);
/// semctl(index, 0, SEM_STAT) (`any` 0) or SEM_STAT_ANY: the id of the set at `index`, and what ipc_semctl_stat gives.
int ipc_semctl_stat_index(int index, int any, unsigned long *nsems, unsigned int *uid, unsigned int *gid, unsigned int *mode, long *otime, long *ctime);

/// shmctl(0, IPC_INFO, ...) (`counts` 0) or SHM_INFO: struct shminfo's fields into `values`, in the order shmmax,
/// shmmin, shmmni, shmseg, shmall, or struct shm_info's: used_ids, shm_tot, shm_rss, shm_swp, swap_attempts,
/// swap_successes; returns the highest segment index in use.
int ipc_shmctl_info(int counts, unsigned long *values);
struct shmid_ds;
/// shmctl(index, SHM_STAT, buffer) (`any` 0) or SHM_STAT_ANY: the id of the segment at `index`, its IPC_STAT in buffer.
int ipc_shmctl_stat_index(int index, int any, struct shmid_ds *buffer);

struct sembuf;
struct timespec;
/// semtimedop(2) (GNU): semop with a relative timeout (NULL: none); EAGAIN when it passes.
int ipc_semtimedop(int semid, struct sembuf *operations, unsigned long count, const struct timespec *timeout);

#endif
