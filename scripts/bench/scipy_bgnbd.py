"""Anchor for the models bench: the BG/NBD fit as the `lifetimes` library does it.

Reads a CDNOW customer summary CSV (header row, then ID, x, t_x, T[, ...]), minimizes the
mean negative log-likelihood of Fader, Hardie & Lee (2005), eq. (6), over the log-parameters
(log r, log alpha, log a, log b) with scipy.optimize.minimize(method='BFGS') from zeros
(lifetimes' default start), with scipy.special.gammaln and no analytic gradient (BFGS takes
finite differences), on all rows vectorized with numpy (lifetimes does not merge identical
rows). Times the fit only: one warm-up, then the median of several runs.

Prints one JSON line: {"ms": median fit time, "params": [r, alpha, a, b], "ll": total
log-likelihood, "runs": ..., "nit": ..., "nfev": ..., "versions": {...}}.
"""

import json
import sys
import time

import numpy as np
import scipy
from scipy.optimize import minimize
from scipy.special import gammaln


def load(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return data[:, 1], data[:, 2], data[:, 3]


def negative_log_likelihood(log_params, x, t_x, T):
    r, alpha, a, b = np.exp(log_params)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    a4 = np.where(repeat, np.log(a) - np.log(b + np.where(repeat, x, 1) - 1) - (r + x) * np.log(alpha + t_x), 0)
    m = np.maximum(a3, a4)
    ll = a1 + a2 + np.log(np.exp(a3 - m) + np.exp(a4 - m) * repeat) + m
    return -ll.mean()


def fit(x, t_x, T):
    return minimize(negative_log_likelihood, np.zeros(4), args=(x, t_x, T), method="BFGS")


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: scipy_bgnbd.py <summary.csv> [runs]")
    x, t_x, T = load(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    result = fit(x, t_x, T)  # warm-up
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fit(x, t_x, T)
        timings.append((time.perf_counter() - started) * 1000)
    print(
        json.dumps(
            {
                "ms": float(np.median(timings)),
                "params": [float(v) for v in np.exp(result.x)],
                "ll": float(-result.fun * len(x)),
                "runs": runs,
                "nit": int(result.nit),
                "nfev": int(result.nfev),
                "success": bool(result.success),
                "versions": {"numpy": np.__version__, "scipy": scipy.__version__},
            }
        )
    )


if __name__ == "__main__":
    main()
