/* URL lists and output names: parsing, validation, sanitising, de-duplication. */
#include <ctype.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include "urllist.h"

static const char *const pk_tmp_suffix = PK_FETCH_TMP_SUFFIX;

void pk_fetch_list_init(pk_fetch_list *l) { memset(l, 0, sizeof *l); }

void pk_fetch_list_free(pk_fetch_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].url);
        free(l->v[i].name);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int has_suffix(const char *s, size_t len, const char *suf)
{
    size_t k = strlen(suf);
    return len >= k && memcmp(s + len - k, suf, k) == 0;
}

static int is_ctl(unsigned char c) { return c < 0x20 || c == 0x7f; }

int pk_fetch_url_check(const char *url, const char **why)
{
    size_t len = strlen(url);
    if (len == 0) {
        *why = "empty URL";
        return -1;
    }
    if (len > PK_FETCH_URL_MAX) {
        *why = "URL too long";
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (is_ctl(c) || c == ' ') {
            *why = "URL contains whitespace or control characters";
            return -1;
        }
    }
    size_t skip;
    if (strncasecmp(url, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        skip = 8;
    else {
        *why = "only http:// and https:// URLs are supported";
        return -1;
    }
    if (url[skip] == '\0' || url[skip] == '/' || url[skip] == '?' || url[skip] == '#') {
        *why = "URL has no host";
        return -1;
    }
    /* Let libcurl's own URL parser have the final word, so that what we accept is what
     * the transfer will see. */
    CURLU *u = curl_url();
    if (!u) {
        *why = "out of memory";
        return -1;
    }
    int rc = -1;
    char *host = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        *why = "malformed URL";
    else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host)
        *why = "URL has no host";
    else
        rc = 0;
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}

/* For an http: or https: URL, where its authority begins as libcurl reads it: after the
 * scheme's ':' and the slashes that follow (libcurl takes one or three as well as two).
 * NULL for anything else. */
static const char *http_authority(const char *url)
{
    size_t i;
    if (strncasecmp(url, "http:", 5) == 0)
        i = 5;
    else if (strncasecmp(url, "https:", 6) == 0)
        i = 6;
    else
        return NULL;
    while (url[i] == '/' || url[i] == '\\')
        i++;
    return url + i;
}

/* In an http(s) URL the user information ends at the last '@' of the authority (libcurl and
 * RFC 3986 agree whenever the URL is valid; the last one hides more when it is not); the
 * password is what follows its first ':'.  In anything else (a bad URL in a message) the
 * user information is taken to run from after the '/', '?' or '#' before the first '@' to
 * the last '@' before the next of those. */
char *pk_fetch_url_redacted(const char *url)
{
    size_t len = strlen(url);
    char *out = malloc(len + 4);
    if (!out)
        return NULL;
    const char *ui = http_authority(url), *at = NULL;
    if (ui) {
        size_t alen = strcspn(ui, "/?#");
        for (size_t i = alen; i-- > 0;)
            if (ui[i] == '@') {
                at = ui + i;
                break;
            }
    } else if ((at = strchr(url, '@'))) {
        ui = at;
        while (ui > url && !strchr("/?#", ui[-1]))
            ui--;
        for (const char *p = at; *p && !strchr("/?#", *p); p++)
            if (*p == '@')
                at = p;
    }
    const char *colon = at ? memchr(ui, ':', (size_t)(at - ui)) : NULL;
    if (!colon) {
        memcpy(out, url, len + 1);
        return out;
    }
    size_t head = (size_t)(colon + 1 - url);
    memcpy(out, url, head);
    memcpy(out + head, "***", 3);
    memcpy(out + head + 3, at, len - (size_t)(at - url) + 1);
    return out;
}

char *pk_fetch_show(const char *s, char *out, size_t outsz)
{
    static const char ell[] = "\xe2\x80\xa6";   /* U+2026 in UTF-8 */
    size_t len = strlen(s), head = len, tail = len;
    if (len > outsz - 1) {
        size_t keep = outsz - 1 - (sizeof ell - 1);
        head = keep / 2;
        tail = len - (keep - head);
        /* Never cut a UTF-8 sequence: back off to the start of a character. */
        while (head > 0 && ((unsigned char)s[head] & 0xc0) == 0x80)
            head--;
        while (tail < len && ((unsigned char)s[tail] & 0xc0) == 0x80)
            tail++;
    }
    size_t k = 0;
    for (size_t i = 0; i < head; i++)
        out[k++] = is_ctl((unsigned char)s[i]) ? '?' : s[i];
    if (tail < len || head < len) {
        if (head < tail) {
            memcpy(out + k, ell, sizeof ell - 1);
            k += sizeof ell - 1;
        }
        for (size_t i = tail; i < len; i++)
            out[k++] = is_ctl((unsigned char)s[i]) ? '?' : s[i];
    }
    out[k] = '\0';
    return out;
}

int pk_fetch_name_check(const char *name, const char **why)
{
    size_t len = strlen(name);
    if (len == 0) {
        *why = "empty name";
        return -1;
    }
    if (len > PK_FETCH_NAME_MAX) {
        *why = "name too long";
        return -1;
    }
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        *why = "name is \".\" or \"..\"";
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '/' || c == '\\') {
            *why = "name contains a path separator";
            return -1;
        }
        if (is_ctl(c)) {
            *why = "name contains control characters";
            return -1;
        }
    }
    if (has_suffix(name, len, pk_tmp_suffix)) {
        *why = "name ends in the temporary suffix " PK_FETCH_TMP_SUFFIX;
        return -1;
    }
    return 0;
}

