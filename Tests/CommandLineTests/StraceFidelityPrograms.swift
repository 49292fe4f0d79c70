/// The C programs the strace fidelity tests record: real IPC on this kernel, whose every call the importer must
/// read as its model allows (the kernel is right by definition, so a rejection is a model or importer bug).
enum StraceFidelityPrograms {
    /// Three processes: a pipe, a stream socket pair with a descriptor passed over it, a POSIX queue. `argv[1]`
    /// names the queue.
    static let pipeline = #"""
// Three processes: A feeds words through a pipe to B; B upper-cases them and sends them over a stream socket pair
// to C, then passes C the write end of a reply pipe (SCM_RIGHTS); C forwards what it receives into a POSIX queue,
// answers through the passed pipe, and ends the queue with "END"; A reads the queue.
#define _GNU_SOURCE
#include <ctype.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void must(int ok, const char *what) { if (!ok) { perror(what); exit(1); } }

static void send_fd(int socket, int fd) {
    char byte = 'R';
    struct iovec iov = {&byte, 1};
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof control);
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof fd);
    must(sendmsg(socket, &message, 0) == 1, "sendmsg");
}

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "/ipc-harness-strace-pipeline";
    int words[2], pair[2];
    must(pipe(words) == 0, "pipe");
    must(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0, "socketpair");
    mq_unlink(name);
    struct mq_attr attributes = {.mq_maxmsg = 8, .mq_msgsize = 64};
    mqd_t queue = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attributes);
    must(queue != (mqd_t)-1, "mq_open");

    pid_t b = fork();
    if (b == 0) {
        close(words[1]); close(pair[1]); mq_close(queue);
        char buffer[64];
        ssize_t n;
        while ((n = read(words[0], buffer, sizeof buffer)) > 0) {
            for (ssize_t i = 0; i < n; i++) buffer[i] = toupper((unsigned char)buffer[i]);
            must(write(pair[0], buffer, n) == n, "write");
        }
        int reply[2];
        must(pipe(reply) == 0, "pipe");
        send_fd(pair[0], reply[1]);
        close(reply[1]);
        while ((n = read(reply[0], buffer, sizeof buffer)) > 0) {}
        _exit(0);
    }
    pid_t c = fork();
    if (c == 0) {
        close(words[0]); close(words[1]); close(pair[0]);
        char buffer[64];
        for (;;) {
            char control[CMSG_SPACE(sizeof(int))];
            struct iovec iov = {buffer, sizeof buffer};
            struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
            ssize_t n = recvmsg(pair[1], &message, 0);
            if (n <= 0) break;
            struct cmsghdr *header = CMSG_FIRSTHDR(&message);
            if (header && header->cmsg_type == SCM_RIGHTS) {
                int fd;
                memcpy(&fd, CMSG_DATA(header), sizeof fd);
                must(write(fd, "done", 4) == 4, "write reply");
                close(fd);
                if (n > 1) must(mq_send(queue, buffer, n - 1, 1) == 0, "mq_send");
            } else {
                must(mq_send(queue, buffer, n, 1) == 0, "mq_send");
            }
        }
        must(mq_send(queue, "END", 3, 0) == 0, "mq_send");
        _exit(0);
    }
    close(words[0]); close(pair[0]); close(pair[1]);
    const char *sent[] = {"alpha ", "beta ", "gamma"};
    for (int i = 0; i < 3; i++) must(write(words[1], sent[i], strlen(sent[i])) == (ssize_t)strlen(sent[i]), "write");
    close(words[1]);
    char buffer[64];
    unsigned priority;
    for (;;) {
        ssize_t n = mq_receive(queue, buffer, sizeof buffer, &priority);
        must(n >= 0, "mq_receive");
        if (priority == 0 && n == 3 && memcmp(buffer, "END", 3) == 0) break;
    }
    waitpid(b, NULL, 0);
    waitpid(c, NULL, 0);
    mq_unlink(name);
    return 0;
}
"""#

    /// Each kernel mechanism's edges (EAGAIN, EPIPE, ECONNRESET, truncation, priorities, message types, ENXIO on a
    /// FIFO without a reader, a System V semaphore given back by its killed holder's SEM_UNDO, blocked signals coalescing and queueing) made by
    /// real calls. `argv[1]` names the POSIX queue.
    static let mechanisms = #"""
// Each kernel mechanism's edges, as the models describe them, made by real calls: strace records them and the
// importer checks them against the models (the kernel is right by definition).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void must(int ok, const char *what) { if (!ok) { perror(what); exit(1); } }

