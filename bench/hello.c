/*
 * hello.c - the reference for bench/http: a bare libmicrohttpd server
 * answering every request with a fixed 13-byte body, started with the same
 * daemon flags and options as src/web/http.c (internal polling thread,
 * epoll, thread pool, connection limit and timeout, suspend/resume).
 *
 *   hello [THREADS]     listens on 127.0.0.1, an ephemeral port; prints
 *                       "port N" on stdout, runs until SIGINT/SIGTERM.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char BODY[] = "Hello, world\n";

/* Answers every request with BODY from one shared persistent response,
 * on the second callback as http.c does (queueing on the first makes
 * libmicrohttpd close the connection after the reply). */
static enum MHD_Result hello_cb(void *cls, struct MHD_Connection *conn,
                                const char *url, const char *method,
                                const char *version, const char *upload,
                                size_t *upload_size, void **req_cls)
{
    static int marker;
    struct MHD_Response *r = cls;

    (void)url;
    (void)method;
    (void)version;
    (void)upload;
    (void)upload_size;
    if (!*req_cls) {
        *req_cls = &marker;
        return MHD_YES;
    }
    return MHD_queue_response(conn, MHD_HTTP_OK, r);
}

int main(int argc, char **argv)
{
    unsigned threads = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 4;
    struct sockaddr_in sa;
    struct MHD_Response *r;
    struct MHD_Daemon *d;
    const union MHD_DaemonInfo *info;
    sigset_t set;
    int sig;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r = MHD_create_response_from_buffer(sizeof(BODY) - 1, BODY,
                                        MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/plain; charset=utf-8");
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                             MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME,
                         0, NULL, NULL, hello_cb, r,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_THREAD_POOL_SIZE, threads,
                         MHD_OPTION_CONNECTION_LIMIT, 512u,
                         MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)128 * 1024,
                         MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "hello: cannot start the daemon\n");
        return 1;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("port %u\n", info ? (unsigned)info->port : 0u);
    fflush(stdout);
    if (sigwait(&set, &sig) != 0)
        sig = SIGTERM;
    MHD_stop_daemon(d);
    MHD_destroy_response(r);
    return 0;
}