size_t pk_fetch_name_sanitize(const char *in, size_t len, char *out, size_t outsz)
{
    size_t cap = outsz - 1;
    if (cap > PK_FETCH_NAME_MAX)
        cap = PK_FETCH_NAME_MAX;
    size_t k = 0;
    for (size_t i = 0; i < len && k < cap; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\0')
            break;
        out[k++] = (is_ctl(c) || c == '/' || c == '\\') ? '_' : (char)c;
    }
    out[k] = '\0';
    int all_dots = 1;
    for (size_t i = 0; i < k; i++)
        if (out[i] != '.')
            all_dots = 0;
    if (k == 0 || (all_dots && k <= 2)) {
        k = (size_t)snprintf(out, outsz, "download");
        return k;
    }
    if (has_suffix(out, k, pk_tmp_suffix)) {
        /* Never collide with a temporary file: "x.pkpart" -> "x.pkpart_" (shortened first
         * when at the cap). */
        if (k >= cap)
            k = cap - 1;
        out[k++] = '_';
        out[k] = '\0';
    }
    return k;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

size_t pk_fetch_name_from_url(const char *url, char *out, size_t outsz)
{
    /* Path starts after "scheme://authority". */
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t end = strcspn(p, "/?#");
    p += end;
    const char *path = p;
    size_t plen = (*p == '/') ? strcspn(p, "?#") : 0;
    if (plen == 0 || path[plen - 1] == '/')
        return (size_t)snprintf(out, outsz, "index.html");
    size_t s = plen;
    while (s > 0 && path[s - 1] != '/')
        s--;
    const char *seg = path + s;
    size_t slen = plen - s;
    /* Percent-decode into a bounded scratch buffer; decoded separators are sanitised. */
    char dec[PK_FETCH_NAME_MAX * 3 + 1];
    size_t k = 0;
    for (size_t i = 0; i < slen && k < sizeof dec - 1; i++) {
        int h1, h2;
        if (seg[i] == '%' && i + 2 < slen &&
            (h1 = hexval((unsigned char)seg[i + 1])) >= 0 &&
            (h2 = hexval((unsigned char)seg[i + 2])) >= 0) {
            dec[k++] = (char)(h1 * 16 + h2);
            i += 2;
        } else {
            dec[k++] = seg[i];
        }
    }
    /* A decoded NUL would end the name early: replace it as a control character. */
    for (size_t i = 0; i < k; i++)
        if (dec[i] == '\0')
            dec[i] = '_';
    return pk_fetch_name_sanitize(dec, k, out, outsz);
}

int pk_fetch_list_add(pk_fetch_list *l, const char *url, const char *name, const char *src,
                      unsigned line, char *err, size_t errsz)
{
    const char *why = NULL;
    char where[140];   /* "LIST:LINE", the LIST's path shortened */
    char srcs[120];
    pk_fetch_show(src, srcs, sizeof srcs);
    if (line)
        snprintf(where, sizeof where, "%s:%u", srcs, line);
    else
        snprintf(where, sizeof where, "%s", srcs);
    if (l->n >= PK_FETCH_LIST_MAX) {
        snprintf(err, errsz, "%s: more than %d URLs (the most one run takes)", where,
                 PK_FETCH_LIST_MAX);
        return PK_FETCH_EINPUT;
    }
    if (pk_fetch_url_check(url, &why) != 0) {
        /* The offending URL: its password hidden, at most 120 bytes (cut in the middle),
         * control characters masked. */
        char shown[120];
        char *red = pk_fetch_url_redacted(url);
        pk_fetch_show(red ? red : "(out of memory)", shown, sizeof shown);
        free(red);
        snprintf(err, errsz, "%s: %s: \"%s\"", where, why, shown);
        return PK_FETCH_EINPUT;
    }
    if (name && pk_fetch_name_check(name, &why) != 0) {
        char shown[PK_FETCH_NAME_MAX + 1];
        pk_fetch_name_sanitize(name, strlen(name), shown, sizeof shown);
        char shown2[120];
        snprintf(err, errsz, "%s: unsafe output name (%s): \"%s\"", where, why,
                 pk_fetch_show(shown, shown2, sizeof shown2));
        return PK_FETCH_EINPUT;
    }
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        pk_fetch_item *nv = realloc(l->v, nc * sizeof *nv);
        if (!nv) {
            snprintf(err, errsz, "out of memory");
            return PK_FETCH_EFAIL;
        }
        l->v = nv;
        l->cap = nc;
    }
    pk_fetch_item *it = &l->v[l->n];
    memset(it, 0, sizeof *it);
    it->url = strdup(url);
    it->name = name ? strdup(name) : NULL;
    it->line = line;
    it->explicit_name = name != NULL;
    if (!it->url || (name && !it->name)) {
        free(it->url);
        free(it->name);
        snprintf(err, errsz, "out of memory");
        return PK_FETCH_EFAIL;
    }
    l->n++;
    return PK_FETCH_OK;
}

