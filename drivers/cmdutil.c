#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <libgen.h>
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

/* mkstemp makes 0600; a finished output file gets the usual 0644 (less the umask). */
static int fchmod_path(const char *p)
{
    mode_t um = umask(0);
    umask(um);
    return chmod(p, 0666 & ~um);
}

int pk_write_atomic(const char *path, const char *data, size_t len)
{
    char *copy = strdup(path);
    if (!copy)
        return -1;
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/.%s.XXXXXX", dirname(copy), "parkit-tmp");
    free(copy);
    int fd = mkstemp(tmpl);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        off += (size_t)w;
    }
    int ok = off == len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (ok && fchmod_path(tmpl) == 0 && rename(tmpl, path) == 0)
        return 0;
    int e = errno;
    unlink(tmpl);
    errno = e;
    return -1;
}
