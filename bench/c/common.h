/* Shared helpers of the bench's C programs: timing, peak memory, errors,
 * and counting the elements of a JSON array without a JSON library. */
#ifndef GWB_BENCH_COMMON_H
#define GWB_BENCH_COMMON_H

#include "group_writeback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static inline double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Peak resident set size of this process, in KiB (Linux ru_maxrss). */
static inline long bench_maxrss_kib(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
    return ru.ru_maxrss;
}

static inline void bench_fail(const char *what, gwb_status st, gwb_error *err) {
    fprintf(stderr, "%s failed: status %d (%s): %s\n", what, (int)st,
            gwb_status_name((uint32_t)st) ? gwb_status_name((uint32_t)st) : "?",
            err && gwb_error_message(err) ? gwb_error_message(err) : "(no message)");
    gwb_error_free(err);
}

/* Number of elements of the JSON array that follows `"key":` in `json`
 * (0 when absent or empty). Strings are skipped so that brackets and commas
 * inside them do not count. */
static inline long bench_count_array(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *p = strstr(json, pattern);
    if (!p) return 0;
    p += strlen(pattern);
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++;
    if (*p != '[') return 0;
    p++;
    long n = 0;
    int depth = 0, any = 0;
    for (; *p; p++) {
        char c = *p;
        if (c == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1]) p++;
            if (!*p) break;
            any = 1;
            continue;
        }
        if (c == '[' || c == '{') { depth++; any = 1; continue; }
        if (c == ']' || c == '}') {
            if (depth == 0) break; /* end of the array */
            depth--;
            continue;
        }
        if (c == ',' && depth == 0) { n++; continue; }
        if (c != ' ' && c != '\n' && c != '\t' && c != '\r') any = 1;
    }
    return any ? n + 1 : 0;
}

/* Occurrences of `needle` in `hay`. */
static inline long bench_count_substr(const char *hay, const char *needle) {
    long n = 0;
    size_t len = strlen(needle);
    for (const char *p = strstr(hay, needle); p; p = strstr(p + len, needle)) n++;
    return n;
}

#endif
