// saliency_stats: per-segment Σ|θg|, Σθg, Σ(θg)², Σg², Σθ², count in float64 over flat buffers.
// Reads 2·T input elements, writes 6·S float64. Segments are cut into pieces of at most kPiece
// elements (fixed, so results do not depend on the thread count); pieces run in parallel and are
// summed per segment in order.
#include <omp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "checks.h"
#include "cpu.h"
#include "kernels.h"
#include "saliency_piece.h"

namespace {

constexpr int64_t kPiece = 1 << 15;

struct Piece {
    int64_t seg, begin, end;
};

}  // namespace

namespace zcnas {

// theta, grad: float32 [T] or float64 [T] (same dtype), contiguous; offsets int64 [S + 1].
// Returns float64 [S, 6].
py::array_t<double> saliency_stats(const py::array& theta, const py::array& grad, const py::array& offsets,
                                   const std::string& isa) {
    check_ndim(theta, 1, "theta");
    check_ndim(grad, 1, "grad");
    check_contiguous(theta, "theta");
    check_contiguous(grad, "grad");
    const bool f32 = py::isinstance<py::array_t<float>>(theta);
    if (f32) {
        check_dtype<float>(theta, "theta", "float32 or float64");
        check_dtype<float>(grad, "grad", "float32 (the same dtype as theta)");
    } else {
        check_dtype<double>(theta, "theta", "float32 or float64");
        check_dtype<double>(grad, "grad", "float64 (the same dtype as theta)");
    }
    const int64_t T = theta.shape(0);
    check_size(grad, T, "grad", "the size of theta");
    check_dtype<int64_t>(offsets, "offsets", "int64");
    check_ndim(offsets, 1, "offsets");
    check_contiguous(offsets, "offsets");
    const int64_t S = offsets.shape(0) - 1;
    if (S < 0) throw std::invalid_argument("offsets must have at least one element ([S + 1])");
    const int64_t* off = static_cast<const int64_t*>(offsets.data());
    if (off[0] != 0 || off[S] != T)
        throw std::invalid_argument("offsets must start at 0 and end at T = " + std::to_string(T) + "; got " +
                                    std::to_string(off[0]) + " .. " + std::to_string(off[S]));
    for (int64_t s = 0; s < S; ++s)
        if (off[s + 1] < off[s])
            throw std::invalid_argument("offsets must be non-decreasing; offsets[" + std::to_string(s + 1) +
                                        "] = " + std::to_string(off[s + 1]) + " < " + std::to_string(off[s]));
    bool avx512 = saliency_avx512_compiled() && cpu_has_avx512();
    if (isa == "baseline") {
        avx512 = false;
    } else if (isa == "avx512") {
        if (!avx512) throw std::runtime_error("isa 'avx512' is not supported by this CPU or build");
    } else if (isa != "auto") {
        throw std::invalid_argument("isa must be one of auto, avx512, baseline; got '" + isa + "'");
    }

    std::vector<Piece> pieces;
    pieces.reserve(static_cast<size_t>(S + T / kPiece + 1));
    for (int64_t s = 0; s < S; ++s)
        for (int64_t b = off[s]; b < off[s + 1]; b += kPiece) pieces.push_back({s, b, std::min(off[s + 1], b + kPiece)});
    const int64_t P = static_cast<int64_t>(pieces.size());
    std::vector<double> part(static_cast<size_t>(P) * 5);
    py::array_t<double> out({S, int64_t(6)});
    double* o = out.mutable_data();
    const void* tp = theta.data();
    const void* gp = grad.data();
    {
        py::gil_scoped_release release;
#pragma omp parallel for schedule(dynamic, 4) if (T > kPiece)
        for (int64_t p = 0; p < P; ++p) {
            const Piece& q = pieces[p];
            double* r = part.data() + 5 * p;
            if (f32) {
                const float* t = static_cast<const float*>(tp) + q.begin;
                const float* g = static_cast<const float*>(gp) + q.begin;
                if (avx512) saliency_piece_ff_avx512(t, g, q.end - q.begin, r);
                else saliency_piece(t, g, q.end - q.begin, r);
            } else {
                const double* t = static_cast<const double*>(tp) + q.begin;
                const double* g = static_cast<const double*>(gp) + q.begin;
                if (avx512) saliency_piece_dd_avx512(t, g, q.end - q.begin, r);
                else saliency_piece(t, g, q.end - q.begin, r);
            }
        }
        std::fill(o, o + 6 * S, 0.0);
        for (int64_t p = 0; p < P; ++p)
            for (int c = 0; c < 5; ++c) o[6 * pieces[p].seg + c] += part[5 * p + c];
        for (int64_t s = 0; s < S; ++s) o[6 * s + 5] = static_cast<double>(off[s + 1] - off[s]);
    }
    return out;
}

}  // namespace zcnas
