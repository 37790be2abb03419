/*
 * C client tests for the group-writeback C ABI (include/group_writeback.h).
 *
 * Every exported entry point is called with good and bad input; failures
 * are checked for the exact status, an error object whose message names
 * what was wrong, and out-params left untouched. Run under AddressSanitizer
 * and UBSan (make test-c) and under valgrind (make test-c-valgrind).
 *
 * Usage: test_abi [FIXTURES_DIR]   (default: GWB_FIXTURES_DIR, set by make;
 * the bodies Microsoft's documentation prints, as kept in tests/fixtures)
 * Last line of output: "N passed, M failed"; the exit status is non-zero
 * when anything failed.
 */
#define _POSIX_C_SOURCE 200809L

#include "group_writeback.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GWB_FIXTURES_DIR
#define GWB_FIXTURES_DIR "tests/fixtures"
#endif

/* ------------------------------------------------------------------ checks */

#include "check.h"

static const char *fixtures_dir = GWB_FIXTURES_DIR;

/*
 * A failed call: `status` is `want`, `*err` is a new error with the same
 * status, a non-empty message naming `needle`, and no Graph detail (these
 * errors are local). Frees the error.
 */
#define CHECK_ERROR(status, err, want, needle) \
  check_error_at((status), &(err), (want), (needle), #status, __FILE__, __LINE__)
static void check_error_at(gwb_status status, gwb_error **err, gwb_status want, const char *needle,
                           const char *expr, const char *file, int line) {
  check_status_at(status, want, expr, file, line);
  if (!record(*err != NULL, file, line, "CHECK_ERROR", "an error object was returned")) return;
  check_status_at(gwb_error_status(*err), want, "gwb_error_status(err)", file, line);
  const char *msg = gwb_error_message(*err);
  record(msg != NULL && msg[0] != '\0', file, line, "CHECK_ERROR", "the error message is not empty");
  check_has_at(msg, needle, "the error message names what was wrong", file, line);
  record(gwb_error_graph_code(*err) == NULL, file, line, "CHECK_ERROR", "no Graph error code on a local error");
  record(gwb_error_request_id(*err) == NULL, file, line, "CHECK_ERROR", "no request id on a local error");
  gwb_error_free(*err);
  *err = NULL;
}

/* Out-param sentinels: a failing call must leave these in place. */
static char sentinel_byte;
#define GROUP_SENTINEL ((gwb_group *)(void *)&sentinel_byte)
#define CHANGE_SENTINEL ((gwb_change *)(void *)&sentinel_byte)
#define STRING_SENTINEL (&sentinel_byte)
#define STATE_SENTINEL 0xDEADu

/* ------------------------------------------------------------------ helpers */

static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long n = ftell(f);
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
      buf = malloc((size_t)n + 1);
      if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = '\0';
      } else {
        free(buf);
        buf = NULL;
      }
    }
  }
  fclose(f);
  return buf;
}

/* A fixture's text (a new string), or NULL after a failed check. */
#define FIXTURE(rel) fixture_at((rel), __FILE__, __LINE__)
static char *fixture_at(const char *rel, const char *file, int line) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", fixtures_dir, rel);
  char *text = read_text(path);
  if (!record(text != NULL, file, line, "FIXTURE", "the fixture file can be read")) fprintf(stderr, "    %s\n", path);
  return text;
}

/*
 * Element `index` of the JSON array under `"key"` in `doc` (a list
 * response's "value"), as a new string; NULL when there is no such element.
 * A small scanner: strings with escapes, nested arrays and objects.
 */
static char *array_element(const char *doc, const char *key, size_t index) {
  char pattern[128];
  snprintf(pattern, sizeof pattern, "\"%s\"", key);
  const char *p = strstr(doc, pattern);
  if (!p) return NULL;
  p += strlen(pattern);
  while (isspace((unsigned char)*p) || *p == ':') p++;
  if (*p != '[') return NULL;
  p++;
  for (size_t current = 0;; current++) {
    while (isspace((unsigned char)*p)) p++;
    if (*p == ']' || *p == '\0') return NULL;
    const char *start = p;
    int depth = 0;
    bool in_string = false;
    for (; *p; p++) {
      char c = *p;
      if (in_string) {
        if (c == '\\' && p[1]) p++;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '[' || c == '{') {
        depth++;
      } else if (c == ']' || c == '}') {
        if (depth == 0) break;
        depth--;
      } else if (c == ',' && depth == 0) {
        break;
      }
    }
    if (current == index) {
      size_t n = (size_t)(p - start);
      while (n > 0 && isspace((unsigned char)start[n - 1])) n--;
      char *out = malloc(n + 1);
      if (!out) return NULL;
      memcpy(out, start, n);
      out[n] = '\0';
      return out;
    }
    if (*p != ',') return NULL;
    p++;
  }
}

/* Parses `json`, checking success; the group or NULL. */
#define PARSE(json) parse_at((json), __FILE__, __LINE__)
static gwb_group *parse_at(const char *json, const char *file, int line) {
  gwb_group *g = NULL;
  gwb_error *err = NULL;
  gwb_status st = gwb_group_parse(json, &g, &err);
  if (!check_status_at(st, GWB_STATUS_OK, "gwb_group_parse(json) == GWB_STATUS_OK", file, line)) {
    print_excerpt("json", json);
    print_excerpt("error", gwb_error_message(err));
    gwb_error_free(err);
    return NULL;
  }
  record(g != NULL && err == NULL, file, line, "PARSE", "a group and no error");
  return g;
}

/* The properties that decide the kind, as JSON members. */
#define P_M365 "\"id\":\"m365-1\",\"displayName\":\"Sales\",\"groupTypes\":[\"Unified\"],\"securityEnabled\":false,\"mailEnabled\":true"
#define P_SEC "\"id\":\"sec-1\",\"displayName\":\"Ops\",\"groupTypes\":[],\"securityEnabled\":true,\"mailEnabled\":false"
#define P_MES "\"id\":\"mes-1\",\"displayName\":\"Auditors\",\"groupTypes\":[],\"securityEnabled\":true,\"mailEnabled\":true"
#define P_DIST "\"id\":\"dl-1\",\"displayName\":\"Golf Discussion\",\"groupTypes\":[],\"securityEnabled\":false,\"mailEnabled\":true"
#define P_SYNCED_M365 P_M365 ",\"onPremisesSyncEnabled\":true"
#define P_SYNCED_SEC P_SEC ",\"onPremisesSyncEnabled\":true"
#define P_UNSYNCED_SEC P_SEC ",\"onPremisesSyncEnabled\":false"
#define P_DYN_M365 "\"id\":\"dyn-1\",\"displayName\":\"Dyn\",\"groupTypes\":[\"Unified\",\"DynamicMembership\"],\"securityEnabled\":false,\"mailEnabled\":true"
#define P_DYN_SEC "\"id\":\"dyn-2\",\"displayName\":\"DynSec\",\"groupTypes\":[\"DynamicMembership\"],\"securityEnabled\":true,\"mailEnabled\":false"
#define P_UNDETERMINED "\"id\":\"u-1\",\"displayName\":\"Selected\""

/* JSON fragments for writebackConfiguration's values. */
#define J_NULL "null"
#define J_TRUE "true"
#define J_FALSE "false"
#define J_UDG "\"universalDistributionGroup\""
#define J_USG "\"universalSecurityGroup\""
#define J_UMESG "\"universalMailEnabledSecurityGroup\""
#define J_PASCAL_USG "\"UniversalSecurityGroup\""
#define J_ODD "\"globalSecurityGroup\""
/* Passed as `is_enabled`: leave writebackConfiguration out entirely. */
#define OMIT NULL

/* `{props, "writebackConfiguration": {...}}` as a new string. */
static char *group_json(const char *props, const char *is_enabled, const char *type) {
  size_t n = strlen(props) + 200 + (type ? strlen(type) : 0);
  char *out = malloc(n);
  if (!out) return NULL;
  if (is_enabled == OMIT)
    snprintf(out, n, "{%s}", props);
  else
    snprintf(out, n, "{%s,\"writebackConfiguration\":{\"isEnabled\":%s,\"onPremisesGroupType\":%s}}", props,
             is_enabled, type);
  return out;
}

#define MAKE_GROUP(props, en, type) make_group_at((props), (en), (type), __FILE__, __LINE__)
static gwb_group *make_group_at(const char *props, const char *en, const char *type, const char *file, int line) {
  char *json = group_json(props, en, type);
  gwb_group *g = json ? parse_at(json, file, line) : NULL;
  free(json);
  return g;
}

#define BODY_OFF "{\"writebackConfiguration\":{\"isEnabled\":false}}"
#define BODY_ON "{\"writebackConfiguration\":{\"isEnabled\":true}}"
#define BODY_SEC "{\"writebackConfiguration\":{\"isEnabled\":true,\"onPremisesGroupType\":\"universalSecurityGroup\"}}"
#define BODY_DIST \
  "{\"writebackConfiguration\":{\"isEnabled\":true,\"onPremisesGroupType\":\"universalDistributionGroup\"}}"
#define BODY_MES \
  "{\"writebackConfiguration\":{\"isEnabled\":true,\"onPremisesGroupType\":\"universalMailEnabledSecurityGroup\"}}"

/* ------------------------------------------------------------------ versions */

static void test_versions(void) {
  CHECK_UINT(gwb_abi_version(), GWB_ABI_VERSION);
  const char *v = gwb_version();
  CHECK_STR(v, GWB_VERSION);
  char built[64];
  snprintf(built, sizeof built, "%d.%d.%d", GWB_VERSION_MAJOR, GWB_VERSION_MINOR, GWB_VERSION_PATCH);
  CHECK_STR(v, built);
  /* Static: the same pointer every time. */
  CHECK(gwb_version() == v);
}

/* ------------------------------------------------------------------ NULL handles and frees */

static void test_null_handles(void) {
  CHECK(gwb_group_id(NULL) == NULL);
  CHECK(gwb_group_display_name(NULL) == NULL);
  CHECK_UINT(gwb_group_get_kind(NULL), GWB_GROUP_KIND_UNSET);
  CHECK(gwb_group_is_synced(NULL) == false);
  CHECK(gwb_group_is_dynamic(NULL) == false);
  CHECK_UINT(gwb_group_is_enabled(NULL), GWB_TRISTATE_UNSET);
  CHECK_UINT(gwb_group_onprem_type(NULL), GWB_ONPREM_TYPE_UNSET);
  CHECK(gwb_group_onprem_type_raw(NULL) == NULL);

  CHECK_UINT(gwb_change_outcome(NULL), GWB_OUTCOME_UNSET);
  CHECK(gwb_change_body(NULL) == NULL);
  CHECK_UINT(gwb_change_refusal(NULL), GWB_REFUSAL_NONE);
  CHECK(gwb_change_message(NULL) == NULL);

  CHECK_STATUS(gwb_error_status(NULL), GWB_STATUS_NULL_PARAMETER);
  CHECK(gwb_error_message(NULL) == NULL);
  CHECK(gwb_error_graph_code(NULL) == NULL);
  CHECK(gwb_error_request_id(NULL) == NULL);
  CHECK_UINT(gwb_error_http_status(NULL), 0);

  /* Each *_free accepts NULL. */
  gwb_group_free(NULL);
  gwb_change_free(NULL);
  gwb_error_free(NULL);
  gwb_string_free(NULL);
  CHECK(true);
}

/* ------------------------------------------------------------------ parsing fixtures */

