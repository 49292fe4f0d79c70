#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipc_batches.h"

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

int ipc_send_messages(
    int fd, const void *data, const size_t *lengths, unsigned count, unsigned vlen, const void *address,
    int addressLength, unsigned *sent, int flags) {
    if (data == NULL) return sendmmsg(fd, NULL, vlen, flags);
    struct mmsghdr *vector = calloc(count ? count : 1, sizeof *vector);
    struct iovec *pieces = calloc(count ? count : 1, sizeof *pieces);
    if (vector == NULL || pieces == NULL) {
        free(vector);
        free(pieces);
        errno = ENOMEM;
        return -1;
    }
    const char *next = data;
    for (unsigned i = 0; i < count; i++) {
        pieces[i].iov_base = (void *)next;
        pieces[i].iov_len = lengths[i];
        next += lengths[i];
        vector[i].msg_hdr.msg_iov = &pieces[i];
        vector[i].msg_hdr.msg_iovlen = 1;
        vector[i].msg_hdr.msg_name = (void *)address;
        vector[i].msg_hdr.msg_namelen = address ? (socklen_t)addressLength : 0;
    }
    int result = sendmmsg(fd, vector, vlen, flags);
    int saved = errno;
    for (unsigned i = 0; i < count; i++) sent[i] = vector[i].msg_len;
    free(vector);
    free(pieces);
    errno = saved;
    return result;
}

int ipc_receive_messages(
    int fd, void *buffers, size_t size, unsigned count, unsigned vlen, unsigned *lengths, int *messageFlags,
    void *addresses, int *addressLengths, void *control, size_t controlSize, size_t *controlLengths,
    const long *timeout, int flags) {
    struct timespec limit;
    if (timeout != NULL) {
        limit.tv_sec = timeout[0];
        limit.tv_nsec = timeout[1];
    }
    if (buffers == NULL) return recvmmsg(fd, NULL, vlen, flags, timeout ? &limit : NULL);
    struct mmsghdr *vector = calloc(count ? count : 1, sizeof *vector);
    struct iovec *pieces = calloc(count ? count : 1, sizeof *pieces);
    if (vector == NULL || pieces == NULL) {
        free(vector);
        free(pieces);
        errno = ENOMEM;
        return -1;
    }
    for (unsigned i = 0; i < count; i++) {
        pieces[i].iov_base = (char *)buffers + i * size;
        pieces[i].iov_len = size;
        vector[i].msg_hdr.msg_iov = &pieces[i];
        vector[i].msg_hdr.msg_iovlen = 1;
        if (addresses != NULL) {
            vector[i].msg_hdr.msg_name = (char *)addresses + i * sizeof(struct sockaddr_un);
            vector[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_un);
        }
        if (control != NULL) {
            vector[i].msg_hdr.msg_control = (char *)control + i * controlSize;
            vector[i].msg_hdr.msg_controllen = controlSize;
        }
    }
    int result = recvmmsg(fd, vector, vlen, flags, timeout ? &limit : NULL);
    int saved = errno;
    for (unsigned i = 0; i < count; i++) {
        lengths[i] = vector[i].msg_len;
        messageFlags[i] = vector[i].msg_hdr.msg_flags;
        if (addresses != NULL) addressLengths[i] = (int)vector[i].msg_hdr.msg_namelen;
        if (control != NULL) controlLengths[i] = vector[i].msg_hdr.msg_controllen;
    }
    free(vector);
    free(pieces);
    errno = saved;
    return result;
}

int ipc_msg_waitforone(void) { return MSG_WAITFORONE; }
int ipc_msg_errqueue(void) { return MSG_ERRQUEUE; }
int ipc_so_passpidfd(void) { return SO_PASSPIDFD; }
int ipc_so_peerpidfd(void) { return SO_PEERPIDFD; }

int ipc_scm_pidfd_unpack(void *control, size_t length) {
    struct msghdr header = {0};
    header.msg_control = control;
    header.msg_controllen = length;
    for (struct cmsghdr *message = CMSG_FIRSTHDR(&header); message != NULL; message = CMSG_NXTHDR(&header, message)) {
        if (message->cmsg_level == SOL_SOCKET && message->cmsg_type == SCM_PIDFD) {
            int pidfd;
            memcpy(&pidfd, CMSG_DATA(message), sizeof pidfd);
            return pidfd;
        }
    }
    return -1;
}

int ipc_pidfd_pid(int pidfd) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
    FILE *file = fopen(path, "re");
    if (file == NULL) return -2;
    int pid = -2;
    while (fgets(line, sizeof line, file) != NULL) {
        if (sscanf(line, "Pid: %d", &pid) == 1) break;
    }
    fclose(file);
    return pid;
}

int ipc_peer_pidfd(int fd) {
    int pidfd = -1;
    socklen_t length = sizeof pidfd;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &length) != 0) return -1;
    return pidfd;
}

int ipc_child_send(int fd, const void *data, size_t length) {
    pid_t child = fork();
    if (child == 0) {
        ssize_t sent = send(fd, data, length, MSG_NOSIGNAL);
        _exit(sent == (ssize_t)length ? 0 : 1);
    }
    return child;
}

int ipc_reap(int pid) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int ipc_child_pass_new_pair(int fd) {
    pid_t child = fork();
    if (child == 0) {
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) _exit(1);
        char byte = 'p';
        struct iovec piece = {&byte, 1};
        union {
            char bytes[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } control;
        memset(&control, 0, sizeof control);
        struct msghdr header = {0};
        header.msg_iov = &piece;
        header.msg_iovlen = 1;
        header.msg_control = control.bytes;
        header.msg_controllen = sizeof control.bytes;
        struct cmsghdr *message = CMSG_FIRSTHDR(&header);
        message->cmsg_level = SOL_SOCKET;
        message->cmsg_type = SCM_RIGHTS;
        message->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(message), &pair[0], sizeof(int));
        _exit(sendmsg(fd, &header, MSG_NOSIGNAL) == 1 ? 0 : 1);
    }
    return child;
}
