/* URL lists, URL checks and output names (io/urllist.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "fetch.h"

static char err[512];

static int parse(pk_fetch_list *l, const char *text)
{
    pk_fetch_list_init(l);
    int rc = pk_fetch_list_parse(l, text, strlen(text), "LIST", err, sizeof err);
    if (rc == PK_FETCH_OK)
        rc = pk_fetch_list_finish(l, err, sizeof err);
    return rc;
}

static void list_format(void **state)
{
    (void)state;
    pk_fetch_list l;
    const char *text = "# a comment\n"
                       "\n"
                       "   \t\n"
                       "http://127.0.0.1:8080/a/one.bin\n"
                       "  https://example.org/x/two.txt?q=1#frag   my name.dat  \r\n"
                       "\t# indented comment\n"
                       "HTTP://Example.ORG/\tindex-copy\n"
                       "http://h/last";   /* no final newline */
    assert_int_equal(parse(&l, text), PK_FETCH_OK);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.v[0].url, "http://127.0.0.1:8080/a/one.bin");
    assert_string_equal(l.v[0].name, "one.bin");
    assert_int_equal(l.v[0].line, 4);
    assert_string_equal(l.v[1].url, "https://example.org/x/two.txt?q=1#frag");
    assert_string_equal(l.v[1].name, "my name.dat");
    assert_true(l.v[1].explicit_name);
    assert_string_equal(l.v[2].name, "index-copy");
    assert_string_equal(l.v[3].name, "last");
    assert_int_equal(l.v[3].line, 8);
    pk_fetch_list_free(&l);

    assert_int_equal(parse(&l, ""), PK_FETCH_OK);
    assert_int_equal(l.n, 0);
    pk_fetch_list_free(&l);
}

static void bad_urls(void **state)
{
    (void)state;
    const char *bad[] = {
        "ftp://h/x", "file:///etc/passwd", "http://", "https:///path", "h/x", "//h/x",
        "http:/h/x", "gopher://h", "http://h/\x01x", "javascript:alert(1)", "http://[::1/x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        pk_fetch_list l;
        char text[128];
        snprintf(text, sizeof text, "http://ok/1\n%s\n", bad[i]);
        assert_int_equal(parse(&l, text), PK_FETCH_EINPUT);
        assert_non_null(strstr(err, "LIST:2: "));
        assert_null(strchr(err, '\n'));
        pk_fetch_list_free(&l);
    }
    const char *why;
    assert_int_equal(pk_fetch_url_check("http://127.0.0.1:1/x", &why), 0);
    assert_int_equal(pk_fetch_url_check("https://example.org", &why), 0);
    assert_int_equal(pk_fetch_url_check("http://exa mple.org/", &why), -1);
    char *big = malloc(PK_FETCH_URL_MAX + 16);
    memset(big, 'a', PK_FETCH_URL_MAX + 15);
    memcpy(big, "http://h/", 9);
    big[PK_FETCH_URL_MAX + 15] = '\0';
    assert_int_equal(pk_fetch_url_check(big, &why), -1);
    free(big);

    /* A NUL byte in the list */
    pk_fetch_list l;
    pk_fetch_list_init(&l);
    assert_int_equal(pk_fetch_list_parse(&l, "http://h/a\0\n", 12, "LIST", err, sizeof err),
                     PK_FETCH_EINPUT);
    pk_fetch_list_free(&l);
}

static void hostile_explicit_names(void **state)
{
    (void)state;
    const char *bad[] = {
        "../etc/passwd", "/etc/passwd", "a/b", "..", ".", "a\\b", "x\x01y", "x\x7fy",
        "file.pkpart", "sub/../../x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        pk_fetch_list l;
        char text[256];
        snprintf(text, sizeof text, "http://h/x %s\n", bad[i]);
        assert_int_equal(parse(&l, text), PK_FETCH_EINPUT);
        assert_non_null(strstr(err, "unsafe output name"));
        pk_fetch_list_free(&l);
    }
    char longname[PK_FETCH_NAME_MAX + 2];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    const char *why;
    assert_int_equal(pk_fetch_name_check(longname, &why), -1);
    assert_int_equal(pk_fetch_name_check("", &why), -1);
    assert_int_equal(pk_fetch_name_check(".hidden", &why), 0);
    assert_int_equal(pk_fetch_name_check("...", &why), 0);
}

