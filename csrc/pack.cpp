// pack_signs: bit-pack 1[x > 0] per sample, LSB first, in logical C order of x[n]; padding bits 0.
// Reads N·U floats once, writes N·ceil(U/64) words. Two layouts without a copy:
//   rows:          x [N, U] with the U units contiguous (any sample stride): NCHW-contiguous and the like.
//   channels_last: x [N, P, C] (memory order of an NHWC tensor, P = H·W positions): unit c·P + p.
// Dispatch: AVX-512 > portable baseline (SSE2 movemask, or scalar off x86).
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "checks.h"
#include "cpu.h"
#include "kernels.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace {

constexpr int64_t kWordsPerTask = 64;  // 4096 units per OpenMP task in the rows layout

template <class T>
inline uint64_t pack_word_scalar(const T* x, int64_t nb) {
    uint64_t bits = 0;
    for (int64_t k = 0; k < nb; ++k) bits |= static_cast<uint64_t>(x[k] > T(0)) << k;
    return bits;
}

template <class T>
void pack_rows_baseline(const T* x, int64_t units, int64_t w0, int64_t w1, uint64_t* out) {
    for (int64_t w = w0; w < w1; ++w) {
        const T* base = x + 64 * w;
        const int64_t nb = std::min<int64_t>(64, units - 64 * w);
#if defined(__SSE2__)
        if (nb == 64) {
            uint64_t bits = 0;
            if constexpr (sizeof(T) == 4) {
                const __m128 zero = _mm_setzero_ps();
                for (int q = 0; q < 16; ++q)
                    bits |= static_cast<uint64_t>(_mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(base + 4 * q), zero)))
                            << (4 * q);
            } else {
                const __m128d zero = _mm_setzero_pd();
                for (int q = 0; q < 32; ++q)
                    bits |= static_cast<uint64_t>(_mm_movemask_pd(_mm_cmpgt_pd(_mm_loadu_pd(base + 2 * q), zero)))
                            << (2 * q);
            }
            out[w] = bits;
            continue;
        }
#endif
        out[w] = pack_word_scalar(base, nb);
    }
}

template <class T>
void pack_cl_baseline(const T* x, int64_t rows, int64_t channels, uint64_t* masks) {
    for (int64_t k = 0; k < rows; ++k) {
        const T* row = x + k * channels;
        for (int64_t c = 0; c < channels; ++c) masks[c] |= static_cast<uint64_t>(row[c] > T(0)) << k;
    }
}

bool use_avx512(const std::string& isa) {
    const bool ok = zcnas::pack_avx512_compiled() && zcnas::cpu_has_avx512();
    if (isa == "auto") return ok;
    if (isa == "baseline") return false;
    if (isa == "avx512") {
        if (!ok) throw std::runtime_error("isa 'avx512' is not supported by this CPU or build");
        return true;
    }
    throw std::invalid_argument("isa must be one of auto, avx512, baseline; got '" + isa + "'");
}

template <class T>
void pack_rows_any(const char* x, int64_t N, int64_t row_bytes, int64_t units, bool avx512, uint64_t* out) {
    const int64_t W = (units + 63) / 64;
    const int64_t per_row = (W + kWordsPerTask - 1) / kWordsPerTask;
    const int64_t tasks = N * per_row;
#pragma omp parallel for schedule(static)
    for (int64_t t = 0; t < tasks; ++t) {
        const int64_t n = t / per_row, w0 = (t % per_row) * kWordsPerTask;
        const int64_t w1 = std::min(W, w0 + kWordsPerTask);
        const T* row = reinterpret_cast<const T*>(x + n * row_bytes);
        if (avx512) {
            if constexpr (sizeof(T) == 4) zcnas::pack_rows_f32_avx512(row, units, w0, w1, out + n * W);
            else zcnas::pack_rows_f64_avx512(row, units, w0, w1, out + n * W);
        } else {
            pack_rows_baseline(row, units, w0, w1, out + n * W);
        }
    }
}

