/* parkit fetch: argument handling and reporting for the download module (io/fetch.h,
 * io/urllist.h).
 * The downloading itself (libcurl, threads, files) lives in io/. */
#define _GNU_SOURCE   /* nftw */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "cli.h"
#include "fetch.h"
#include "mpi_env.h"
#include "provenance.h"
#include "report.h"

enum {
    OPT_FENGINE = 300, OPT_FMODE, OPT_COMPARE, OPT_RETRIES, OPT_MAXSIZE, OPT_FORCE,
    OPT_CONNECT_TO, OPT_STALL_TO, OPT_MAXREDIRS, OPT_RETRY_DELAY, OPT_FPROGRESS, OPT_FNOPROGRESS,
    OPT_MINSPEED, OPT_MINSPEED_TIME, OPT_MAXTIME, OPT_DEADLINE,
};

typedef struct fetch_opts {
    pk_fetch_opts f;
    const char *list;     /* -i LIST */
    const char *dir;      /* -o DIR */
    const char *engine_opt;   /* "--engine" or "--mode" when given, else NULL */
    int compare, progress;    /* progress: -1 = as the shared parser decided */
} fetch_opts;

static const struct option fetch_options[] = {
    {"input", required_argument, NULL, 'i'},
    {"output", required_argument, NULL, 'o'},
    {"jobs", required_argument, NULL, 'j'},
    {"engine", required_argument, NULL, OPT_FENGINE},
    {"mode", required_argument, NULL, OPT_FMODE},   /* old name of --engine, for one release */
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
    {"min-speed", required_argument, NULL, OPT_MINSPEED},
    {"min-speed-time", required_argument, NULL, OPT_MINSPEED_TIME},
    {"max-time", required_argument, NULL, OPT_MAXTIME},
    {"deadline", required_argument, NULL, OPT_DEADLINE},
    {0, 0, 0, 0},
};

static const char fetch_help[] =
    "  -i, --input LIST         URLs, one per line, optionally followed by an output name;\n"
    "                           blank lines and # comments skipped; - reads stdin (at most\n"
    "                           16384 bytes a line, 1000000 URLs, 8000000 lines, 256 MiB)\n"
    "  -o, --output DIR         download into DIR (created when missing; default .)\n"
    "      --engine E           seq | pool | multi (default multi)\n"
    "      --mode E             old name of --engine (accepted for one more release)\n"
    "  -j, --jobs N             pool threads / multi transfers in flight (default 8)\n"
    "      --compare            run every engine on the list, each into a fresh folder in DIR,\n"
    "                           and print the comparison table\n"
    "      --retries K          retries of transient failures (default 3)\n"
    "      --retry-delay S      first backoff delay in seconds, doubled each time (default 0.5)\n"
    "      --max-filesize B     fail files larger than B bytes (suffix k, M, G: powers of 1024)\n"
    "      --force              download again files that already exist (default: skip them)\n"
    "      --connect-timeout S  seconds to connect (default 10)\n"
    "      --stall-timeout S    fail a transfer receiving nothing for S seconds (default 30)\n"
    "      --min-speed B        fail a transfer slower than B bytes/s over --min-speed-time\n"
    "                           (suffix k, M, G; default 1k; 0: no limit)\n"
    "      --min-speed-time S   the window of --min-speed in seconds (default 30)\n"
    "      --max-time S         give up on a URL after S seconds, its retries included\n"
    "                           (default: no limit)\n"
    "      --deadline S         stop the whole run after S seconds: what is unfinished\n"
    "                           fails (default: no limit)\n"
    "                           (every S: digits, optional fraction and exponent; 0.001 to 86400)\n"
    "      --max-redirs N       redirects followed at most (default 10)\n"
    "      --progress, --no-progress   progress on stderr (default: when stderr is a terminal)\n";

static void fetch_defaults(void *p)
{
    fetch_opts *o = p;
    pk_fetch_opts_default(&o->f);
    o->dir = ".";
    o->progress = -1;
}

