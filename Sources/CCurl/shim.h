// Typed wrappers for libcurl's variadic calls, which Swift cannot import
// (variadic C functions). Everything here is a thin, total function.
#ifndef AIRLOCK_CCURL_SHIM_H
#define AIRLOCK_CCURL_SHIM_H

#include <curl/curl.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

typedef size_t (*airlock_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef curl_socket_t (*airlock_opensocket_cb)(void *clientp, curlsocktype purpose, struct curl_sockaddr *address);

static inline CURLcode airlock_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode airlock_easy_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode airlock_easy_setopt_ptr(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode airlock_easy_setopt_str(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode airlock_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode airlock_easy_setopt_data_cb(CURL *h, CURLoption o, airlock_data_cb v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode airlock_easy_setopt_opensocket_cb(CURL *h, airlock_opensocket_cb v) { return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, v); }
static inline CURLcode airlock_easy_setopt_prereq_cb(CURL *h, curl_prereq_callback v) { return curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, v); }

static inline CURLcode airlock_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode airlock_easy_getinfo_ptr(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode airlock_easy_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode airlock_easy_getinfo_str(CURL *h, CURLINFO i, const char **v) { return curl_easy_getinfo(h, i, v); }

static inline CURLMcode airlock_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }

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

/// The numeric address `text` (libcurl's CURLINFO_PRIMARY_IP form): writes 4 or 16 bytes to `out`
/// and returns 4 or 6, or 0 if it is not an IPv4 or IPv6 address.
static inline int airlock_parse_ip(const char *text, unsigned char out[16]) {
    if (inet_pton(AF_INET, text, out) == 1) return 4;
    if (inet_pton(AF_INET6, text, out) == 1) return 6;
    return 0;
}

/// Creates the socket curl asked for (an opensocket callback that allows must do this itself).
static inline curl_socket_t airlock_open_socket(const struct curl_sockaddr *a) {
    return socket(a->family, a->socktype, a->protocol);
}

static inline curl_socket_t airlock_socket_bad(void) { return CURL_SOCKET_BAD; }

#endif
