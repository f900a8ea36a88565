/* parkit download module, URL lists and output names (urllist.c): parsing a LIST, checking
 * and redacting URLs, deriving, sanitising and de-duplicating the names files get in DIR.
 * Also the status codes every io/ function returns.
 *
 * Library code: nothing here prints or exits; every function returns a status and, on
 * failure, a one-line message in the caller's buffer (or a static reason in *why). */
#ifndef PK_URLLIST_H
#define PK_URLLIST_H
#include <stddef.h>
#include <stdint.h>

enum {
    PK_FETCH_OK = 0,
    PK_FETCH_EFAIL = 1,   /* some URLs failed / a runtime failure */
    PK_FETCH_EINPUT = 2   /* bad input: malformed URL, unsafe name, bad directory */
};

/* Longest output name kept (bytes); leaves room for the temporary prefix and suffix. */
#define PK_FETCH_NAME_MAX 200
/* Longest URL accepted (bytes). */
#define PK_FETCH_URL_MAX 8192
/* Longest line of a LIST (bytes, without its newline): a URL, blanks and a name fit. */
#define PK_FETCH_LINE_MAX 16384
/* Most URLs in one run (arguments and LIST together). */
#define PK_FETCH_LIST_MAX 1000000
/* Most bytes read from one LIST (comments and blank lines included). */
#define PK_FETCH_LIST_BYTES_MAX (256u << 20)
/* Lines a LIST may have, blank and comment lines included (endless blank input stops early). */
#define PK_FETCH_LIST_LINES_MAX 8000000u
/* Suffix of the temporary files that hold downloads until they are complete (how they are
 * named and locked: outdir.h).  No output name may end in it. */
#define PK_FETCH_TMP_SUFFIX ".pkpart"

/* ---- URL lists -------------------------------------------------------------------- */

typedef struct pk_fetch_item {
    char *url;
    char *name;          /* output name inside DIR (set by pk_fetch_list_finish) */
    unsigned line;       /* line in the LIST, 0 for a command-line URL */
    int explicit_name;   /* the name came from the LIST */
} pk_fetch_item;

typedef struct pk_fetch_list {
    pk_fetch_item *v;
    size_t n, cap;
} pk_fetch_list;

void pk_fetch_list_init(pk_fetch_list *l);
void pk_fetch_list_free(pk_fetch_list *l);

/* Add one URL (name may be NULL).  `src` names the origin for messages ("LIST" path or
 * "argument"); line is 0 for arguments.  Returns PK_FETCH_OK or PK_FETCH_EINPUT with a
 * message in err (also beyond PK_FETCH_LIST_MAX URLs). */
int pk_fetch_list_add(pk_fetch_list *l, const char *url, const char *name, const char *src,
                      unsigned line, char *err, size_t errsz);

/* Parse a LIST: one URL per line (at most PK_FETCH_LINE_MAX bytes), optionally followed by whitespace and an output name
 * (the rest of the line, trimmed); blank lines and lines starting with '#' are skipped;
 * CRLF accepted.  The text need not be NUL-terminated; a NUL byte is an error. */
/* Read and parse LIST ("-": stdin) line by line into l, never holding more than one line of
 * it, at most PK_FETCH_LIST_BYTES_MAX bytes and PK_FETCH_LIST_LINES_MAX lines: endless input
 * ends in an error naming the line.  PK_FETCH_OK, or an error in err (PK_FETCH_EINPUT for
 * unreadable or over-long input). */
int pk_fetch_list_read(const char *path, pk_fetch_list *l, char *err, size_t errsz);
int pk_fetch_list_parse(pk_fetch_list *l, const char *text, size_t len, const char *src,
                        char *err, size_t errsz);

/* One line of a LIST (with or without its '\n'), numbered `line` in messages. */
int pk_fetch_list_parse_line(pk_fetch_list *l, const char *text, size_t len, const char *src,
                             unsigned line, char *err, size_t errsz);

/* Give every item without an explicit name one derived from its URL, then make all names
 * unique (explicit names keep priority; "a.txt" becomes "a-1.txt", "a-2.txt", ...).
 * Returns PK_FETCH_OK, or PK_FETCH_EFAIL when out of memory. */
int pk_fetch_list_finish(pk_fetch_list *l, char *err, size_t errsz);

/* ---- URLs and names ---------------------------------------------------------------- */

/* 0 when `url` is an absolute http:// or https:// URL with a host and no whitespace or
 * control characters; otherwise -1 and a short reason in *why (static string). */
int pk_fetch_url_check(const char *url, const char **why);

/* 0 when `name` is a safe single file name (not empty, not "." or "..", no '/', '\\' or
 * control characters, at most PK_FETCH_NAME_MAX bytes, not ending in the temporary
 * suffix); otherwise -1 and a short reason in *why. */
int pk_fetch_name_check(const char *name, const char **why);

/* Sanitise an arbitrary byte string into a safe file name (always succeeds and always
 * passes pk_fetch_name_check): control characters and separators become '_', the result
 * is cut to PK_FETCH_NAME_MAX bytes, "" / "." / ".." become "download".  Writes at most
 * outsz bytes including the NUL (outsz must be > PK_FETCH_NAME_MAX). Returns the length. */
size_t pk_fetch_name_sanitize(const char *in, size_t len, char *out, size_t outsz);

/* The output name for a URL: its last path segment (query and fragment removed),
 * percent-decoded, then sanitised; "index.html" when the path ends in '/'. */
size_t pk_fetch_name_from_url(const char *url, char *out, size_t outsz);

/* A copy of url (malloc'd; NULL when out of memory) with the password of its user
 * information replaced by "***": "http://user:***@host/".  Whatever prints or records a URL
 * shows this.  Also for text that is not a valid URL (error messages). */
char *pk_fetch_url_redacted(const char *url);

/* `s` as it may be shown in a one-line message: control characters as '?', and when longer
 * than outsz - 1 bytes, cut in the middle with "\u2026" (the head and the tail kept).
 * outsz must be at least 16.  Returns out. */
char *pk_fetch_show(const char *s, char *out, size_t outsz);

#endif
