/*
 * util.c - allocation wrappers, number parsing, clocks and small helpers.
 */
#include "arbiusd/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(size_t n)
{
    static const char msg[] = "arbiusd: out of memory\n";
    ssize_t r = write(STDERR_FILENO, msg, sizeof(msg) - 1);

    (void)r;
    (void)n;
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        oom(n);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p;

    if (size && nmemb > SIZE_MAX / size)
        oom(SIZE_MAX);
    p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        oom(nmemb * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (!q)
        oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

int util_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;

    if (!s || !*s)
        return -1;
    for (; *p; p++) {
        unsigned d;

        if (*p < '0' || *p > '9')
            return -1;
        d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

uint64_t util_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t util_now_ms(void)
{
    return util_now_us() / 1000u;
}

int64_t util_wall_s(void)
{
    return (int64_t)time(NULL);
}

int util_memeq_ct(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    unsigned char d = 0;
    size_t i;

    for (i = 0; i < n; i++)
        d |= (unsigned char)(x[i] ^ y[i]);
    return d;
}

int util_random(void *buf, size_t n)
{
    unsigned char *p = buf;

    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int util_read_file(const char *path, size_t max, char **outp, size_t *lenp)
{
    struct stat st;
    char *data = NULL;
    size_t len = 0, cap;
    int fd, ret = -1, saved;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0)
        goto out;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        goto out;
    }
    cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
    if (cap > max + 1)
        cap = max + 1;
    data = xmalloc(cap);
    for (;;) {
        ssize_t r;

        if (len + 1 >= cap) {
            if (len >= max) {
                errno = EFBIG;
                goto out;
            }
            cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            data = xrealloc(data, cap);
        }
        r = read(fd, data + len, cap - 1 - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    data[len] = '\0';
    *outp = data;
    if (lenp)
        *lenp = len;
    data = NULL;
    ret = 0;
out:
    saved = errno;
    free(data);
    close(fd);
    errno = saved;
    return ret;
}
