/* The three engines against pk_testserver: byte-exact files in every mode, retries,
 * resume after a dropped connection, no leftovers.  Also the ThreadSanitizer target for
 * the pool (tests/io/ci-extra.sh).  Usage: test_engines PATH/TO/pk_testserver */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "fetch.h"
#include "pk_content.h"

static const char *server_bin;
static pid_t server_pid;
static unsigned port;
static char workdir[256];
static char err[512];

static void nap_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static int start_server(void **state)
{
    (void)state;
    snprintf(workdir, sizeof workdir, "/tmp/pk-io-engines-XXXXXX");
    if (!mkdtemp(workdir))
        return -1;
    char portfile[300];
    snprintf(portfile, sizeof portfile, "%s/port", workdir);
    server_pid = fork();
    if (server_pid == 0) {
        /* A test that crashes takes its server along, instead of leaving it holding
         * ctest's output pipe until its lifetime runs out. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        execl(server_bin, server_bin, "--lifetime", "120", "--port-file", portfile, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {   /* at most 10 s */
        FILE *f = fopen(portfile, "r");
        if (f) {
            int ok = fscanf(f, "%u", &port) == 1;
            fclose(f);
            if (ok)
                break;
        }
        nap_ms(50);
    }
    if (!port)
        return -1;
    return pk_fetch_global_init(err, sizeof err) == PK_FETCH_OK ? 0 : -1;
}

static int stop_server(void **state)
{
    (void)state;
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
    pk_fetch_global_cleanup();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", workdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void add(pk_fetch_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(pk_fetch_list *l, const char *fmt, ...)
{
    char path[512], url[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
    assert_int_equal(pk_fetch_list_add(l, url, NULL, "test", 0, err, sizeof err), PK_FETCH_OK);
}

/* The file DIR/name must hold exactly the content of path (query removed) with size bytes. */
static void check_file(const char *dir, const char *name, const char *url, uint64_t size)
{
    char p[700];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    const char *path = strstr(url + 7, "/");
    char clean[512];
    snprintf(clean, sizeof clean, "%.*s", (int)strcspn(path, "?"), path);
    uint64_t seed = pk_content_seed(clean), off = 0;
    char got[8192], want[8192];
    size_t n;
    while ((n = fread(got, 1, sizeof got, f)) > 0) {
        pk_content_fill(seed, off, want, n);
        assert_memory_equal(got, want, n);
        off += n;
    }
    fclose(f);
    assert_int_equal(off, size);
}

static int count_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, PK_FETCH_TMP_SUFFIX))
            n++;
    if (d)
        closedir(d);
    return n;
}

static void fresh_dir(char *out, size_t sz, const char *tag)
{
    snprintf(out, sz, "%s/%s", workdir, tag);
    assert_int_equal(pk_fetch_dir_prepare(out, err, sizeof err), PK_FETCH_OK);
}

/* 48 files of varied sizes (0 B .. 300 KB) with a little latency, in one mode. */
static void run_mode(pk_fetch_mode mode, int jobs)
{
    pk_fetch_list l;
    pk_fetch_list_init(&l);
    uint64_t sizes[48];
    for (int i = 0; i < 48; i++) {
        sizes[i] = (uint64_t)(i * i * 137) % 300000 + (i % 7 == 0 ? 0 : 1);
        if (i == 5)
            sizes[i] = 0;
        add(&l, "/f/%s/file%02d.bin?size=%llu&delay_ms=%d%s", pk_fetch_mode_name(mode), i,
            (unsigned long long)sizes[i], i % 3 * 5, i % 4 == 1 ? "&nolen=1" : "");
    }
    assert_int_equal(pk_fetch_list_finish(&l, err, sizeof err), PK_FETCH_OK);
    char dir[400];
    fresh_dir(dir, sizeof dir, pk_fetch_mode_name(mode));
    pk_fetch_opts o;
    pk_fetch_opts_default(&o);
    o.mode = mode;
    o.jobs = jobs;
    pk_fetch_result res[48] = {{0}};
    pk_fetch_stats st;
    assert_int_equal(pk_fetch_run(&l, dir, &o, res, &st, err, sizeof err), PK_FETCH_OK);
    assert_int_equal(st.ok, 48);
    assert_int_equal(st.failed, 0);
    for (int i = 0; i < 48; i++) {
        assert_int_equal(res[i].state, PK_ITEM_OK);
        check_file(dir, l.v[i].name, l.v[i].url, sizes[i]);
    }
    assert_int_equal(count_tmp(dir), 0);
    /* A second run skips everything. */
    assert_int_equal(pk_fetch_run(&l, dir, &o, res, &st, err, sizeof err), PK_FETCH_OK);
    assert_int_equal(st.skipped, 48);
    assert_int_equal(st.bytes, 0);
    pk_fetch_results_free(res, 48);
    pk_fetch_list_free(&l);
}