static void derived_names(void **state)
{
    (void)state;
    struct {
        const char *url, *name;
    } cases[] = {
        {"http://h/a/b/c.txt?x=1#f", "c.txt"},
        {"http://h/", "index.html"},
        {"http://h", "index.html"},
        {"http://h?x=/y", "index.html"},
        {"http://h/dir/", "index.html"},
        {"http://h/%2e%2e", "download"},
        {"http://h/..", "download"},
        {"http://h/.", "download"},
        {"http://h/a%2Fb", "a_b"},
        {"http://h/..%2F..%2Fetc%2Fpasswd", ".._.._etc_passwd"},
        {"http://h/x%00y", "x_y"},
        {"http://h/x%0ay", "x_y"},
        {"http://h/x%5cy", "x_y"},
        {"http://h/f.pkpart", "f.pkpart_"},
        {"http://h/%zz", "%zz"},
        {"http://h/a%2", "a%2"},
        {"http://h/caf%C3%A9", "caf\xc3\xa9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[PK_FETCH_NAME_MAX + 1];
        pk_fetch_name_from_url(cases[i].url, out, sizeof out);
        assert_string_equal(out, cases[i].name);
    }
    char url[1200] = "http://h/";
    memset(url + 9, 'z', 1000);
    url[1009] = '\0';
    char out[PK_FETCH_NAME_MAX + 1];
    assert_int_equal(pk_fetch_name_from_url(url, out, sizeof out), PK_FETCH_NAME_MAX);
}

static void duplicates(void **state)
{
    (void)state;
    pk_fetch_list l;
    const char *text = "http://h/1/a.txt\n"
                       "http://h/2/a.txt\n"
                       "http://h/3/a.txt a.txt\n"
                       "http://h/4/noext\n"
                       "http://h/5/noext\n"
                       "http://h/6/a-1.txt\n"
                       "http://h/7/.profile\n"
                       "http://h/8/.profile\n";
    assert_int_equal(parse(&l, text), PK_FETCH_OK);
    assert_int_equal(l.n, 8);
    assert_string_equal(l.v[2].name, "a.txt");   /* the explicit one keeps its name */
    assert_string_equal(l.v[0].name, "a-1.txt");
    assert_string_equal(l.v[1].name, "a-2.txt");
    assert_string_equal(l.v[3].name, "noext");
    assert_string_equal(l.v[4].name, "noext-1");
    assert_string_equal(l.v[5].name, "a-1-1.txt");
    assert_string_equal(l.v[6].name, ".profile");
    assert_string_equal(l.v[7].name, ".profile-1");
    for (size_t i = 0; i < l.n; i++)
        for (size_t j = i + 1; j < l.n; j++)
            assert_string_not_equal(l.v[i].name, l.v[j].name);
    pk_fetch_list_free(&l);

    /* Many duplicates of a name at the length limit stay unique and within the limit. */
    pk_fetch_list_init(&l);
    char url[400] = "http://h/";
    memset(url + 9, 'q', 250);
    strcpy(url + 259, ".bin");
    for (int i = 0; i < 300; i++)
        assert_int_equal(pk_fetch_list_add(&l, url, NULL, "argument", 0, err, sizeof err), PK_FETCH_OK);
    assert_int_equal(pk_fetch_list_finish(&l, err, sizeof err), PK_FETCH_OK);
    for (size_t i = 0; i < l.n; i++) {
        const char *why;
        assert_int_equal(pk_fetch_name_check(l.v[i].name, &why), 0);
    }
    assert_string_not_equal(l.v[0].name, l.v[299].name);
    pk_fetch_list_free(&l);
}

static void sanitize_random(void **state)
{
    (void)state;
    uint64_t s = 88172645463325252ull;
    for (int t = 0; t < 20000; t++) {
        char in[64], out[PK_FETCH_NAME_MAX + 1];
        size_t n = (size_t)(t % 64);
        for (size_t i = 0; i < n; i++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            in[i] = (char)"./\\\x01" "a.\x7f%"[s % 9];
        }
        pk_fetch_name_sanitize(in, n, out, sizeof out);
        const char *why;
        assert_int_equal(pk_fetch_name_check(out, &why), 0);
    }
}

/* Passwords never shown: every form of user information, and text that is not a URL. */
static void url_password_redacted(void **state)
{
    (void)state;
    const char *cases[][2] = {
        { "http://user:pass@host/x", "http://user:***@host/x" },
        { "HTTPS://u:p%40ss@h:8080/a?b=c", "HTTPS://u:***@h:8080/a?b=c" },
        { "http://:secret@h/", "http://:***@h/" },
        { "http://u:pa:ss@h/", "http://u:***@h/" },
        { "http://u:p@ss@h/", "http://u:***@h/" },
        { "http://u:p@[::1]:80/", "http://u:***@[::1]:80/" },
        { "http://user@host/", "http://user@host/" },
        { "http://host/a:b@c", "http://host/a:b@c" },
        { "http://host/?u=a:b@c", "http://host/?u=a:b@c" },
        { "http://host:8080/p@x", "http://host:8080/p@x" },
        { "http//user:pass@host/x", "http//user:***@host/x" },
        { "user:pass@host", "user:***@host" },
        { "http:/z:pw@h/x", "http:/z:***@h/x" },
        { "http:///z:pw@h/x", "http:///z:***@h/x" },
        { "ftp://u:p@x@h/", "ftp://u:***@h/" },
        { "ftp://h/a:b@c", "ftp://h/a:***@c" },
        { "http://h/", "http://h/" },
        { "", "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *r = pk_fetch_url_redacted(cases[i][0]);
        assert_non_null(r);
        assert_string_equal(r, cases[i][1]);
        free(r);
    }
    /* The message for a bad URL names it without its password. */
    pk_fetch_list l;
    pk_fetch_list_init(&l);
    assert_int_equal(pk_fetch_list_add(&l, "ftp://bob:hunter2@h/x", NULL, "LIST", 3, err, sizeof err),
                     PK_FETCH_EINPUT);
    assert_null(strstr(err, "hunter2"));
    assert_non_null(strstr(err, "bob:***@h"));
    pk_fetch_list_free(&l);
}

/* Long values in messages: cut in the middle, the end kept, one line, bounded. */
static void shown_values_cut_in_the_middle(void **state)
{
    (void)state;
    char out[40];
    assert_string_equal(pk_fetch_show("short", out, sizeof out), "short");
    assert_string_equal(pk_fetch_show("a\nb\x7f", out, sizeof out), "a?b?");
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[0] = 'H';
    big[sizeof big - 2] = 'T';
    big[sizeof big - 1] = '\0';
    pk_fetch_show(big, out, sizeof out);
    assert_true(strlen(out) <= sizeof out - 1);
    assert_int_equal(out[0], 'H');
    assert_int_equal(out[strlen(out) - 1], 'T');
    assert_non_null(strstr(out, "\xe2\x80\xa6"));
    /* Multi-byte characters are never cut. */
    char u[400] = "";
    for (int i = 0; i < 100; i++)
        strcat(u, "\xc3\xa9");
    pk_fetch_show(u, out, sizeof out);
    size_t n = strlen(out);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)out[i] == 0xc3)
            assert_true(i + 1 < n && (unsigned char)out[i + 1] == 0xa9);
    /* A LIST named by a 100 KB path: the message still has its reason. */
    static char path[100001];
    memset(path, 'p', sizeof path - 1);
    pk_fetch_list l;
    pk_fetch_list_init(&l);
    assert_int_equal(pk_fetch_list_add(&l, "gopher://h/", NULL, path, 7, err, sizeof err), PK_FETCH_EINPUT);
    assert_non_null(strstr(err, ":7: only http:// and https:// URLs are supported"));
    pk_fetch_list_free(&l);
}