static void pipes(void) {
    int p[2];
    must(pipe2(p, O_NONBLOCK) == 0, "pipe2");
    char buffer[8192];
    must(read(p[0], buffer, 10) == -1 && errno == EAGAIN, "EAGAIN on empty");
    memset(buffer, 'x', sizeof buffer);
    ssize_t total = 0, n;
    while ((n = write(p[1], buffer, 4096)) > 0) total += n;   // fill to capacity, then EAGAIN
    must(errno == EAGAIN, "EAGAIN when full");
    while ((n = read(p[0], buffer, sizeof buffer)) > 0) {}
    close(p[0]);
    must(write(p[1], "x", 1) == -1 && errno == EPIPE, "EPIPE");
    close(p[1]);
}

static void sockets(void) {
    int d[2];
    must(socketpair(AF_UNIX, SOCK_DGRAM, 0, d) == 0, "socketpair dgram");
    must(send(d[0], "datagram!", 9, 0) == 9, "send");
    char buffer[64];
    struct iovec iov = {buffer, 4};
    struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1};
    must(recvmsg(d[1], &message, 0) == 4 && (message.msg_flags & MSG_TRUNC), "truncated");
    must(recv(d[1], buffer, sizeof buffer, MSG_DONTWAIT) == -1 && errno == EAGAIN, "EAGAIN dgram");
    close(d[1]);
    must(send(d[0], "x", 1, 0) == -1, "refused");
    close(d[0]);

    int s[2];
    must(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s) == 0, "socketpair seqpacket");
    must(write(s[0], "one", 3) == 3 && write(s[0], "two", 3) == 3, "write records");
    must(read(s[1], buffer, sizeof buffer) == 3, "read one record");
    close(s[0]);
    must(read(s[1], buffer, sizeof buffer) == 3, "the rest");
    must(read(s[1], buffer, sizeof buffer) == 0, "end of file");
    close(s[1]);

    int t[2];
    must(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, t) == 0, "socketpair stream");
    must(write(t[0], "abc", 3) == 3 && write(t[0], "def", 3) == 3, "write bytes");
    must(read(t[1], buffer, 4) == 4 && read(t[1], buffer, 10) == 2, "merged and split");
    must(read(t[1], buffer, 10) == -1 && errno == EAGAIN, "EAGAIN stream");
    must(write(t[0], "unread", 6) == 6, "bytes the peer never reads");
    close(t[1]);
    must(read(t[0], buffer, 10) == -1 && errno == ECONNRESET, "ECONNRESET");
    must(read(t[0], buffer, 10) == 0, "then end of file");
    close(t[0]);
}

static void events(void) {
    int e = eventfd(0, EFD_SEMAPHORE | EFD_NONBLOCK);
    must(e >= 0, "eventfd");
    uint64_t value = 2;
    must(write(e, &value, 8) == 8, "write");
    must(read(e, &value, 8) == 8 && value == 1, "one");
    must(read(e, &value, 8) == 8 && value == 1, "one more");
    must(read(e, &value, 8) == -1 && errno == EAGAIN, "EAGAIN");
    uint32_t small = 1;
    must(write(e, &small, 4) == -1 && errno == EINVAL, "EINVAL");
    close(e);
}

static const char *queueName = "/ipch-fid-mech";

static void queues(void) {
    mq_unlink(queueName);
    struct mq_attr attributes = {.mq_maxmsg = 2, .mq_msgsize = 16};
    mqd_t q = mq_open(queueName, O_RDWR | O_CREAT | O_EXCL | O_NONBLOCK, 0600, &attributes);
    must(q != (mqd_t)-1, "mq_open");
    char buffer[16];
    unsigned priority;
    must(mq_receive(q, buffer, 8, &priority) == -1 && errno == EMSGSIZE, "EMSGSIZE");
    must(mq_receive(q, buffer, 16, &priority) == -1 && errno == EAGAIN, "EAGAIN empty");
    must(mq_send(q, "low", 3, 1) == 0 && mq_send(q, "high", 4, 7) == 0, "send");
    must(mq_send(q, "full", 4, 1) == -1 && errno == EAGAIN, "EAGAIN full");
    must(mq_receive(q, buffer, 16, &priority) == 4 && priority == 7, "highest first");
    mq_unlink(queueName);
    must(mq_open(queueName, O_RDWR) == (mqd_t)-1 && errno == ENOENT, "ENOENT");
    must(mq_receive(q, buffer, 16, &priority) == 3, "still works");
    mq_close(q);

    int id = msgget(IPC_PRIVATE, 0600);
    must(id >= 0, "msgget");
    struct { long type; char text[16]; } message;
    long types[] = {3, 1, 2};
    for (int i = 0; i < 3; i++) {
        message.type = types[i];
        snprintf(message.text, sizeof message.text, "type %ld", types[i]);
        must(msgsnd(id, &message, 6, 0) == 0, "msgsnd");
    }
    must(msgrcv(id, &message, 16, 2, 0) == 6 && message.type == 2, "type 2");
    must(msgrcv(id, &message, 16, -3, 0) == 6 && message.type == 1, "lowest up to 3");
    must(msgrcv(id, &message, 2, 0, IPC_NOWAIT) == -1 && errno == E2BIG, "E2BIG");
    must(msgrcv(id, &message, 2, 0, MSG_NOERROR) == 2 && message.type == 3, "truncated");
    must(msgrcv(id, &message, 16, 0, IPC_NOWAIT) == -1 && errno == ENOMSG, "ENOMSG");
    must(msgctl(id, IPC_RMID, NULL) == 0, "IPC_RMID");
}

