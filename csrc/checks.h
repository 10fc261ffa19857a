// Named input checks for the pybind11 entry points: errors say which argument is wrong and what is
// accepted (std::invalid_argument becomes ValueError in Python). Included by the op .cpp files only,
// never by the *_avx512.cpp / *_popcnt.cpp kernels (those see raw pointers).
#pragma once
#include <pybind11/numpy.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace zcnas {
namespace py = pybind11;

inline std::string shape_str(const py::array& x) {
    std::string s = "[";
    for (py::ssize_t d = 0; d < x.ndim(); ++d) s += (d ? ", " : "") + std::to_string(x.shape(d));
    return s + "]";
}

inline void check_ndim(const py::array& x, py::ssize_t ndim, const char* name) {
    if (x.ndim() != ndim)
        throw std::invalid_argument(std::string(name) + " must have " + std::to_string(ndim) +
                                    " dimensions, got shape " + shape_str(x));
}

template <class T>
inline void check_dtype(const py::array& x, const char* name, const char* accepted) {
    if (!py::isinstance<py::array_t<T>>(x) || x.itemsize() != sizeof(T))
        throw std::invalid_argument(std::string(name) + " must be " + accepted + ", got dtype " +
                                    std::string(py::str(x.dtype())));
}

inline void check_contiguous(const py::array& x, const char* name) {
    if (!(x.flags() & py::array::c_style))
        throw std::invalid_argument(std::string(name) + " must be C-contiguous (call .contiguous())");
}

// The last `inner` dimensions are packed C-order (the leading strides are free).
inline void check_inner_contiguous(const py::array& x, py::ssize_t inner, const char* name) {
    py::ssize_t expect = x.itemsize();
    for (py::ssize_t d = x.ndim() - 1; d >= x.ndim() - inner; --d) {
        if (x.shape(d) > 1 && x.strides(d) != expect)
            throw std::invalid_argument(std::string(name) + ": the last " + std::to_string(inner) +
                                        " dimension(s) must be contiguous");
        expect *= x.shape(d);
    }
}

inline void check_size(const py::array& x, py::ssize_t n, const char* name, const char* what) {
    if (x.size() != n)
        throw std::invalid_argument(std::string(name) + " must have " + std::to_string(n) +
                                    " elements (" + what + "), got shape " + shape_str(x));
}

}  // namespace zcnas