/* A LIST line longer than PK_FETCH_LINE_MAX is an error naming the line. */
static void list_line_length_bounded(void **state)
{
    (void)state;
    size_t n = PK_FETCH_LINE_MAX + 100;
    char *text = malloc(n + 64);
    assert_non_null(text);
    strcpy(text, "http://h/a\n# c\n");
    size_t k = strlen(text);
    memset(text + k, 'a', n);
    pk_fetch_list l;
    pk_fetch_list_init(&l);
    assert_int_equal(pk_fetch_list_parse(&l, text, k + n, "LIST", err, sizeof err), PK_FETCH_EINPUT);
    assert_non_null(strstr(err, "LIST:3: line longer than"));
    pk_fetch_list_free(&l);
    /* Exactly at the limit (a URL that long is refused as a URL, not as a line). */
    pk_fetch_list_init(&l);
    assert_int_equal(pk_fetch_list_parse(&l, text + k, PK_FETCH_LINE_MAX, "LIST", err, sizeof err),
                     PK_FETCH_EINPUT);
    assert_null(strstr(err, "line longer"));
    pk_fetch_list_free(&l);
    free(text);
}

/* n copies of one name become name, name-1, ..., name-(n-1) in linear time (200000 copies
 * took minutes when every copy tried every suffix from 1). */
static void many_duplicates_linear(void **state)
{
    (void)state;
    pk_fetch_list l;
    pk_fetch_list_init(&l);
    const size_t n = 200000;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pk_fetch_list_add(&l, "http://h/same.bin", NULL, "arg", 0, err, sizeof err),
                         PK_FETCH_OK);
    clock_t t0 = clock();
    assert_int_equal(pk_fetch_list_finish(&l, err, sizeof err), PK_FETCH_OK);
    double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_string_equal(l.v[0].name, "same.bin");
    assert_string_equal(l.v[1].name, "same-1.bin");
    assert_string_equal(l.v[n - 1].name, "same-199999.bin");
    assert_true(s < 5.0);
    pk_fetch_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_format),     cmocka_unit_test(bad_urls),
        cmocka_unit_test(url_password_redacted), cmocka_unit_test(shown_values_cut_in_the_middle),
        cmocka_unit_test(list_line_length_bounded), cmocka_unit_test(many_duplicates_linear),
        cmocka_unit_test(hostile_explicit_names), cmocka_unit_test(derived_names),
        cmocka_unit_test(duplicates),      cmocka_unit_test(sanitize_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
