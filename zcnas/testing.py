"""One table of tolerances for comparing backends and implementations (used by tests and benchmarks)."""

# Relative / absolute tolerances by what is compared.
TOLERANCES = {
    # float64-accumulated sums (saliency_stats) against the float64 reference
    "float64_sum": dict(rtol=1e-9, atol=1e-12),
    # float32 proxies through the fast path against the reference proxies
    "proxy_float": dict(rtol=1e-5, atol=0.0),
    # log-determinants of exactly equal integer kernels
    "logdet": dict(rtol=1e-9, atol=0.0),
}