static void test_parse_fixtures(void) {
  /* GET /beta/groups/{id}: a Microsoft 365 group with null/null. */
  char *text = FIXTURE("graph-docs/beta-group-get-default-properties.json");
  if (text) {
    gwb_group *g = PARSE(text);
    CHECK_STR(gwb_group_id(g), "4de51a22-3289-4ea5-bbdb-8503ea644f1b");
    CHECK_STR(gwb_group_display_name(g), "Library Assist");
    CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_MICROSOFT365);
    CHECK(!gwb_group_is_synced(g));
    CHECK(!gwb_group_is_dynamic(g));
    CHECK_UINT(gwb_group_is_enabled(g), GWB_TRISTATE_UNSET);
    CHECK_UINT(gwb_group_onprem_type(g), GWB_ONPREM_TYPE_UNSET);
    CHECK(gwb_group_onprem_type_raw(g) == NULL);
    gwb_effective e = {0};
    CHECK_STATUS(gwb_group_effective(g, &e, NULL), GWB_STATUS_OK);
    CHECK_UINT(e.written_back, GWB_WRITTEN_BACK_YES);
    CHECK_UINT(e.written_back_as, GWB_ONPREM_TYPE_UNIVERSAL_DISTRIBUTION);
    CHECK_UINT(e.reason, GWB_REASON_LEGACY_MICROSOFT365_DEFAULT);
    CHECK_UINT(e.caveats, GWB_CAVEAT_PORTAL_SHOWS_NO_WRITEBACK);
    gwb_group_free(g);
    free(text);
  }

  /* POST response of a security group, null/null. */
  text = FIXTURE("graph-docs/beta-group-post-security-group-response.json");
  if (text) {
    gwb_group *g = PARSE(text);
    CHECK_STR(gwb_group_id(g), "1226170d-83d5-49b8-99ab-d1ab3d91333e");
    CHECK_STR(gwb_group_display_name(g), "Operations group");
    CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_SECURITY);
    CHECK_UINT(gwb_group_is_enabled(g), GWB_TRISTATE_UNSET);
    CHECK_UINT(gwb_group_onprem_type(g), GWB_ONPREM_TYPE_UNSET);
    gwb_effective e = {0};
    CHECK_STATUS(gwb_group_effective(g, &e, NULL), GWB_STATUS_OK);
    CHECK_UINT(e.written_back, GWB_WRITTEN_BACK_NO);
    CHECK_UINT(e.reason, GWB_REASON_NOT_CONFIGURED);
    CHECK_UINT(e.caveats, GWB_CAVEAT_DOCUMENTS_DISAGREE);
    gwb_group_free(g);
    free(text);
  }

  /* A role-assignable Microsoft 365 group: securityEnabled and mailEnabled,
     but Unified decides. */
  text = FIXTURE("graph-docs/beta-group-post-role-assignable-m365-response.json");
  if (text) {
    gwb_group *g = PARSE(text);
    CHECK_STR(gwb_group_display_name(g), "Role assignable group");
    CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_MICROSOFT365);
    gwb_group_free(g);
    free(text);
  }

  /* An older body with no writebackConfiguration key: null/null. */
  text = FIXTURE("graph-docs/beta-group-post-unified-response-no-writeback.json");
  if (text) {
    CHECK(strstr(text, "writebackConfiguration") == NULL);
    gwb_group *g = PARSE(text);
    CHECK_STR(gwb_group_display_name(g), "Golf Assist");
    CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_MICROSOFT365);
    CHECK_UINT(gwb_group_is_enabled(g), GWB_TRISTATE_UNSET);
    CHECK_UINT(gwb_group_onprem_type(g), GWB_ONPREM_TYPE_UNSET);
    gwb_portal p = {0};
    CHECK_STATUS(gwb_group_portal(g, &p, NULL), GWB_STATUS_OK);
    CHECK(!p.writeback_enabled);
    CHECK_UINT(p.state, GWB_WRITEBACK_STATE_NO_WRITEBACK);
    gwb_effective e = {0};
    CHECK_STATUS(gwb_group_effective(g, &e, NULL), GWB_STATUS_OK);
    CHECK_UINT(e.written_back, GWB_WRITTEN_BACK_YES);
    CHECK_UINT(e.reason, GWB_REASON_LEGACY_MICROSOFT365_DEFAULT);
    gwb_group_free(g);
    free(text);
  }

  /* A list's value elements: a Microsoft 365 group and a distribution list. */
  text = FIXTURE("graph-docs/beta-group-list-default.json");
  if (text) {
    char *first = array_element(text, "value", 0);
    char *second = array_element(text, "value", 1);
    CHECK(first != NULL && second != NULL);
    CHECK(array_element(text, "value", 2) == NULL);
    if (first && second) {
      gwb_group *g = PARSE(first);
      CHECK_STR(gwb_group_id(g), "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4");
      CHECK_STR(gwb_group_display_name(g), "Golf Assist");
      CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_MICROSOFT365);
      gwb_group_free(g);
      g = PARSE(second);
      CHECK_STR(gwb_group_display_name(g), "Golf Discussion");
      CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_DISTRIBUTION);
      gwb_effective e = {0};
      CHECK_STATUS(gwb_group_effective(g, &e, NULL), GWB_STATUS_OK);
      CHECK_UINT(e.written_back, GWB_WRITTEN_BACK_NO);
      CHECK_UINT(e.reason, GWB_REASON_KIND_NOT_ELIGIBLE);
      gwb_group_free(g);
    }
    free(first);
    free(second);
    free(text);
  }

  /* $select=id,displayName: the kind cannot be told. */
  text = FIXTURE("graph-docs/beta-group-list-count-filter-select.json");
  if (text) {
    for (size_t i = 0; i < 2; i++) {
      char *el = array_element(text, "value", i);
      CHECK(el != NULL);
      if (!el) continue;
      gwb_group *g = PARSE(el);
      CHECK(gwb_group_id(g) != NULL && strncmp(gwb_group_id(g), i == 0 ? "1111" : "2222", 4) == 0);
      CHECK_HAS(gwb_group_display_name(g), "Contoso Group");
      CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_UNDETERMINED);
      gwb_effective e = {0};
      CHECK_STATUS(gwb_group_effective(g, &e, NULL), GWB_STATUS_OK);
      CHECK_UINT(e.written_back, GWB_WRITTEN_BACK_UNKNOWN);
      CHECK_UINT(e.reason, GWB_REASON_KIND_UNDETERMINED);
      gwb_group_free(g);
      free(el);
    }
    free(text);
  }

  /* A delta page element (members@delta, an odd groupTypes value). */
  text = FIXTURE("graph-docs/beta-group-delta-nextlink.json");
  if (text) {
    char *el = array_element(text, "value", 0);
    CHECK(el != NULL);
    if (el) {
      gwb_group *g = PARSE(el);
      CHECK_STR(gwb_group_display_name(g), "TestGroup1");
      CHECK(gwb_group_id(g) == NULL);
      CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_UNDETERMINED);
      gwb_group_free(g);
      free(el);
    }
    free(text);
  }

  /* Bodies with other $select sets parse; what is missing counts as null. */
  const char *selects[] = {
      "graph-docs/beta-group-get-dynamic-select.json",
      "graph-docs/beta-group-get-select-isManagementRestricted.json",
      "graph-docs/beta-group-get-select-nondefault.json",
  };
  for (size_t i = 0; i < sizeof selects / sizeof selects[0]; i++) {
    text = FIXTURE(selects[i]);
    if (!text) continue;
    gwb_group *g = PARSE(text);
    /* Only the first has a membership rule. */
    CHECK(gwb_group_is_dynamic(g) == (i == 0));
    CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_UNDETERMINED);
    CHECK(gwb_group_display_name(g) == NULL);
    CHECK_UINT(gwb_group_is_enabled(g), GWB_TRISTATE_UNSET);
    gwb_group_free(g);
    free(text);
  }

  /* The group resource's JSON representation (type placeholders): synced,
     mail-enabled security. */
  text = FIXTURE("graph-docs/beta-resource-group-json-representation.json");
  if (text) {
    gwb_group *g = PARSE(text);
    CHECK_STR(gwb_group_id(g), "string (identifier)");
    CHECK(gwb_group_is_synced(g));
    CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_MAIL_ENABLED_SECURITY);
    gwb_effective e = {0};
    CHECK_STATUS(gwb_group_effective(g, &e, NULL), GWB_STATUS_OK);
    CHECK_UINT(e.written_back, GWB_WRITTEN_BACK_NO);
    CHECK_UINT(e.reason, GWB_REASON_SYNCED_FROM_ON_PREMISES);
    gwb_group_free(g);
    free(text);
  }

  /* The writebackConfiguration resource representation has
     "isEnabled": "Boolean": as a group's writebackConfiguration it is the
     wrong shape, and the message names the property. */
  text = FIXTURE("graph-docs/beta-resource-groupwritebackconfiguration-json-representation.json");
  if (text) {
    size_t n = strlen(text) + 64;
    char *wrapped = malloc(n);
    snprintf(wrapped, n, "{\"id\":\"x\",\"writebackConfiguration\":%s}", text);
    gwb_group *g = GROUP_SENTINEL;
    gwb_error *err = NULL;
    CHECK_ERROR(gwb_group_parse(wrapped, &g, &err), err, GWB_STATUS_INVALID_JSON, "isEnabled");
    CHECK(g == GROUP_SENTINEL);
    /* As a change request it is also refused as JSON of the wrong shape. */
    gwb_group *m365 = MAKE_GROUP(P_M365, J_NULL, J_NULL);
    gwb_change *c = CHANGE_SENTINEL;
    CHECK_ERROR(gwb_validate_request(m365, text, &c, &err), err, GWB_STATUS_INVALID_JSON, "isEnabled");
    CHECK(c == CHANGE_SENTINEL);
    gwb_group_free(m365);
    free(wrapped);
    free(text);
  }
  text = FIXTURE("graph-docs/beta-resource-writebackconfiguration-json-representation.json");
  if (text) {
    size_t n = strlen(text) + 64;
    char *wrapped = malloc(n);
    snprintf(wrapped, n, "{\"writebackConfiguration\":%s}", text);
    gwb_group *g = GROUP_SENTINEL;
    gwb_error *err = NULL;
    CHECK_ERROR(gwb_group_parse(wrapped, &g, &err), err, GWB_STATUS_INVALID_JSON, "isEnabled");
    CHECK(g == GROUP_SENTINEL);
    free(wrapped);
    free(text);
  }

  /* Not JSON: the Terraform payload as posted and the docs' fragment. */
  const char *not_json[] = {
      "patch-examples/terraform-934-hamilton-196-payload-NOT-VALID-JSON.txt",
      "patch-examples/entra-docs-graph-explorer-response-fragment.txt",
  };
  for (size_t i = 0; i < 2; i++) {
    text = FIXTURE(not_json[i]);
    if (!text) continue;
    gwb_group *g = GROUP_SENTINEL;
    gwb_error *err = NULL;
    CHECK_ERROR(gwb_group_parse(text, &g, &err), err, GWB_STATUS_INVALID_JSON, "not valid JSON");
    CHECK(g == GROUP_SENTINEL);
    char *out = STRING_SENTINEL;
    CHECK_ERROR(gwb_explain_json(text, &out, &err), err, GWB_STATUS_INVALID_JSON, "not valid JSON");
    CHECK(out == STRING_SENTINEL);
    gwb_group *m365 = MAKE_GROUP(P_M365, J_NULL, J_NULL);
    gwb_change *c = CHANGE_SENTINEL;
    CHECK_ERROR(gwb_validate_request(m365, text, &c, &err), err, GWB_STATUS_INVALID_JSON, "not valid JSON");
    CHECK(c == CHANGE_SENTINEL);
    gwb_group_free(m365);
    free(text);
  }
}

/* ------------------------------------------------------------------ parsing embedded bodies */

static void test_parse_embedded(void) {
  /* PascalCase is known; the raw accessor gives the documented camelCase. */
  gwb_group *g = MAKE_GROUP(P_M365, J_TRUE, J_PASCAL_USG);
  CHECK_UINT(gwb_group_is_enabled(g), GWB_TRISTATE_TRUE);
  CHECK_UINT(gwb_group_onprem_type(g), GWB_ONPREM_TYPE_UNIVERSAL_SECURITY);
  CHECK_STR(gwb_group_onprem_type_raw(g), "universalSecurityGroup");
  gwb_group_free(g);

  g = MAKE_GROUP(P_M365, J_FALSE, "\"UNIVERSALMAILENABLEDSECURITYGROUP\"");
  CHECK_UINT(gwb_group_is_enabled(g), GWB_TRISTATE_FALSE);
  CHECK_UINT(gwb_group_onprem_type(g), GWB_ONPREM_TYPE_UNIVERSAL_MAIL_ENABLED_SECURITY);
  CHECK_STR(gwb_group_onprem_type_raw(g), "universalMailEnabledSecurityGroup");
  gwb_group_free(g);

  g = MAKE_GROUP(P_M365, J_TRUE, J_UDG);
  CHECK_UINT(gwb_group_onprem_type(g), GWB_ONPREM_TYPE_UNIVERSAL_DISTRIBUTION);
  CHECK_STR(gwb_group_onprem_type_raw(g), "universalDistributionGroup");
  gwb_group_free(g);

  /* An unknown type is kept verbatim. */
  g = MAKE_GROUP(P_M365, J_TRUE, "\"GlobalSecurityGroup\"");
  CHECK_UINT(gwb_group_onprem_type(g), GWB_ONPREM_TYPE_UNKNOWN);
  CHECK_STR(gwb_group_onprem_type_raw(g), "GlobalSecurityGroup");
  gwb_group_free(g);
  g = MAKE_GROUP(P_SEC, J_NULL, "\"\"");
  CHECK_UINT(gwb_group_onprem_type(g), GWB_ONPREM_TYPE_UNKNOWN);
  CHECK_STR(gwb_group_onprem_type_raw(g), "");
  gwb_group_free(g);

  /* writebackConfiguration: null, {} and a missing key are all null/null. */
  const char *empties[] = {
      "{" P_M365 ",\"writebackConfiguration\":null}",
      "{" P_M365 ",\"writebackConfiguration\":{}}",
      "{" P_M365 "}",
      "{" P_M365 ",\"writebackConfiguration\":{\"@odata.type\":\"#microsoft.graph.groupWritebackConfiguration\"}}",
  };
  for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
    g = PARSE(empties[i]);
    CHECK_UINT(gwb_group_is_enabled(g), GWB_TRISTATE_UNSET);
    CHECK_UINT(gwb_group_onprem_type(g), GWB_ONPREM_TYPE_UNSET);
    CHECK(gwb_group_onprem_type_raw(g) == NULL);
    gwb_effective e = {0};
    CHECK_STATUS(gwb_group_effective(g, &e, NULL), GWB_STATUS_OK);
    CHECK_UINT(e.reason, GWB_REASON_LEGACY_MICROSOFT365_DEFAULT);
    gwb_group_free(g);
  }

  /* Dynamic membership is shown and does not change the kind. */
  g = MAKE_GROUP(P_DYN_M365, J_TRUE, J_NULL);
  CHECK(gwb_group_is_dynamic(g));
  CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_MICROSOFT365);
  gwb_group_free(g);
  g = MAKE_GROUP(P_DYN_SEC, J_TRUE, J_NULL);
  CHECK(gwb_group_is_dynamic(g));
  CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_SECURITY);
  gwb_group_free(g);

  /* A membership rule also marks a dynamic group; an empty one does not. */
  g = PARSE("{" P_SEC ",\"membershipRule\":\"(user.city -eq \\\"Nairobi\\\")\",\"membershipRuleProcessingState\":\"On\"}");
  CHECK(gwb_group_is_dynamic(g));
  CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_SECURITY);
  gwb_group_free(g);
  g = PARSE("{" P_SEC ",\"membershipRule\":\"  \"}");
  CHECK(!gwb_group_is_dynamic(g));
  gwb_group_free(g);
  g = PARSE("{" P_SEC ",\"membershipRule\":null}");
  CHECK(!gwb_group_is_dynamic(g));
  gwb_group_free(g);

  /* Neither security- nor mail-enabled, not Unified: no known kind. */
  g = PARSE("{\"groupTypes\":[],\"securityEnabled\":false,\"mailEnabled\":false}");
  CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_UNDETERMINED);
  gwb_group_free(g);
  /* Unified decides, whatever its case. */
  g = PARSE("{\"groupTypes\":[\"unified\"],\"securityEnabled\":true,\"mailEnabled\":false}");
  CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_MICROSOFT365);
  gwb_group_free(g);

  /* onPremisesSyncEnabled: true is synced; false (no longer synced) and null are not. */
  g = MAKE_GROUP(P_SYNCED_M365, J_TRUE, J_USG);
  CHECK(gwb_group_is_synced(g));
  gwb_group_free(g);
  g = MAKE_GROUP(P_UNSYNCED_SEC, J_TRUE, J_USG);
  CHECK(!gwb_group_is_synced(g));
  gwb_group_free(g);

  /* Non-ASCII text survives; an escaped NUL becomes U+FFFD, never a
     truncated C string. */
  g = PARSE("{\"id\":\"\\u00e9t\\u00e9\",\"displayName\":\"\xc3\x89quipe \xe6\x97\xa5\xe6\x9c\xac \\ud83d\\ude00\"}");
  CHECK_STR(gwb_group_id(g), "\xc3\xa9t\xc3\xa9");
  CHECK_STR(gwb_group_display_name(g), "\xc3\x89quipe \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
  gwb_group_free(g);
  g = PARSE("{\"displayName\":\"a\\u0000b\"}");
  CHECK_STR(gwb_group_display_name(g), "a\xef\xbf\xbd" "b");
  gwb_group_free(g);

  /* Unknown properties, @odata annotations and nulls are ignored. */
  g = PARSE("{\"@odata.context\":\"x\",\"id\":null,\"displayName\":null,\"groupTypes\":null,\"mail\":null,"
            "\"securityEnabled\":true,\"mailEnabled\":false,\"extra\":{\"deep\":[1,2,{\"a\":null}]}}");
  CHECK(gwb_group_id(g) == NULL);
  CHECK(gwb_group_display_name(g) == NULL);
  CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_SECURITY);
  gwb_group_free(g);

  /* An accessor's pointer is stable while the group lives. */
  g = MAKE_GROUP(P_SEC, J_TRUE, J_USG);
  CHECK(g != NULL && gwb_group_id(g) == gwb_group_id(g));
  CHECK(g != NULL && gwb_group_onprem_type_raw(g) == gwb_group_onprem_type_raw(g));
  gwb_group_free(g);
}

/* ------------------------------------------------------------------ parsing errors */

struct bad_json {
  const char *json;
  gwb_status status;
  const char *needle; /* what the message must name */
};