static void seq_exact(void **state) { (void)state; run_mode(PK_FETCH_SEQ, 1); }
static void pool_exact(void **state) { (void)state; run_mode(PK_FETCH_POOL, 6); }
static void multi_exact(void **state) { (void)state; run_mode(PK_FETCH_MULTI, 6); }

/* Faults in every mode: flaky 5xx then success, a dropped connection resumed with Range,
 * 404 never retried, a 429 honouring Retry-After. */
static void faults_mode(pk_fetch_mode mode)
{
    const char *m = pk_fetch_mode_name(mode);
    pk_fetch_list l;
    pk_fetch_list_init(&l);
    add(&l, "/f/%s/flaky.bin?size=5000&fail=2&status=500", m);
    add(&l, "/f/%s/dropped.bin?size=200000&drop_after=70000&drops=1", m);
    add(&l, "/status/404?k=%s", m);
    add(&l, "/f/%s/busy.bin?size=100&fail=1&status=429&retry_after=1", m);
    add(&l, "/f/%s/ok.bin?size=1234", m);
    assert_int_equal(pk_fetch_list_finish(&l, err, sizeof err), PK_FETCH_OK);
    char dir[400], tag[64];
    snprintf(tag, sizeof tag, "faults-%s", m);
    fresh_dir(dir, sizeof dir, tag);
    pk_fetch_opts o;
    pk_fetch_opts_default(&o);
    o.mode = mode;
    o.jobs = 4;
    o.retries = 3;
    o.retry_base_s = 0.02;
    pk_fetch_result res[5] = {{0}};
    pk_fetch_stats st;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(pk_fetch_run(&l, dir, &o, res, &st, err, sizeof err), PK_FETCH_EFAIL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(res[0].state, PK_ITEM_OK);
    assert_int_equal(res[0].attempts, 3);
    check_file(dir, l.v[0].name, l.v[0].url, 5000);
    assert_int_equal(res[1].state, PK_ITEM_OK);
    assert_int_equal(res[1].attempts, 2);
    assert_true(res[1].resumed);
    check_file(dir, l.v[1].name, l.v[1].url, 200000);
    assert_int_equal(res[2].state, PK_ITEM_FAILED);
    assert_int_equal(res[2].attempts, 1);
    assert_int_equal(res[2].http_code, 404);
    assert_string_equal(res[2].why, "HTTP 404");
    assert_int_equal(res[3].state, PK_ITEM_OK);
    assert_int_equal(res[3].attempts, 2);
    assert_int_equal(res[4].state, PK_ITEM_OK);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    assert_true(secs >= 0.95);   /* Retry-After: 1 was honoured */
    assert_int_equal(st.ok, 4);
    assert_int_equal(st.failed, 1);
    assert_int_equal(count_tmp(dir), 0);
    pk_fetch_results_free(res, 5);
    pk_fetch_list_free(&l);
}

static void seq_faults(void **state) { (void)state; faults_mode(PK_FETCH_SEQ); }
static void pool_faults(void **state) { (void)state; faults_mode(PK_FETCH_POOL); }
static void multi_faults(void **state) { (void)state; faults_mode(PK_FETCH_MULTI); }

/* The pool under load: many small files, more threads than files in flight at once. */
static void pool_many(void **state)
{
    (void)state;
    pk_fetch_list l;
    pk_fetch_list_init(&l);
    for (int i = 0; i < 300; i++)
        add(&l, "/f/many/%03d?size=%d", i, 100 + i);
    assert_int_equal(pk_fetch_list_finish(&l, err, sizeof err), PK_FETCH_OK);
    char dir[400];
    fresh_dir(dir, sizeof dir, "many");
    pk_fetch_opts o;
    pk_fetch_opts_default(&o);
    o.mode = PK_FETCH_POOL;
    o.jobs = 16;
    o.progress = 0;
    pk_fetch_result *res = calloc(300, sizeof *res);
    pk_fetch_stats st;
    assert_int_equal(pk_fetch_run(&l, dir, &o, res, &st, err, sizeof err), PK_FETCH_OK);
    assert_int_equal(st.ok, 300);
    for (int i = 0; i < 300; i += 37)
        check_file(dir, l.v[i].name, l.v[i].url, (uint64_t)(100 + i));
    /* --force: all again, in multi mode. */
    o.force = 1;
    o.mode = PK_FETCH_MULTI;
    assert_int_equal(pk_fetch_run(&l, dir, &o, res, &st, err, sizeof err), PK_FETCH_OK);
    assert_int_equal(st.ok, 300);
    assert_true(st.peak_rss_kib > 0);
    pk_fetch_results_free(res, 300);
    free(res);
    pk_fetch_list_free(&l);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_engines PATH/TO/pk_testserver\n");
        return 2;
    }
    server_bin = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seq_exact),   cmocka_unit_test(pool_exact), cmocka_unit_test(multi_exact),
        cmocka_unit_test(seq_faults),  cmocka_unit_test(pool_faults), cmocka_unit_test(multi_faults),
        cmocka_unit_test(pool_many),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
