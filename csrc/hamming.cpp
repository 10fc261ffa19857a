// hamming_gram: K[a, s] = units[a, s] - Hamming distance between the packed sign codes of every pair
// of samples, over the words of segment s. Reads A·N·W·8 bytes once per row block (cache-tiled over
// words), does A·N(N+1)/2·W xor+popcounts (symmetric: i <= j computed, then mirrored).
// Dispatch: AVX-512 VPOPCNTDQ > POPCNT > portable baseline (SSE2 SWAR, or scalar SWAR off x86).
#include <omp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "checks.h"
#include "cpu.h"
#include "hamming_block.h"
#include "kernels.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace {

constexpr int64_t kRowBlock = 16;    // rows per OpenMP task when there are few (a, s) pairs (multiple of 4)
constexpr int64_t kWordChunk = 256;  // words per cache tile: N rows x 2 KiB stay in L2

inline uint64_t popcount_swar(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (x * 0x0101010101010101ULL) >> 56;
}

#if defined(__SSE2__)
// 2 x 2 tile, 2 words per SSE2 vector: SWAR to byte counts, then psadbw sums bytes per 64-bit lane.
struct BaselineTile {
    static inline __m128i count(__m128i x) {
        const __m128i m1 = _mm_set1_epi8(0x55), m2 = _mm_set1_epi8(0x33), m4 = _mm_set1_epi8(0x0F);
        x = _mm_sub_epi64(x, _mm_and_si128(_mm_srli_epi64(x, 1), m1));
        x = _mm_add_epi64(_mm_and_si128(x, m2), _mm_and_si128(_mm_srli_epi64(x, 2), m2));
        x = _mm_and_si128(_mm_add_epi64(x, _mm_srli_epi64(x, 4)), m4);
        return _mm_sad_epu8(x, _mm_setzero_si128());
    }
    static inline void run(const uint64_t* const ri[2], const uint64_t* const rj[2], int64_t w0,
                           int64_t w1, int64_t out[2][2]) {
        __m128i s00 = _mm_setzero_si128(), s01 = s00, s10 = s00, s11 = s00;
        int64_t w = w0;
        for (; w + 2 <= w1; w += 2) {
            const __m128i a0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ri[0] + w));
            const __m128i a1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ri[1] + w));
            const __m128i b0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rj[0] + w));
            const __m128i b1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rj[1] + w));
            s00 = _mm_add_epi64(s00, count(_mm_xor_si128(a0, b0)));
            s01 = _mm_add_epi64(s01, count(_mm_xor_si128(a0, b1)));
            s10 = _mm_add_epi64(s10, count(_mm_xor_si128(a1, b0)));
            s11 = _mm_add_epi64(s11, count(_mm_xor_si128(a1, b1)));
        }
        alignas(16) int64_t v[2];
        auto hsum = [&](__m128i x) { _mm_store_si128(reinterpret_cast<__m128i*>(v), x); return v[0] + v[1]; };
        out[0][0] = hsum(s00); out[0][1] = hsum(s01); out[1][0] = hsum(s10); out[1][1] = hsum(s11);
        for (; w < w1; ++w)
            for (int r = 0; r < 2; ++r)
                for (int c = 0; c < 2; ++c) out[r][c] += popcount_swar(ri[r][w] ^ rj[c][w]);
    }
};
#else
struct BaselineTile {
    static inline void run(const uint64_t* const ri[2], const uint64_t* const rj[2], int64_t w0,
                           int64_t w1, int64_t out[2][2]) {
        int64_t s[2][2] = {};
        for (int64_t w = w0; w < w1; ++w)
            for (int r = 0; r < 2; ++r)
                for (int c = 0; c < 2; ++c) s[r][c] += popcount_swar(ri[r][w] ^ rj[c][w]);
        for (int r = 0; r < 2; ++r)
            for (int c = 0; c < 2; ++c) out[r][c] = s[r][c];
    }
};
#endif

using BlockFn = void (*)(const uint64_t*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t*);

}  // namespace

