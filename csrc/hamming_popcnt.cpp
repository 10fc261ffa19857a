// hamming tile with the scalar POPCNT instruction (-mpopcnt; called only when cpu_has_popcnt()).
#include "hamming_block.h"
#include "kernels.h"

namespace {

struct PopcntTile {
    static inline void run(const uint64_t* const ri[4], const uint64_t* const rj[2], int64_t w0,
                           int64_t w1, int64_t out[4][2]) {
        int64_t s[4][2] = {};
        for (int64_t w = w0; w < w1; ++w) {
            const uint64_t b0 = rj[0][w], b1 = rj[1][w];
            for (int r = 0; r < 4; ++r) {
                const uint64_t a = ri[r][w];
                s[r][0] += __builtin_popcountll(a ^ b0);
                s[r][1] += __builtin_popcountll(a ^ b1);
            }
        }
        for (int r = 0; r < 4; ++r)
            for (int c = 0; c < 2; ++c) out[r][c] = s[r][c];
    }
};

}  // namespace

namespace zcnas {

void hamming_block_popcnt(const uint64_t* codes, int64_t n, int64_t stride, int64_t r0, int64_t r1,
                          int64_t w0, int64_t w1, int64_t* acc) {
    hamming_block<4, 2, PopcntTile>(codes, n, stride, r0, r1, w0, w1, acc);
}

}  // namespace zcnas