static void test_parse_errors(void) {
  static const struct bad_json cases[] = {
      {"", GWB_STATUS_INVALID_JSON, "not valid JSON"},
      {"   ", GWB_STATUS_INVALID_JSON, "not valid JSON"},
      {"{", GWB_STATUS_INVALID_JSON, "not valid JSON"},
      {"{\"id\":\"x\"} trailing", GWB_STATUS_INVALID_JSON, "not valid JSON"},
      {"{'id':'x'}", GWB_STATUS_INVALID_JSON, "not valid JSON"},
      {"{\"id\":\"x\",}", GWB_STATUS_INVALID_JSON, "not valid JSON"},
      {"{\"displayName\":\"\\ud800\"}", GWB_STATUS_INVALID_JSON, "not valid JSON"},
      {"\xef\xbb\xbf{\"id\":\"x\"}", GWB_STATUS_INVALID_JSON, "not valid JSON"},
      {"[]", GWB_STATUS_INVALID_JSON, "an array"},
      {"[{\"id\":\"x\"}]", GWB_STATUS_INVALID_JSON, "an array"},
      {"42", GWB_STATUS_INVALID_JSON, "a number"},
      {"\"group\"", GWB_STATUS_INVALID_JSON, "a string"},
      {"null", GWB_STATUS_INVALID_JSON, "null"},
      {"true", GWB_STATUS_INVALID_JSON, "a boolean"},
      {"{\"id\":42}", GWB_STATUS_INVALID_JSON, "'id'"},
      {"{\"displayName\":[\"x\"]}", GWB_STATUS_INVALID_JSON, "'displayName'"},
      {"{\"groupTypes\":\"Unified\"}", GWB_STATUS_INVALID_JSON, "'groupTypes'"},
      {"{\"groupTypes\":[\"Unified\",7]}", GWB_STATUS_INVALID_JSON, "'groupTypes'"},
      {"{\"securityEnabled\":\"yes\"}", GWB_STATUS_INVALID_JSON, "'securityEnabled'"},
      {"{\"mailEnabled\":1}", GWB_STATUS_INVALID_JSON, "'mailEnabled'"},
      {"{\"onPremisesSyncEnabled\":\"true\"}", GWB_STATUS_INVALID_JSON, "'onPremisesSyncEnabled'"},
      {"{\"membershipRule\":true}", GWB_STATUS_INVALID_JSON, "'membershipRule'"},
      {"{\"writebackConfiguration\":true}", GWB_STATUS_INVALID_JSON, "'writebackConfiguration'"},
      {"{\"writebackConfiguration\":[]}", GWB_STATUS_INVALID_JSON, "'writebackConfiguration'"},
      {"{\"writebackConfiguration\":{\"isEnabled\":\"Boolean\"}}", GWB_STATUS_INVALID_JSON,
       "writebackConfiguration.isEnabled"},
      {"{\"writebackConfiguration\":{\"isEnabled\":1}}", GWB_STATUS_INVALID_JSON, "writebackConfiguration.isEnabled"},
      {"{\"writebackConfiguration\":{\"onPremisesGroupType\":2}}", GWB_STATUS_INVALID_JSON,
       "writebackConfiguration.onPremisesGroupType"},
      {"{\"writebackConfiguration\":{\"onPremisesGroupType\":{\"v\":1}}}", GWB_STATUS_INVALID_JSON,
       "writebackConfiguration.onPremisesGroupType"},
      /* Not UTF-8: a stray byte, a truncated sequence, an overlong form, a surrogate. */
      {"{\"displayName\":\"\xff\"}", GWB_STATUS_INVALID_UTF8, "UTF-8"},
      {"{\"displayName\":\"\xe2\x82\"}", GWB_STATUS_INVALID_UTF8, "UTF-8"},
      {"{\"displayName\":\"\xc0\xaf\"}", GWB_STATUS_INVALID_UTF8, "UTF-8"},
      {"{\"displayName\":\"\xed\xa0\x80\"}", GWB_STATUS_INVALID_UTF8, "UTF-8"},
      {"\xef\xbb", GWB_STATUS_INVALID_UTF8, "'json'"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gwb_group *g = GROUP_SENTINEL;
    gwb_error *err = NULL;
    gwb_status st = gwb_group_parse(cases[i].json, &g, &err);
    if (st != cases[i].status) fprintf(stderr, "  (case %zu: %s)\n", i, cases[i].json);
    CHECK_ERROR(st, err, cases[i].status, cases[i].needle);
    CHECK(g == GROUP_SENTINEL);
    /* The same failure with error_out == NULL: the status alone. */
    g = GROUP_SENTINEL;
    CHECK_STATUS(gwb_group_parse(cases[i].json, &g, NULL), cases[i].status);
    CHECK(g == GROUP_SENTINEL);
  }

  /* The invalid UTF-8 message gives the parameter and the byte offset. */
  gwb_error *err = NULL;
  gwb_group *g = GROUP_SENTINEL;
  gwb_status st = gwb_group_parse("{\"id\":\"ab\xfe\"}", &g, &err);
  CHECK_STATUS(st, GWB_STATUS_INVALID_UTF8);
  CHECK_HAS(gwb_error_message(err), "'json'");
  CHECK_HAS(gwb_error_message(err), "offset 9");
  gwb_error_free(err);
  CHECK(g == GROUP_SENTINEL);

  /* Too deep to parse: refused cleanly, not a crash. */
  size_t depth = 100000;
  char *deep = malloc(depth * 2 + 1);
  memset(deep, '[', depth);
  memset(deep + depth, ']', depth);
  deep[depth * 2] = '\0';
  err = NULL;
  g = GROUP_SENTINEL;
  CHECK_ERROR(gwb_group_parse(deep, &g, &err), err, GWB_STATUS_INVALID_JSON, "recursion limit");
  CHECK(g == GROUP_SENTINEL);
  char *out = STRING_SENTINEL;
  CHECK_ERROR(gwb_explain_json(deep, &out, &err), err, GWB_STATUS_INVALID_JSON, "recursion limit");
  CHECK(out == STRING_SENTINEL);
  free(deep);
  const char *nested_member = "{\"id\":\"x\",\"extra\":";
  size_t mlen = strlen(nested_member);
  deep = malloc(mlen + 2 * 300 + 2);
  memcpy(deep, nested_member, mlen);
  memset(deep + mlen, '[', 300);
  memset(deep + mlen + 300, ']', 300);
  deep[mlen + 600] = '}';
  deep[mlen + 601] = '\0';
  g = GROUP_SENTINEL;
  CHECK_ERROR(gwb_group_parse(deep, &g, &err), err, GWB_STATUS_INVALID_JSON, "recursion limit");
  CHECK(g == GROUP_SENTINEL);
  free(deep);
}

/* ------------------------------------------------------------------ NULL parameters */

static void test_null_parameters(void) {
  gwb_group *g = MAKE_GROUP(P_M365, J_NULL, J_NULL);
  gwb_error *err = NULL;

  /* gwb_group_parse */
  gwb_group *gout = GROUP_SENTINEL;
  CHECK_ERROR(gwb_group_parse(NULL, &gout, &err), err, GWB_STATUS_NULL_PARAMETER, "'json'");
  CHECK(gout == GROUP_SENTINEL);
  CHECK_ERROR(gwb_group_parse("{}", NULL, &err), err, GWB_STATUS_NULL_PARAMETER, "'group_out'");
  CHECK_STATUS(gwb_group_parse(NULL, NULL, NULL), GWB_STATUS_NULL_PARAMETER);
  CHECK_STATUS(gwb_group_parse("{}", NULL, NULL), GWB_STATUS_NULL_PARAMETER);

  /* gwb_group_portal */
  gwb_portal p = {true, 77, 77};
  CHECK_ERROR(gwb_group_portal(NULL, &p, &err), err, GWB_STATUS_NULL_PARAMETER, "'group'");
  CHECK(p.writeback_enabled == true && p.target_type == 77 && p.state == 77);
  CHECK_ERROR(gwb_group_portal(g, NULL, &err), err, GWB_STATUS_NULL_PARAMETER, "'portal_out'");
  CHECK_STATUS(gwb_group_portal(NULL, NULL, NULL), GWB_STATUS_NULL_PARAMETER);

  /* gwb_group_effective */
  gwb_effective e = {77, 77, 77, 77};
  CHECK_ERROR(gwb_group_effective(NULL, &e, &err), err, GWB_STATUS_NULL_PARAMETER, "'group'");
  CHECK(e.written_back == 77 && e.written_back_as == 77 && e.reason == 77 && e.caveats == 77);
  CHECK_ERROR(gwb_group_effective(g, NULL, &err), err, GWB_STATUS_NULL_PARAMETER, "'effective_out'");
  CHECK_STATUS(gwb_group_effective(g, NULL, NULL), GWB_STATUS_NULL_PARAMETER);

  /* gwb_group_to_json / gwb_group_explain_json */
  char *s = STRING_SENTINEL;
  CHECK_ERROR(gwb_group_to_json(NULL, &s, &err), err, GWB_STATUS_NULL_PARAMETER, "'group'");
  CHECK(s == STRING_SENTINEL);
  CHECK_ERROR(gwb_group_to_json(g, NULL, &err), err, GWB_STATUS_NULL_PARAMETER, "'json_out'");
  CHECK_STATUS(gwb_group_to_json(NULL, NULL, NULL), GWB_STATUS_NULL_PARAMETER);
  CHECK_ERROR(gwb_group_explain_json(NULL, &s, &err), err, GWB_STATUS_NULL_PARAMETER, "'group'");
  CHECK(s == STRING_SENTINEL);
  CHECK_ERROR(gwb_group_explain_json(g, NULL, &err), err, GWB_STATUS_NULL_PARAMETER, "'json_out'");
  CHECK_STATUS(gwb_group_explain_json(g, NULL, NULL), GWB_STATUS_NULL_PARAMETER);

  /* gwb_explain_json */
  CHECK_ERROR(gwb_explain_json(NULL, &s, &err), err, GWB_STATUS_NULL_PARAMETER, "'group_json'");
  CHECK(s == STRING_SENTINEL);
  CHECK_ERROR(gwb_explain_json("{}", NULL, &err), err, GWB_STATUS_NULL_PARAMETER, "'json_out'");
  CHECK_ERROR(gwb_explain_json("{\"id\":\"\xff\"}", &s, &err), err, GWB_STATUS_INVALID_UTF8, "'group_json'");
  CHECK(s == STRING_SENTINEL);
  CHECK_STATUS(gwb_explain_json(NULL, NULL, NULL), GWB_STATUS_NULL_PARAMETER);

  /* gwb_validate_state */
  gwb_change *c = CHANGE_SENTINEL;
  CHECK_ERROR(gwb_validate_state(NULL, GWB_WRITEBACK_STATE_SECURITY, &c, &err), err, GWB_STATUS_NULL_PARAMETER,
              "'group'");
  CHECK(c == CHANGE_SENTINEL);
  CHECK_ERROR(gwb_validate_state(g, GWB_WRITEBACK_STATE_SECURITY, NULL, &err), err, GWB_STATUS_NULL_PARAMETER,
              "'change_out'");
  CHECK_STATUS(gwb_validate_state(NULL, GWB_WRITEBACK_STATE_SECURITY, NULL, NULL), GWB_STATUS_NULL_PARAMETER);

  /* gwb_validate_request */
  const char *req = "{\"isEnabled\":true}";
  CHECK_ERROR(gwb_validate_request(NULL, req, &c, &err), err, GWB_STATUS_NULL_PARAMETER, "'group'");
  CHECK(c == CHANGE_SENTINEL);
  CHECK_ERROR(gwb_validate_request(g, NULL, &c, &err), err, GWB_STATUS_NULL_PARAMETER, "'request_json'");
  CHECK(c == CHANGE_SENTINEL);
  CHECK_ERROR(gwb_validate_request(g, req, NULL, &err), err, GWB_STATUS_NULL_PARAMETER, "'change_out'");
  CHECK_ERROR(gwb_validate_request(g, "{\"isEnabled\":\"\xc3\"}", &c, &err), err, GWB_STATUS_INVALID_UTF8,
              "'request_json'");
  CHECK(c == CHANGE_SENTINEL);
  CHECK_STATUS(gwb_validate_request(g, NULL, NULL, NULL), GWB_STATUS_NULL_PARAMETER);

  /* gwb_change_to_json */
  CHECK_ERROR(gwb_change_to_json(NULL, &s, &err), err, GWB_STATUS_NULL_PARAMETER, "'change'");
  CHECK(s == STRING_SENTINEL);
  CHECK_STATUS(gwb_validate_state(g, GWB_WRITEBACK_STATE_SECURITY, &c, NULL), GWB_STATUS_OK);
  CHECK_ERROR(gwb_change_to_json(c, NULL, &err), err, GWB_STATUS_NULL_PARAMETER, "'json_out'");
  CHECK_STATUS(gwb_change_to_json(NULL, NULL, NULL), GWB_STATUS_NULL_PARAMETER);
  gwb_change_free(c);

  /* gwb_state_parse */
  gwb_writeback_state st = STATE_SENTINEL;
  CHECK_ERROR(gwb_state_parse(NULL, &st, &err), err, GWB_STATUS_NULL_PARAMETER, "'name'");
  CHECK_UINT(st, STATE_SENTINEL);
  CHECK_ERROR(gwb_state_parse("Security", NULL, &err), err, GWB_STATUS_NULL_PARAMETER, "'state_out'");
  CHECK_ERROR(gwb_state_parse("Secur\xc3\x28ty", &st, &err), err, GWB_STATUS_INVALID_UTF8, "'name'");
  CHECK_UINT(st, STATE_SENTINEL);
  CHECK_STATUS(gwb_state_parse(NULL, NULL, NULL), GWB_STATUS_NULL_PARAMETER);

  /* On success, a preset NULL error_out stays NULL. */
  err = NULL;
  gout = NULL;
  CHECK_STATUS(gwb_group_parse("{}", &gout, &err), GWB_STATUS_OK);
  CHECK(err == NULL && gout != NULL);
  gwb_group_free(gout);

  gwb_group_free(g);
}

/* ------------------------------------------------------------------ portal and effective behaviour */

struct eff_row {
  const char *label;
  const char *props;
  const char *is_enabled; /* JSON fragment, or OMIT */
  const char *type;       /* JSON fragment */
  gwb_group_kind kind;
  gwb_tristate tristate;
  /* the portal */
  bool portal_enabled;
  gwb_onprem_type target;
  gwb_writeback_state state;
  /* what really happens */
  gwb_written_back written;
  gwb_onprem_type as;
  gwb_reason reason;
  uint32_t caveats;
};

#define W_YES GWB_WRITTEN_BACK_YES
#define W_NO GWB_WRITTEN_BACK_NO
#define W_UNKNOWN GWB_WRITTEN_BACK_UNKNOWN
#define K_M GWB_GROUP_KIND_MICROSOFT365
#define K_S GWB_GROUP_KIND_SECURITY
#define T_UNSET GWB_ONPREM_TYPE_UNSET
#define T_UDG GWB_ONPREM_TYPE_UNIVERSAL_DISTRIBUTION
#define T_USG GWB_ONPREM_TYPE_UNIVERSAL_SECURITY
#define T_UMESG GWB_ONPREM_TYPE_UNIVERSAL_MAIL_ENABLED_SECURITY
#define T_UNKNOWN GWB_ONPREM_TYPE_UNKNOWN
#define S_NONE GWB_WRITEBACK_STATE_NO_WRITEBACK
#define S_SEC GWB_WRITEBACK_STATE_SECURITY
#define S_DIST GWB_WRITEBACK_STATE_DISTRIBUTION
#define S_MES GWB_WRITEBACK_STATE_MAIL_ENABLED_SECURITY
#define TS_U GWB_TRISTATE_UNSET
#define TS_F GWB_TRISTATE_FALSE
#define TS_T GWB_TRISTATE_TRUE

static const struct eff_row effective_table[] = {
    /* false | any: not written back */
    {"m365 false/null", P_M365, J_FALSE, J_NULL, K_M, TS_F, false, T_UNSET, S_NONE, W_NO, T_UNSET,
     GWB_REASON_DISABLED, 0},
    {"m365 false/udg", P_M365, J_FALSE, J_UDG, K_M, TS_F, false, T_UDG, S_NONE, W_NO, T_UNSET, GWB_REASON_DISABLED, 0},
    {"m365 false/usg", P_M365, J_FALSE, J_USG, K_M, TS_F, false, T_USG, S_NONE, W_NO, T_UNSET, GWB_REASON_DISABLED, 0},
    {"m365 false/umesg", P_M365, J_FALSE, J_UMESG, K_M, TS_F, false, T_UMESG, S_NONE, W_NO, T_UNSET,
     GWB_REASON_DISABLED, 0},
    {"sec false/null", P_SEC, J_FALSE, J_NULL, K_S, TS_F, false, T_UNSET, S_NONE, W_NO, T_UNSET, GWB_REASON_DISABLED,
     0},
    {"sec false/usg", P_SEC, J_FALSE, J_USG, K_S, TS_F, false, T_USG, S_NONE, W_NO, T_UNSET, GWB_REASON_DISABLED, 0},
    {"sec false/udg", P_SEC, J_FALSE, J_UDG, K_S, TS_F, false, T_UDG, S_NONE, W_NO, T_UNSET, GWB_REASON_DISABLED,
     GWB_CAVEAT_TYPE_NOT_ALLOWED_FOR_KIND},
    /* true | set: written back as that type */
    {"m365 true/udg", P_M365, J_TRUE, J_UDG, K_M, TS_T, true, T_UDG, S_DIST, W_YES, T_UDG, GWB_REASON_ENABLED_WITH_TYPE,
     0},
    {"m365 true/usg", P_M365, J_TRUE, J_USG, K_M, TS_T, true, T_USG, S_SEC, W_YES, T_USG, GWB_REASON_ENABLED_WITH_TYPE,
     0},
    {"m365 true/umesg", P_M365, J_TRUE, J_UMESG, K_M, TS_T, true, T_UMESG, S_MES, W_YES, T_UMESG,
     GWB_REASON_ENABLED_WITH_TYPE, 0},
    {"sec true/usg", P_SEC, J_TRUE, J_USG, K_S, TS_T, true, T_USG, S_SEC, W_YES, T_USG, GWB_REASON_ENABLED_WITH_TYPE, 0},
    {"sec true/udg", P_SEC, J_TRUE, J_UDG, K_S, TS_T, true, T_UDG, S_DIST, W_UNKNOWN, T_UNSET, GWB_REASON_TYPE_NOT_ALLOWED_FOR_KIND,
     GWB_CAVEAT_TYPE_NOT_ALLOWED_FOR_KIND},
    /* true | null: the kind's documented default */
    {"m365 true/null", P_M365, J_TRUE, J_NULL, K_M, TS_T, true, T_UNSET, S_DIST, W_YES, T_UDG,
     GWB_REASON_ENABLED_DEFAULT_TYPE, 0},
    {"sec true/null", P_SEC, J_TRUE, J_NULL, K_S, TS_T, true, T_UNSET, S_SEC, W_YES, T_USG,
     GWB_REASON_ENABLED_DEFAULT_TYPE, 0},
    /* null | null: M365 written back as distribution (portal says No
       writeback); security not, and the documents disagree */
    {"m365 null/null", P_M365, J_NULL, J_NULL, K_M, TS_U, false, T_UNSET, S_NONE, W_YES, T_UDG,
     GWB_REASON_LEGACY_MICROSOFT365_DEFAULT, GWB_CAVEAT_PORTAL_SHOWS_NO_WRITEBACK},
    {"m365 no key", P_M365, OMIT, NULL, K_M, TS_U, false, T_UNSET, S_NONE, W_YES, T_UDG,
     GWB_REASON_LEGACY_MICROSOFT365_DEFAULT, GWB_CAVEAT_PORTAL_SHOWS_NO_WRITEBACK},
    {"sec null/null", P_SEC, J_NULL, J_NULL, K_S, TS_U, false, T_UNSET, S_NONE, W_NO, T_UNSET,
     GWB_REASON_NOT_CONFIGURED, GWB_CAVEAT_DOCUMENTS_DISAGREE},
    {"sec no key", P_SEC, OMIT, NULL, K_S, TS_U, false, T_UNSET, S_NONE, W_NO, T_UNSET, GWB_REASON_NOT_CONFIGURED,
     GWB_CAVEAT_DOCUMENTS_DISAGREE},
    /* null | set: follows the type, unusual */
    {"m365 null/usg", P_M365, J_NULL, J_USG, K_M, TS_U, false, T_USG, S_SEC, W_YES, T_USG,
     GWB_REASON_UNSET_ENABLED_WITH_TYPE, GWB_CAVEAT_UNSET_ENABLED_WITH_TYPE},
    {"m365 null/udg", P_M365, J_NULL, J_UDG, K_M, TS_U, false, T_UDG, S_DIST, W_YES, T_UDG,
     GWB_REASON_UNSET_ENABLED_WITH_TYPE, GWB_CAVEAT_UNSET_ENABLED_WITH_TYPE},
    {"m365 null/umesg", P_M365, J_NULL, J_UMESG, K_M, TS_U, false, T_UMESG, S_MES, W_YES, T_UMESG,
     GWB_REASON_UNSET_ENABLED_WITH_TYPE, GWB_CAVEAT_UNSET_ENABLED_WITH_TYPE},
    {"sec null/usg", P_SEC, J_NULL, J_USG, K_S, TS_U, false, T_USG, S_SEC, W_YES, T_USG,
     GWB_REASON_UNSET_ENABLED_WITH_TYPE, GWB_CAVEAT_UNSET_ENABLED_WITH_TYPE},
    {"sec null/Pascal udg", P_SEC, J_NULL, "\"UniversalDistributionGroup\"", K_S, TS_U, false, T_UDG, S_DIST, W_UNKNOWN,
     T_UNSET, GWB_REASON_TYPE_NOT_ALLOWED_FOR_KIND,
     GWB_CAVEAT_UNSET_ENABLED_WITH_TYPE | GWB_CAVEAT_TYPE_NOT_ALLOWED_FOR_KIND | GWB_CAVEAT_TYPE_NOT_CANONICAL},
    {"synced m365 true/Pascal", P_SYNCED_M365, J_TRUE, J_PASCAL_USG, K_M, TS_T, true, T_USG, S_SEC, W_NO, T_UNSET,
     GWB_REASON_SYNCED_FROM_ON_PREMISES, GWB_CAVEAT_TYPE_NOT_CANONICAL},
    /* dynamic membership changes nothing */
    {"dynamic m365 true/null", P_DYN_M365, J_TRUE, J_NULL, K_M, TS_T, true, T_UNSET, S_DIST, W_YES, T_UDG,
     GWB_REASON_ENABLED_DEFAULT_TYPE, 0},
    {"dynamic sec null/null", P_DYN_SEC, J_NULL, J_NULL, K_S, TS_U, false, T_UNSET, S_NONE, W_NO, T_UNSET,
     GWB_REASON_NOT_CONFIGURED, GWB_CAVEAT_DOCUMENTS_DISAGREE},
    /* PascalCase: known, with a caveat; an unknown type: kept, with a caveat */
    {"m365 true/Pascal", P_M365, J_TRUE, J_PASCAL_USG, K_M, TS_T, true, T_USG, S_SEC, W_YES, T_USG,
     GWB_REASON_ENABLED_WITH_TYPE, GWB_CAVEAT_TYPE_NOT_CANONICAL},
    {"m365 true/unknown", P_M365, J_TRUE, J_ODD, K_M, TS_T, true, T_UNKNOWN, GWB_WRITEBACK_STATE_UNSET, W_UNKNOWN, T_UNSET,
     GWB_REASON_UNKNOWN_TYPE, GWB_CAVEAT_UNKNOWN_TYPE},
    {"m365 false/unknown", P_M365, J_FALSE, J_ODD, K_M, TS_F, false, T_UNKNOWN, S_NONE, W_NO, T_UNSET,
     GWB_REASON_DISABLED, GWB_CAVEAT_UNKNOWN_TYPE},
    /* synced from on-premises: never written back */
    {"synced m365 true/usg", P_SYNCED_M365, J_TRUE, J_USG, K_M, TS_T, true, T_USG, S_SEC, W_NO, T_UNSET,
     GWB_REASON_SYNCED_FROM_ON_PREMISES, 0},
    {"synced sec null/null", P_SYNCED_SEC, J_NULL, J_NULL, K_S, TS_U, false, T_UNSET, S_NONE, W_NO, T_UNSET,
     GWB_REASON_SYNCED_FROM_ON_PREMISES, 0},
    {"no longer synced sec true/usg", P_UNSYNCED_SEC, J_TRUE, J_USG, K_S, TS_T, true, T_USG, S_SEC, W_YES, T_USG,
     GWB_REASON_ENABLED_WITH_TYPE, 0},
    /* distribution and mail-enabled security: not eligible */
    {"distribution null/null", P_DIST, J_NULL, J_NULL, GWB_GROUP_KIND_DISTRIBUTION, TS_U, false, T_UNSET, S_NONE,
     W_NO, T_UNSET, GWB_REASON_KIND_NOT_ELIGIBLE, 0},
    {"distribution true/udg", P_DIST, J_TRUE, J_UDG, GWB_GROUP_KIND_DISTRIBUTION, TS_T, true, T_UDG, S_DIST, W_NO,
     T_UNSET, GWB_REASON_KIND_NOT_ELIGIBLE, 0},
    {"mail-enabled sec null/null", P_MES, J_NULL, J_NULL, GWB_GROUP_KIND_MAIL_ENABLED_SECURITY, TS_U, false, T_UNSET,
     S_NONE, W_NO, T_UNSET, GWB_REASON_KIND_NOT_ELIGIBLE, 0},
    {"mail-enabled sec true/umesg", P_MES, J_TRUE, J_UMESG, GWB_GROUP_KIND_MAIL_ENABLED_SECURITY, TS_T, true, T_UMESG,
     S_MES, W_NO, T_UNSET, GWB_REASON_KIND_NOT_ELIGIBLE, 0},
    /* kind not read */
    {"undetermined null/null", P_UNDETERMINED, J_NULL, J_NULL, GWB_GROUP_KIND_UNDETERMINED, TS_U, false, T_UNSET,
     S_NONE, W_UNKNOWN, T_UNSET, GWB_REASON_KIND_UNDETERMINED, 0},
    {"neither security nor mail", "\"groupTypes\":[],\"securityEnabled\":false,\"mailEnabled\":false", J_TRUE, J_NULL,
     GWB_GROUP_KIND_UNDETERMINED, TS_T, true, T_UNSET, GWB_WRITEBACK_STATE_UNSET, W_UNKNOWN, T_UNSET,
     GWB_REASON_KIND_UNDETERMINED, 0},
    {"undetermined true/usg", P_UNDETERMINED, J_TRUE, J_USG, GWB_GROUP_KIND_UNDETERMINED, TS_T, true, T_USG, S_SEC,
     W_UNKNOWN, T_UNSET, GWB_REASON_KIND_UNDETERMINED, 0},
    {"undetermined false/usg", P_UNDETERMINED, J_FALSE, J_USG, GWB_GROUP_KIND_UNDETERMINED, TS_F, false, T_USG, S_NONE,
     W_NO, T_UNSET, GWB_REASON_DISABLED, 0},
    {"m365 true/universalFooGroup", P_M365, J_TRUE, "\"universalFooGroup\"", K_M, TS_T, true, T_UNKNOWN,
     GWB_WRITEBACK_STATE_UNSET, W_UNKNOWN, T_UNSET, GWB_REASON_UNKNOWN_TYPE, GWB_CAVEAT_UNKNOWN_TYPE},
    {"sec null/umesg", P_SEC, J_NULL, J_UMESG, K_S, TS_U, false, T_UMESG, S_MES, W_UNKNOWN, T_UNSET,
     GWB_REASON_TYPE_NOT_ALLOWED_FOR_KIND, GWB_CAVEAT_TYPE_NOT_ALLOWED_FOR_KIND | GWB_CAVEAT_UNSET_ENABLED_WITH_TYPE},
};

static void test_effective_table(void) {
  for (size_t i = 0; i < sizeof effective_table / sizeof effective_table[0]; i++) {
    const struct eff_row *r = &effective_table[i];
    int before = atomic_load(&failures);
    gwb_group *g = MAKE_GROUP(r->props, r->is_enabled, r->type);
    if (!g) continue;
    CHECK_UINT(gwb_group_get_kind(g), r->kind);
    CHECK_UINT(gwb_group_is_enabled(g), r->tristate);
    CHECK_UINT(gwb_group_onprem_type(g), r->target);

    gwb_portal p = {true, 77, 77};
    gwb_error *err = NULL;
    CHECK_STATUS(gwb_group_portal(g, &p, &err), GWB_STATUS_OK);
    CHECK(err == NULL);
    CHECK(p.writeback_enabled == r->portal_enabled);
    CHECK_UINT(p.target_type, r->target);
    CHECK_UINT(p.state, r->state);

    gwb_effective e = {77, 77, 77, 77};
    CHECK_STATUS(gwb_group_effective(g, &e, &err), GWB_STATUS_OK);
    CHECK(err == NULL);
    CHECK_UINT(e.written_back, r->written);
    CHECK_UINT(e.written_back_as, r->as);
    CHECK_UINT(e.reason, r->reason);
    CHECK_UINT(e.caveats, r->caveats);

    /* The explanation says the same in JSON. */
    char *json = NULL;
    CHECK_STATUS(gwb_group_explain_json(g, &json, NULL), GWB_STATUS_OK);
    char needle[160];
    snprintf(needle, sizeof needle, "\"reason\":\"%s\"", or_null(gwb_reason_name(r->reason)));
    CHECK_HAS(json, needle);
    snprintf(needle, sizeof needle, "\"writtenBack\":%s",
             r->written == GWB_WRITTEN_BACK_YES ? "true" : r->written == GWB_WRITTEN_BACK_NO ? "false" : "null");
    CHECK_HAS(json, needle);
    snprintf(needle, sizeof needle, "\"state\":\"%s\"", or_null(gwb_state_name(r->state)));
    CHECK_HAS(json, needle);
    snprintf(needle, sizeof needle, "\"kind\":\"%s\"", or_null(gwb_group_kind_name(r->kind)));
    CHECK_HAS(json, needle);
    for (uint32_t flag = 1; flag <= GWB_CAVEAT_TYPE_NOT_CANONICAL; flag <<= 1) {
      snprintf(needle, sizeof needle, "\"code\":\"%s\"", or_null(gwb_caveat_name(flag)));
      if (r->caveats & flag)
        CHECK_HAS(json, needle);
      else
        CHECK_LACKS(json, needle);
    }
    if (r->written == GWB_WRITTEN_BACK_YES && r->as != T_UNKNOWN) {
      snprintf(needle, sizeof needle, "\"writtenBackAs\":\"%s\"", or_null(gwb_onprem_type_name(r->as)));
      CHECK_HAS(json, needle);
    } else if (r->written != GWB_WRITTEN_BACK_YES) {
      CHECK_HAS(json, "\"writtenBackAs\":null");
      CHECK_HAS(json, r->written == GWB_WRITTEN_BACK_NO ? "\"displayName\":\"Not written back\"" : "\"displayName\":\"Unknown\"");
    }
    gwb_string_free(json);
    gwb_group_free(g);
    if (atomic_load(&failures) != before) fprintf(stderr, "  (effective table row: %s)\n", r->label);
  }
}

/* ------------------------------------------------------------------ validation */

struct val_row {
  const char *label;
  const char *props;
  const char *is_enabled;
  const char *type;
  uint32_t state;
  gwb_outcome outcome;
  const char *body;    /* SEND: the exact PATCH body */
  gwb_refusal refusal; /* REFUSED: the code */
  const char *needle;  /* REFUSED: the message names this */
};

#define O_SEND GWB_OUTCOME_SEND
#define O_SAME GWB_OUTCOME_NO_CHANGE
#define O_NO GWB_OUTCOME_REFUSED
#define R_NONE GWB_REFUSAL_NONE

static const struct val_row validate_table[] = {
    /* Microsoft 365, never configured: every state is sent. */
    {"m365 null/null", P_M365, J_NULL, J_NULL, S_NONE, O_SEND, BODY_OFF, R_NONE, NULL},
    {"m365 null/null", P_M365, J_NULL, J_NULL, S_SEC, O_SEND, BODY_SEC, R_NONE, NULL},
    {"m365 null/null", P_M365, J_NULL, J_NULL, S_DIST, O_SEND, BODY_DIST, R_NONE, NULL},
    {"m365 null/null", P_M365, J_NULL, J_NULL, S_MES, O_SEND, BODY_MES, R_NONE, NULL},
    /* Microsoft 365, already set */
    {"m365 true/udg", P_M365, J_TRUE, J_UDG, S_DIST, O_SAME, NULL, R_NONE, NULL},
    {"m365 true/udg", P_M365, J_TRUE, J_UDG, S_NONE, O_SEND, BODY_OFF, R_NONE, NULL},
    {"m365 true/udg", P_M365, J_TRUE, J_UDG, S_SEC, O_SEND, BODY_SEC, R_NONE, NULL},
    {"m365 true/umesg", P_M365, J_TRUE, J_UMESG, S_MES, O_SAME, NULL, R_NONE, NULL},
    {"m365 false/udg", P_M365, J_FALSE, J_UDG, S_NONE, O_SAME, NULL, R_NONE, NULL},
    {"m365 false/udg", P_M365, J_FALSE, J_UDG, S_DIST, O_SEND, BODY_DIST, R_NONE, NULL},
    {"m365 false/null", P_M365, J_FALSE, J_NULL, S_NONE, O_SAME, NULL, R_NONE, NULL},
    {"m365 true/null", P_M365, J_TRUE, J_NULL, S_DIST, O_SEND, BODY_DIST, R_NONE, NULL},
    {"m365 true/null", P_M365, J_TRUE, J_NULL, S_NONE, O_SEND, BODY_OFF, R_NONE, NULL},
    {"m365 null/usg", P_M365, J_NULL, J_USG, S_SEC, O_SEND, BODY_SEC, R_NONE, NULL},
    {"m365 true/Pascal", P_M365, J_TRUE, J_PASCAL_USG, S_SEC, O_SAME, NULL, R_NONE, NULL},
    {"m365 true/unknown", P_M365, J_TRUE, J_ODD, S_NONE, O_SEND, BODY_OFF, R_NONE, NULL},
    {"m365 true/unknown", P_M365, J_TRUE, J_ODD, S_SEC, O_SEND, BODY_SEC, R_NONE, NULL},
    {"dynamic m365 null/null", P_DYN_M365, J_NULL, J_NULL, S_MES, O_SEND, BODY_MES, R_NONE, NULL},
    /* Security: only Security (or No writeback) */
    {"sec null/null", P_SEC, J_NULL, J_NULL, S_NONE, O_SEND, BODY_OFF, R_NONE, NULL},
    {"sec null/null", P_SEC, J_NULL, J_NULL, S_SEC, O_SEND, BODY_SEC, R_NONE, NULL},
    {"sec null/null", P_SEC, J_NULL, J_NULL, S_DIST, O_NO, NULL, GWB_REFUSAL_TYPE_NOT_ALLOWED_FOR_KIND,
     "universalDistributionGroup"},
    {"sec null/null", P_SEC, J_NULL, J_NULL, S_MES, O_NO, NULL, GWB_REFUSAL_TYPE_NOT_ALLOWED_FOR_KIND,
     "universalMailEnabledSecurityGroup"},
    {"sec true/usg", P_SEC, J_TRUE, J_USG, S_SEC, O_SAME, NULL, R_NONE, NULL},
    {"sec true/usg", P_SEC, J_TRUE, J_USG, S_NONE, O_SEND, BODY_OFF, R_NONE, NULL},
    {"sec true/usg", P_SEC, J_TRUE, J_USG, S_DIST, O_NO, NULL, GWB_REFUSAL_TYPE_NOT_ALLOWED_FOR_KIND, "'Ops'"},
    {"sec false/usg", P_SEC, J_FALSE, J_USG, S_NONE, O_SAME, NULL, R_NONE, NULL},
    {"sec false/usg", P_SEC, J_FALSE, J_USG, S_SEC, O_SEND, BODY_SEC, R_NONE, NULL},
    {"sec false/udg", P_SEC, J_FALSE, J_UDG, S_SEC, O_SEND, BODY_SEC, R_NONE, NULL},
    {"no longer synced sec", P_UNSYNCED_SEC, J_NULL, J_NULL, S_SEC, O_SEND, BODY_SEC, R_NONE, NULL},
    /* Sources that cannot be written back, whatever the state */
    {"synced m365", P_SYNCED_M365, J_TRUE, J_USG, S_NONE, O_NO, NULL, GWB_REFUSAL_SYNCED_FROM_ON_PREMISES, "on-premises"},
    {"synced m365", P_SYNCED_M365, J_TRUE, J_USG, S_SEC, O_NO, NULL, GWB_REFUSAL_SYNCED_FROM_ON_PREMISES, "'Sales'"},
    {"synced m365", P_SYNCED_M365, J_TRUE, J_USG, S_DIST, O_NO, NULL, GWB_REFUSAL_SYNCED_FROM_ON_PREMISES, "synced"},
    {"synced sec", P_SYNCED_SEC, J_NULL, J_NULL, S_SEC, O_NO, NULL, GWB_REFUSAL_SYNCED_FROM_ON_PREMISES, "on-premises"},
    {"distribution", P_DIST, J_NULL, J_NULL, S_NONE, O_NO, NULL, GWB_REFUSAL_DISTRIBUTION_GROUP_NOT_ELIGIBLE,
     "distribution group"},
    {"distribution", P_DIST, J_NULL, J_NULL, S_SEC, O_NO, NULL, GWB_REFUSAL_DISTRIBUTION_GROUP_NOT_ELIGIBLE,
     "'Golf Discussion'"},
    {"distribution", P_DIST, J_NULL, J_NULL, S_DIST, O_NO, NULL, GWB_REFUSAL_DISTRIBUTION_GROUP_NOT_ELIGIBLE,
     "distribution group"},
    {"distribution", P_DIST, J_NULL, J_NULL, S_MES, O_NO, NULL, GWB_REFUSAL_DISTRIBUTION_GROUP_NOT_ELIGIBLE,
     "distribution group"},
    {"mail-enabled sec", P_MES, J_NULL, J_NULL, S_NONE, O_NO, NULL,
     GWB_REFUSAL_MAIL_ENABLED_SECURITY_GROUP_NOT_ELIGIBLE, "mail-enabled security group"},
    {"mail-enabled sec", P_MES, J_NULL, J_NULL, S_SEC, O_NO, NULL, GWB_REFUSAL_MAIL_ENABLED_SECURITY_GROUP_NOT_ELIGIBLE,
     "'Auditors'"},
    {"mail-enabled sec", P_MES, J_NULL, J_NULL, S_MES, O_NO, NULL, GWB_REFUSAL_MAIL_ENABLED_SECURITY_GROUP_NOT_ELIGIBLE,
     "mail-enabled security group"},
    {"mail-enabled sec", P_MES, J_NULL, J_NULL, S_DIST, O_NO, NULL,
     GWB_REFUSAL_MAIL_ENABLED_SECURITY_GROUP_NOT_ELIGIBLE, "mail-enabled security group"},
    {"undetermined", P_UNDETERMINED, J_NULL, J_NULL, S_SEC, O_NO, NULL, GWB_REFUSAL_KIND_UNDETERMINED, "$select"},
    {"undetermined", P_UNDETERMINED, J_NULL, J_NULL, S_NONE, O_NO, NULL, GWB_REFUSAL_KIND_UNDETERMINED, "'Selected'"},
};

/* Checks a change's accessors and JSON against what is expected. */
#define CHECK_CHANGE(c, outcome, body, refusal, needle) \
  check_change_at((c), (outcome), (body), (refusal), (needle), __FILE__, __LINE__)
static void check_change_at(const gwb_change *c, gwb_outcome outcome, const char *body, gwb_refusal refusal,
                            const char *needle, const char *file, int line) {
  if (!record(c != NULL, file, line, "CHECK_CHANGE", "a change was returned")) return;
  check_uint_at(gwb_change_outcome(c), outcome, "gwb_change_outcome(c)", file, line);
  check_str_at(gwb_change_body(c), outcome == GWB_OUTCOME_SEND ? body : NULL, "gwb_change_body(c)", file, line);
  check_uint_at(gwb_change_refusal(c), outcome == GWB_OUTCOME_REFUSED ? refusal : GWB_REFUSAL_NONE,
                "gwb_change_refusal(c)", file, line);
  const char *msg = gwb_change_message(c);
  if (outcome == GWB_OUTCOME_REFUSED) {
    record(msg != NULL && msg[0] != '\0', file, line, "CHECK_CHANGE", "a refusal has a message");
    if (needle) check_has_at(msg, needle, "the refusal message names it", file, line);
  } else {
    record(msg == NULL, file, line, "CHECK_CHANGE", "no message unless refused");
  }
  const char *summary = gwb_change_summary(c);
  record(summary != NULL && summary[0] != '\0', file, line, "CHECK_CHANGE", "a change has a summary");
  if (outcome == GWB_OUTCOME_REFUSED && summary && msg)
    record(strcmp(summary, msg) == 0, file, line, "CHECK_CHANGE", "a refusal's summary is its message");
  if (outcome == GWB_OUTCOME_NO_CHANGE && summary) check_has_at(summary, "no change", "summary of no change", file, line);
  if (outcome != GWB_OUTCOME_SEND)
    record(!gwb_change_makes_explicit(c), file, line, "CHECK_CHANGE", "only a SEND makes a value explicit");

  char *json = STRING_SENTINEL;
  gwb_error *err = NULL;
  if (!check_status_at(gwb_change_to_json(c, &json, &err), GWB_STATUS_OK, "gwb_change_to_json(c)", file, line)) {
    gwb_error_free(err);
    return;
  }
  record(err == NULL && json != STRING_SENTINEL && json != NULL, file, line, "CHECK_CHANGE", "JSON was returned");
  if (json == STRING_SENTINEL || json == NULL) return;
  if (outcome == GWB_OUTCOME_SEND) {
    check_has_at(json, "\"outcome\":\"send\"", "change JSON outcome", file, line);
    check_has_at(json, body, "change JSON has the body", file, line);
    check_has_at(json, "\"after\":{\"isEnabled\":", "change JSON has the result", file, line);
    check_has_at(json, "\"refusal\":null", "change JSON has no refusal", file, line);
  } else if (outcome == GWB_OUTCOME_NO_CHANGE) {
    check_has_at(json, "\"outcome\":\"noChange\"", "change JSON outcome", file, line);
    check_has_at(json, "\"body\":null", "change JSON has no body", file, line);
  } else {
    char code[160];
    snprintf(code, sizeof code, "\"code\":\"%s\"", or_null(gwb_refusal_name(refusal)));
    check_has_at(json, "\"outcome\":\"refused\"", "change JSON outcome", file, line);
    check_has_at(json, code, "change JSON has the refusal code", file, line);
    check_has_at(json, "\"body\":null", "change JSON has no body", file, line);
  }
  gwb_string_free(json);
}

static void test_validate_state(void) {
  for (size_t i = 0; i < sizeof validate_table / sizeof validate_table[0]; i++) {
    const struct val_row *r = &validate_table[i];
    int before = atomic_load(&failures);
    gwb_group *g = MAKE_GROUP(r->props, r->is_enabled, r->type);
    if (!g) continue;
    gwb_change *c = CHANGE_SENTINEL;
    gwb_error *err = NULL;
    CHECK_STATUS(gwb_validate_state(g, r->state, &c, &err), GWB_STATUS_OK);
    CHECK(err == NULL && c != CHANGE_SENTINEL);
    if (c != CHANGE_SENTINEL) {
      CHECK_CHANGE(c, r->outcome, r->body, r->refusal, r->needle);
      gwb_change_free(c);
    }
    gwb_group_free(g);
    if (atomic_load(&failures) != before)
      fprintf(stderr, "  (validate table row %zu: %s, state %s)\n", i, r->label, or_null(gwb_state_name(r->state)));
  }

  /* A state number that is not a settable state. */
  gwb_group *g = MAKE_GROUP(P_M365, J_NULL, J_NULL);
  const uint32_t bad_states[] = {GWB_WRITEBACK_STATE_UNSET, 99, 1000, UINT32_MAX};
  for (size_t i = 0; i < sizeof bad_states / sizeof bad_states[0]; i++) {
    gwb_change *c = CHANGE_SENTINEL;
    gwb_error *err = NULL;
    char needle[48];
    snprintf(needle, sizeof needle, "state %u", (unsigned)bad_states[i]);
    CHECK_ERROR(gwb_validate_state(g, bad_states[i], &c, &err), err, GWB_STATUS_INVALID_ARGUMENT, needle);
    CHECK(c == CHANGE_SENTINEL);
    CHECK_STATUS(gwb_validate_state(g, bad_states[i], &c, NULL), GWB_STATUS_INVALID_ARGUMENT);
    CHECK(c == CHANGE_SENTINEL);
  }
  gwb_group_free(g);
}

struct req_row {
  const char *label;
  const char *props;
  const char *is_enabled;
  const char *type;
  const char *request;
  gwb_status status;
  gwb_outcome outcome;
  const char *body;
  gwb_refusal refusal;
  const char *needle; /* the refusal or error message names this */
};

static const struct req_row request_table[] = {
    {"bare, both", P_M365, J_NULL, J_NULL, "{\"isEnabled\":true,\"onPremisesGroupType\":\"universalSecurityGroup\"}",
     GWB_STATUS_OK, O_SEND, BODY_SEC, R_NONE, NULL},
    {"bare, type first", P_M365, J_NULL, J_NULL,
     "{\"onPremisesGroupType\":\"universalDistributionGroup\",\"isEnabled\":true}", GWB_STATUS_OK, O_SEND, BODY_DIST,
     R_NONE, NULL},
    {"wrapped, both", P_M365, J_NULL, J_NULL, BODY_MES, GWB_STATUS_OK, O_SEND, BODY_MES, R_NONE, NULL},
    {"wrapped with whitespace", P_SEC, J_NULL, J_NULL,
     " {\n \"writebackConfiguration\" : {\n  \"isEnabled\" : true ,\n  \"onPremisesGroupType\" : "
     "\"universalSecurityGroup\"\n }\n}\n",
     GWB_STATUS_OK, O_SEND, BODY_SEC, R_NONE, NULL},
    {"upper case type", P_M365, J_NULL, J_NULL, "{\"isEnabled\":true,\"onPremisesGroupType\":\"UNIVERSALSECURITYGROUP\"}",
     GWB_STATUS_OK, O_SEND, BODY_SEC, R_NONE, NULL},
    {"@odata.type is ignored", P_M365, J_NULL, J_NULL,
     "{\"@odata.type\":\"#microsoft.graph.groupWritebackConfiguration\",\"isEnabled\":false}", GWB_STATUS_OK, O_SEND,
     BODY_OFF, R_NONE, NULL},
    {"@odata.type inside writebackConfiguration is ignored", P_M365, J_NULL, J_NULL,
     "{\"writebackConfiguration\":{\"@odata.type\":\"#microsoft.graph.groupWritebackConfiguration\",\"isEnabled\":false}}",
     GWB_STATUS_OK, O_SEND, BODY_OFF, R_NONE, NULL},
    /* SDKs serialise the group's own annotation beside the property: an
       annotation is not a property to change at either level. */
    {"@odata.type beside writebackConfiguration is ignored", P_M365, J_NULL, J_NULL,
     "{\"@odata.type\":\"#microsoft.graph.group\",\"writebackConfiguration\":{\"isEnabled\":false}}", GWB_STATUS_OK,
     O_SEND, BODY_OFF, R_NONE, NULL},
    {"only isEnabled true, default type", P_M365, J_FALSE, J_NULL, "{\"isEnabled\":true}", GWB_STATUS_OK, O_SEND,
     BODY_ON, R_NONE, NULL},
    {"only isEnabled true, keeps stored type", P_SEC, J_FALSE, J_USG, "{\"isEnabled\":true}", GWB_STATUS_OK, O_SEND,
     BODY_ON, R_NONE, NULL},
    {"only type", P_M365, J_TRUE, J_UDG, "{\"onPremisesGroupType\":\"universalSecurityGroup\"}", GWB_STATUS_OK, O_SEND,
     "{\"writebackConfiguration\":{\"onPremisesGroupType\":\"universalSecurityGroup\"}}", R_NONE, NULL},
    {"already in place", P_SEC, J_TRUE, J_USG, BODY_SEC, GWB_STATUS_OK, O_SAME, NULL, R_NONE, NULL},
    {"already off", P_M365, J_FALSE, J_UDG, "{\"isEnabled\":false}", GWB_STATUS_OK, O_SAME, NULL, R_NONE, NULL},
    /* refusals */
    {"type reset to null", P_M365, J_TRUE, J_UDG, "{\"onPremisesGroupType\":null}", GWB_STATUS_OK, O_NO, NULL,
     GWB_REFUSAL_TYPE_CANNOT_BE_RESET, "reset to null"},
    {"wrapped type reset", P_M365, J_FALSE, J_USG,
     "{\"writebackConfiguration\":{\"onPremisesGroupType\":null,\"isEnabled\":false}}", GWB_STATUS_OK, O_NO, NULL,
     GWB_REFUSAL_TYPE_CANNOT_BE_RESET, "onPremisesGroupType"},
    {"isEnabled null", P_M365, J_NULL, J_NULL, "{\"isEnabled\":null}", GWB_STATUS_OK, O_NO, NULL,
     GWB_REFUSAL_IS_ENABLED_NULL, "isEnabled"},
    {"empty", P_M365, J_NULL, J_NULL, "{}", GWB_STATUS_OK, O_NO, NULL, GWB_REFUSAL_INVALID_REQUEST, "Nothing to change"},
    {"empty wrapped", P_SEC, J_NULL, J_NULL, "{\"writebackConfiguration\":{}}", GWB_STATUS_OK, O_NO, NULL,
     GWB_REFUSAL_INVALID_REQUEST, "'Ops'"},
    {"security to distribution", P_SEC, J_TRUE, J_USG,
     "{\"isEnabled\":true,\"onPremisesGroupType\":\"universalDistributionGroup\"}", GWB_STATUS_OK, O_NO, NULL,
     GWB_REFUSAL_TYPE_NOT_ALLOWED_FOR_KIND, "universalDistributionGroup"},
    {"enabling a disallowed stored type", P_SEC, J_FALSE, J_UDG, "{\"isEnabled\":true}", GWB_STATUS_OK, O_NO, NULL,
     GWB_REFUSAL_TYPE_NOT_ALLOWED_FOR_KIND, "universalDistributionGroup"},
    {"unknown type", P_M365, J_NULL, J_NULL, "{\"isEnabled\":true,\"onPremisesGroupType\":\"globalSecurityGroup\"}",
     GWB_STATUS_OK, O_NO, NULL, GWB_REFUSAL_UNKNOWN_TYPE, "'globalSecurityGroup'"},
    {"empty type", P_M365, J_NULL, J_NULL, "{\"onPremisesGroupType\":\"\"}", GWB_STATUS_OK, O_NO, NULL,
     GWB_REFUSAL_UNKNOWN_TYPE, "universalSecurityGroup"},
    {"enabling an unknown stored type", P_M365, J_FALSE, J_ODD, "{\"isEnabled\":true}", GWB_STATUS_OK, O_NO, NULL,
     GWB_REFUSAL_UNKNOWN_TYPE, "globalSecurityGroup"},
    {"synced", P_SYNCED_M365, J_NULL, J_NULL, "{\"isEnabled\":false}", GWB_STATUS_OK, O_NO, NULL,
     GWB_REFUSAL_SYNCED_FROM_ON_PREMISES, "on-premises"},
    {"distribution", P_DIST, J_NULL, J_NULL, BODY_DIST, GWB_STATUS_OK, O_NO, NULL,
     GWB_REFUSAL_DISTRIBUTION_GROUP_NOT_ELIGIBLE, "distribution"},
    {"mail-enabled security", P_MES, J_NULL, J_NULL, BODY_MES, GWB_STATUS_OK, O_NO, NULL,
     GWB_REFUSAL_MAIL_ENABLED_SECURITY_GROUP_NOT_ELIGIBLE, "mail-enabled"},
    {"undetermined", P_UNDETERMINED, J_NULL, J_NULL, BODY_SEC, GWB_STATUS_OK, O_NO, NULL, GWB_REFUSAL_KIND_UNDETERMINED,
     "groupTypes"},
    /* not JSON of that shape */
    {"unknown property", P_M365, J_NULL, J_NULL, "{\"isEnabled\":true,\"isEnabledd\":true}", GWB_STATUS_INVALID_JSON,
     O_NO, NULL, R_NONE, "'isEnabledd'"},
    {"unknown wrapped property", P_M365, J_NULL, J_NULL, "{\"writebackConfiguration\":{\"enabled\":true}}",
     GWB_STATUS_INVALID_JSON, O_NO, NULL, R_NONE, "'enabled'"},
    {"isEnabled as a string", P_M365, J_NULL, J_NULL, "{\"isEnabled\":\"true\"}", GWB_STATUS_INVALID_JSON, O_NO, NULL,
     R_NONE, "'isEnabled'"},
    {"type as a number", P_M365, J_NULL, J_NULL, "{\"onPremisesGroupType\":2}", GWB_STATUS_INVALID_JSON, O_NO, NULL,
     R_NONE, "'onPremisesGroupType'"},
    {"writebackConfiguration null", P_M365, J_NULL, J_NULL, "{\"writebackConfiguration\":null}",
     GWB_STATUS_INVALID_JSON, O_NO, NULL, R_NONE, "writebackConfiguration"},
    {"array", P_M365, J_NULL, J_NULL, "[{\"isEnabled\":true}]", GWB_STATUS_INVALID_JSON, O_NO, NULL, R_NONE,
     "an array"},
    {"number", P_M365, J_NULL, J_NULL, "1", GWB_STATUS_INVALID_JSON, O_NO, NULL, R_NONE, "a number"},
    {"malformed", P_M365, J_NULL, J_NULL, "{\"isEnabled\":tru}", GWB_STATUS_INVALID_JSON, O_NO, NULL, R_NONE,
     "not valid JSON"},
    {"empty text", P_M365, J_NULL, J_NULL, "", GWB_STATUS_INVALID_JSON, O_NO, NULL, R_NONE, "not valid JSON"},
    {"bad UTF-8", P_M365, J_NULL, J_NULL, "{\"onPremisesGroupType\":\"univ\xe9rsal\"}", GWB_STATUS_INVALID_UTF8, O_NO,
     NULL, R_NONE, "UTF-8"},
};

/* A change that leaves the portal's state and the effective writeback as they
 * are, but stores explicit values, is sent and says so; a real change is not
 * marked. */
static void test_makes_explicit(void) {
  static const struct {
    const char *props, *en, *type;
    gwb_writeback_state state;
    bool explicit_;
    const char *summary;
  } rows[] = {
      {P_SEC, J_NULL, J_USG, S_SEC, true, "Security -> Security: makes the stored value explicit (isEnabled null -> true)"},
      {P_SEC, J_TRUE, J_NULL, S_SEC, true, "onPremisesGroupType null -> universalSecurityGroup"},
      {P_SEC, J_NULL, J_NULL, S_NONE, true, "the effective writeback stays Not written back"},
      {P_M365, J_NULL, J_NULL, S_NONE, false, "No writeback -> No writeback (effective: Distribution -> Not written back)"},
      {P_M365, J_TRUE, J_USG, GWB_WRITEBACK_STATE_DISTRIBUTION, false, "Security -> Distribution (effective: Security -> Distribution)"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    gwb_group *g = MAKE_GROUP(rows[i].props, rows[i].en, rows[i].type);
    if (!g) continue;
    gwb_change *c = NULL;
    CHECK_STATUS(gwb_validate_state(g, rows[i].state, &c, NULL), GWB_STATUS_OK);
    CHECK_UINT(gwb_change_outcome(c), GWB_OUTCOME_SEND);
    CHECK(gwb_change_makes_explicit(c) == rows[i].explicit_);
    CHECK_HAS(gwb_change_summary(c), rows[i].summary);
    char *json = NULL;
    CHECK_STATUS(gwb_change_to_json(c, &json, NULL), GWB_STATUS_OK);
    CHECK_HAS(json, rows[i].explicit_ ? "\"makesExplicit\":true" : "\"makesExplicit\":false");
    gwb_string_free(json);
    gwb_change_free(c);
    gwb_group_free(g);
  }
  CHECK(!gwb_change_makes_explicit(NULL));
  CHECK(gwb_change_summary(NULL) == NULL);
}

/* gwb_group_input_json: the group an object holds, whatever its shape. */
static void test_group_input(void) {
  char *out = NULL;
  gwb_error *err = NULL;
  /* The Graph SDK's shape: PascalCase, writebackConfiguration in AdditionalProperties. */
  CHECK_STATUS(gwb_group_input_json("{\"Id\":\"g1\",\"DisplayName\":\"Sales\",\"GroupTypes\":[\"Unified\"],"
                                    "\"SecurityEnabled\":false,\"MailEnabled\":true,\"Mail\":\"s@x\","
                                    "\"AdditionalProperties\":{\"writebackConfiguration\":{\"isEnabled\":false}}}",
                                    &out, &err),
               GWB_STATUS_OK);
  CHECK_HAS(out, "\"isGroup\":true");
  CHECK_HAS(out, "\"complete\":true");
  CHECK_HAS(out, "\"name\":\"Sales\"");
  CHECK_HAS(out, "\"writebackConfiguration\":{\"isEnabled\":false}");
  CHECK_LACKS(out, "Mail\"");
  if (out) {
    /* What it returns is a group the rules read. */
    const char *g_start = strstr(out, "\"group\":");
    CHECK(g_start != NULL);
  }
  gwb_string_free(out);
  out = NULL;
  /* Not a group, incomplete, not JSON, NULLs. */
  CHECK_STATUS(gwb_group_input_json("{\"ProcessName\":\"x\"}", &out, NULL), GWB_STATUS_OK);
  CHECK_HAS(out, "\"isGroup\":false");
  CHECK_HAS(out, "\"group\":null");
  gwb_string_free(out);
  out = NULL;
  CHECK_STATUS(gwb_group_input_json("{\"id\":\"g2\",\"securityEnabled\":null}", &out, NULL), GWB_STATUS_OK);
  CHECK_HAS(out, "\"complete\":false");
  gwb_string_free(out);
  out = STRING_SENTINEL;
  CHECK_ERROR(gwb_group_input_json("{not json", &out, &err), err, GWB_STATUS_INVALID_JSON, "not JSON");
  CHECK(out == STRING_SENTINEL);
  CHECK_ERROR(gwb_group_input_json(NULL, &out, &err), err, GWB_STATUS_NULL_PARAMETER, "'object_json'");
  CHECK_ERROR(gwb_group_input_json("{}", NULL, &err), err, GWB_STATUS_NULL_PARAMETER, "'json_out'");

  /* The keys an explained group has of its own: static, the same each time. */
  const char *keys = gwb_explain_keys_json();
  CHECK(keys != NULL && keys == gwb_explain_keys_json());
  CHECK_HAS(keys, "\"effective\"");
  CHECK_HAS(keys, "\"writebackConfiguration\"");
  CHECK_HAS(keys, "\"membershipRule\"");
  CHECK_LACKS(keys, "\"mail\"");

  /* The clouds and Azure Identity's variables, as the library names them. */
  static const char *const clouds[] = {"Global", "USGov", "USGovDoD", "China"};
  for (uint32_t i = 0; i < 4; i++) CHECK_STR(gwb_cloud_name(i), clouds[i]);
  CHECK(gwb_cloud_name(4) == NULL && gwb_cloud_name(UINT32_MAX) == NULL);
  const char *env = gwb_environment_variables_json();
  CHECK(env != NULL && env == gwb_environment_variables_json());
  CHECK_HAS(env, "\"tenantId\":\"AZURE_TENANT_ID\"");
  CHECK_HAS(env, "\"clientSecret\":\"AZURE_CLIENT_SECRET\"");
  CHECK_HAS(env, "\"authorityHost\":\"AZURE_AUTHORITY_HOST\"");
}

static void test_validate_request(void) {
  for (size_t i = 0; i < sizeof request_table / sizeof request_table[0]; i++) {
    const struct req_row *r = &request_table[i];
    int before = atomic_load(&failures);
    gwb_group *g = MAKE_GROUP(r->props, r->is_enabled, r->type);
    if (!g) continue;
    gwb_change *c = CHANGE_SENTINEL;
    gwb_error *err = NULL;
    gwb_status st = gwb_validate_request(g, r->request, &c, &err);
    if (r->status == GWB_STATUS_OK) {
      if (!CHECK_STATUS(st, GWB_STATUS_OK)) print_excerpt("error", gwb_error_message(err));
      CHECK(err == NULL);
      if (st == GWB_STATUS_OK && c != CHANGE_SENTINEL) {
        CHECK_CHANGE(c, r->outcome, r->body, r->refusal, r->needle);
        gwb_change_free(c);
      } else {
        gwb_error_free(err);
      }
    } else {
      CHECK_ERROR(st, err, r->status, r->needle);
      CHECK(c == CHANGE_SENTINEL);
      if (c != CHANGE_SENTINEL) gwb_change_free(c);
    }
    gwb_group_free(g);
    if (atomic_load(&failures) != before) fprintf(stderr, "  (request table row %zu: %s)\n", i, r->label);
  }

  /* The PATCH bodies real clients sent, from the fixtures. */
  gwb_group *m365 = MAKE_GROUP(P_M365, J_NULL, J_NULL);
  char *text = FIXTURE("patch-examples/msgraph-metadata-332-patch-body.json");
  if (text) {
    gwb_change *c = NULL;
    CHECK_STATUS(gwb_validate_request(m365, text, &c, NULL), GWB_STATUS_OK);
    /* PascalCase in, documented camelCase out. */
    CHECK_CHANGE(c, GWB_OUTCOME_SEND, BODY_SEC, GWB_REFUSAL_NONE, NULL);
    gwb_change_free(c);
    free(text);
  }
  text = FIXTURE("patch-examples/entra-docs-disable-m365-writeback-patch-body.json");
  if (text) {
    gwb_change *c = NULL;
    CHECK_STATUS(gwb_validate_request(m365, text, &c, NULL), GWB_STATUS_OK);
    CHECK_CHANGE(c, GWB_OUTCOME_SEND, BODY_OFF, GWB_REFUSAL_NONE, NULL);
    gwb_change_free(c);
    free(text);
  }
  /* Validation reads a state; it never changes the group. */
  CHECK_UINT(gwb_group_is_enabled(m365), GWB_TRISTATE_UNSET);
  CHECK_UINT(gwb_group_onprem_type(m365), GWB_ONPREM_TYPE_UNSET);
  gwb_group_free(m365);
}

/* ------------------------------------------------------------------ names */

/* Numbers no enum reaches: the enums grow, and their numbers are never reused. */
static const uint32_t far_out[] = {1000u, 0x10000u, 0x7FFFFFFFu, UINT32_MAX};
#define FAR_OUT_COUNT (sizeof far_out / sizeof far_out[0])

/*
 * Over the first 64 numbers, the names a look-up gives are distinct and,
 * where `blank_ok` does not list the number, not empty; the numbers that
 * follow the enum are checked to give NULL by the callers.
 */
#define CHECK_NAME_SET(lookup, blank_ok) check_name_set_at((lookup), (blank_ok), #lookup, __FILE__, __LINE__)
static void check_name_set_at(const char *(*lookup)(uint32_t), uint64_t blank_ok, const char *what, const char *file,
                              int line) {
  const char *seen[64] = {0};
  bool ok = true;
  for (uint32_t n = 0; n < 64; n++) {
    seen[n] = lookup(n);
    if (!seen[n]) continue;
    if (seen[n][0] == '\0' && !(blank_ok & (UINT64_C(1) << n))) {
      fprintf(stderr, "    %s(%u) is empty\n", what, (unsigned)n);
      ok = false;
    }
    for (uint32_t m = 0; m < n; m++) {
      if (seen[m] && seen[n][0] != '\0' && strcmp(seen[m], seen[n]) == 0) {
        fprintf(stderr, "    %s(%u) and %s(%u) are both \"%s\"\n", what, (unsigned)m, what, (unsigned)n, seen[n]);
        ok = false;
      }
    }
  }
  record(ok, file, line, "CHECK_NAME_SET", what);
}

static void test_names(void) {
  static const char *const statuses[] = {"ok", "nullParameter", "invalidUtf8", "invalidJson", "invalidArgument",
                                         "panic"};
  for (uint32_t i = 0; i < 6; i++) CHECK_STR(gwb_status_name(i), statuses[i]);
  for (size_t i = 0; i < FAR_OUT_COUNT; i++) CHECK(gwb_status_name(far_out[i]) == NULL);
  CHECK_NAME_SET(gwb_status_name, 0);
  CHECK(gwb_status_name(GWB_STATUS_PANIC) == gwb_status_name(GWB_STATUS_PANIC));

  static const char *const states[] = {"Unset", "NoWriteback", "Security", "Distribution", "MailEnabledSecurity"};
  static const char *const state_words[] = {"", "No writeback", "Security", "Distribution", "Mail-enabled security"};
  for (uint32_t i = 0; i < 5; i++) {
    CHECK_STR(gwb_state_name(i), states[i]);
    CHECK_STR(gwb_state_display_name(i), state_words[i]);
  }
  for (size_t i = 0; i < FAR_OUT_COUNT; i++) {
    CHECK(gwb_state_name(far_out[i]) == NULL);
    CHECK(gwb_state_display_name(far_out[i]) == NULL);
  }
  CHECK_NAME_SET(gwb_state_name, 0);
  CHECK_NAME_SET(gwb_state_display_name, 1u << GWB_WRITEBACK_STATE_UNSET);

  static const char *const kinds[] = {"unset",        "microsoft365", "security", "mailEnabledSecurity",
                                      "distribution", "undetermined"};
  for (uint32_t i = 0; i < 6; i++) CHECK_STR(gwb_group_kind_name(i), kinds[i]);
  for (size_t i = 0; i < FAR_OUT_COUNT; i++) CHECK(gwb_group_kind_name(far_out[i]) == NULL);
  CHECK_NAME_SET(gwb_group_kind_name, 0);

  static const char *const types[] = {"", "universalDistributionGroup", "universalSecurityGroup",
                                      "universalMailEnabledSecurityGroup", ""};
  for (uint32_t i = 0; i < 5; i++) CHECK_STR(gwb_onprem_type_name(i), types[i]);
  for (size_t i = 0; i < FAR_OUT_COUNT; i++) CHECK(gwb_onprem_type_name(far_out[i]) == NULL);
  CHECK_NAME_SET(gwb_onprem_type_name, (1u << GWB_ONPREM_TYPE_UNSET) | (1u << GWB_ONPREM_TYPE_UNKNOWN));

  static const char *const reasons[] = {"unset",
                                        "syncedFromOnPremises",
                                        "kindNotEligible",
                                        "disabled",
                                        "enabledWithType",
                                        "enabledDefaultType",
                                        "legacyMicrosoft365Default",
                                        "notConfigured",
                                        "unsetEnabledWithType",
                                        "kindUndetermined",
                                        "unknownType",
                                        "typeNotAllowedForKind"};
  /* A word each sentence must contain, so the message is about its reason. */
  static const char *const reason_words[] = {"No reason",     "on-premises",      "distribution", "false",
                                             "true",          "default",          "No writeback", "security group",
                                             "isEnabled is null", "groupTypes", "documented values",
                                             "not allowed"};
  for (uint32_t i = 0; i < 12; i++) {
    CHECK_STR(gwb_reason_name(i), reasons[i]);
    const char *m = gwb_reason_message(i);
    CHECK(m != NULL && strlen(m) > 8);
    CHECK_HAS(m, reason_words[i]);
  }
  for (size_t i = 0; i < FAR_OUT_COUNT; i++) {
    CHECK(gwb_reason_name(far_out[i]) == NULL);
    CHECK(gwb_reason_message(far_out[i]) == NULL);
  }
  CHECK_NAME_SET(gwb_reason_name, 0);
  CHECK_NAME_SET(gwb_reason_message, 0);

  static const char *const written_back[] = {"unset", "no", "yes", "unknown"};
  for (uint32_t i = 0; i < 4; i++) CHECK_STR(gwb_written_back_name(i), written_back[i]);
  CHECK_UINT(GWB_WRITTEN_BACK_NO, 1);
  CHECK_UINT(GWB_WRITTEN_BACK_YES, 2);
  CHECK_UINT(GWB_WRITTEN_BACK_UNKNOWN, 3);
  for (size_t i = 0; i < FAR_OUT_COUNT; i++) CHECK(gwb_written_back_name(far_out[i]) == NULL);
  CHECK_NAME_SET(gwb_written_back_name, 0);

  static const struct {
    uint32_t flag;
    const char *name;
    const char *word;
  } caveats[] = {
      {GWB_CAVEAT_DOCUMENTS_DISAGREE, "documentsDisagree", "disagree"},
      {GWB_CAVEAT_UNSET_ENABLED_WITH_TYPE, "unsetEnabledWithType", "isEnabled is null"},
      {GWB_CAVEAT_UNKNOWN_TYPE, "unknownType", "not one of the documented values"},
      {GWB_CAVEAT_PORTAL_SHOWS_NO_WRITEBACK, "portalShowsNoWriteback", "No writeback"},
      {GWB_CAVEAT_TYPE_NOT_ALLOWED_FOR_KIND, "typeNotAllowedForKind", "not allowed"},
      {GWB_CAVEAT_TYPE_NOT_CANONICAL, "typeNotCanonical", "camelCase"},
  };
  for (size_t i = 0; i < sizeof caveats / sizeof caveats[0]; i++) {
    CHECK_STR(gwb_caveat_name(caveats[i].flag), caveats[i].name);
    CHECK_HAS(gwb_caveat_message(caveats[i].flag), caveats[i].word);
  }
  /* Not exactly one flag. */
  const uint32_t not_flags[] = {0, 3, 9, 6, 48, 0x80000000u, UINT32_MAX};
  for (size_t i = 0; i < sizeof not_flags / sizeof not_flags[0]; i++) {
    CHECK(gwb_caveat_name(not_flags[i]) == NULL);
    CHECK(gwb_caveat_message(not_flags[i]) == NULL);
  }

  static const char *const refusals[] = {"none",
                                         "syncedFromOnPremises",
                                         "distributionGroupNotEligible",
                                         "mailEnabledSecurityGroupNotEligible",
                                         "kindUndetermined",
                                         "typeNotAllowedForKind",
                                         "typeCannotBeReset",
                                         "unknownType",
                                         "isEnabledNull",
                                         "invalidRequest"};
  for (uint32_t i = 0; i < 10; i++) CHECK_STR(gwb_refusal_name(i), refusals[i]);
  for (size_t i = 0; i < FAR_OUT_COUNT; i++) CHECK(gwb_refusal_name(far_out[i]) == NULL);
  CHECK_NAME_SET(gwb_refusal_name, 0);
}

static void test_state_parse(void) {
  static const struct {
    const char *name;
    gwb_writeback_state state;
  } good[] = {
      {"NoWriteback", S_NONE},
      {"Security", S_SEC},
      {"Distribution", S_DIST},
      {"MailEnabledSecurity", S_MES},
      {"No writeback", S_NONE},
      {"Mail-enabled security", S_MES},
      {"no writeback", S_NONE},
      {"NOWRITEBACK", S_NONE},
      {"security", S_SEC},
      {"DISTRIBUTION", S_DIST},
      {"mail-enabled security", S_MES},
      {"mailenabledsecurity", S_MES},
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    gwb_writeback_state st = STATE_SENTINEL;
    gwb_error *err = NULL;
    CHECK_STATUS(gwb_state_parse(good[i].name, &st, &err), GWB_STATUS_OK);
    CHECK(err == NULL);
    if (st != good[i].state) fprintf(stderr, "  (state name \"%s\")\n", good[i].name);
    CHECK_UINT(st, good[i].state);
  }
  /* Every identifier and portal word round-trips. */
  for (uint32_t s = 1; s <= 4; s++) {
    gwb_writeback_state st = STATE_SENTINEL;
    CHECK_STATUS(gwb_state_parse(gwb_state_name(s), &st, NULL), GWB_STATUS_OK);
    CHECK_UINT(st, s);
    st = STATE_SENTINEL;
    CHECK_STATUS(gwb_state_parse(gwb_state_display_name(s), &st, NULL), GWB_STATUS_OK);
    CHECK_UINT(st, s);
  }

  static const char *const bad[] = {"Bogus", "", "Unset", "universalSecurityGroup", "Security group", "0", "2"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gwb_writeback_state st = STATE_SENTINEL;
    gwb_error *err = NULL;
    gwb_status status = gwb_state_parse(bad[i], &st, &err);
    if (status != GWB_STATUS_INVALID_ARGUMENT) fprintf(stderr, "  (state name \"%s\")\n", bad[i]);
    char needle[64];
    snprintf(needle, sizeof needle, "'%s'", bad[i]);
    CHECK_ERROR(status, err, GWB_STATUS_INVALID_ARGUMENT, needle);
    CHECK_UINT(st, STATE_SENTINEL);
    CHECK_STATUS(gwb_state_parse(bad[i], &st, NULL), GWB_STATUS_INVALID_ARGUMENT);
    CHECK_UINT(st, STATE_SENTINEL);
  }
  /* The message also says what would have been accepted. */
  gwb_writeback_state st = STATE_SENTINEL;
  gwb_error *err = NULL;
  CHECK_STATUS(gwb_state_parse("Bogus", &st, &err), GWB_STATUS_INVALID_ARGUMENT);
  CHECK_HAS(gwb_error_message(err), "NoWriteback");
  CHECK_HAS(gwb_error_message(err), "MailEnabledSecurity");
  gwb_error_free(err);
}

/* ------------------------------------------------------------------ JSON outputs */

static size_t count_of(const char *haystack, const char *needle) {
  size_t n = 0;
  if (!haystack) return 0;
  for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle)) n++;
  return n;
}

