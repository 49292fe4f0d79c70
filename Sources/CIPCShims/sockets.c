#include "ipc_sockets.h"

#include <linux/sockios.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <unistd.h>

int ipc_sock_stream(void) { return SOCK_STREAM; }
int ipc_sock_dgram(void) { return SOCK_DGRAM; }
int ipc_sock_seqpacket(void) { return SOCK_SEQPACKET; }

int ipc_unix_socketpair(int type, int fds[2]) { return socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds); }

int ipc_unix_socket(int type) { return socket(AF_UNIX, type | SOCK_CLOEXEC, 0); }

int ipc_unix_address(void *storage, size_t capacity, const char *name, size_t length, int abstract) {
    struct sockaddr_un address;
    // A path needs its terminating NUL; an abstract name needs its leading one.
    size_t room = sizeof(address.sun_path) - 1;
    if (length > room || capacity < sizeof(address)) return -1;
    memset(&address, 0, sizeof(address));
    address.sun_family = AF_UNIX;
    memcpy(address.sun_path + (abstract ? 1 : 0), name, length);
    memcpy(storage, &address, sizeof(address));
    return (int)(offsetof(struct sockaddr_un, sun_path) + length + 1);
}

int ipc_unix_address_name(const void *storage, int length, char *name, size_t capacity, int *abstract) {
    const struct sockaddr_un *address = storage;
    int pathLength = length - (int)offsetof(struct sockaddr_un, sun_path);
    *abstract = 0;
    if (pathLength <= 0) return 0;
    const char *path = address->sun_path;
    if (path[0] == '\0') {
        *abstract = 1;
        path++;
        pathLength--;
    } else {
        pathLength = (int)strnlen(path, (size_t)pathLength);
    }
    if ((size_t)pathLength > capacity) pathLength = (int)capacity;
    memcpy(name, path, (size_t)pathLength);
    return pathLength;
}

size_t ipc_unix_address_capacity(void) { return sizeof(struct sockaddr_un); }

int ipc_accept(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC); }
int ipc_accept_flags(int fd, int flags) { return accept4(fd, NULL, NULL, flags); }

size_t ipc_cmsg_space_for_descriptors(int count) { return CMSG_SPACE(sizeof(int) * (size_t)count); }

size_t ipc_scm_rights_pack(void *control, size_t capacity, const int *descriptors, int count) {
    size_t space = CMSG_SPACE(sizeof(int) * (size_t)count);
    if (count <= 0 || space > capacity) return 0;
    memset(control, 0, space);
    struct msghdr message = {.msg_control = control, .msg_controllen = space};
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)count);
    memcpy(CMSG_DATA(header), descriptors, sizeof(int) * (size_t)count);
    return space;
}

int ipc_scm_rights_unpack(void *control, size_t length, int *descriptors, int capacity) {
    struct msghdr message = {.msg_control = control, .msg_controllen = length};
    int found = 0;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        int count = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int index = 0; index < count; index++) {
            int descriptor;
            memcpy(&descriptor, CMSG_DATA(header) + sizeof(int) * (size_t)index, sizeof(int));
            if (found < capacity) descriptors[found] = descriptor;
            found++;
        }
    }
    return found;
}

long ipc_send_message(
    int fd, const void *data, size_t length, const void *address, int addressLength, const void *control,
    size_t controlLength, int flags) {
    struct iovec vector = {.iov_base = (void *)data, .iov_len = length};
    struct msghdr message = {
        .msg_name = (void *)address, .msg_namelen = address ? (socklen_t)addressLength : 0,
        .msg_iov = &vector, .msg_iovlen = 1,
        .msg_control = (void *)control, .msg_controllen = control ? controlLength : 0,
    };
    return sendmsg(fd, &message, flags);
}

long ipc_receive_message(
    int fd, void *data, size_t length, void *address, int *addressLength, void *control, size_t *controlLength,
    int *messageFlags, int flags) {
    struct iovec vector = {.iov_base = data, .iov_len = length};
    struct msghdr message = {
        .msg_name = address, .msg_namelen = address ? (socklen_t)*addressLength : 0,
        .msg_iov = &vector, .msg_iovlen = 1,
        .msg_control = control, .msg_controllen = control ? *controlLength : 0,
    };
    long result = recvmsg(fd, &message, flags);
    if (address) *addressLength = (int)message.msg_namelen;
    *controlLength = control ? message.msg_controllen : 0;
    *messageFlags = message.msg_flags;
    return result;
}

