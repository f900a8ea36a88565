/* parkit fetch: argument handling and reporting for the download module (io/fetch.h).
 * The downloading itself (libcurl, threads, files) lives in io/. */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-c/json.h>
#include "cli.h"
#include "fetch.h"
#include "report.h"

enum {
    OPT_FMODE = 300, OPT_COMPARE, OPT_RETRIES, OPT_MAXSIZE, OPT_FORCE, OPT_CONNECT_TO,
    OPT_STALL_TO, OPT_MAXREDIRS, OPT_RETRY_DELAY, OPT_FPROGRESS, OPT_FNOPROGRESS,
};

typedef struct fetch_opts {
    pk_fetch_opts f;
    const char *list;     /* -i LIST */
    const char *dir;      /* -o DIR */
    int mode_set, compare, progress;   /* progress: -1 = as the shared parser decided */
} fetch_opts;

static const struct option fetch_options[] = {
    {"input", required_argument, NULL, 'i'},
    {"output", required_argument, NULL, 'o'},
    {"jobs", required_argument, NULL, 'j'},
    {"mode", required_argument, NULL, OPT_FMODE},
    {"compare", no_argument, NULL, OPT_COMPARE},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"max-filesize", required_argument, NULL, OPT_MAXSIZE},
    {"force", no_argument, NULL, OPT_FORCE},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TO},
    {"stall-timeout", required_argument, NULL, OPT_STALL_TO},
    {"max-redirs", required_argument, NULL, OPT_MAXREDIRS},
    {"retry-delay", required_argument, NULL, OPT_RETRY_DELAY},
    {"progress", no_argument, NULL, OPT_FPROGRESS},
    {"no-progress", no_argument, NULL, OPT_FNOPROGRESS},
    {0, 0, 0, 0},
};

static const char fetch_help[] =
    "  -i, --input LIST         URLs, one per line, optionally followed by an output name;\n"
    "                           blank lines and # comments skipped; - reads stdin\n"
    "  -o, --output DIR         download into DIR (created when missing; default .)\n"
    "      --mode M             seq | pool | multi (default multi)\n"
    "  -j, --jobs N             pool threads / multi transfers in flight (default 8)\n"
    "      --compare            run every mode on the list, each into a fresh folder in DIR,\n"
    "                           and print the comparison table\n"
    "      --retries K          retries of transient failures (default 3)\n"
    "      --retry-delay S      first backoff delay in seconds, doubled each time (default 0.5)\n"
    "      --max-filesize B     fail files larger than B bytes (suffix k, M, G: powers of 1024)\n"
    "      --force              download again files that already exist (default: skip them)\n"
    "      --connect-timeout S  seconds to connect (default 10)\n"
    "      --stall-timeout S    fail a transfer receiving nothing for S seconds (default 30)\n"
    "      --max-redirs N       redirects followed at most (default 10)\n"
    "      --progress, --no-progress   progress on stderr (default: when stderr is a terminal)\n";

static void fetch_defaults(void *p)
{
    fetch_opts *o = p;
    pk_fetch_opts_default(&o->f);
    o->dir = ".";
    o->progress = -1;
}

/* Seconds as a decimal number > 0 (at most a day). */
static int parse_seconds(const char *what, const char *arg, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end || !(v > 0) || v > 86400)
        return pk_usage_error("%s: expected seconds (a number > 0, at most 86400), got \"%s\"", what, arg);
    *out = v;
    return PK_EXIT_OK;
}

static int parse_size(const char *arg, int64_t *out)
{
    char buf[64];
    size_t len = strlen(arg);
    uint64_t mult = 1;
    if (len > 0 && len < sizeof buf) {
        memcpy(buf, arg, len + 1);
        char s = buf[len - 1];
        if (s == 'k' || s == 'K')
            mult = 1ull << 10;
        else if (s == 'm' || s == 'M')
            mult = 1ull << 20;
        else if (s == 'g' || s == 'G')
            mult = 1ull << 30;
        if (mult > 1)
            buf[len - 1] = '\0';
        uint64_t v;
        const char *why;
        if (buf[0] && pk_parse_u64(buf, &v, &why) == 0 && v > 0 && v <= (UINT64_C(1) << 50) / mult) {
            *out = (int64_t)(v * mult);
            return PK_EXIT_OK;
        }
    }
    return pk_usage_error("--max-filesize: expected a positive size in bytes (e.g. 1000000, 10M), got \"%s\"", arg);
}