static void test_json_outputs(void) {
  /* gwb_group_to_json: Graph's shape, a known type in camelCase. */
  gwb_group *g = MAKE_GROUP(P_M365, J_TRUE, J_PASCAL_USG);
  char *json = STRING_SENTINEL;
  gwb_error *err = NULL;
  CHECK_STATUS(gwb_group_to_json(g, &json, &err), GWB_STATUS_OK);
  CHECK(err == NULL && json != STRING_SENTINEL);
  if (json != STRING_SENTINEL) {
    CHECK_HAS(json, "\"id\":\"m365-1\"");
    CHECK_HAS(json, "\"displayName\":\"Sales\"");
    CHECK_HAS(json, "\"groupTypes\":[\"Unified\"]");
    CHECK_HAS(json, "\"securityEnabled\":false");
    CHECK_HAS(json, "\"mailEnabled\":true");
    CHECK_HAS(json, "\"onPremisesSyncEnabled\":null");
    CHECK_HAS(json, "\"writebackConfiguration\":{\"isEnabled\":true,\"onPremisesGroupType\":\"universalSecurityGroup\"}");
    CHECK_LACKS(json, "UniversalSecurityGroup");
    /* What it writes, it reads back the same. */
    gwb_group *again = PARSE(json);
    char *json2 = NULL;
    CHECK_STATUS(gwb_group_to_json(again, &json2, NULL), GWB_STATUS_OK);
    CHECK_STR(json2, json);
    gwb_string_free(json2);
    gwb_group_free(again);
    gwb_string_free(json);
  }
  gwb_group_free(g);

  /* An unknown type is written as read. */
  g = MAKE_GROUP(P_SEC, J_NULL, "\"GlobalSecurityGroup\"");
  json = NULL;
  CHECK_STATUS(gwb_group_to_json(g, &json, NULL), GWB_STATUS_OK);
  CHECK_HAS(json, "\"onPremisesGroupType\":\"GlobalSecurityGroup\"");
  CHECK_HAS(json, "\"isEnabled\":null");
  gwb_string_free(json);
  gwb_group_free(g);

  /* gwb_group_explain_json: the M365 null/null confusion, spelled out. */
  g = MAKE_GROUP(P_M365, J_NULL, J_NULL);
  json = NULL;
  CHECK_STATUS(gwb_group_explain_json(g, &json, NULL), GWB_STATUS_OK);
  CHECK_HAS(json, "\"kind\":\"microsoft365\"");
  CHECK_HAS(json, "\"isSynced\":false");
  CHECK_HAS(json, "\"isDynamic\":false");
  CHECK_HAS(json, "\"portal\":{");
  CHECK_HAS(json, "\"writebackEnabled\":false");
  CHECK_HAS(json, "\"targetWritebackType\":null");
  CHECK_HAS(json, "\"state\":\"NoWriteback\"");
  CHECK_HAS(json, "\"stateDisplayName\":\"No writeback\"");
  CHECK_HAS(json, "\"effective\":{");
  CHECK_HAS(json, "\"writtenBack\":true");
  CHECK_HAS(json, "\"writtenBackAs\":\"universalDistributionGroup\"");
  CHECK_HAS(json, "\"reason\":\"legacyMicrosoft365Default\"");
  CHECK_HAS(json, "\"explanation\":\"Writeback was never configured");
  CHECK_HAS(json, "\"caveats\":[{\"code\":\"portalShowsNoWriteback\",\"message\":\"");
  CHECK_HAS(json, "\"writebackConfiguration\":{\"isEnabled\":null,\"onPremisesGroupType\":null}");
  gwb_string_free(json);
  gwb_group_free(g);

  /* A synced, dynamic security group. */
  g = PARSE("{" P_DYN_SEC ",\"onPremisesSyncEnabled\":true}");
  json = NULL;
  CHECK_STATUS(gwb_group_explain_json(g, &json, NULL), GWB_STATUS_OK);
  CHECK_HAS(json, "\"isSynced\":true");
  CHECK_HAS(json, "\"isDynamic\":true");
  CHECK_HAS(json, "\"reason\":\"syncedFromOnPremises\"");
  CHECK_HAS(json, "\"caveats\":[]");
  gwb_string_free(json);
  gwb_group_free(g);

  /* gwb_explain_json: one object. */
  json = STRING_SENTINEL;
  CHECK_STATUS(gwb_explain_json("{" P_SEC ",\"writebackConfiguration\":{\"isEnabled\":null,\"onPremisesGroupType\":null}}",
                                &json, &err),
               GWB_STATUS_OK);
  CHECK(err == NULL && json != STRING_SENTINEL);
  if (json != STRING_SENTINEL) {
    CHECK(json[0] == '{');
    CHECK_HAS(json, "\"kind\":\"security\"");
    CHECK_HAS(json, "\"reason\":\"notConfigured\"");
    CHECK_HAS(json, "\"code\":\"documentsDisagree\"");
    CHECK_HAS(json, "\"writtenBack\":false");
    gwb_string_free(json);
  }

  /* gwb_explain_json: an array, in order; an empty array. */
  json = NULL;
  CHECK_STATUS(gwb_explain_json("[{" P_M365 "},{" P_SEC "},{" P_DIST "}]", &json, NULL), GWB_STATUS_OK);
  CHECK(json != NULL && json[0] == '[');
  CHECK_UINT(count_of(json, "\"kind\":"), 3);
  {
    const char *a = json ? strstr(json, "\"kind\":\"microsoft365\"") : NULL;
    const char *b = json ? strstr(json, "\"kind\":\"security\"") : NULL;
    const char *c = json ? strstr(json, "\"kind\":\"distribution\"") : NULL;
    CHECK(a && b && c && a < b && b < c);
  }
  gwb_string_free(json);
  json = NULL;
  CHECK_STATUS(gwb_explain_json("[]", &json, NULL), GWB_STATUS_OK);
  CHECK_STR(json, "[]");
  gwb_string_free(json);

  /* The list fixture's value array, explained at once. */
  char *text = FIXTURE("graph-docs/beta-group-list-default.json");
  if (text) {
    const char *start = strstr(text, "\"value\"");
    start = start ? strchr(start, '[') : NULL;
    const char *end = strrchr(text, ']');
    CHECK(start && end && end > start);
    if (start && end && end > start) {
      size_t n = (size_t)(end - start) + 1;
      char *array = malloc(n + 1);
      memcpy(array, start, n);
      array[n] = '\0';
      json = NULL;
      CHECK_STATUS(gwb_explain_json(array, &json, NULL), GWB_STATUS_OK);
      CHECK_UINT(count_of(json, "\"kind\":"), 2);
      CHECK_HAS(json, "\"reason\":\"legacyMicrosoft365Default\"");
      CHECK_HAS(json, "\"reason\":\"kindNotEligible\"");
      gwb_string_free(json);
      free(array);
    }
    free(text);
  }

  /* Bad input to gwb_explain_json. */
  json = STRING_SENTINEL;
  CHECK_ERROR(gwb_explain_json("[{" P_M365 "},42]", &json, &err), err, GWB_STATUS_INVALID_JSON, "element 1");
  CHECK(json == STRING_SENTINEL);
  CHECK_ERROR(gwb_explain_json("[{\"id\":1}]", &json, &err), err, GWB_STATUS_INVALID_JSON, "'id'");
  CHECK(json == STRING_SENTINEL);
  CHECK_ERROR(gwb_explain_json("42", &json, &err), err, GWB_STATUS_INVALID_JSON, "a number");
  CHECK(json == STRING_SENTINEL);
  CHECK_ERROR(gwb_explain_json("{\"writebackConfiguration\":{\"isEnabled\":\"Boolean\"}}", &json, &err), err,
              GWB_STATUS_INVALID_JSON, "writebackConfiguration.isEnabled");
  CHECK(json == STRING_SENTINEL);
  CHECK_ERROR(gwb_explain_json("{\"id\":", &json, &err), err, GWB_STATUS_INVALID_JSON, "not valid JSON");
  CHECK(json == STRING_SENTINEL);
  CHECK_STATUS(gwb_explain_json("nope", &json, NULL), GWB_STATUS_INVALID_JSON);
  CHECK(json == STRING_SENTINEL);

  /* gwb_change_to_json for each outcome (also checked in the tables). */
  g = MAKE_GROUP(P_SEC, J_TRUE, J_USG);
  gwb_change *c = NULL;
  CHECK_STATUS(gwb_validate_state(g, S_DIST, &c, NULL), GWB_STATUS_OK);
  json = NULL;
  CHECK_STATUS(gwb_change_to_json(c, &json, NULL), GWB_STATUS_OK);
  CHECK_HAS(json, "\"outcome\":\"refused\"");
  CHECK_HAS(json, "\"refusal\":{\"code\":\"typeNotAllowedForKind\",\"message\":\"");
  CHECK_HAS(json, "\"after\":null");
  gwb_string_free(json);
  gwb_change_free(c);
  c = NULL;
  CHECK_STATUS(gwb_validate_state(g, S_NONE, &c, NULL), GWB_STATUS_OK);
  json = NULL;
  CHECK_STATUS(gwb_change_to_json(c, &json, NULL), GWB_STATUS_OK);
  CHECK_HAS(json, "\"outcome\":\"send\"");
  CHECK_HAS(json, "\"body\":" BODY_OFF);
  /* After the change: off, and the type kept (it cannot be reset). */
  CHECK_HAS(json, "\"after\":{\"isEnabled\":false,\"onPremisesGroupType\":\"universalSecurityGroup\"}");
  gwb_string_free(json);
  gwb_change_free(c);
  c = NULL;
  CHECK_STATUS(gwb_validate_state(g, S_SEC, &c, NULL), GWB_STATUS_OK);
  json = NULL;
  CHECK_STATUS(gwb_change_to_json(c, &json, NULL), GWB_STATUS_OK);
  CHECK_STR(json, "{\"after\":null,\"body\":null,\"makesExplicit\":false,\"outcome\":\"noChange\",\"refusal\":null,"
                  "\"summary\":\"no change: already Security (effective: Security)\"}");
  gwb_string_free(json);
  gwb_change_free(c);
  gwb_group_free(g);
}

