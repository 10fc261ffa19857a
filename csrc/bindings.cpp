// Registration only: the ops live in one .cpp each (hamming.cpp, pack.cpp, saliency.cpp).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "checks.h"
#include "cpu.h"

namespace zcnas {
py::array_t<int64_t> hamming_gram(const py::array& codes, const py::array& units, const py::array& segments,
                                  const std::string& isa);
std::vector<std::string> hamming_isas();
py::array_t<int64_t> pack_signs_rows(const py::array& x, const std::string& isa);
py::array_t<int64_t> pack_signs_channels_last(const py::array& x, const std::string& isa);
py::array_t<double> saliency_stats(const py::array& theta, const py::array& grad, const py::array& offsets,
                                   const std::string& isa);
}  // namespace zcnas

PYBIND11_MODULE(_C, m) {
    namespace py = pybind11;
    using namespace pybind11::literals;
    m.doc() = "zcnas C++ ops (numpy buffers in, numpy arrays out); use them through zcnas.ops";
    m.def("hamming_gram", &zcnas::hamming_gram, "codes"_a, "units"_a, "segments"_a, "isa"_a = "auto",
          "codes int64 [A, N, W], units int64 [A, S], segments int64 [S + 1] word offsets -> K int64 [A, S, N, N]");
    m.def("hamming_isas", &zcnas::hamming_isas, "hamming ISA variants this CPU runs, best first");
    m.def("pack_signs_rows", &zcnas::pack_signs_rows, "x"_a, "isa"_a = "auto",
          "x float32/64 [N, U] (units contiguous) -> int64 [N, ceil(U / 64)]");
    m.def("pack_signs_channels_last", &zcnas::pack_signs_channels_last, "x"_a, "isa"_a = "auto",
          "x float32/64 [N, P, C] (NHWC memory) -> int64 [N, ceil(C P / 64)] in logical NCHW order");
    m.def("saliency_stats", &zcnas::saliency_stats, "theta"_a, "grad"_a, "offsets"_a, "isa"_a = "auto",
          "theta, grad float32/64 [T], offsets int64 [S + 1] -> float64 [S, 6]");
    m.def("cpu_features", []() {
        return py::dict("popcnt"_a = zcnas::cpu_has_popcnt(), "avx512"_a = zcnas::cpu_has_avx512());
    }, "run-time CPU features the dispatch uses (probed on call)");
}