/* Seconds for a time option: 1 ms to a day (pk_parse_seconds), as milliseconds. */
static int parse_ms(const char *what, const char *arg, long *ms)
{
    double d;
    if (pk_parse_seconds(what, arg, 0.001, 86400, &d) != PK_EXIT_OK)
        return PK_EXIT_USAGE;
    long v = (long)(d * 1000.0 + 0.5);
    *ms = v < 1 ? 1 : v;
    return PK_EXIT_OK;
}

/* A size in bytes with an optional k/M/G suffix (powers of 1024), from `min` to 2^50. */
static int parse_size(const char *what, const char *arg, uint64_t min, int64_t *out)
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
        if (buf[0] && pk_parse_u64(buf, &v, &why) == 0 && v * mult >= min &&
            v <= (UINT64_C(1) << 50) / mult) {
            *out = (int64_t)(v * mult);
            return PK_EXIT_OK;
        }
    }
    char shown[120];
    return pk_usage_error("%s: expected a %s in bytes (e.g. 1000000, 10M), got \"%s\"", what,
                          min ? "positive size" : "size", pk_fetch_show(arg, shown, sizeof shown));
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
    case OPT_FENGINE:
    case OPT_FMODE:
        o->engine_opt = val == OPT_FMODE ? "--mode" : "--engine";
        if (pk_fetch_mode_parse(arg, &o->f.mode) != 0)
            return pk_usage_error("%s: expected seq, pool or multi, got \"%s\"", o->engine_opt, arg);
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
    case OPT_MAXSIZE: return parse_size("--max-filesize", arg, 1, &o->f.max_filesize);
    case OPT_MINSPEED: return parse_size("--min-speed", arg, 0, &o->f.min_speed);
    case OPT_CONNECT_TO: return parse_ms("--connect-timeout", arg, &o->f.connect_timeout_ms);
    case OPT_STALL_TO: return parse_ms("--stall-timeout", arg, &o->f.stall_timeout_ms);
    case OPT_MINSPEED_TIME: return parse_ms("--min-speed-time", arg, &o->f.min_speed_time_ms);
    case OPT_MAXTIME: return parse_ms("--max-time", arg, &o->f.max_time_ms);
    case OPT_DEADLINE: return parse_ms("--deadline", arg, &o->f.deadline_ms);
    case OPT_RETRY_DELAY:
        if (pk_parse_seconds("--retry-delay", arg, 0.001, 86400, &d) != PK_EXIT_OK)
            return PK_EXIT_USAGE;
        o->f.retry_base_s = d;
        return PK_EXIT_OK;
    default: return pk_usage_error("fetch: unexpected option");
    }
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
        char *url = pk_fetch_url_redacted(l->v[i].url);   /* no password in any output */
        json_object_object_add(e, "url", json_object_new_string(url ? url : "(out of memory)"));
        free(url);
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

static const pk_layout fetch_layout = {"fetch", csv_cols};

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
        for (int i = 0; i < n; i++)
            pk_print_csv(&fetch_layout, rows[i]);
    } else {
        for (int i = 0; i < n; i++)
            puts(json_object_to_json_string_ext(rows[i], JSON_C_TO_STRING_PLAIN));
    }
    pk_flush_stdout();
    for (int i = 0; i < n && rc == PK_EXIT_OK; i++)
        rc = pk_results_append(cli, &fetch_layout, rows[i]);
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

/* --compare and signals: SIGINT / SIGTERM (/ SIGHUP) are passed on to the child at once
 * (from the handler: the parent may be blocked in a read or write to it), and the parent
 * reaps it, removes the interrupted mode's folder and exits with 128 + the signal's number.
 * When the parent dies without a word (kill -9), the child gets SIGKILL from the kernel
 * (PR_SET_PDEATHSIG): not SIGTERM, which the child inherits ignored or blocked when the run
 * was started so (nohup-like launchers, `trap '' TERM`, a blocked mask) -- a death signal
 * the child can ignore or block is no death signal.  The folder a killed run leaves holds
 * only unlocked temporaries, removed by the next run in it. */
static volatile sig_atomic_t stop_sig;
static volatile pid_t compare_child;

