// Typed wrappers for libcurl's variadic calls, which Swift cannot import
// (see ../shared/docs/INTEROP.md). Everything here is a thin, total function.
#ifndef AIRLOCK_CCURL_SHIM_H
#define AIRLOCK_CCURL_SHIM_H

#include <curl/curl.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#include <stdint.h>
#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

typedef size_t (*airlock_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef curl_socket_t (*airlock_opensocket_cb)(void *clientp, curlsocktype purpose, struct curl_sockaddr *address);

static inline CURLcode airlock_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode airlock_easy_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode airlock_easy_setopt_ptr(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode airlock_easy_setopt_str(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode airlock_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode airlock_easy_setopt_data_cb(CURL *h, CURLoption o, airlock_data_cb v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode airlock_easy_setopt_opensocket_cb(CURL *h, airlock_opensocket_cb v) { return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, v); }

static inline CURLcode airlock_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode airlock_easy_getinfo_ptr(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode airlock_easy_getinfo_str(CURL *h, CURLINFO i, const char **v) { return curl_easy_getinfo(h, i, v); }

static inline CURLMcode airlock_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode airlock_multi_setopt_ptr(CURLM *m, CURLMoption o, void *v) { return curl_multi_setopt(m, o, v); }

typedef int (*airlock_socket_cb)(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp);
typedef int (*airlock_timer_cb)(CURLM *multi, long timeout_ms, void *userp);
static inline CURLMcode airlock_multi_setopt_socket_cb(CURLM *m, airlock_socket_cb v) { return curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, v); }
static inline CURLMcode airlock_multi_setopt_timer_cb(CURLM *m, airlock_timer_cb v) { return curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, v); }

// epoll and eventfd for the engine's event loop. epoll_event is a packed struct on x86_64,
// which Swift cannot import faithfully, so it never crosses into Swift.
static inline int airlock_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

/// Registers or updates `fd` for reading (`in`), writing (`out`) or both.
static inline int airlock_epoll_set(int epfd, int fd, int in, int out) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = (in ? EPOLLIN : 0) | (out ? EPOLLOUT : 0);
    ev.data.fd = fd;
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) == 0) return 0;
    if (errno == ENOENT) return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    return -1;
}

static inline int airlock_epoll_remove(int epfd, int fd) { return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL); }

/// Waits up to `timeout_ms` (-1 = forever); fills `fds` and curl's CURL_CSELECT_* flags.
static inline int airlock_epoll_wait(int epfd, int *fds, int *flags, int max, int timeout_ms) {
    struct epoll_event events[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, events, max, timeout_ms);
    for (int i = 0; i < n; i++) {
        fds[i] = events[i].data.fd;
        int f = 0;
        if (events[i].events & (EPOLLIN | EPOLLRDHUP)) f |= CURL_CSELECT_IN;
        if (events[i].events & EPOLLOUT) f |= CURL_CSELECT_OUT;
        if (events[i].events & (EPOLLERR | EPOLLHUP)) f |= CURL_CSELECT_ERR;
        flags[i] = f;
    }
    return n;
}

static inline int airlock_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
static inline void airlock_eventfd_signal(int fd) { uint64_t one = 1; ssize_t r = write(fd, &one, sizeof one); (void)r; }
static inline void airlock_eventfd_drain(int fd) { uint64_t v; ssize_t r = read(fd, &v, sizeof v); (void)r; }
static inline int airlock_socket_timeout(void) { return CURL_SOCKET_TIMEOUT; }

/// The address curl is about to connect to: writes 4 or 16 bytes to `out` and the port
/// to `*port`; returns 4 or 6, or 0 for any other family (which the caller refuses).
static inline int airlock_sockaddr_ip(const struct curl_sockaddr *a, unsigned char out[16], int *port) {
    if (a->family == AF_INET && a->addrlen >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)&a->addr;
        memcpy(out, &s->sin_addr, 4);
        *port = ntohs(s->sin_port);
        return 4;
    }
    if (a->family == AF_INET6 && a->addrlen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)&a->addr;
        memcpy(out, &s->sin6_addr, 16);
        *port = ntohs(s->sin6_port);
        return 6;
    }
    return 0;
}

/// Creates the socket curl asked for (an opensocket callback that allows must do this itself).
static inline curl_socket_t airlock_open_socket(const struct curl_sockaddr *a) {
    return socket(a->family, a->socktype, a->protocol);
}

static inline curl_socket_t airlock_socket_bad(void) { return CURL_SOCKET_BAD; }

#endif
