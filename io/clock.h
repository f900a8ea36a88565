/* parkit download module, private: monotonic time in seconds (limits, retries, the progress
 * line) and a sleep that resumes after a signal. */
#ifndef PK_CLOCK_H
#define PK_CLOCK_H
#include <errno.h>
#include <math.h>
#include <time.h>

static inline double pk_clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline void pk_clock_sleep(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = { (time_t)s, (long)((s - floor(s)) * 1e9) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

#endif
