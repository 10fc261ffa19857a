// Raw-pointer kernel entry points shared by the op files and their ISA-specific translation units.
// The *_avx512.cpp / *_popcnt.cpp files include only this header and intrinsics: no STL, no pybind11,
// so no inline function compiled with wider ISA flags can be merged by the linker into baseline code.
#pragma once
#include <cstdint>

namespace zcnas {

// ---- hamming ----
// For rows i in [r0, r1) (r0 a multiple of 4) and columns j >= i of the [n, stride] word matrix `codes`,
// adds popcount(codes[i, w] ^ codes[j, w]) over words w in [w0, w1) to acc[(i - r0) * n + j].
// Entries with j < i inside a diagonal tile may be touched and must be ignored by the caller.
void hamming_block_baseline(const uint64_t* codes, int64_t n, int64_t stride, int64_t r0, int64_t r1,
                            int64_t w0, int64_t w1, int64_t* acc);
void hamming_block_popcnt(const uint64_t* codes, int64_t n, int64_t stride, int64_t r0, int64_t r1,
                          int64_t w0, int64_t w1, int64_t* acc);
bool hamming_avx512_compiled();
void hamming_block_avx512(const uint64_t* codes, int64_t n, int64_t stride, int64_t r0, int64_t r1,
                          int64_t w0, int64_t w1, int64_t* acc);

// ---- pack ----
// Packs 1[x[u] > 0] for u in [64 w0, min(64 w1, units)) into words out[w0:w1] (padding bits 0).
void pack_rows_f32_avx512(const float* x, int64_t units, int64_t w0, int64_t w1, uint64_t* out);
void pack_rows_f64_avx512(const double* x, int64_t units, int64_t w0, int64_t w1, uint64_t* out);
// Channels-last block: x is [rows, channels] (one spatial position per row, rows <= 64);
// masks[c] |= 1[x[k, c] > 0] << k.
void pack_cl_f32_avx512(const float* x, int64_t rows, int64_t channels, uint64_t* masks);
void pack_cl_f64_avx512(const double* x, int64_t rows, int64_t channels, uint64_t* masks);
bool pack_avx512_compiled();

// ---- saliency ----
// out[0..5] = Σ|t g|, Σ t g, Σ (t g)², Σ g², Σ t² over n elements, in float64 (out[5] untouched).
void saliency_piece_ff_avx512(const float* t, const float* g, int64_t n, double* out);
void saliency_piece_dd_avx512(const double* t, const double* g, int64_t n, double* out);
bool saliency_avx512_compiled();

}  // namespace zcnas