int pk_fetch_list_parse_line(pk_fetch_list *l, const char *text, size_t n, const char *src,
                             unsigned line, char *err, size_t errsz)
{
    if (n > 0 && text[n - 1] == '\n')
        n--;
    char srcs[120];
    if (n > PK_FETCH_LINE_MAX) {
        snprintf(err, errsz, "%s:%u: line longer than %d bytes (the longest a LIST takes)",
                 pk_fetch_show(src, srcs, sizeof srcs), line, PK_FETCH_LINE_MAX);
        return PK_FETCH_EINPUT;
    }
    if (memchr(text, '\0', n)) {
        snprintf(err, errsz, "%s:%u: contains a NUL byte (not a text list of URLs)",
                 pk_fetch_show(src, srcs, sizeof srcs), line);
        return PK_FETCH_EINPUT;
    }
    /* Trim both ends (spaces, tabs, CR). */
    while (n > 0 && (*text == ' ' || *text == '\t' || *text == '\r')) {
        text++;
        n--;
    }
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r'))
        n--;
    if (n == 0 || *text == '#')
        return PK_FETCH_OK;
    char small[512];
    char *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf) {
        snprintf(err, errsz, "out of memory");
        return PK_FETCH_EFAIL;
    }
    memcpy(buf, text, n);
    buf[n] = '\0';
    char *sp = buf + strcspn(buf, " \t");
    char *name = NULL;
    if (*sp) {
        *sp++ = '\0';
        while (*sp == ' ' || *sp == '\t')
            sp++;
        name = sp;   /* the rest of the line, already trimmed at the end */
    }
    int rc = pk_fetch_list_add(l, buf, name, src, line, err, errsz);
    if (buf != small)
        free(buf);
    return rc;
}

