/* The floor under Airlock's upstream side: one thread driving libcurl's multi interface the way
 * Airlock's engine does (curl_multi_perform + curl_multi_poll, one connection cache, keep-alive,
 * each transfer on a reset easy handle with the options Airlock sets, an opensocket callback),
 * CONCURRENCY transfers in flight against URL until TOTAL are done. No proxy server, no policy,
 * no audit, no hand-off between threads. Prints one line:
 *   CURLBENCH transfers=N seconds=S cpu_us_per_transfer=C
 * Built and run by bench/proxy-bench.sh:  cc -O2 curl-multi-bench.c -lcurl
 * Usage: curl-multi-bench URL TOTAL CONCURRENCY */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

static size_t body_cb(char *p, size_t s, size_t n, void *u) { (void)p; *(long *)u += (long)(s * n); return s * n; }
static size_t header_cb(char *p, size_t s, size_t n, void *u) { (void)p; (void)u; return s * n; }
static curl_socket_t open_cb(void *u, curlsocktype purpose, struct curl_sockaddr *a) {
    (void)u; (void)purpose;
    return socket(a->family, a->socktype, a->protocol);
}

static void configure(CURL *e, const char *url, struct curl_slist *headers, long *bytes) {
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)(5 << 20));
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, bytes);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_cb);
}

static double cpu_seconds(void) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_utime.tv_sec + r.ru_stime.tv_sec + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: curl-multi-bench URL TOTAL CONCURRENCY\n"); return 2; }
    const char *url = argv[1];
    int total = atoi(argv[2]), concurrency = atoi(argv[3]);
    if (total <= 0 || concurrency <= 0) { fprintf(stderr, "TOTAL and CONCURRENCY must be positive\n"); return 2; }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 1;
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 256L);
    struct curl_slist *headers = curl_slist_append(NULL, "Accept:");
    headers = curl_slist_append(headers, "Expect:");
    long bytes = 0;
    int started = 0, done = 0, failed = 0, running = 0;
    for (; started < concurrency && started < total; started++) {
        CURL *e = curl_easy_init();
        configure(e, url, headers, &bytes);
        curl_multi_add_handle(multi, e);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double cpu0 = cpu_seconds();
    while (done < total) {
        curl_multi_perform(multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(multi, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            CURL *e = msg->easy_handle;
            if (msg->data.result != CURLE_OK) failed++;
            done++;
            curl_multi_remove_handle(multi, e);
            if (started < total) {
                configure(e, url, headers, &bytes);
                curl_multi_add_handle(multi, e);
                started++;
            } else {
                curl_easy_cleanup(e);
            }
        }
        if (done < total) curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
    double cpu = cpu_seconds() - cpu0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("CURLBENCH transfers=%d failed=%d seconds=%.3f cpu_us_per_transfer=%.1f bytes=%ld\n",
           done, failed, secs, cpu * 1e6 / done, bytes);
    curl_slist_free_all(headers);
    curl_multi_cleanup(multi);
    return failed == 0 ? 0 : 1;
}