int ipc_msg_ctrunc(void) { return MSG_CTRUNC; }
int ipc_msg_cmsg_cloexec(void) { return MSG_CMSG_CLOEXEC; }

int ipc_peer_pid(int fd) {
    struct ucred credentials;
    socklen_t length = sizeof(credentials);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == -1) return -1;
    return credentials.pid;
}

int ipc_peer_credentials(int fd, int *pid, unsigned *uid, unsigned *gid) {
    struct ucred credentials;
    socklen_t length = sizeof(credentials);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == -1) return -1;
    *pid = credentials.pid;
    *uid = credentials.uid;
    *gid = credentials.gid;
    return 0;
}

int ipc_child_listen_or_connect(
    int fd, int backlog, int type, const void *address, int length, int uid, int gid, int *status) {
    pid_t child = fork();
    if (child == -1) return -1;
    if (child == 0) {
        // Only async-signal-safe calls here: the parent may have other threads.
        if (gid >= 0 && setresgid(gid, gid, gid) == -1) _exit(errno);
        if (uid >= 0 && setresuid(uid, uid, uid) == -1) _exit(errno);
        if (!address) _exit(listen(fd, backlog) == -1 ? errno : 0);
        int socket_ = socket(AF_UNIX, type, 0);
        if (socket_ == -1) _exit(errno);
        _exit(connect(socket_, address, (socklen_t)length) == -1 ? errno : 0);
    }
    int wait = 0;
    while (waitpid(child, &wait, 0) == -1) {
        if (errno != EINTR) return -1;
    }
    *status = WIFEXITED(wait) ? WEXITSTATUS(wait) : 255;
    return child;
}

int ipc_peer_address(int fd, void *storage, int *length) {
    socklen_t size = (socklen_t)*length;
    int result = getpeername(fd, storage, &size);
    *length = (int)size;
    return result;
}

int ipc_socket_address(int fd, void *storage, int *length) {
    socklen_t size = (socklen_t)*length;
    int result = getsockname(fd, storage, &size);
    *length = (int)size;
    return result;
}

int ipc_send_buffer_size(int fd) {
    int size = 0;
    socklen_t length = sizeof(size);
    if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &length) == -1) return -1;
    return size;
}

int ipc_socket_output_queue(int fd) {
    int bytes = 0;
    if (ioctl(fd, SIOCOUTQ, &bytes) == -1) return -1;
    return bytes;
}

int ipc_descriptor_kind(int fd) {
    struct stat status;
    if (fstat(fd, &status) == -1) return -1;
    if (S_ISFIFO(status.st_mode)) return 1;
    if (!S_ISSOCK(status.st_mode)) return 0;
    int type = 0;
    socklen_t length = sizeof(type);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == -1) return 0;
    switch (type) {
    case SOCK_STREAM: return 2;
    case SOCK_DGRAM: return 3;
    case SOCK_SEQPACKET: return 4;
    default: return 0;
    }
}

int ipc_socket_input_queue(int fd) {
    int bytes = 0;
    if (ioctl(fd, SIOCINQ, &bytes) == -1) return -1;
    return bytes;
}

int ipc_socket_at_mark(int fd) {
    int answer = 0;
    if (ioctl(fd, SIOCATMARK, &answer) == -1) return -1;
    return answer;
}

int ipc_socket_int_option_at(int fd, int level, int option, int *value) {
    socklen_t length = sizeof *value;
    return getsockopt(fd, level, option, value, &length);
}

int ipc_set_socket_int_option_at(int fd, int level, int option, int value) {
    return setsockopt(fd, level, option, &value, sizeof value);
}

int ipc_set_socket_timeval_option(int fd, int option, long seconds, long microseconds) {
    struct timeval value = {.tv_sec = seconds, .tv_usec = microseconds};
    return setsockopt(fd, SOL_SOCKET, option, &value, sizeof value);
}

int ipc_socket_timeval_option(int fd, int option, long *seconds, long *microseconds) {
    struct timeval value = {0, 0};
    socklen_t length = sizeof value;
    int result = getsockopt(fd, SOL_SOCKET, option, &value, &length);
    *seconds = value.tv_sec;
    *microseconds = value.tv_usec;
    return result;
}
