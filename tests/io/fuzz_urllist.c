/* libFuzzer target for the URL-list parser and the name sanitiser (io/urllist.c).
 *   clang -fsanitize=fuzzer,address,undefined ...  (tests/io/ci-extra.sh)
 * Built without libFuzzer (PK_FUZZ_STANDALONE) it replays the files named on its command
 * line, which is how ctest runs the committed corpus in tests/io/fuzz/corpus. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "fetch.h"

static void check_name(const char *name)
{
    const char *why;
    if (pk_fetch_name_check(name, &why) != 0) {
        fprintf(stderr, "unsafe name produced: \"%s\" (%s)\n", name, why);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    /* 1. The input as a LIST. */
    pk_fetch_list l;
    pk_fetch_list_init(&l);
    int rc = pk_fetch_list_parse(&l, (const char *)data, size, "LIST", err, sizeof err);
    if (rc == PK_FETCH_OK && pk_fetch_list_finish(&l, err, sizeof err) == PK_FETCH_OK) {
        for (size_t i = 0; i < l.n; i++) {
            const char *why;
            if (pk_fetch_url_check(l.v[i].url, &why) != 0)
                abort();
            check_name(l.v[i].name);
            for (size_t j = 0; j < i && j < 64; j++)
                if (strcmp(l.v[i].name, l.v[j].name) == 0)
                    abort();
        }
    } else if (rc != PK_FETCH_OK && strchr(err, '\n')) {
        abort();   /* messages are one line */
    }
    pk_fetch_list_free(&l);

    /* 2. The input as raw bytes to sanitise, and as a URL to name. */
    char out[PK_FETCH_NAME_MAX + 1];
    size_t n = pk_fetch_name_sanitize((const char *)data, size, out, sizeof out);
    if (n != strlen(out))
        abort();
    check_name(out);
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    pk_fetch_name_from_url(s, out, sizeof out);
    check_name(out);

    /* 3. The input as a URL to show: its password redacted (what libcurl takes for the
     * password is "***" afterwards), at most 3 bytes longer; shown in one bounded line. */
    char *r = pk_fetch_url_redacted(s);
    if (!r || strlen(r) > strlen(s) + 3)
        abort();
    CURLU *u = curl_url(), *v = curl_url();
    char *pw = NULL, *pw2 = NULL;
    if (u && v && curl_url_set(u, CURLUPART_URL, s, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK && pw && *pw) {
        if (curl_url_set(v, CURLUPART_URL, r, 0) != CURLUE_OK ||
            curl_url_get(v, CURLUPART_PASSWORD, &pw2, 0) != CURLUE_OK || strcmp(pw2, "***") != 0) {
            fprintf(stderr, "password not redacted: \"%s\" -> \"%s\"\n", s, r);
            abort();
        }
    }
    curl_free(pw);
    curl_free(pw2);
    curl_url_cleanup(u);
    curl_url_cleanup(v);
    char shown[64];
    pk_fetch_show(r, shown, sizeof shown);
    if (strlen(shown) > sizeof shown - 1)
        abort();
    for (const char *c = shown; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            abort();
    free(r);
    free(s);
    return 0;
}

#ifdef PK_FUZZ_STANDALONE
int main(int argc, char **argv)
{
    int n = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 1;
        }
        static uint8_t buf[1 << 20];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, len);
        n++;
    }
    printf("%d passed, 0 failed\n", n);
    return 0;
}
#endif