static int fetch_option(void *p, int val, const char *arg)
{
    fetch_opts *o = p;
    uint64_t v;
    double d = 0;
    const char *why;
    switch (val) {
    case 'i':
        if (!*arg)
            return pk_usage_error("-i: expected a file name or -, got \"\"");
        o->list = arg;
        return PK_EXIT_OK;
    case 'o':
        if (!*arg)
            return pk_usage_error("-o: expected a directory, got \"\"");
        o->dir = arg;
        return PK_EXIT_OK;
    case 'j':
        if (pk_parse_count_opt("-j/--jobs", arg, 4096, &v) != PK_EXIT_OK)
            return PK_EXIT_USAGE;
        o->f.jobs = (int)v;
        return PK_EXIT_OK;
    case OPT_FMODE:
        if (pk_fetch_mode_parse(arg, &o->f.mode) != 0)
            return pk_usage_error("--mode: expected seq, pool or multi, got \"%s\"", arg);
        o->mode_set = 1;
        return PK_EXIT_OK;
    case OPT_COMPARE: o->compare = 1; return PK_EXIT_OK;
    case OPT_FORCE: o->f.force = 1; return PK_EXIT_OK;
    case OPT_FPROGRESS: o->progress = 1; return PK_EXIT_OK;
    case OPT_FNOPROGRESS: o->progress = 0; return PK_EXIT_OK;
    case OPT_RETRIES:
        if (pk_parse_u64(arg, &v, &why) != 0 || v > 100)
            return pk_usage_error("--retries: expected an integer from 0 to 100, got \"%s\"", arg);
        o->f.retries = (int)v;
        return PK_EXIT_OK;
    case OPT_MAXREDIRS:
        if (pk_parse_u64(arg, &v, &why) != 0 || v > 100)
            return pk_usage_error("--max-redirs: expected an integer from 0 to 100, got \"%s\"", arg);
        o->f.max_redirs = (long)v;
        return PK_EXIT_OK;
    case OPT_MAXSIZE: return parse_size(arg, &o->f.max_filesize);
    case OPT_CONNECT_TO:
        if (parse_seconds("--connect-timeout", arg, &d) != PK_EXIT_OK)
            return PK_EXIT_USAGE;
        o->f.connect_timeout_ms = (long)(d * 1000 + 0.5);
        return PK_EXIT_OK;
    case OPT_STALL_TO:
        if (parse_seconds("--stall-timeout", arg, &d) != PK_EXIT_OK)
            return PK_EXIT_USAGE;
        o->f.stall_timeout_ms = (long)(d * 1000 + 0.5);
        return PK_EXIT_OK;
    case OPT_RETRY_DELAY:
        if (parse_seconds("--retry-delay", arg, &d) != PK_EXIT_OK)
            return PK_EXIT_USAGE;
        o->f.retry_base_s = d;
        return PK_EXIT_OK;
    default: return pk_usage_error("fetch: unexpected option");
    }
}

/* Parse LIST ("-" = stdin) line by line into l.  PK_FETCH_OK, or an error in err (an
 * unreadable file is PK_FETCH_EINPUT). */
