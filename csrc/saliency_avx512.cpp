// saliency_stats accumulation compiled with AVX-512 (8 float64 lanes); called only when
// cpu_has_avx512(). Stub when built without AVX-512 flags.
#include "kernels.h"
#include "saliency_piece.h"

namespace zcnas {

#if defined(__AVX512F__)
bool saliency_avx512_compiled() { return true; }
#else
bool saliency_avx512_compiled() { return false; }
#endif

void saliency_piece_ff_avx512(const float* t, const float* g, int64_t n, double* out) { saliency_piece(t, g, n, out); }
void saliency_piece_dd_avx512(const double* t, const double* g, int64_t n, double* out) { saliency_piece(t, g, n, out); }

}  // namespace zcnas
