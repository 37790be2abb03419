/* Shared check macros of the C test programs: each check is counted, and a
 * failure prints file:line, the expression and what was seen. */
#ifndef GWB_TEST_CHECK_H
#define GWB_TEST_CHECK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "group_writeback.h"

static atomic_int passes;
static atomic_int failures;

static const char *or_null(const char *s) { return s ? s : "(NULL)"; }

static void print_excerpt(const char *label, const char *s) {
  if (!s) {
    fprintf(stderr, "    %s: (NULL)\n", label);
    return;
  }
  size_t n = strlen(s);
  fprintf(stderr, "    %s: \"%.*s\"%s\n", label, (int)(n > 400 ? 400 : n), s, n > 400 ? "..." : "");
}

static bool record(bool ok, const char *file, int line, const char *what, const char *expr) {
  if (ok) {
    atomic_fetch_add(&passes, 1);
  } else {
    atomic_fetch_add(&failures, 1);
    fprintf(stderr, "%s:%d: %s failed: %s\n", file, line, what, expr);
  }
  return ok;
}

#define CHECK(expr) record((expr) ? true : false, __FILE__, __LINE__, "CHECK", #expr)

#define CHECK_UINT(actual, expected) \
  check_uint_at((uint64_t)(actual), (uint64_t)(expected), #actual " == " #expected, __FILE__, __LINE__)
static bool check_uint_at(uint64_t got, uint64_t want, const char *expr, const char *file, int line) {
  bool ok = record(got == want, file, line, "CHECK_UINT", expr);
  if (!ok) fprintf(stderr, "    got %llu, expected %llu\n", (unsigned long long)got, (unsigned long long)want);
  return ok;
}

#define CHECK_STATUS(actual, expected) \
  check_status_at((actual), (expected), #actual " == " #expected, __FILE__, __LINE__)
static bool check_status_at(gwb_status got, gwb_status want, const char *expr, const char *file, int line) {
  bool ok = record(got == want, file, line, "CHECK_STATUS", expr);
  if (!ok)
    fprintf(stderr, "    got %u (%s), expected %u (%s)\n", (unsigned)got, or_null(gwb_status_name(got)),
            (unsigned)want, or_null(gwb_status_name(want)));
  return ok;
}

#define CHECK_STR(actual, expected) check_str_at((actual), (expected), #actual " == " #expected, __FILE__, __LINE__)
static bool check_str_at(const char *got, const char *want, const char *expr, const char *file, int line) {
  bool same = (got == NULL && want == NULL) || (got != NULL && want != NULL && strcmp(got, want) == 0);
  bool ok = record(same, file, line, "CHECK_STR", expr);
  if (!ok) {
    print_excerpt("got", got);
    print_excerpt("expected", want);
  }
  return ok;
}

#define CHECK_HAS(haystack, needle) check_has_at((haystack), (needle), #haystack " has " #needle, __FILE__, __LINE__)
static bool check_has_at(const char *haystack, const char *needle, const char *expr, const char *file, int line) {
  bool ok = record(haystack != NULL && strstr(haystack, needle) != NULL, file, line, "CHECK_HAS", expr);
  if (!ok) {
    print_excerpt("in", haystack);
    print_excerpt("looked for", needle);
  }
  return ok;
}

#define CHECK_LACKS(haystack, needle) \
  check_lacks_at((haystack), (needle), #haystack " lacks " #needle, __FILE__, __LINE__)
static bool check_lacks_at(const char *haystack, const char *needle, const char *expr, const char *file, int line) {
  bool ok = record(haystack != NULL && strstr(haystack, needle) == NULL, file, line, "CHECK_LACKS", expr);
  if (!ok) print_excerpt("in", haystack);
  return ok;
}

#endif