static int read_list(const char *path, pk_fetch_list *l, char *err, size_t errsz)
{
    int is_stdin = strcmp(path, "-") == 0;
    const char *src = is_stdin ? "stdin" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    if (!f) {
        snprintf(err, errsz, "-i %s: cannot read: %s", path, strerror(errno));
        return PK_FETCH_EINPUT;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned lineno = 0;
    int rc = PK_FETCH_OK;
    errno = 0;
    while (rc == PK_FETCH_OK && (n = getline(&line, &cap, f)) >= 0)
        rc = pk_fetch_list_parse_line(l, line, (size_t)n, src, ++lineno, err, errsz);
    if (rc == PK_FETCH_OK && ferror(f)) {
        snprintf(err, errsz, "-i %s: cannot read: %s", path, strerror(errno ? errno : EIO));
        rc = PK_FETCH_EINPUT;
    }
    free(line);
    if (!is_stdin)
        fclose(f);
    return rc;
}

/* ---- reporting ---- */

static json_object *run_json(const pk_cli *cli, const pk_fetch_list *l, const pk_fetch_opts *f,
                             const char *dir, const pk_fetch_result *res, const pk_fetch_stats *st)
{
    json_object *o = json_object_new_object();
    double w = st->wall_s > 0 ? st->wall_s : 1e-9;
    json_object_object_add(o, "command", json_object_new_string("fetch"));
    json_object_object_add(o, "mode", json_object_new_string(pk_fetch_mode_name(f->mode)));
    json_object_object_add(o, "concurrency", json_object_new_int(f->mode == PK_FETCH_SEQ ? 1 : f->jobs));
    json_object_object_add(o, "urls", json_object_new_int64((int64_t)st->total));
    json_object_object_add(o, "ok", json_object_new_int64((int64_t)st->ok));
    json_object_object_add(o, "skipped", json_object_new_int64((int64_t)st->skipped));
    json_object_object_add(o, "failed", json_object_new_int64((int64_t)st->failed));
    json_object_object_add(o, "resumed", json_object_new_int64((int64_t)st->resumed));
    json_object_object_add(o, "retries", json_object_new_int64((int64_t)st->retries));
    json_object_object_add(o, "bytes", json_object_new_int64((int64_t)st->bytes));
    json_object_object_add(o, "wall_seconds", json_object_new_double(st->wall_s));
    json_object_object_add(o, "files_per_second", json_object_new_double((double)st->ok / w));
    json_object_object_add(o, "mb_per_second", json_object_new_double((double)st->bytes / 1e6 / w));
    json_object_object_add(o, "peak_rss_kib", json_object_new_int64(st->peak_rss_kib));
    json_object_object_add(o, "dir", json_object_new_string(dir));
    json_object *fails = json_object_new_array();
    for (size_t i = 0; i < l->n; i++) {
        if (res[i].state != PK_ITEM_FAILED)
            continue;
        json_object *e = json_object_new_object();
        json_object_object_add(e, "url", json_object_new_string(l->v[i].url));
        json_object_object_add(e, "name", json_object_new_string(l->v[i].name));
        json_object_object_add(e, "reason", json_object_new_string(res[i].why ? res[i].why : "unknown"));
        json_object_array_add(fails, e);
    }
    json_object_object_add(o, "failures", fails);
    json_object *prov = pk_provenance(cli);
    json_object_object_foreach(prov, key, val) json_object_object_add(o, key, json_object_get(val));
    json_object_put(prov);
    return o;
}

static const char *const csv_cols[] = {
    "command", "mode", "concurrency", "urls", "ok", "skipped", "failed", "resumed", "retries",
    "bytes", "wall_seconds", "files_per_second", "mb_per_second", "peak_rss_kib", "host", "cpu",
    "compiler", "version", "git_commit", "timestamp", NULL,
};

static void csv_value(FILE *f, json_object *v)
{
    if (!v)
        return;
    if (json_object_get_type(v) == json_type_double) {
        fprintf(f, "%.6g", json_object_get_double(v));
        return;
    }
    const char *s = json_object_get_string(v);
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    fputc('"', f);
}

static char *csv_line(json_object *o)   /* NULL: the header */
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    for (int i = 0; csv_cols[i]; i++) {
        if (i)
            fputc(',', f);
        if (o)
            csv_value(f, json_object_object_get(o, csv_cols[i]));
        else
            fputs(csv_cols[i], f);
    }
    fputc('\n', f);
    fclose(f);
    return buf;
}

#define JS(o, k) json_object_get_string(json_object_object_get((o), (k)))
#define JD(o, k) json_object_get_double(json_object_object_get((o), (k)))
#define JI(o, k) json_object_get_int64(json_object_object_get((o), (k)))

