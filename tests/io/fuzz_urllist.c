/* libFuzzer target for the URL-list parser and the name sanitiser (io/urllist.c).
 *   clang -fsanitize=fuzzer,address,undefined ...  (tests/io/ci-extra.sh)
 * Built without libFuzzer (PK_FUZZ_STANDALONE) it replays the files named on its command
 * line, which is how ctest runs the committed corpus in tests/io/fuzz/corpus. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