static void on_stop(int sig)
{
    stop_sig = sig;
    if (compare_child > 0)
        kill(compare_child, sig);
}

static const int stop_sigs[] = { SIGINT, SIGTERM, SIGHUP };
#define NSTOP ((int)(sizeof stop_sigs / sizeof *stop_sigs))

/* Catch the stop signals (those not ignored: a job started with them ignored keeps it so);
 * install = 0 restores what was there. */
static void stop_handlers(int install, struct sigaction *saved)
{
    for (int i = 0; i < NSTOP; i++) {
        if (!install) {
            sigaction(stop_sigs[i], &saved[i], NULL);
            continue;
        }
        sigaction(stop_sigs[i], NULL, &saved[i]);
        if (saved[i].sa_handler == SIG_IGN)
            continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop;   /* no SA_RESTART: a blocked read or write returns */
        sigemptyset(&sa.sa_mask);
        sigaction(stop_sigs[i], &sa, NULL);
    }
}

/* Wait for the child; once a stop signal came, at most 5 s before it is killed outright. */
static int reap(pid_t pid)
{
    int status = 0;
    for (int i = 0;; i++) {
        pid_t r = waitpid(pid, &status, stop_sig ? WNOHANG : 0);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return 0;
        if (stop_sig && r == 0) {
            if (i == 500)
                kill(pid, SIGKILL);
            struct timespec ts = { 0, 10000000L };
            nanosleep(&ts, NULL);
        }
    }
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
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
    char minspeed[32], mstime[40], maxtime[40], deadline[40];
    snprintf(minspeed, sizeof minspeed, "%lld", (long long)o->f.min_speed);
    snprintf(mstime, sizeof mstime, "%.17g", (double)o->f.min_speed_time_ms / 1000.0);
    snprintf(maxtime, sizeof maxtime, "%.17g", (double)o->f.max_time_ms / 1000.0);
    snprintf(deadline, sizeof deadline, "%.17g", (double)o->f.deadline_ms / 1000.0);
    char *av[40] = {
        "parkit", "fetch", "-i", "-", "-o", (char *)sub, "--engine", (char *)pk_fetch_mode_name(m),
        "-j", jobs, "--retries", retries, "--retry-delay", delay, "--connect-timeout", cto,
        "--stall-timeout", sto, "--max-redirs", redirs, "--format", "json", "--no-progress",
        "--min-speed", minspeed, "--min-speed-time", mstime,
    };
    int ac = 0;
    while (av[ac])
        ac++;
    if (o->f.max_filesize > 0) {
        av[ac++] = "--max-filesize";
        av[ac++] = maxsize;
    }
    if (o->f.max_time_ms > 0) {
        av[ac++] = "--max-time";
        av[ac++] = maxtime;
    }
    if (o->f.deadline_ms > 0) {
        av[ac++] = "--deadline";
        av[ac++] = deadline;
    }
    av[ac] = NULL;
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
    /* The stop signals wait until the child is known (and, in the child, until the
     * parent's handlers are gone). */
    sigset_t stops, old_mask;
    sigemptyset(&stops);
    for (int i = 0; i < NSTOP; i++)
        sigaddset(&stops, stop_sigs[i]);
    sigprocmask(SIG_BLOCK, &stops, &old_mask);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        /* Dies with the parent, even by SIGKILL (this thread forked it and lives as long
         * as the process; the setting survives execv of this same, unprivileged binary). */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(128 + SIGKILL);           /* no guard, or the parent died before it was set */
        for (int i = 0; i < NSTOP; i++) {
            struct sigaction cur;
            sigaction(stop_sigs[i], NULL, &cur);
            if (cur.sa_handler != SIG_IGN)
                signal(stop_sigs[i], SIG_DFL);
        }
        sigprocmask(SIG_SETMASK, &old_mask, NULL);
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
    int fork_errno = errno;
    if (pid > 0)
        compare_child = pid;
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    close(in[0]);
    close(out[1]);
    int rc = PK_EXIT_OK;
    if (pid < 0) {
        close(in[1]);
        close(out[0]);
        fclose(errf);
        return pk_runtime_error("fetch --compare: fork: %s", strerror(fork_errno));
    }
    /* The list: explicit names as given, the others derived again the same way. */
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    FILE *w = fdopen(in[1], "w");
    if (w) {
        for (size_t i = 0; i < l->n && !stop_sig; i++)
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
        if (r < 0 && errno == EINTR && !stop_sig)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(out[0]);
    int status = reap(pid);
    compare_child = 0;
    if (stop_sig) {   /* interrupted: no record, the half-made folder goes */
        free(buf);
        fclose(errf);
        nftw(sub, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return 128 + stop_sig;
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

/* --results FILE, before anything is downloaded: a file that can be opened for appending,
 * or a new name in a folder where a file can be created (nothing is created here). */

static int fetch_run(const pk_cli *cli, void *p, int argc, char **argv)
{
    fetch_opts *o = p;
    char err[512];
    int rc;
    /* Under mpirun / srun every rank would download the whole list into the same folder:
     * refused, by every rank, the message printed once (pk_is_root knows the launcher's
     * rank: fetch does not initialise MPI). */
    if (pk_launch_size() > 1 || pk_launch_rank() > 0)
        return pk_usage_error("fetch: runs in one process, but this job has %d ranks (each would "
                              "download the whole list into the same folder); run it without "
                              "mpirun/srun", pk_launch_size() > 1 ? pk_launch_size() : 2);
    if (o->compare && o->engine_opt)
        return pk_usage_error("fetch: --compare runs every engine; drop %s", o->engine_opt);
    if (argc == 0 && !o->list)
        return pk_usage_error("fetch: no URLs (give URLs as arguments or -i LIST)");

    /* ---- the list: every URL and name checked before anything is downloaded ---- */
    pk_fetch_list l;
    pk_fetch_list_init(&l);
    for (int i = 0; i < argc; i++)
        if ((rc = pk_fetch_list_add(&l, argv[i], NULL, "argument", 0, err, sizeof err)) != PK_FETCH_OK)
            goto bad;
    if (o->list) {
        if ((rc = pk_fetch_list_read(o->list, &l, err, sizeof err)) != PK_FETCH_OK)
            goto bad;
        if (l.n == 0) {
            pk_fetch_list_free(&l);
            char shown[120];
            return pk_usage_error("-i %s: no URLs in the list", pk_fetch_show(o->list, shown, sizeof shown));
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
        struct sigaction saved[NSTOP];
        stop_handlers(1, saved);
        for (int m = PK_FETCH_SEQ; m <= PK_FETCH_MULTI && rc == PK_EXIT_OK && !stop_sig; m++) {
            char *sub = malloc(strlen(o->dir) + 32);
            if (!sub) {
                rc = pk_runtime_error("out of memory");
                break;
            }
            sprintf(sub, "%s/compare-%s-XXXXXX", o->dir, pk_fetch_mode_name((pk_fetch_mode)m));
            char shown[120];
            if (!mkdtemp(sub))
                rc = pk_runtime_error("fetch: cannot create a folder in %s: %s",
                                      pk_fetch_show(o->dir, shown, sizeof shown), strerror(errno));
            else
                rc = compare_mode(o, &l, (pk_fetch_mode)m, sub, &rows[nrows]);
            if (rc == PK_EXIT_OK)
                nrows++;
            else if (stop_sig)
                pk_runtime_error("fetch --compare: stopped by signal %d during the %s run "
                                 "(its folder removed)", (int)stop_sig,
                                 pk_fetch_mode_name((pk_fetch_mode)m));
            free(sub);
        }
        stop_handlers(0, saved);
        if (stop_sig) {   /* no table: the comparison is incomplete */
            rc = 128 + stop_sig;
            for (int i = 0; i < nrows; i++)
                json_object_put(rows[i]);
            nrows = 0;
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
    .summary = PK_FETCH_SUMMARY,
    .options_help = fetch_help,
    .options = fetch_options,
    .opts_size = sizeof(fetch_opts),
    .defaults = fetch_defaults,
    .on_option = fetch_option,
    .run = fetch_run,
    .no_common = 1,
    .layout = &fetch_layout,
};
