/*
 * notify_listen - a NOTIFY_SOCKET for tests: binds a unix datagram socket
 * at PATH and prints every datagram received on one line (newlines inside
 * a datagram become spaces), flushing each line, until killed.
 *
 *   notify_listen PATH
 * prints "listening PATH" first.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct sockaddr_un sa;
    char buf[4096];
    int fd;

    if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "usage: notify_listen PATH (shorter than %zu)\n",
                sizeof(sa.sun_path));
        return 2;
    }
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, argv[1], strlen(argv[1]));
    unlink(argv[1]);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror("bind");
        return 1;
    }
    printf("listening %s\n", argv[1]);
    fflush(stdout);
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
        ssize_t i;

        if (n < 0) {
            perror("recv");
            return 1;
        }
        for (i = 0; i < n; i++)
            if (buf[i] == '\n')
                buf[i] = ' ';
        buf[n] = '\0';
        printf("%s\n", buf);
        fflush(stdout);
    }
}
