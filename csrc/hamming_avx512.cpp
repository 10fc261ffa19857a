// hamming tile with AVX-512 VPOPCNTDQ (8 words per instruction); called only when cpu_has_avx512().
// Compiled with setup.py's AVX512_FLAGS; without them (non-x86 builds) it compiles to a stub.
#include "hamming_block.h"
#include "kernels.h"

#if defined(__AVX512F__) && defined(__AVX512VPOPCNTDQ__)
#include <immintrin.h>

namespace {

// 4 x 4 tile: 16 zmm accumulators + 8 loads per 8 words; the word tail uses masked loads.
struct Avx512Tile {
    static inline void run(const uint64_t* const ri[4], const uint64_t* const rj[4], int64_t w0,
                           int64_t w1, int64_t out[4][4]) {
        __m512i s[4][4];
        for (int r = 0; r < 4; ++r)
            for (int c = 0; c < 4; ++c) s[r][c] = _mm512_setzero_si512();
        int64_t w = w0;
        for (; w + 8 <= w1; w += 8) {
            __m512i a[4], b[4];
            for (int r = 0; r < 4; ++r) a[r] = _mm512_loadu_si512(ri[r] + w);
            for (int c = 0; c < 4; ++c) b[c] = _mm512_loadu_si512(rj[c] + w);
            for (int r = 0; r < 4; ++r)
                for (int c = 0; c < 4; ++c)
                    s[r][c] = _mm512_add_epi64(s[r][c], _mm512_popcnt_epi64(_mm512_xor_si512(a[r], b[c])));
        }
        if (w < w1) {  // word tail: masked loads read nothing past w1
            const __mmask8 m = static_cast<__mmask8>((1u << (w1 - w)) - 1);
            __m512i a[4], b[4];
            for (int r = 0; r < 4; ++r) a[r] = _mm512_maskz_loadu_epi64(m, ri[r] + w);
            for (int c = 0; c < 4; ++c) b[c] = _mm512_maskz_loadu_epi64(m, rj[c] + w);
            for (int r = 0; r < 4; ++r)
                for (int c = 0; c < 4; ++c)
                    s[r][c] = _mm512_add_epi64(s[r][c], _mm512_popcnt_epi64(_mm512_xor_si512(a[r], b[c])));
        }
        alignas(64) int64_t lanes[8];  // horizontal sums (GCC 12's _mm512_reduce_add_epi64 warns)
        for (int r = 0; r < 4; ++r)
            for (int c = 0; c < 4; ++c) {
                _mm512_store_si512(lanes, s[r][c]);
                out[r][c] = lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
            }
    }
};

}  // namespace

namespace zcnas {
bool hamming_avx512_compiled() { return true; }
void hamming_block_avx512(const uint64_t* codes, int64_t n, int64_t stride, int64_t r0, int64_t r1,
                          int64_t w0, int64_t w1, int64_t* acc) {
    hamming_block<4, 4, Avx512Tile>(codes, n, stride, r0, r1, w0, w1, acc);
}
}  // namespace zcnas

#else

namespace zcnas {
bool hamming_avx512_compiled() { return false; }
void hamming_block_avx512(const uint64_t*, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t*) {}
}  // namespace zcnas

#endif