/* ------------------------------------------------------------------ threads */

#define THREADS 8
#define ITERATIONS 500

struct worker {
  int index;
  const gwb_group *shared;
  int bad;           /* wrong results seen */
  char first[200];   /* the first one, described */
};

static void worker_fail(struct worker *w, int i, const char *what) {
  if (w->bad++ == 0) snprintf(w->first, sizeof w->first, "iteration %d: %s", i, what);
}

static void *worker_main(void *arg) {
  struct worker *w = arg;
  static const char *const bodies[] = {NULL, BODY_OFF, BODY_SEC, BODY_DIST, BODY_MES};
  for (int i = 0; i < ITERATIONS; i++) {
    /* Validate every state on the shared handle. */
    uint32_t state = 1u + (uint32_t)((i + w->index) % 4);
    gwb_change *c = NULL;
    if (gwb_validate_state(w->shared, state, &c, NULL) != GWB_STATUS_OK) {
      worker_fail(w, i, "gwb_validate_state failed");
    } else {
      const char *body = gwb_change_body(c);
      if (gwb_change_outcome(c) != GWB_OUTCOME_SEND || !body || strcmp(body, bodies[state]) != 0)
        worker_fail(w, i, "wrong decision on the shared group");
      gwb_change_free(c);
    }

    /* Read the shared handle. */
    gwb_effective e = {0};
    if (gwb_group_effective(w->shared, &e, NULL) != GWB_STATUS_OK || e.written_back != GWB_WRITTEN_BACK_YES ||
        e.reason != GWB_REASON_LEGACY_MICROSOFT365_DEFAULT || e.caveats != GWB_CAVEAT_PORTAL_SHOWS_NO_WRITEBACK)
      worker_fail(w, i, "wrong effective behaviour of the shared group");
    gwb_portal p = {0};
    if (gwb_group_portal(w->shared, &p, NULL) != GWB_STATUS_OK || p.state != GWB_WRITEBACK_STATE_NO_WRITEBACK)
      worker_fail(w, i, "wrong portal state of the shared group");
    const char *name = gwb_group_display_name(w->shared);
    if (!name || strcmp(name, "Sales") != 0) worker_fail(w, i, "wrong display name");
    if (i % 4 == 0) {
      char *json = NULL;
      if (gwb_group_explain_json(w->shared, &json, NULL) != GWB_STATUS_OK || !json ||
          !strstr(json, "\"reason\":\"legacyMicrosoft365Default\""))
        worker_fail(w, i, "wrong explanation of the shared group");
      gwb_string_free(json);
    }

    /* Parse a group of its own and validate a request on it. */
    char own[256];
    snprintf(own, sizeof own,
             "{\"id\":\"t%d-%d\",\"groupTypes\":[],\"securityEnabled\":true,\"mailEnabled\":false,"
             "\"writebackConfiguration\":{\"isEnabled\":%s,\"onPremisesGroupType\":null}}",
             w->index, i, i % 2 ? "true" : "false");
    gwb_group *g = NULL;
    if (gwb_group_parse(own, &g, NULL) != GWB_STATUS_OK) {
      worker_fail(w, i, "gwb_group_parse failed");
    } else {
      char id[32];
      snprintf(id, sizeof id, "t%d-%d", w->index, i);
      if (!gwb_group_id(g) || strcmp(gwb_group_id(g), id) != 0) worker_fail(w, i, "wrong id");
      if (gwb_group_get_kind(g) != GWB_GROUP_KIND_SECURITY) worker_fail(w, i, "wrong kind");
      c = NULL;
      if (gwb_validate_request(g, "{\"isEnabled\":true,\"onPremisesGroupType\":\"universalDistributionGroup\"}", &c,
                               NULL) != GWB_STATUS_OK ||
          gwb_change_refusal(c) != GWB_REFUSAL_TYPE_NOT_ALLOWED_FOR_KIND)
        worker_fail(w, i, "security to distribution was not refused");
      gwb_change_free(c);
      gwb_group_free(g);
    }

    /* An error object of its own. */
    gwb_error *err = NULL;
    g = NULL;
    if (gwb_group_parse("{\"mailEnabled\":\"x\"}", &g, &err) != GWB_STATUS_INVALID_JSON || !err ||
        !strstr(or_null(gwb_error_message(err)), "mailEnabled") || g != NULL)
      worker_fail(w, i, "a bad group did not fail as expected");
    gwb_error_free(err);

    /* Static names, shared by every thread. */
    if (!gwb_reason_name(i % 10) || !gwb_state_display_name(state) || !gwb_caveat_name(1u << (i % 6)))
      worker_fail(w, i, "a name look-up gave NULL");
  }
  return NULL;
}

