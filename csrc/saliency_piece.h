// The float64 accumulation of saliency_stats, shared by the baseline and AVX-512 translation units
// (internal linkage: each gets its own copy compiled with its own flags). Pairwise (cascade) summation:
// vectorised runs of at most kLeaf elements, combined as a binary tree, so the rounding error grows
// like log(n) instead of n.
#pragma once
#include <cstdint>

namespace {

constexpr int64_t kLeaf = 128;

// out[0..4] = Σ|t g|, Σ t g, Σ (t g)², Σ g², Σ t² over n elements, every product and sum in float64.
template <class T>
inline void saliency_leaf(const T* t, const T* g, int64_t n, double* out) {
    double sa = 0, s = 0, s2 = 0, g2 = 0, t2 = 0;
#pragma omp simd reduction(+ : sa, s, s2, g2, t2)
    for (int64_t i = 0; i < n; ++i) {
        const double tv = static_cast<double>(t[i]), gv = static_cast<double>(g[i]);
        const double p = tv * gv;
        sa += p < 0 ? -p : p;
        s += p;
        s2 += p * p;
        g2 += gv * gv;
        t2 += tv * tv;
    }
    out[0] = sa;
    out[1] = s;
    out[2] = s2;
    out[3] = g2;
    out[4] = t2;
}

template <class T>
inline void saliency_piece(const T* t, const T* g, int64_t n, double* out) {
    if (n <= kLeaf) {
        saliency_leaf(t, g, n, out);
        return;
    }
    const int64_t half = (n / 2 + kLeaf - 1) / kLeaf * kLeaf;  // split on leaf boundaries
    double right[5];
    saliency_piece(t, g, half, out);
    saliency_piece(t + half, g + half, n - half, right);
    for (int c = 0; c < 5; ++c) out[c] += right[c];
}

}  // namespace