int pk_fetch_list_parse(pk_fetch_list *l, const char *text, size_t len, const char *src,
                        char *err, size_t errsz)
{
    size_t pos = 0;
    unsigned line = 0;
    int rc = PK_FETCH_OK;
    while (pos < len && rc == PK_FETCH_OK) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl ? 1 : 0);
        rc = pk_fetch_list_parse_line(l, s, n, src, ++line, err, errsz);
    }
    return rc;
}

/* ---- unique names: a small open-addressing set of strings ---- */

typedef struct nameset {
    const char **slot;
    unsigned long *next;   /* per name taken as a base: the suffix number to try next */
    size_t cap;
} nameset;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The slot holding s, or the empty slot where it would go. */
static size_t set_find(const nameset *ns, const char *s)
{
    size_t i = hash_str(s) & (ns->cap - 1);
    while (ns->slot[i] && strcmp(ns->slot[i], s) != 0)
        i = (i + 1) & (ns->cap - 1);
    return i;
}

static int set_has(const nameset *ns, const char *s) { return ns->slot[set_find(ns, s)] != NULL; }

static void set_put(nameset *ns, const char *s)
{
    size_t i = set_find(ns, s);
    if (!ns->slot[i]) {
        ns->slot[i] = s;
        ns->next[i] = 1;
    }
}

/* Make it->name unique against ns (rewriting it as stem-K.ext), then add it.  K starts where
 * the last duplicate of the same name stopped, so n copies of one name cost O(n), not O(n^2). */
static int make_unique(nameset *ns, pk_fetch_item *it)
{
    size_t base = set_find(ns, it->name);
    if (!ns->slot[base]) {
        set_put(ns, it->name);
        return 0;
    }
    const char *name = it->name;
    size_t len = strlen(name);
    const char *dot = strrchr(name, '.');
    size_t stem = (dot && dot != name) ? (size_t)(dot - name) : len;
    const char *ext = name + stem;
    size_t extlen = len - stem;
    char cand[PK_FETCH_NAME_MAX + 1];
    unsigned long k = ns->next[base];
    for (;; k++) {
        char num[24];
        int nl = snprintf(num, sizeof num, "-%lu", k);
        size_t keep = stem;
        if (extlen > PK_FETCH_NAME_MAX / 2) {   /* absurd "extension": treat as stem */
            keep = len;
            ext = "";
            extlen = 0;
        }
        if (keep + (size_t)nl + extlen > PK_FETCH_NAME_MAX)
            keep = PK_FETCH_NAME_MAX - (size_t)nl - extlen;
        memcpy(cand, name, keep);
        memcpy(cand + keep, num, (size_t)nl);
        memcpy(cand + keep + (size_t)nl, ext, extlen);
        cand[keep + (size_t)nl + extlen] = '\0';
        const char *why;
        if (pk_fetch_name_check(cand, &why) == 0 && !set_has(ns, cand))
            break;
    }
    ns->next[base] = k + 1;
    char *dup = strdup(cand);
    if (!dup)
        return -1;
    /* The base name stays in the set (its slot points at the item that holds it). */
    free(it->name);
    it->name = dup;
    set_put(ns, it->name);
    return 0;
}

int pk_fetch_list_finish(pk_fetch_list *l, char *err, size_t errsz)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].name)
            continue;
        char nm[PK_FETCH_NAME_MAX + 1];
        pk_fetch_name_from_url(l->v[i].url, nm, sizeof nm);
        if (!(l->v[i].name = strdup(nm))) {
            snprintf(err, errsz, "out of memory");
            return PK_FETCH_EFAIL;
        }
    }
    nameset ns = { NULL, NULL, 16 };
    while (ns.cap < 2 * l->n + 16)
        ns.cap *= 2;
    ns.slot = calloc(ns.cap, sizeof *ns.slot);
    ns.next = calloc(ns.cap, sizeof *ns.next);
    if (!ns.slot || !ns.next) {
        free(ns.slot);
        free(ns.next);
        snprintf(err, errsz, "out of memory");
        return PK_FETCH_EFAIL;
    }
    int rc = PK_FETCH_OK;
    /* Explicit names first so that they keep their spelling when possible. */
    for (int pass = 0; pass < 2 && rc == PK_FETCH_OK; pass++)
        for (size_t i = 0; i < l->n; i++)
            if (l->v[i].explicit_name == (pass == 0) && make_unique(&ns, &l->v[i]) != 0) {
                snprintf(err, errsz, "out of memory");
                rc = PK_FETCH_EFAIL;
                break;
            }
    free(ns.slot);
    free(ns.next);
    return rc;
}

