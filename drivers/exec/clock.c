/* The wall clock and the progress line (pieces.h). */
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include "pieces.h"

double pk_wtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- progress ------------------------------------------------------------------ */

static struct {
    int on;
    const char *what;
    size_t total;
    double t0, last;
    atomic_size_t done;
    atomic_flag busy;
    int shown;
    int held;   /* one line over several pk_compute_pieces calls (pk_progress_hold) */
} prog = {.busy = ATOMIC_FLAG_INIT};

void pk_progress_start(const pk_exec *exec, const char *what, size_t total)
{
    if (prog.held)
        return;
    prog.on = exec->progress && exec->rank == 0;
    prog.what = what;
    prog.total = total;
    prog.t0 = prog.last = pk_wtime();
    atomic_store(&prog.done, 0);
    prog.shown = 0;
}

void pk_progress_tick(size_t done_now)
{
    if (!prog.on)
        return;
    size_t d = atomic_fetch_add(&prog.done, done_now) + done_now;
    if (atomic_flag_test_and_set(&prog.busy))
        return;   /* another thread is printing */
    double now = pk_wtime();
    if (now - prog.t0 > 2.0 && now - prog.last > 0.5) {
        fprintf(stderr, "\rparkit %s: %5.1f%% (%zu/%zu pieces), %.1f s", prog.what,
                100.0 * (double)d / (double)prog.total, d, prog.total, now - prog.t0);
        prog.last = now;
        prog.shown = 1;
    }
    atomic_flag_clear(&prog.busy);
}

void pk_progress_end(void)
{
    if (prog.held)
        return;
    if (prog.on && prog.shown)
        fputs("\r\033[K", stderr);
    prog.on = 0;
}

void pk_progress_hold(const pk_exec *exec, const char *what, size_t total)
{
    pk_progress_start(exec, what, total);
    prog.held = 1;
}

void pk_progress_total(size_t total)
{
    prog.total = total;
}

size_t pk_progress_done(void)
{
    return atomic_load(&prog.done);
}

void pk_progress_release(void)
{
    prog.held = 0;
    pk_progress_end();
}
