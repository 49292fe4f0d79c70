// SO_PASSCRED and SCM_CREDENTIALS, and the control room a Unix socket receive's SCM_CREDENTIALS, SCM_RIGHTS and
// SCM_PIDFD share. No system header is included here (see CIPCShims.h).
#ifndef IPC_CREDENTIALS_H
#define IPC_CREDENTIALS_H

#include <stddef.h>

/// SO_PASSCRED.
int ipc_so_passcred(void);

/// recvmsg(fd, flags) into `size` bytes of `buffer` with `controlRoom` bytes of control room (0: a NULL control
/// buffer). Its msg_flags go to `messageFlags`; an SCM_CREDENTIALS message's pid, uid and gid to `credentials[0...2]`
/// with `hasCredentials` 1 (0: none; -1: cut short by the room, its ids not read); an SCM_PIDFD message's descriptor
/// to `pidfd` (-1: none; the caller closes it); the SCM_RIGHTS descriptors are counted in `descriptors` and closed.
/// Returns the byte count, or -1 with errno.
long ipc_receive_with_credentials(
    int fd, void *buffer, size_t size, size_t controlRoom, int flags, int *messageFlags, long *credentials,
    int *hasCredentials, int *pidfd, int *descriptors);

/// sendmsg(fd, flags | MSG_NOSIGNAL) of `length` bytes with an SCM_CREDENTIALS message {pid, uid, gid}: the byte
/// count, or -1 with errno.
long ipc_send_with_credentials(int fd, const void *data, size_t length, int pid, unsigned uid, unsigned gid, int flags);

/// sendmsg(fd, flags | MSG_NOSIGNAL) of `length` bytes with `credentialCount` (at most 8) SCM_CREDENTIALS messages,
/// each {pid, uid, gid} from `credentials[3 × i ...]`, and, when `descriptorCount` (at most 256) is not 0, one
/// SCM_RIGHTS message of `descriptors` — before the credentials if `rightsFirst`, else after them: the byte count, or
/// -1 with errno.
long ipc_send_with_control(
    int fd, const void *data, size_t length, const unsigned *credentials, int credentialCount, const int *descriptors,
    int descriptorCount, int rightsFirst, int flags);

#endif
