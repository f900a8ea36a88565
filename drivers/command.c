#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "command.h"
#include "primes.h"
#include "mpi_env.h"
#include "machine.h"

int pk_agree(int code, const char *fmt, ...)
{
    char *msg = NULL;
    if (code && fmt) {
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
            msg = NULL;
        va_end(ap);
    }
    int rc = pk_mpi_agree(code, code ? (msg ? msg : "out of memory") : NULL);
    free(msg);
    return rc;
}

int pk_arg_u64(const char *cmd, const char *what, const char *arg, uint64_t *out)
{
    const char *why = NULL;
    if (pk_parse_u64(arg, out, &why) != 0)
        return pk_usage_error("%s: %s: expected a non-negative integer (1000000, 1e9, 10^9, 2**32, "
                              "1_000_000), got \"%s\" (%s)", cmd, what, arg, why);
    return PK_EXIT_OK;
}

int pk_arg_n(const char *cmd, int argc, char **argv, uint64_t *n)
{
    if (argc < 1)
        return pk_usage_error("%s: missing N (see parkit %s --help)", cmd, cmd);
    if (argc > 1)
        return pk_usage_error("%s: expected one N, got %d arguments (\"%s\" ...)", cmd, argc, argv[1]);
    return pk_arg_u64(cmd, "N", argv[0], n);
}

char *pk_u128_str(pk_u128 v, char *buf)
{
    char tmp[48];
    int i = 0;
    do {
        tmp[i++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (int j = 0; j < i; j++)
        buf[j] = tmp[i - 1 - j];
    buf[i] = 0;
    return buf;
}

char *pk_i128_str(pk_i128 v, char *buf)
{
    if (v < 0) {
        buf[0] = '-';
        pk_u128_str(-(pk_u128)v, buf + 1);
        return buf;
    }
    return pk_u128_str((pk_u128)v, buf);
}

uint64_t pk_mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[256];
    unsigned long long kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    fclose(f);
    return (uint64_t)kb * 1024;
}

const char *pk_bytes_str(double bytes, char *buf, size_t len)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (bytes >= 1024 && u < 6) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, len, "%.2f %s", bytes, units[u]);
    return buf;
}

int pk_report_finish(const pk_cli *cli, pk_record *r)
{
    int rc = pk_report_emit(cli, r);
    if (pk_is_root() && !r->verified)
        rc = PK_EXIT_FAIL;
    pk_record_free(r);
    return rc;
}

/* ---- --algo of primes and primorial ---- */

int pk_parse_algo(const char *cmd, const char *arg, pk_primes_algo *algo)
{
    if (!strcmp(arg, "sieve"))
        *algo = PK_PRIMES_SIEVE;
    else if (!strcmp(arg, "trial"))
        *algo = PK_PRIMES_TRIAL;
    else if (!strcmp(arg, "naive"))
        *algo = PK_PRIMES_NAIVE;
    else
        return pk_usage_error("%s --algo: expected sieve, trial or naive, got \"%s\"", cmd, arg);
    return PK_EXIT_OK;
}

const char *pk_algo_name(pk_primes_algo a)
{
    return a == PK_PRIMES_TRIAL ? "trial" : a == PK_PRIMES_NAIVE ? "naive" : "sieve";
}

/* ---- the kernel command skeleton ---- */

static const char *(*fault_reason)(void);

void pk_set_fault_reason(const char *(*fn)(void))
{
    fault_reason = fn;
}

int pk_run_kernel_command(const pk_cli *cli, const pk_kernel_phases *ph, void *state)
{
    /* setup: timed apart from the kernel; any rank's failure stops every rank here */
    pk_kernel_job job = {0};
    const char *why = NULL;
    double t0 = pk_wtime();
    pk_status s = PK_OK;
    int rc = ph->setup_agreed ? ph->setup_agreed(state, &job) : PK_EXIT_OK;
    if (!ph->setup_agreed) {
        s = ph->setup(state, &job, &why);
        rc = pk_agree(s != PK_OK, "%s: setup: %s", ph->name, why ? why : pk_status_str(s));
    }
    double setup = pk_wtime() - t0;
    if (rc) {
        if (ph->teardown)
            ph->teardown(state);
        return rc;
    }

    /* the run: warm-ups and repeats through the backends */
    pk_record r;
    pk_record_init(&r, cli, ph->name);
    pk_record_set_n(&r, job.n);
    r.setup_seconds = setup;
    unsigned char small[256];
    void *result = job.kernel->partial_size > sizeof small ? malloc(job.kernel->partial_size) : small;
    if ((rc = pk_agree(!result, "%s: out of memory", ph->name)) != 0) {
        pk_record_free(&r);
        if (ph->teardown)
            ph->teardown(state);
        return rc;
    }
    /* the machine's state at the start of the timed runs (collective; warnings on stderr) */
    r.machine = pk_machine_probe(cli);
    s = pk_measure(cli, job.kernel, job.ctx, job.lo, job.hi, result, &r);
    if (s == PK_OK && ph->gather)
        s = ph->gather(state, &cli->exec);

    /* the answer: described and checked against an independent reference on rank 0 */
    if (s == PK_OK && pk_is_root()) {
        ph->describe(state, &job, result, &r);
        r.verified = ph->verify(state, &job, result, &r);
    }
    if (job.kernel->release)
        job.kernel->release(job.ctx, result);
    if (result != small)
        free(result);
    if (ph->teardown)
        ph->teardown(state);
    if (s != PK_OK) {   /* reported already when the ranks agreed on it (a gather hook) */
        pk_record_free(&r);
        const char *detail = s == PK_EKERNEL && fault_reason ? fault_reason() : NULL;
        return pk_mpi_failure_agreed() ? PK_EXIT_FAIL
                                       : pk_runtime_error("%s: %s%s%s", ph->name, pk_status_str(s),
                                                          detail ? ": " : "", detail ? detail : "");
    }
    return pk_report_finish(cli, &r);
}
