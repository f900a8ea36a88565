/* parkit.h -- libparkit's public interface: your own kernel, run serially, with OpenMP threads,
 * over MPI ranks or both, timed, verified and reported like parkit's built-in kernels.
 *
 * The one idea: a kernel is a reduction over an index range.  It accumulates a *partial*
 * result over indices [lo, hi), and partials merge into the answer.  parkit splits the range
 * into pieces (cost-balanced across ranks), runs the pieces on threads, merges the partials in
 * one fixed tree (so floating point is bit-reproducible for any ranks x threads when the kernel
 * asks for it), brings them to rank 0 over MPI, and times, verifies and reports the run.
 *
 * Three ways to use it:
 *   1. A program of your own: describe the problem (parkit_problem) and hand it to
 *      parkit_main(), which gives it parkit's whole command line (--threads, --mode, --repeat,
 *      --format text|csv|json, --results ...) and its reports.
 *   2. No program at all: build the problem as a shared object that exports it with
 *      PARKIT_EXPORT_PROBLEM, and run it with `parkit run ./libmine.so [N] [options]`.
 *   3. Only the execution: parkit_run() runs a kernel over a range as a parkit_exec says and
 *      returns the merged partial, inside a program that does its own reporting (and may call
 *      MPI_Init itself: parkit then uses MPI_COMM_WORLD and leaves finalising to it).
 *
 * Link: `find_package(parkit CONFIG)` + `target_link_libraries(app parkit::parkit)`, or
 * `pkg-config --cflags --libs parkit`.  Stability: every name here keeps its meaning within
 * a PARKIT_ABI_VERSION; a loaded problem built for another ABI version is refused. */
#ifndef PARKIT_H
#define PARKIT_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PARKIT_VERSION_MAJOR 0
#define PARKIT_VERSION_MINOR 1
#define PARKIT_VERSION_PATCH 0
/* The layout of parkit_kernel and parkit_problem; raised when either changes. */
#define PARKIT_ABI_VERSION 1

#if defined(__GNUC__)
#define PARKIT_API __attribute__((visibility("default")))
#else
#define PARKIT_API
#endif

/* What a callback returns.  Anything but PARKIT_OK fails the run on every rank, with a
 * message naming the kernel and the status. */
typedef enum parkit_status {
    PARKIT_OK = 0,
    PARKIT_ENOMEM,    /* an allocation failed */
    PARKIT_EINVAL,    /* an argument is out of the kernel's domain */
    PARKIT_EIO,       /* reading input failed */
    PARKIT_ERANGE,    /* a result would not fit */
    PARKIT_EKERNEL,   /* the kernel broke the contract below (found by parkit's checks) */
} parkit_status;

/* "out of memory", "invalid argument", ... (a static string). */
PARKIT_API const char *parkit_status_str(parkit_status s);

enum {
    /* merge() is sensitive to order beyond exact arithmetic (floating point): parkit cuts
     * pieces of exactly grain() indices aligned to 0 whatever the number of workers, and
     * merges them in one fixed tree over piece order -- the answer is then bit-identical
     * for any ranks x threads and any schedule. */
    PARKIT_KERNEL_ORDERED = 1u << 0,
};

/* The kernel contract.  ctx is the kernel's read-only context (from the problem's setup);
 * callbacks may run concurrently on different partials and must not write to ctx.  Costs are
 * for the reader to plan with: run() is the only callback that should take real time. */
typedef struct parkit_kernel {
    const char *name;
    size_t partial_size;   /* bytes of one partial (plain bytes unless pack is given) */
    unsigned flags;        /* PARKIT_KERNEL_* */
    /* Preferred piece length in indices for this context (never 0).  Pieces are the unit of
     * scheduling: aim for 0.1-10 ms of work. */
    uint64_t (*grain)(const void *ctx);
    /* Set *partial to the identity of merge. */
    void (*identity)(const void *ctx, void *partial);
    /* Accumulate indices [lo, hi) into *partial (which may already hold a value). */
    parkit_status (*run)(const void *ctx, uint64_t lo, uint64_t hi, void *partial);
    /* *acc = *acc (+) *later, where *later covers indices after *acc's. */
    parkit_status (*merge)(const void *ctx, void *acc, const void *later);
    /* Free what a partial owns; NULL when partials own nothing. */
    void (*release)(const void *ctx, void *partial);
    /* Optional (NULL: cost proportional to length): the relative cost of [lo, hi), used to
     * balance ranks when indices get dearer as they grow.  With a cost() (and no pack) the
     * ranks get chunks of equal modelled cost, half dealt in turn and half on demand, and
     * merge() still sees partials in index order. */
    double (*cost)(const void *ctx, uint64_t lo, uint64_t hi);
    /* Optional, for partials that own memory or vary in size: serialise for MPI.  NULL means
     * the partial travels as partial_size plain bytes.  unpack gets a partial set to the
     * identity and the bytes pack wrote (len = pack_size).  Not with PARKIT_KERNEL_ORDERED:
     * ORDERED partials must be plain bytes (refused: parkit_main / parkit run exit 2,
     * parkit_run under MPI returns PARKIT_EINVAL). */
    size_t (*pack_size)(const void *ctx, const void *partial);
    void (*pack)(const void *ctx, const void *partial, void *buf);
    parkit_status (*unpack)(const void *ctx, void *partial, const void *buf, size_t len);
} parkit_kernel;