static void print_block(json_object *o)
{
    printf("\n ===== parkit fetch =====\n");
    printf(" %-22s = %s\n", "Mode", JS(o, "mode"));
    printf(" %-22s = %s\n", "Concurrency", JS(o, "concurrency"));
    printf(" %-22s = %s\n", "Directory", JS(o, "dir"));
    printf(" %-22s = %lld (ok %lld, skipped %lld, failed %lld)\n", "URLs", (long long)JI(o, "urls"),
           (long long)JI(o, "ok"), (long long)JI(o, "skipped"), (long long)JI(o, "failed"));
    printf(" %-22s = %lld / %lld\n", "Retries / resumed", (long long)JI(o, "retries"),
           (long long)JI(o, "resumed"));
    printf(" %-22s = %lld\n", "Bytes received", (long long)JI(o, "bytes"));
    printf(" %-22s = %.3f\n", "Wall time (s)", JD(o, "wall_seconds"));
    printf(" %-22s = %.4g\n", "Files/s", JD(o, "files_per_second"));
    printf(" %-22s = %.4g\n", "MB/s (10^6 B)", JD(o, "mb_per_second"));
    printf(" %-22s = %.1f\n", "Peak memory (MiB)", (double)JI(o, "peak_rss_kib") / 1024.0);
    printf(" %-22s = %s (git %s)\n", "Version", JS(o, "version"), JS(o, "git_commit"));
    printf(" %-22s = %s (%s, %s cores)\n", "Host", JS(o, "host"), JS(o, "cpu"), JS(o, "cores"));
    printf(" %-22s = %s\n", "Date", JS(o, "timestamp"));
}

static void print_table(json_object **rows, int n)
{
    printf("%-6s %11s %9s %10s %9s %9s %8s\n", "mode", "concurrency", "wall_s", "files/s", "MB/s",
           "peak_MiB", "failures");
    for (int i = 0; i < n; i++)
        printf("%-6s %11s %9.3f %10.1f %9.2f %9.1f %8lld\n", JS(rows[i], "mode"),
               JS(rows[i], "concurrency"), JD(rows[i], "wall_seconds"),
               JD(rows[i], "files_per_second"), JD(rows[i], "mb_per_second"),
               (double)JI(rows[i], "peak_rss_kib") / 1024.0, (long long)JI(rows[i], "failed"));
}

/* Print the records in cli->format, append them to --results, list the failures. */
static int emit(const pk_cli *cli, json_object **rows, int n, int table)
{
    int rc = PK_EXIT_OK;
    if (cli->format == PK_FMT_TEXT) {
        if (table)
            print_table(rows, n);
        else
            print_block(rows[0]);
    } else if (cli->format == PK_FMT_CSV) {
        char *h = csv_line(NULL);
        if (h)
            fputs(h, stdout);
        free(h);
        for (int i = 0; i < n; i++) {
            char *r = csv_line(rows[i]);
            if (r)
                fputs(r, stdout);
            free(r);
        }
    } else {
        for (int i = 0; i < n; i++)
            puts(json_object_to_json_string_ext(rows[i], JSON_C_TO_STRING_PLAIN));
    }
    fflush(stdout);
    if (cli->results_path) {
        char *h = csv_line(NULL);
        for (int i = 0; i < n && rc == PK_EXIT_OK; i++) {
            char *r = csv_line(rows[i]);
            if (!h || !r || pk_append_locked(cli->results_path, h, r) != 0)
                rc = pk_runtime_error("--results %s: cannot append: %s", cli->results_path,
                                      strerror(errno));
            free(r);
        }
        free(h);
    }
    /* Failures: the summary on stderr, whatever the format. */
    for (int i = 0; i < n; i++) {
        json_object *fails = json_object_object_get(rows[i], "failures");
        size_t nf = json_object_array_length(fails);
        if (!nf)
            continue;
        fprintf(stderr, "parkit: fetch (%s): %zu of %lld URLs failed:\n", JS(rows[i], "mode"), nf,
                (long long)JI(rows[i], "urls"));
        for (size_t k = 0; k < nf; k++) {
            json_object *e = json_object_array_get_idx(fails, k);
            fprintf(stderr, "  %s -> %s: %s\n", JS(e, "url"), JS(e, "name"), JS(e, "reason"));
        }
        if (rc == PK_EXIT_OK)
            rc = PK_EXIT_FAIL;
    }
    return rc;
}

