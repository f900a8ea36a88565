#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmdutil.h"
#include "mpi_env.h"

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

int pk_one_n(const char *cmd, int argc, char **argv, uint64_t *n)
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

int pk_finish(const pk_cli *cli, pk_record *r)
{
    int rc = pk_report_emit(cli, r);
    if (pk_is_root() && !r->verified)
        rc = PK_EXIT_FAIL;
    pk_record_free(r);
    return rc;
}
