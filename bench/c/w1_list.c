/* W1/W4: list every group through the C ABI and keep those that are written
 * back (gwb_client_list_groups with writtenBack:true), counting them. Prints
 * one JSON line: groups read, kept, pages, seconds, peak RSS.
 *
 * usage: w1_list ENDPOINT TOKEN [all]
 *   "all" lists without the writtenBack filter (memory runs: every group is
 *   explained and handed to the caller). */
#include "common.h"

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s ENDPOINT TOKEN [all]\n", argv[0]);
        return 2;
    }
    if (gwb_abi_version() != GWB_ABI_VERSION) {
        fprintf(stderr, "ABI mismatch: library %u, header %u\n", gwb_abi_version(), GWB_ABI_VERSION);
        return 1;
    }
    int all = argc > 3 && strcmp(argv[3], "all") == 0;
    char options[1024];
    snprintf(options, sizeof options, "{\"endpoint\":\"%s\",\"auth\":\"accessToken\"}", argv[1]);

    double t0 = bench_now();
    gwb_client *client = NULL;
    gwb_error *err = NULL;
    gwb_status st = gwb_client_new(options, argv[2], &client, &err);
    if (st != GWB_STATUS_OK) { bench_fail("gwb_client_new", st, err); return 1; }

    gwb_cursor *cursor = NULL;
    st = gwb_client_list_groups(client, all ? NULL : "{\"writtenBack\":true}", &cursor, &err);
    if (st != GWB_STATUS_OK) { bench_fail("gwb_client_list_groups", st, err); gwb_client_free(client); return 1; }

    long kept = 0, pages = 0;
    for (long guard = 0; guard < 10000000; guard++) {
        char *page = NULL;
        st = gwb_cursor_next(cursor, &page, &err);
        if (st != GWB_STATUS_OK) {
            bench_fail("gwb_cursor_next", st, err);
            gwb_cursor_free(cursor);
            gwb_client_free(client);
            return 1;
        }
        if (!page) break;
        kept += bench_count_array(page, "groups");
        pages++;
        gwb_string_free(page);
    }
    gwb_progress pr;
    memset(&pr, 0, sizeof pr);
    gwb_cursor_progress(cursor, &pr, NULL);
    double secs = bench_now() - t0;
    gwb_cursor_free(cursor);
    gwb_client_free(client);
    printf("{\"read\":%llu,\"kept\":%ld,\"pages\":%llu,\"requests\":%llu,\"retries\":%llu,\"throttled\":%llu,"
           "\"seconds\":%.3f,\"maxrssKiB\":%ld}\n",
           (unsigned long long)pr.groups_read, kept, (unsigned long long)pr.pages_read,
           (unsigned long long)pr.requests, (unsigned long long)pr.retries,
           (unsigned long long)pr.throttled, secs, bench_maxrss_kib());
    (void)pages;
    return 0;
}