/* --compare: every mode runs in a fresh parkit process (this executable, the list on its
 * stdin, JSON on its stdout), so that its wall time and peak memory are those of a
 * standalone run, as the other tools are measured.  *row gets the child's record. */
static int compare_mode(const fetch_opts *o, const pk_fetch_list *l, pk_fetch_mode m,
                        const char *sub, json_object **row)
{
    char jobs[24], retries[24], delay[40], cto[40], sto[40], redirs[24], maxsize[32];
    snprintf(jobs, sizeof jobs, "%d", o->f.jobs);
    snprintf(retries, sizeof retries, "%d", o->f.retries);
    snprintf(delay, sizeof delay, "%.17g", o->f.retry_base_s);
    snprintf(cto, sizeof cto, "%.17g", (double)o->f.connect_timeout_ms / 1000.0);
    snprintf(sto, sizeof sto, "%.17g", (double)o->f.stall_timeout_ms / 1000.0);
    snprintf(redirs, sizeof redirs, "%ld", o->f.max_redirs);
    snprintf(maxsize, sizeof maxsize, "%lld", (long long)o->f.max_filesize);
    char *av[] = {
        "parkit", "fetch", "-i", "-", "-o", (char *)sub, "--mode", (char *)pk_fetch_mode_name(m),
        "-j", jobs, "--retries", retries, "--retry-delay", delay, "--connect-timeout", cto,
        "--stall-timeout", sto, "--max-redirs", redirs, "--format", "json", "--no-progress",
        o->f.max_filesize > 0 ? "--max-filesize" : NULL, maxsize, NULL,
    };
    int in[2], out[2];
    FILE *errf = tmpfile();
    if (!errf || pipe(in) != 0) {
        if (errf)
            fclose(errf);
        return pk_runtime_error("fetch --compare: %s", strerror(errno));
    }
    if (pipe(out) != 0) {
        close(in[0]);
        close(in[1]);
        fclose(errf);
        return pk_runtime_error("fetch --compare: %s", strerror(errno));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(fileno(errf), 2);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execv("/proc/self/exe", av);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    int rc = PK_EXIT_OK;
    if (pid < 0) {
        close(in[1]);
        close(out[0]);
        fclose(errf);
        return pk_runtime_error("fetch --compare: fork: %s", strerror(errno));
    }
    /* The list: explicit names as given, the others derived again the same way. */
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    FILE *w = fdopen(in[1], "w");
    if (w) {
        for (size_t i = 0; i < l->n; i++)
            if (l->v[i].explicit_name)
                fprintf(w, "%s\t%s\n", l->v[i].url, l->v[i].name);
            else
                fprintf(w, "%s\n", l->v[i].url);
        fclose(w);
    } else {
        close(in[1]);
    }
    signal(SIGPIPE, old);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            char *nb = realloc(buf, cap = cap * 2 + 8192);
            if (!nb)
                break;
            buf = nb;
        }
        ssize_t r = read(out[0], buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(out[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    json_object *j = NULL;
    if (buf) {
        buf[len] = '\0';
        j = json_tokener_parse(buf);
    }
    if ((code == 0 || code == 1) && j && json_object_object_get(j, "mode")) {
        *row = j;
    } else {
        /* Show what the child said, then fail. */
        char line[512];
        rewind(errf);
        while (fgets(line, sizeof line, errf))
            fputs(line, stderr);
        rc = pk_runtime_error("fetch --compare: the %s run failed (exit %d)", pk_fetch_mode_name(m), code);
        if (j)
            json_object_put(j);
    }
    free(buf);
    fclose(errf);
    return rc;
}

static int fetch_run(const pk_cli *cli, void *p, int argc, char **argv)
{
    fetch_opts *o = p;
    char err[512];
    int rc;
    if (o->compare && o->mode_set)
        return pk_usage_error("fetch: --compare runs every mode; drop --mode");
    if (argc == 0 && !o->list)
        return pk_usage_error("fetch: no URLs (give URLs as arguments or -i LIST)");

    /* ---- the list: every URL and name checked before anything is downloaded ---- */
    pk_fetch_list l;
    pk_fetch_list_init(&l);
    for (int i = 0; i < argc; i++)
        if ((rc = pk_fetch_list_add(&l, argv[i], NULL, "argument", 0, err, sizeof err)) != PK_FETCH_OK)
            goto bad;
    if (o->list) {
        if ((rc = read_list(o->list, &l, err, sizeof err)) != PK_FETCH_OK)
            goto bad;
        if (l.n == 0) {
            pk_fetch_list_free(&l);
            return pk_usage_error("-i %s: no URLs in the list", o->list);
        }
    }
    if ((rc = pk_fetch_list_finish(&l, err, sizeof err)) != PK_FETCH_OK)
        goto bad;
    if ((rc = pk_fetch_dir_prepare(o->dir, err, sizeof err)) != PK_FETCH_OK)
        goto bad;
    if (pk_fetch_global_init(err, sizeof err) != PK_FETCH_OK) {
        pk_fetch_list_free(&l);
        return pk_runtime_error("%s", err);
    }
    o->f.progress = o->progress >= 0 ? o->progress : cli->progress;

    /* ---- download ---- */
    pk_fetch_result *res = calloc(l.n, sizeof *res);
    json_object *rows[3] = { NULL, NULL, NULL };
    int nrows = 0;
    rc = PK_EXIT_OK;
    if (!res) {
        rc = pk_runtime_error("out of memory");
    } else if (!o->compare) {
        pk_fetch_stats st;
        int r = pk_fetch_run(&l, o->dir, &o->f, res, &st, err, sizeof err);
        if (r == PK_FETCH_EFAIL && st.total == 0)
            rc = pk_runtime_error("fetch: %s", err);
        else if (r == PK_FETCH_EINPUT)
            rc = pk_usage_error("fetch: %s", err);
        else
            rows[nrows++] = run_json(cli, &l, &o->f, o->dir, res, &st);
    } else {
        for (int m = PK_FETCH_SEQ; m <= PK_FETCH_MULTI && rc == PK_EXIT_OK; m++) {
            char *sub = malloc(strlen(o->dir) + 32);
            if (!sub) {
                rc = pk_runtime_error("out of memory");
                break;
            }
            sprintf(sub, "%s/compare-%s-XXXXXX", o->dir, pk_fetch_mode_name((pk_fetch_mode)m));
            if (!mkdtemp(sub))
                rc = pk_runtime_error("fetch: cannot create a folder in %s: %s", o->dir, strerror(errno));
            else
                rc = compare_mode(o, &l, (pk_fetch_mode)m, sub, &rows[nrows]);
            if (rc == PK_EXIT_OK)
                nrows++;
            free(sub);
        }
    }
    if (nrows > 0) {
        int r = emit(cli, rows, nrows, o->compare);
        if (rc == PK_EXIT_OK)
            rc = r;
    }
    for (int i = 0; i < nrows; i++)
        json_object_put(rows[i]);
    if (res)
        pk_fetch_results_free(res, l.n);
    free(res);
    pk_fetch_list_free(&l);
    pk_fetch_global_cleanup();
    return rc;
bad:
    pk_fetch_list_free(&l);
    if (rc == PK_FETCH_EINPUT)
        return pk_usage_error("%s", err);
    return pk_runtime_error("%s", err);
}

const pk_command pk_cmd_fetch = {
    .name = "fetch",
    .args = "[URL...]",
    .summary = "download URLs sequentially, with a thread pool or with libcurl's multi interface",
    .options_help = fetch_help,
    .options = fetch_options,
    .opts_size = sizeof(fetch_opts),
    .defaults = fetch_defaults,
    .on_option = fetch_option,
    .run = fetch_run,
    .no_common = 1,
};