/* A problem: a kernel with what makes it a verified, reported run. */
typedef struct parkit_problem {
    unsigned abi;              /* PARKIT_ABI_VERSION */
    const char *name;          /* the report's kernel name: letters, digits, '_', '-' */
    const char *summary;       /* one line for --help */
    const char *n_help;        /* what N means, for --help (e.g. "samples") */
    uint64_t default_n;        /* N when none is given (0: N is required) */
    const parkit_kernel *kernel;
    size_t state_size;         /* bytes of the problem's own state, zeroed before setup */
    /* Every rank, timed as setup: build the kernel's context for problem size n and the index
     * range [*lo, *hi) to run (often [0, n)).  On failure return a status, and optionally set
     * *why to a message (a static string or one in state). */
    parkit_status (*setup)(void *state, uint64_t n, const void **ctx, uint64_t *lo, uint64_t *hi,
                           const char **why);
    /* Rank 0, after the run: the answer as text into buf (len bytes, at least 64). */
    void (*describe)(void *state, const void *result, char *buf, size_t len);
    /* Rank 0: check the answer against something independent of the kernel; 1 verified, 0
     * wrong.  *reference names the check for the report ("closed form", "serial sum", ...). */
    int (*verify)(void *state, const void *result, const char **reference);
    /* Every rank, last: free what setup made.  Optional. */
    void (*teardown)(void *state);
} parkit_problem;

/* A shared object for `parkit run` exports its problem with this, at file scope:
 *     PARKIT_EXPORT_PROBLEM(my_problem)
 * (parkit looks the function parkit_problem_v1 up with dlsym). */
#define PARKIT_EXPORT_PROBLEM(problem)                                                   \
    PARKIT_API const parkit_problem *parkit_problem_v1(void);                          \
    PARKIT_API const parkit_problem *parkit_problem_v1(void) { return &(problem); }

/* The whole parkit command line for one problem:  PROGRAM [N] [options], with the options and
 * output formats of the built-in kernels (PROGRAM --help lists them).  Initialises MPI when
 * the program runs under a launcher (mpirun, srun) and has not initialised it itself, and
 * then finalises it before returning: call it once, as the program's last use of MPI (a
 * program that calls MPI_Init itself keeps MPI, and finalises it itself).  argc >= 1.
 * Returns the exit code: 0 verified, 1 failed or not verified, 2 bad usage.  Prints. */
PARKIT_API int parkit_main(const parkit_problem *problem, int argc, char **argv);

/* ---- execution without the command line ---- */

typedef enum parkit_mode {
    PARKIT_MODE_SERIAL = 1,   /* one thread, no OpenMP runtime */
    PARKIT_MODE_OMP,          /* OpenMP threads in one process */
    PARKIT_MODE_MPI,          /* MPI ranks, one thread each */
    PARKIT_MODE_HYBRID,       /* MPI ranks x OpenMP threads */
} parkit_mode;

typedef enum parkit_schedule {
    PARKIT_SCHED_STATIC = 0,
    PARKIT_SCHED_DYNAMIC,
    PARKIT_SCHED_GUIDED,
} parkit_schedule;

typedef struct parkit_exec {
    parkit_mode mode;
    int threads;                /* OpenMP threads per rank (1 for serial and mpi) */
    parkit_schedule schedule;   /* how pieces go to threads */
    uint64_t chunk;             /* schedule chunk in pieces; 0: OpenMP's default */
} parkit_exec;

typedef struct parkit_stats {
    double seconds;         /* wall time of the run on this process */
    double merge_seconds;   /* of which merging partials */
    double comm_seconds;    /* of which MPI communication */
} parkit_stats;

/* Run kernel k over [lo, hi) as exec says; the merged answer goes to *result (partial_size
 * bytes; release it with k->release when the kernel has one).  Under MPI modes it is
 * collective: every rank calls it with the same range, rank 0 gets the answer (other ranks'
 * *result is unspecified), and MPI is initialised if the program has not done so (it is then
 * finalised at exit).  stats may be NULL.  Returns PARKIT_OK, the first failing callback's
 * status (on every rank), or PARKIT_EINVAL for a mode this build lacks. */
PARKIT_API parkit_status parkit_run(const parkit_kernel *k, const void *ctx, uint64_t lo, uint64_t hi,
                                    const parkit_exec *exec, void *result, parkit_stats *stats);

/* This process's rank in MPI_COMM_WORLD and the number of ranks, whoever initialised MPI (0
 * and 1 when MPI is not initialised or already finalised). */
PARKIT_API int parkit_rank(void);
PARKIT_API int parkit_ranks(void);

/* "0.1.0" */
PARKIT_API const char *parkit_version(void);

#ifdef __cplusplus
}
#endif
#endif
