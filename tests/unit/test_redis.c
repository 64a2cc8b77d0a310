/* test_redis.c - Redis URLs and the RESP encoding of queued commands
 * (against hiredis' own formatter). Talking to a server is tested by
 * tests/redis/ against a real redis-server. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "redis.h"
#include "unit.h"

static void test_url_full(void) {
    sr_redis_addr a;
    char err[256];
    CU_ASSERT_EQUAL(sr_redis_parse_url("redis://:s3cret@db.example.com:6380/3", &a, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(a.host, "db.example.com");
    CU_ASSERT_EQUAL(a.port, 6380);
    CU_ASSERT_EQUAL(a.db, 3);
    CU_ASSERT_STRING_EQUAL(a.password, "s3cret");
    /* user:password (Redis 6 ACL form): the password is after the colon */
    CU_ASSERT_EQUAL(sr_redis_parse_url("redis://app:pw@h:1/0", &a, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(a.password, "pw");
    CU_ASSERT_STRING_EQUAL(a.host, "h");
}

static void test_url_defaults(void) {
    sr_redis_addr a;
    char err[256];
    CU_ASSERT_EQUAL(sr_redis_parse_url("redis://localhost", &a, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(a.host, "localhost");
    CU_ASSERT_EQUAL(a.port, 6379);
    CU_ASSERT_EQUAL(a.db, 0);
    CU_ASSERT_STRING_EQUAL(a.password, "");
    CU_ASSERT_EQUAL(sr_redis_parse_url("redis://127.0.0.1:7000/", &a, err, sizeof err), 0);
    CU_ASSERT_EQUAL(a.port, 7000);
    CU_ASSERT_EQUAL(a.db, 0);
    CU_ASSERT_EQUAL(sr_redis_parse_url("redis://[::1]:7001/2", &a, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(a.host, "::1");
    CU_ASSERT_EQUAL(a.port, 7001);
    CU_ASSERT_EQUAL(a.db, 2);
}

static void test_url_bad(void) {
    static const char *const bad[] = {
        "http://localhost:6379", "redis://", "redis://:6379/0", "redis://h:0", "redis://h:65536",
        "redis://h:12x", "redis://h:6379/x", "redis://h:6379/-1", "redis://[::1", "redis://[::1]x", "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sr_redis_addr a;
        char err[256] = "";
        CU_ASSERT_EQUAL(sr_redis_parse_url(bad[i], &a, err, sizeof err), -1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "Redis URL"));
    }
    sr_redis_addr a;
    char err[256];
    CU_ASSERT_EQUAL(sr_redis_parse_url(NULL, &a, err, sizeof err), -1);
}

/* Our encoding of argv must be byte for byte hiredis' own. */
static void check_like_hiredis(int argc, const char **argv, const size_t *lens) {
    sr_buf b = { 0 };
    sr_resp_argc(&b, argc);
    for (int i = 0; i < argc; i++)
        sr_resp_arg(&b, argv[i], lens[i]);
    char *want = NULL;
    int n = redisFormatCommandArgv(&want, argc, argv, lens);
    CU_ASSERT_EQUAL_FATAL(n, (int)b.len);
    CU_ASSERT(memcmp(want, b.ptr, b.len) == 0);
    free(want);
    sr_buf_free(&b);
}

static void test_resp_encoding(void) {
    const char *a1[] = { "HINCRBY", "counts", "word", "42" };
    size_t l1[] = { 7, 6, 4, 2 };
    check_like_hiredis(4, a1, l1);
    /* empty arguments, binary bytes, CRLF inside a value */
    const char *a2[] = { "SET", "", "a\r\nb\0c" };
    size_t l2[] = { 3, 0, 6 };
    check_like_hiredis(3, a2, l2);
    /* a long argument (multi-digit length) */
    char *big = malloc(123457);
    memset(big, 'x', 123457);
    const char *a3[] = { "RPUSH", "l", big };
    size_t l3[] = { 5, 1, 123457 };
    check_like_hiredis(3, a3, l3);
    free(big);
}

UNIT_SUITE(redis,
           { "URL with password, port, database", test_url_full },
           { "URL defaults and IPv6", test_url_defaults },
           { "bad URLs are refused with a message", test_url_bad },
           { "RESP encoding equals hiredis'", test_resp_encoding })