static void test_threads(void) {
  gwb_group *shared = MAKE_GROUP(P_M365, J_NULL, J_NULL);
  if (!shared) return;
  pthread_t threads[THREADS];
  struct worker workers[THREADS];
  bool started[THREADS];
  for (int t = 0; t < THREADS; t++) {
    workers[t].index = t;
    workers[t].shared = shared;
    workers[t].bad = 0;
    workers[t].first[0] = '\0';
    started[t] = pthread_create(&threads[t], NULL, worker_main, &workers[t]) == 0;
    CHECK(started[t]);
  }
  for (int t = 0; t < THREADS; t++) {
    if (!started[t]) continue;
    CHECK(pthread_join(threads[t], NULL) == 0);
    if (workers[t].bad) fprintf(stderr, "  thread %d: %d wrong results, first at %s\n", t, workers[t].bad, workers[t].first);
    CHECK(workers[t].bad == 0);
  }
  /* The shared handle is intact afterwards. */
  CHECK_STR(gwb_group_id(shared), "m365-1");
  CHECK_UINT(gwb_group_get_kind(shared), GWB_GROUP_KIND_MICROSOFT365);
  gwb_group_free(shared);
}

/* ------------------------------------------------------------------ oversized input */

static void test_oversized(void) {
  const size_t big = 5u * 1024u * 1024u;
  const char *head = "{\"id\":\"big\",\"displayName\":\"";
  const char *tail = "\",\"groupTypes\":[\"Unified\"],\"securityEnabled\":false,\"mailEnabled\":true,"
                     "\"writebackConfiguration\":{\"isEnabled\":true,\"onPremisesGroupType\":\"universalSecurityGroup\"}}";
  size_t hl = strlen(head), tl = strlen(tail);
  char *json = malloc(hl + big + tl + 1);
  if (!CHECK(json != NULL)) return;
  memcpy(json, head, hl);
  memset(json + hl, 'x', big);
  memcpy(json + hl + big, tail, tl + 1);

  gwb_group *g = PARSE(json);
  const char *name = gwb_group_display_name(g);
  CHECK(name != NULL && strlen(name) == big);
  CHECK_UINT(gwb_group_get_kind(g), GWB_GROUP_KIND_MICROSOFT365);
  CHECK_UINT(gwb_group_onprem_type(g), GWB_ONPREM_TYPE_UNIVERSAL_SECURITY);
  char *out = NULL;
  CHECK_STATUS(gwb_group_explain_json(g, &out, NULL), GWB_STATUS_OK);
  CHECK(out != NULL && strlen(out) > big);
  gwb_string_free(out);
  gwb_change *c = NULL;
  CHECK_STATUS(gwb_validate_state(g, S_DIST, &c, NULL), GWB_STATUS_OK);
  CHECK_CHANGE(c, GWB_OUTCOME_SEND, BODY_DIST, GWB_REFUSAL_NONE, NULL);
  gwb_change_free(c);
  /* A refusal message quotes the name; it is still a whole string. */
  c = NULL;
  CHECK_STATUS(gwb_validate_request(g, "{\"onPremisesGroupType\":null}", &c, NULL), GWB_STATUS_OK);
  CHECK_UINT(gwb_change_refusal(c), GWB_REFUSAL_TYPE_CANNOT_BE_RESET);
  CHECK(gwb_change_message(c) != NULL && strlen(gwb_change_message(c)) > big);
  gwb_change_free(c);
  gwb_group_free(g);

  out = NULL;
  CHECK_STATUS(gwb_explain_json(json, &out, NULL), GWB_STATUS_OK);
  CHECK(out != NULL && strlen(out) > big);
  gwb_string_free(out);

  /* The same text cut short: fails cleanly. */
  json[hl + big / 2] = '\0';
  gwb_group *bad = GROUP_SENTINEL;
  gwb_error *err = NULL;
  CHECK_ERROR(gwb_group_parse(json, &bad, &err), err, GWB_STATUS_INVALID_JSON, "EOF");
  CHECK(bad == GROUP_SENTINEL);

  /* A huge request of whitespace around an empty object. */
  memset(json, ' ', big);
  json[big] = '{';
  json[big + 1] = '}';
  json[big + 2] = '\0';
  g = MAKE_GROUP(P_SEC, J_NULL, J_NULL);
  c = NULL;
  CHECK_STATUS(gwb_validate_request(g, json, &c, NULL), GWB_STATUS_OK);
  CHECK_UINT(gwb_change_refusal(c), GWB_REFUSAL_INVALID_REQUEST);
  gwb_change_free(c);
  gwb_group_free(g);
  free(json);
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv) {
  if (argc > 1) fixtures_dir = argv[1];
  if (gwb_abi_version() != GWB_ABI_VERSION) {
    fprintf(stderr, "ABI mismatch: library %u, header %u\n", (unsigned)gwb_abi_version(), (unsigned)GWB_ABI_VERSION);
    printf("0 passed, 1 failed\n");
    return 1;
  }

  /* The bad-input checks (NULL handles and parameters, damaged JSON,
   * oversized values) are also counted on their own for make test's summary. */
  int bad_tried = 0, bad_failed = 0;
#define BAD_INPUT(call)                                                 \
  do {                                                                  \
    int p0 = atomic_load(&passes), f0 = atomic_load(&failures);         \
    call;                                                               \
    int df = atomic_load(&failures) - f0;                               \
    bad_tried += atomic_load(&passes) - p0 + df;                        \
    bad_failed += df;                                                   \
  } while (0)

  test_versions();
  BAD_INPUT(test_null_handles());
  test_parse_fixtures();
  test_parse_embedded();
  BAD_INPUT(test_parse_errors());
  BAD_INPUT(test_null_parameters());
  test_effective_table();
  test_validate_state();
  test_validate_request();
  test_makes_explicit();
  BAD_INPUT(test_group_input());
  test_names();
  test_state_parse();
  test_json_outputs();
  test_threads();
  BAD_INPUT(test_oversized());
#undef BAD_INPUT

  printf("bad inputs: %d tried, %d passed\n", bad_tried, bad_tried - bad_failed);
  int failed = atomic_load(&failures);
  printf("%d passed, %d failed\n", atomic_load(&passes), failed);
  return failed ? 1 : 0;
}
