/* parkit download module: URL lists, safe output names, three download engines
 * (sequential, pthread pool, libcurl multi) and crash-safe file writes.
 *
 * Library code: nothing here prints (except the optional progress line on stderr that the
 * caller asks for) or exits; every function returns a status and, on failure, a one-line
 * message in the caller's buffer. */
#ifndef PK_FETCH_H
#define PK_FETCH_H
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
/* Suffix of the temporary file that holds a download until it is complete.  Each run
 * names its own, ".NAME.TAG.pkpart" (TAG: "p" PID "-" 8 random hex digits), locked with
 * flock(2) while the run lives.  A later run takes over an unlocked one of the same NAME (its
 * run died: the download resumes, If-Range and the recorded size making sure it is the same
 * version) and removes any others, but never touches a locked one; ".NAME.pkpart" (older
 * versions) is taken over too. */
#define PK_FETCH_TMP_SUFFIX ".pkpart"
/* Extended attribute holding the validator (ETag, else Last-Modified) of the version a
 * temporary file was begun with, once its body needs more than one write; it stays on the
 * finished file. */
#define PK_FETCH_XATTR "user.parkit.validator"
/* Extended attribute holding the total size in bytes: on a temporary file, the size the
 * server announced for the version it was begun with (a resumed response announcing
 * another total is another version); on a finished file, its size when it was completed
 * (a file whose size differs is not trusted as done by a rerun, but fetched again). */
#define PK_FETCH_XATTR_SIZE "user.parkit.size"

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

/* ---- Downloading --------------------------------------------------------------------- */

typedef enum { PK_FETCH_SEQ = 0, PK_FETCH_POOL, PK_FETCH_MULTI } pk_fetch_mode;

typedef struct pk_fetch_opts {
    pk_fetch_mode mode;
    int jobs;                 /* pool threads / multi transfers in flight (seq: ignored) */
    int retries;              /* extra attempts for transient failures */
    int64_t max_filesize;     /* bytes, 0 = no limit */
    long connect_timeout_ms;  /* connection phase */
    long stall_timeout_ms;    /* abort when nothing arrives for this long */
    int64_t min_speed;        /* bytes/s: abort an attempt slower than this over ... */
    long min_speed_time_ms;   /* ... this long (0 / 0: no speed limit) */
    long max_time_ms;         /* one URL, all its attempts and waits: at most this (0: none) */
    long deadline_ms;         /* the whole run: at most this (0: none) */
    long max_redirs;          /* redirects followed at most */
    double retry_base_s;      /* first backoff delay (doubled each attempt, with jitter) */
    double retry_max_s;       /* cap on one delay, Retry-After included */
    int force;                /* re-download files that already exist */
    int progress;             /* print a progress line on stderr */
} pk_fetch_opts;

void pk_fetch_opts_default(pk_fetch_opts *o);
const char *pk_fetch_mode_name(pk_fetch_mode m);
int pk_fetch_mode_parse(const char *s, pk_fetch_mode *m);   /* 0 or -1 */

typedef enum { PK_ITEM_PENDING = 0, PK_ITEM_OK, PK_ITEM_SKIPPED, PK_ITEM_FAILED } pk_item_state;

typedef struct pk_fetch_result {
    pk_item_state state;
    int attempts;
    long http_code;           /* last HTTP status seen, 0 when none */
    uint64_t bytes;           /* bytes received this run */
    uint64_t size;            /* final file size (ok / skipped) */
    int resumed;              /* a Range request continued a partial file */
    char *why;                /* failure reason (owned; NULL unless failed) */
} pk_fetch_result;

/* Release the failure reasons of res (n entries); the entries stay readable otherwise. */
void pk_fetch_results_free(pk_fetch_result *res, size_t n);

typedef struct pk_fetch_stats {
    uint64_t total, ok, skipped, failed, resumed, retries;
    uint64_t bytes;           /* bytes received */
    double wall_s;
    long peak_rss_kib;        /* peak resident memory of the process that downloaded */
} pk_fetch_stats;

/* Once per process, before any thread starts. */
int pk_fetch_global_init(char *err, size_t errsz);
void pk_fetch_global_cleanup(void);

/* Create DIR when missing (parents included) and check that a file can be created in it.
 * PK_FETCH_EINPUT with a message when it cannot. */
int pk_fetch_dir_prepare(const char *dir, char *err, size_t errsz);

/* Download every item of the (finished) list into dir.  res has l->n entries, zeroed or
 * left by an earlier run (whose reasons are released first).  Returns
 * PK_FETCH_OK when all succeeded or were skipped, PK_FETCH_EFAIL when any failed, or on a
 * runtime failure (then the message is in err and st->total is 0), PK_FETCH_EINPUT when
 * dir cannot be opened.  Release res with pk_fetch_results_free. */
int pk_fetch_run(const pk_fetch_list *l, const char *dir, const pk_fetch_opts *o,
                 pk_fetch_result *res, pk_fetch_stats *st, char *err, size_t errsz);

#endif