namespace zcnas {

void hamming_block_baseline(const uint64_t* codes, int64_t n, int64_t stride, int64_t r0, int64_t r1,
                            int64_t w0, int64_t w1, int64_t* acc) {
    hamming_block<2, 2, BaselineTile>(codes, n, stride, r0, r1, w0, w1, acc);
}

// The ISA variants this CPU and build can run, best first ("avx512", "popcnt", "baseline").
std::vector<std::string> hamming_isas() {
    std::vector<std::string> out;
    if (hamming_avx512_compiled() && cpu_has_avx512()) out.push_back("avx512");
    if (cpu_has_popcnt()) out.push_back("popcnt");
    out.push_back("baseline");
    return out;
}

static BlockFn pick_block(const std::string& isa, std::string* chosen) {
    const std::vector<std::string> ok = hamming_isas();
    std::string name = isa == "auto" ? ok.front() : isa;
    if (name != "avx512" && name != "popcnt" && name != "baseline")
        throw std::invalid_argument("isa must be one of auto, avx512, popcnt, baseline; got '" + isa + "'");
    if (std::find(ok.begin(), ok.end(), name) == ok.end())
        throw std::runtime_error("isa '" + name + "' is not supported by this CPU or build" +
                                 (name == "avx512" ? " (needs avx512f/bw/vl + avx512vpopcntdq)" : ""));
    *chosen = name;
    if (name == "avx512") return hamming_block_avx512;
    if (name == "popcnt") return hamming_block_popcnt;
    return hamming_block_baseline;
}

// codes int64 [A, N, W] C-contiguous; units int64 [A, S]; segments int64 [S + 1] word offsets.
// Returns int64 [A, S, N, N].
py::array_t<int64_t> hamming_gram(const py::array& codes, const py::array& units, const py::array& segments,
                                  const std::string& isa) {
    check_dtype<int64_t>(codes, "codes", "int64");
    check_ndim(codes, 3, "codes");
    check_contiguous(codes, "codes");
    check_dtype<int64_t>(segments, "segments", "int64");
    check_ndim(segments, 1, "segments");
    check_contiguous(segments, "segments");
    check_dtype<int64_t>(units, "units", "int64");
    check_ndim(units, 2, "units");
    check_contiguous(units, "units");
    const int64_t A = codes.shape(0), N = codes.shape(1), W = codes.shape(2);
    const int64_t S = segments.shape(0) - 1;
    if (S < 0) throw std::invalid_argument("segments must have at least one element (offsets [S + 1])");
    if (units.shape(0) != A || units.shape(1) != S)
        throw std::invalid_argument("units must have shape [A, S] = [" + std::to_string(A) + ", " +
                                    std::to_string(S) + "], got " + shape_str(units));
    const int64_t* seg = static_cast<const int64_t*>(segments.data());
    for (int64_t s = 0; s <= S; ++s) {
        if (seg[s] < 0 || seg[s] > W || (s > 0 && seg[s] < seg[s - 1]))
            throw std::invalid_argument("segments must be non-decreasing word offsets in [0, W = " +
                                        std::to_string(W) + "]; bad value " + std::to_string(seg[s]) +
                                        " at " + std::to_string(s));
    }
    std::string chosen;
    const BlockFn block = pick_block(isa, &chosen);
    py::array_t<int64_t> out({A, S, N, N});
    const uint64_t* c = static_cast<const uint64_t*>(codes.data());
    const int64_t* u = static_cast<const int64_t*>(units.data());
    int64_t* k = out.mutable_data();
    // Tasks are (a, s, row block). With enough (a, s) pairs for every thread, one block holds all N
    // rows, so each code word is read from memory once; otherwise rows are split for parallelism.
    const int64_t threads = omp_get_max_threads();
    const int64_t block_rows = A * S >= 4 * threads ? std::max<int64_t>(4, (N + 3) / 4 * 4) : kRowBlock;
    const int64_t row_blocks = (N + block_rows - 1) / block_rows;
    const int64_t tasks = A * S * row_blocks;
    {
        py::gil_scoped_release release;
#pragma omp parallel
        {
            std::vector<int64_t> acc(static_cast<size_t>(block_rows * std::max<int64_t>(N, 1)));
#pragma omp for schedule(dynamic, 1)
            for (int64_t t = 0; t < tasks; ++t) {
                const int64_t rb = t % row_blocks, s = (t / row_blocks) % S, a = t / (row_blocks * S);
                const int64_t r0 = rb * block_rows, r1 = std::min(N, r0 + block_rows);
                std::fill(acc.begin(), acc.end(), 0);
                const uint64_t* base = c + a * N * W;
                for (int64_t w0 = seg[s]; w0 < seg[s + 1]; w0 += kWordChunk)
                    block(base, N, W, r0, r1, w0, std::min(seg[s + 1], w0 + kWordChunk), acc.data());
                int64_t* ks = k + (a * S + s) * N * N;
                const int64_t us = u[a * S + s];
                for (int64_t i = r0; i < r1; ++i)
                    for (int64_t j = i; j < N; ++j) ks[i * N + j] = ks[j * N + i] = us - acc[(i - r0) * N + j];
            }
        }
    }
    return out;
}

}  // namespace zcnas