static void fifos(void) {
    char path[] = "/tmp/ipch-fid-fifo-XXXXXX";
    must(mkdtemp(path) != NULL, "mkdtemp");
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/f", path);
    must(mkfifo(fifo, 0600) == 0, "mkfifo");
    must(open(fifo, O_WRONLY | O_NONBLOCK) == -1 && errno == ENXIO, "ENXIO");
    pid_t child = fork();
    if (child == 0) {
        int r = open(fifo, O_RDONLY);
        char buffer[16];
        ssize_t n = read(r, buffer, sizeof buffer);
        while (n > 0) n = read(r, buffer, sizeof buffer);
        _exit(0);
    }
    int w = open(fifo, O_WRONLY);
    must(w >= 0 && write(w, "through the fifo", 16) == 16, "write");
    close(w);
    waitpid(child, NULL, 0);
    unlink(fifo);
    rmdir(path);
}

static void semaphores(void) {
    int id = semget(IPC_PRIVATE, 2, 0600);
    must(id >= 0, "semget");
    must(semctl(id, 0, SETVAL, 1) == 0, "SETVAL");
    int ready[2];
    must(pipe(ready) == 0, "pipe");
    pid_t holder = fork();
    if (holder == 0) {
        struct sembuf take = {0, -1, SEM_UNDO};
        must(semop(id, &take, 1) == 0, "take with undo");
        must(write(ready[1], "t", 1) == 1, "tell");
        for (;;) pause();
    }
    char byte;
    must(read(ready[0], &byte, 1) == 1, "wait for the holder");
    struct sembuf none = {0, -1, IPC_NOWAIT};
    must(semop(id, &none, 1) == -1 && errno == EAGAIN, "EAGAIN while held");
    kill(holder, SIGKILL);
    waitpid(holder, NULL, 0);
    struct sembuf take = {0, -1, 0}, give = {1, 2, 0};
    must(semop(id, &take, 1) == 0, "the undo gave it back");
    must(semop(id, &give, 1) == 0, "give two");
    struct timespec brief = {0, 1000};
    struct sembuf both[2] = {{1, -2, 0}, {0, -1, 0}};
    must(semtimedop(id, both, 2, &brief) == -1 && errno == EAGAIN, "all or none: timed out");
    must(semctl(id, 0, IPC_RMID) == 0, "IPC_RMID");
    close(ready[0]);
    close(ready[1]);
}

static void signals(void) {
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGRTMIN + 1);
    must(sigprocmask(SIG_BLOCK, &set, &old) == 0, "sigprocmask");
    pid_t receiver = getpid();
    pid_t sender = fork();
    if (sender == 0) {
        union sigval value;
        must(kill(receiver, SIGUSR2) == 0 && kill(receiver, SIGUSR2) == 0, "kill");
        value.sival_int = 7;
        must(sigqueue(receiver, SIGRTMIN + 1, value) == 0, "sigqueue");
        value.sival_int = 8;
        must(sigqueue(receiver, SIGRTMIN + 1, value) == 0, "sigqueue");
        _exit(0);
    }
    waitpid(sender, NULL, 0);
    siginfo_t info;
    struct timespec none = {0, 0};
    must(sigtimedwait(&set, &info, &none) == SIGUSR2, "one SIGUSR2 for two kills");
    must(sigtimedwait(&set, &info, &none) == SIGRTMIN + 1 && info.si_value.sival_int == 7, "queued in order");
    must(sigtimedwait(&set, &info, &none) == SIGRTMIN + 1 && info.si_value.sival_int == 8, "queued in order");
    must(sigtimedwait(&set, &info, &none) == -1 && errno == EAGAIN, "nothing left");
    must(kill(receiver, SIGUSR1) == 0 && sigwaitinfo(&set, &info) == SIGUSR1, "to itself");
    must(kill(sender, SIGUSR1) == -1 && errno == ESRCH, "ESRCH once reaped");
    must(sigprocmask(SIG_SETMASK, &old, NULL) == 0, "sigprocmask");
}

int main(int argc, char **argv) {
    if (argc > 1) queueName = argv[1];
    signal(SIGPIPE, SIG_IGN);
    pipes();
    sockets();
    events();
    queues();
    fifos();
    semaphores();
    signals();
    return 0;
}
"""#
}
