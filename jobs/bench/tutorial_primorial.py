"""The Python tutorial's workload, for comparison with
`parkit primorial 50328 22756 39371 44832 --algo naive`: each limit's product of primes, primes
found by dividing by every j up to i/2, the limits spread over a multiprocessing.Pool.
usage: python3 tutorial_primorial.py PROCESSES [LIMIT...]   -> prints "seconds bits..."
"""
import multiprocessing
import sys
import time


def is_prime(i):
    if i < 2:
        return False
    j = 2
    while j <= i // 2:
        if i % j == 0:
            return False
        j += 1
    return True


def product_of_primes(limit):
    product = 1
    for i in range(2, limit + 1):
        if is_prime(i):
            product *= i
    return product


if __name__ == "__main__":
    processes = int(sys.argv[1])
    limits = [int(x) for x in sys.argv[2:]] or [50328, 22756, 39371, 44832]
    start = time.perf_counter()
    with multiprocessing.Pool(processes) as pool:
        results = pool.map(product_of_primes, limits)
    elapsed = time.perf_counter() - start
    print(f"{elapsed:.6f} " + " ".join(str(r.bit_length()) for r in results))
