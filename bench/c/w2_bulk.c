/* W2: change the writeback state of the groups listed in a file through the
 * C ABI's bulk path (gwb_client_bulk_set, $batch, paced to the quotas).
 * Each line is a group id (W2b: the library reads the groups first), or an
 * id, a tab and the group's Graph JSON as a listing returned it (W2: no
 * reads). Prints one JSON line with the results by kind.
 *
 * usage: w2_bulk ENDPOINT TOKEN IDS_FILE STATE WRITES_PER_SECOND [RESOURCE_UNITS_PER_SECOND] */
#include "common.h"

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s ENDPOINT TOKEN IDS_FILE STATE WRITES_PER_SECOND [RESOURCE_UNITS_PER_SECOND]\n", argv[0]);
        return 2;
    }
    if (gwb_abi_version() != GWB_ABI_VERSION) {
        fprintf(stderr, "ABI mismatch\n");
        return 1;
    }
    FILE *f = fopen(argv[3], "r");
    if (!f) { perror(argv[3]); return 1; }
    size_t cap = 1 << 16, len = 0;
    char *changes = malloc(cap);
    if (!changes) return 1;
    changes[len++] = '[';
    char *line = NULL;
    size_t line_cap = 0;
    long n = 0;
    while (getline(&line, &line_cap, f) > 0 && n < 1000000) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0]) continue;
        char *group = strchr(line, '\t');
        if (group) *group++ = 0;
        size_t need = strlen(line) + strlen(argv[4]) + (group ? strlen(group) : 0) + 48;
        if (len + need + 2 > cap) {
            cap = cap * 2 + need;
            char *bigger = realloc(changes, cap);
            if (!bigger) { free(changes); free(line); fclose(f); return 1; }
            changes = bigger;
        }
        len += (size_t)snprintf(changes + len, cap - len, "%s{\"id\":\"%s\",\"state\":\"%s\"%s%s}",
                                n ? "," : "", line, argv[4], group ? ",\"group\":" : "", group ? group : "");
        n++;
    }
    free(line);
    fclose(f);
    changes[len++] = ']';
    changes[len] = 0;

    char options[1024];
    snprintf(options, sizeof options,
             "{\"endpoint\":\"%s\",\"auth\":\"accessToken\",\"writesPerSecond\":%s%s%s}",
             argv[1], argv[5], argc > 6 ? ",\"resourceUnitsPerSecond\":" : "", argc > 6 ? argv[6] : "");

    double t0 = bench_now();
    gwb_client *client = NULL;
    gwb_error *err = NULL;
    gwb_status st = gwb_client_new(options, argv[2], &client, &err);
    if (st != GWB_STATUS_OK) { bench_fail("gwb_client_new", st, err); free(changes); return 1; }
    gwb_bulk *bulk = NULL;
    st = gwb_client_bulk_set(client, changes, &bulk, &err);
    free(changes);
    if (st != GWB_STATUS_OK) { bench_fail("gwb_client_bulk_set", st, err); gwb_client_free(client); return 1; }

    long written = 0, nochange = 0, refused = 0, failed = 0, cancelled = 0;
    bool done = false;
    /* Bounded by time (20 minutes), not by a count of polls: a poll returns
     * as soon as any result is ready, so thousands of groups take thousands
     * of polls. */
    while (!done && bench_now() - t0 < 1200.0) {
        char *res = NULL;
        st = gwb_bulk_poll(bulk, 500, &res, &done, &err);
        if (st != GWB_STATUS_OK) { bench_fail("gwb_bulk_poll", st, err); break; }
        if (res) {
            written += bench_count_substr(res, "\"result\":\"written\"");
            nochange += bench_count_substr(res, "\"result\":\"noChange\"");
            refused += bench_count_substr(res, "\"result\":\"refused\"");
            failed += bench_count_substr(res, "\"result\":\"failed\"");
            cancelled += bench_count_substr(res, "\"result\":\"cancelled\"");
            gwb_string_free(res);
        }
    }
    if (!done) gwb_bulk_cancel(bulk);
    gwb_progress pr;
    memset(&pr, 0, sizeof pr);
    gwb_bulk_progress(bulk, &pr, NULL);
    double secs = bench_now() - t0;
    gwb_bulk_free(bulk);
    gwb_client_free(client);
    printf("{\"groups\":%ld,\"written\":%ld,\"noChange\":%ld,\"refused\":%ld,\"failed\":%ld,\"cancelled\":%ld,"
           "\"requests\":%llu,\"retries\":%llu,\"throttled\":%llu,\"pacingWaitMs\":%llu,\"throttleWaitMs\":%llu,"
           "\"done\":%s,\"seconds\":%.3f}\n",
           n, written, nochange, refused, failed, cancelled, (unsigned long long)pr.requests,
           (unsigned long long)pr.retries, (unsigned long long)pr.throttled,
           (unsigned long long)pr.pacing_wait_ms, (unsigned long long)pr.throttle_wait_ms,
           done ? "true" : "false", secs);
    return done ? 0 : 1;
}