template <class T>
void pack_cl_any(const char* x, int64_t N, int64_t sample_bytes, int64_t P, int64_t C, bool avx512, uint64_t* out) {
    const int64_t W = (P * C + 63) / 64;
    const int64_t blocks = (P + 63) / 64;
    const bool aligned = P % 64 == 0;  // then each (channel, block) owns exactly one output word
    if (!aligned) std::memset(out, 0, sizeof(uint64_t) * N * W);
#pragma omp parallel
    {
        std::vector<uint64_t> masks(static_cast<size_t>(std::max<int64_t>(C, 1)));
#pragma omp for schedule(static)
        for (int64_t t = 0; t < N * blocks; ++t) {
            const int64_t n = t / blocks, p0 = (t % blocks) * 64, rows = std::min<int64_t>(64, P - p0);
            const T* block = reinterpret_cast<const T*>(x + n * sample_bytes) + p0 * C;
            std::fill(masks.begin(), masks.end(), 0);
            if (avx512) {
                if constexpr (sizeof(T) == 4) zcnas::pack_cl_f32_avx512(block, rows, C, masks.data());
                else zcnas::pack_cl_f64_avx512(block, rows, C, masks.data());
            } else {
                pack_cl_baseline(block, rows, C, masks.data());
            }
            uint64_t* o = out + n * W;
            for (int64_t c = 0; c < C; ++c) {
                const int64_t pos = c * P + p0;
                if (aligned) {
                    o[pos >> 6] = masks[c];
                    continue;
                }
                const int off = static_cast<int>(pos & 63);
                if (masks[c] == 0) continue;
                __atomic_fetch_or(&o[pos >> 6], masks[c] << off, __ATOMIC_RELAXED);
                if (off && off + rows > 64) __atomic_fetch_or(&o[(pos >> 6) + 1], masks[c] >> (64 - off), __ATOMIC_RELAXED);
            }
        }
    }
}

void check_float(const zcnas::py::array& x, const char* name) {
    if (!(zcnas::py::isinstance<zcnas::py::array_t<float>>(x) || zcnas::py::isinstance<zcnas::py::array_t<double>>(x)))
        throw std::invalid_argument(std::string(name) + " must be float32 or float64, got dtype " +
                                    std::string(zcnas::py::str(x.dtype())));
}

}  // namespace

namespace zcnas {

// x: float32/float64 [N, U], units contiguous (row stride free). Returns int64 [N, ceil(U/64)].
py::array_t<int64_t> pack_signs_rows(const py::array& x, const std::string& isa) {
    check_float(x, "x");
    check_ndim(x, 2, "x");
    check_inner_contiguous(x, 1, "x");
    const int64_t N = x.shape(0), U = x.shape(1), W = (U + 63) / 64;
    const bool avx512 = use_avx512(isa);
    py::array_t<int64_t> out({N, W});
    uint64_t* o = reinterpret_cast<uint64_t*>(out.mutable_data());
    const char* data = static_cast<const char*>(x.data());
    const int64_t row_bytes = x.strides(0);
    const bool f32 = x.itemsize() == 4;
    py::gil_scoped_release release;
    if (f32) pack_rows_any<float>(data, N, row_bytes, U, avx512, o);
    else pack_rows_any<double>(data, N, row_bytes, U, avx512, o);
    return out;
}

// x: float32/float64 [N, P, C] with each sample's [P, C] block contiguous (an NHWC tensor viewed as
// [N, H·W, C]). Unit order is the logical NCHW one: c·P + p. Returns int64 [N, ceil(C·P/64)].
py::array_t<int64_t> pack_signs_channels_last(const py::array& x, const std::string& isa) {
    check_float(x, "x");
    check_ndim(x, 3, "x");
    check_inner_contiguous(x, 2, "x");
    const int64_t N = x.shape(0), P = x.shape(1), C = x.shape(2), W = (P * C + 63) / 64;
    const bool avx512 = use_avx512(isa);
    py::array_t<int64_t> out({N, W});
    uint64_t* o = reinterpret_cast<uint64_t*>(out.mutable_data());
    const char* data = static_cast<const char*>(x.data());
    const int64_t sample_bytes = x.strides(0);
    const bool f32 = x.itemsize() == 4;
    py::gil_scoped_release release;
    if (f32) pack_cl_any<float>(data, N, sample_bytes, P, C, avx512, o);
    else pack_cl_any<double>(data, N, sample_bytes, P, C, avx512, o);
    return out;
}

}  // namespace zcnas
