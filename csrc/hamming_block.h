// The register-tiled loop shared by every hamming ISA variant. Internal linkage (anonymous namespace):
// each translation unit gets its own copy compiled with its own flags.
#pragma once
#include <cstdint>

namespace {

inline int64_t clamp_row(int64_t i, int64_t n) { return i < n ? i : n - 1; }

// Tile::run(const uint64_t* const ri[TI], const uint64_t* const rj[TJ], w0, w1, int64_t out[TI][TJ])
// writes popcount(ri[r][w] ^ rj[c][w]) summed over w in [w0, w1). Rows/columns past n are clamped to
// n - 1 (computed, then dropped) so the tile code has no edge cases.
template <int TI, int TJ, class Tile>
inline void hamming_block(const uint64_t* codes, int64_t n, int64_t stride, int64_t r0, int64_t r1,
                          int64_t w0, int64_t w1, int64_t* acc) {
    static_assert(4 % TI == 0 && 4 % TJ == 0, "tiles must divide the row-block alignment (4)");
    for (int64_t i0 = r0; i0 < r1; i0 += TI) {
        const uint64_t* ri[TI];
        for (int r = 0; r < TI; ++r) ri[r] = codes + clamp_row(i0 + r, n) * stride;
        for (int64_t j0 = i0 - i0 % TJ; j0 < n; j0 += TJ) {
            const uint64_t* rj[TJ];
            for (int c = 0; c < TJ; ++c) rj[c] = codes + clamp_row(j0 + c, n) * stride;
            int64_t out[TI][TJ];
            Tile::run(ri, rj, w0, w1, out);
            for (int r = 0; r < TI; ++r) {
                const int64_t i = i0 + r;
                if (i >= r1) break;
                for (int c = 0; c < TJ; ++c) {
                    const int64_t j = j0 + c;
                    if (j >= i && j < n) acc[(i - r0) * n + j] += out[r][c];
                }
            }
        }
    }
}

}  // namespace
