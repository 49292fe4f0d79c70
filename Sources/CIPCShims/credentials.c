#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc_credentials.h"

#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

int ipc_so_passcred(void) { return SO_PASSCRED; }

long ipc_receive_with_credentials(
    int fd, void *buffer, size_t size, size_t controlRoom, int flags, int *messageFlags, long *credentials,
    int *hasCredentials, int *pidfd, int *descriptors) {
    union {
        char bytes[1024];
        struct cmsghdr align;
    } control;
    if (controlRoom > sizeof control.bytes) {
        errno = EINVAL;
        return -1;
    }
    struct iovec piece = {buffer, size};
    struct msghdr message = {0};
    message.msg_iov = &piece;
    message.msg_iovlen = 1;
    message.msg_control = controlRoom ? control.bytes : NULL;
    message.msg_controllen = controlRoom;
    *hasCredentials = 0;
    *pidfd = -1;
    *descriptors = 0;
    ssize_t count = recvmsg(fd, &message, flags);
    if (count < 0) return -1;
    *messageFlags = message.msg_flags;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET) continue;
        if (header->cmsg_type == SCM_CREDENTIALS) {
            if (header->cmsg_len < CMSG_LEN(sizeof(struct ucred))) {
                *hasCredentials = -1;
                continue;
            }
            struct ucred given;
            memcpy(&given, CMSG_DATA(header), sizeof given);
            credentials[0] = given.pid;
            credentials[1] = given.uid;
            credentials[2] = given.gid;
            *hasCredentials = 1;
        } else if (header->cmsg_type == SCM_PIDFD && header->cmsg_len >= CMSG_LEN(sizeof(int))) {
            memcpy(pidfd, CMSG_DATA(header), sizeof(int));
        } else if (header->cmsg_type == SCM_RIGHTS) {
            int count = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int index = 0; index < count; index++) {
                int passed;
                memcpy(&passed, CMSG_DATA(header) + index * sizeof(int), sizeof passed);
                close(passed);
            }
            *descriptors += count;
        }
    }
    return count;
}

long ipc_send_with_control(
    int fd, const void *data, size_t length, const unsigned *credentials, int credentialCount, const int *descriptors,
    int descriptorCount, int rightsFirst, int flags) {
    union {
        char bytes[8 * CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(256 * sizeof(int))];
        struct cmsghdr align;
    } control;
    if (credentialCount < 0 || credentialCount > 8 || descriptorCount < 0 || descriptorCount > 256) {
        errno = EINVAL;
        return -1;
    }
    memset(&control, 0, sizeof control);
    struct iovec piece = {(void *)data, length};
    struct msghdr message = {0};
    message.msg_iov = &piece;
    message.msg_iovlen = 1;
    message.msg_control = control.bytes;
    size_t used = 0;
    for (int pass = 0; pass < 2; pass++) {
        int rights = (pass == 0) == (rightsFirst != 0);
        struct cmsghdr *header = (struct cmsghdr *)(control.bytes + used);
        if (rights && descriptorCount > 0) {
            header->cmsg_level = SOL_SOCKET;
            header->cmsg_type = SCM_RIGHTS;
            header->cmsg_len = CMSG_LEN(descriptorCount * sizeof(int));
            memcpy(CMSG_DATA(header), descriptors, descriptorCount * sizeof(int));
            used += CMSG_SPACE(descriptorCount * sizeof(int));
        } else if (!rights) {
            for (int index = 0; index < credentialCount; index++) {
                header = (struct cmsghdr *)(control.bytes + used);
                header->cmsg_level = SOL_SOCKET;
                header->cmsg_type = SCM_CREDENTIALS;
                header->cmsg_len = CMSG_LEN(sizeof(struct ucred));
                struct ucred given = {(pid_t)credentials[3 * index], credentials[3 * index + 1], credentials[3 * index + 2]};
                memcpy(CMSG_DATA(header), &given, sizeof given);
                used += CMSG_SPACE(sizeof(struct ucred));
            }
        }
    }
    message.msg_controllen = used;
    if (used == 0) message.msg_control = NULL;
    return sendmsg(fd, &message, flags | MSG_NOSIGNAL);
}

long ipc_send_with_credentials(int fd, const void *data, size_t length, int pid, unsigned uid, unsigned gid, int flags) {
    unsigned credentials[3] = {(unsigned)pid, uid, gid};
    return ipc_send_with_control(fd, data, length, credentials, 1, NULL, 0, 0, flags);
}