/* ---- reading a LIST from a file or stdin ---- */

/* Parse LIST ("-" = stdin) line by line into l, never holding more than one line
 * (PK_FETCH_LINE_MAX bytes) of it, and reading at most PK_FETCH_LIST_BYTES_MAX bytes and
 * PK_FETCH_LIST_LINES_MAX lines: an
 * endless input (/dev/zero, `yes`) ends in an error naming the line, not in memory
 * exhaustion.  PK_FETCH_OK, or an error in err (an unreadable file is PK_FETCH_EINPUT). */
int pk_fetch_list_read(const char *path, pk_fetch_list *l, char *err, size_t errsz)
{
    int is_stdin = strcmp(path, "-") == 0;
    char shown[120];
    pk_fetch_show(path, shown, sizeof shown);
    const char *src = is_stdin ? "stdin" : path;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errsz, "-i %s: cannot read: %s", shown, strerror(errno));
        return PK_FETCH_EINPUT;
    }
    /* line: the current line (one byte more than the limit, so that an over-long line
     * reaches the parser, which names it); buf: what one read brought. */
    char *line = malloc(PK_FETCH_LINE_MAX + 1), *buf = malloc(65536);
    size_t len = 0;
    uint64_t total = 0;
    unsigned lineno = 0;
    int rc = PK_FETCH_OK;
    if (!line || !buf) {
        snprintf(err, errsz, "out of memory");
        rc = PK_FETCH_EFAIL;
    }
    while (rc == PK_FETCH_OK) {
        ssize_t n = read(fd, buf, 65536);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errsz, "-i %s: cannot read: %s", shown, strerror(errno));
            rc = PK_FETCH_EINPUT;
            break;
        }
        if (n == 0) {   /* the last line may have no newline */
            if (len > 0)
                rc = pk_fetch_list_parse_line(l, line, len, src, ++lineno, err, errsz);
            break;
        }
        /* Bytes past the limit are not looked at: the error names the line they are on. */
        int over = total + (uint64_t)n > PK_FETCH_LIST_BYTES_MAX;
        if (over)
            n = (ssize_t)(PK_FETCH_LIST_BYTES_MAX - total);
        total += (uint64_t)n;
        for (ssize_t i = 0; i < n && rc == PK_FETCH_OK;) {
            const char *nl = memchr(buf + i, '\n', (size_t)(n - i));
            size_t k = nl ? (size_t)(nl - (buf + i)) : (size_t)(n - i);
            size_t room = PK_FETCH_LINE_MAX + 1 - len;
            memcpy(line + len, buf + i, k < room ? k : room);
            len += k < room ? k : room;
            i += (ssize_t)k;
            if (len > PK_FETCH_LINE_MAX || nl) {   /* a whole line, or one too long */
                if (lineno == PK_FETCH_LIST_LINES_MAX) {
                    snprintf(err, errsz, "%s:%u: the list has more than %u lines (the most a LIST takes)",
                             is_stdin ? "stdin" : shown, lineno + 1, PK_FETCH_LIST_LINES_MAX);
                    rc = PK_FETCH_EINPUT;
                    break;
                }
                rc = pk_fetch_list_parse_line(l, line, len, src, ++lineno, err, errsz);
                len = 0;
                i++;   /* past the newline */
            }
        }
        if (rc == PK_FETCH_OK && over) {
            snprintf(err, errsz, "%s:%u: the list is longer than %u MiB (the most a LIST takes)",
                     is_stdin ? "stdin" : shown, lineno + 1, PK_FETCH_LIST_BYTES_MAX >> 20);
            rc = PK_FETCH_EINPUT;
        }
    }
    free(line);
    free(buf);
    if (!is_stdin)
        close(fd);
    return rc;
}
