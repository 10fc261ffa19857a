"""Build script: the zcnas package, the Triton kernels (as zcnas.kernels) and the C++ extension zcnas._C.

The extension is built for the portable x86-64 baseline; files named ``*_avx512.cpp`` (``*_popcnt.cpp``)
are compiled with AVX-512 (POPCNT) flags and only called after a run-time CPU check. Set
``ZCNAS_REQUIRE_EXT=1`` (the Makefile and CI do) to make a failed build fatal; otherwise the package
installs without it and says so when a C++ op is asked for.
"""
import os
import platform
import sys
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_ext import build_ext

try:
    from pybind11.setup_helpers import Pybind11Extension
except ImportError:  # no pybind11 at build time: install without the extension
    Pybind11Extension = None

HERE = Path(__file__).parent
REQUIRE_EXT = os.environ.get("ZCNAS_REQUIRE_EXT") == "1"
AVX512_FLAGS = ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512vpopcntdq"]
# Per-file ISA flags by file-name suffix (x86-64 only); csrc/cpu.h holds the matching run-time checks.
ISA_FLAGS = {"_avx512.cpp": AVX512_FLAGS, "_popcnt.cpp": ["-mpopcnt"]}


class BuildExt(build_ext):
    """Compiles AVX-512 translation units with their own flags; optional unless ZCNAS_REQUIRE_EXT=1."""

    def build_extensions(self):
        compiler = self.compiler
        original_compile = compiler._compile

        def compile_one(obj, src, ext, cc_args, extra_postargs, pp_opts):
            extra = list(extra_postargs)
            if platform.machine() in ("x86_64", "AMD64"):
                for suffix, flags in ISA_FLAGS.items():
                    if src.endswith(suffix):
                        extra += flags
            original_compile(obj, src, ext, cc_args, extra, pp_opts)

        compiler._compile = compile_one
        try:
            super().build_extensions()
        except Exception as err:  # noqa: BLE001 - re-raised when the build is required
            if REQUIRE_EXT:
                raise
            sys.stderr.write(f"zcnas: C++ extension not built ({err}); the cpp backend will be unavailable\n")


def extensions():
    if Pybind11Extension is None:
        if REQUIRE_EXT:
            raise RuntimeError("ZCNAS_REQUIRE_EXT=1 but pybind11 is not installed")
        return []
    sources = sorted(str(p.relative_to(HERE)) for p in (HERE / "csrc").glob("*.cpp"))
    if not sources:
        return []
    return [
        Pybind11Extension(
            "zcnas._C",
            sources,
            include_dirs=["csrc"],
            extra_compile_args=["-O3", "-fopenmp"],
            extra_link_args=["-fopenmp"],
            cxx_std=17,
        )
    ]


setup(
    name="zcnas",
    version="0.1.0",
    description="Zero-cost neural architecture search: canonical proxies, fused kernels, benchmark spaces",
    long_description=(HERE / "README.md").read_text() if (HERE / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["zcnas", "zcnas.*"]) + ["zcnas.kernels"],
    package_dir={"zcnas.kernels": "kernels"},
    ext_modules=extensions(),
    cmdclass={"build_ext": BuildExt},
    install_requires=["torch>=2.1", "numpy", "scipy", "pyarrow", "tqdm", "packaging"],
    extras_require={
        "test": ["pytest", "pytest-benchmark"],
        "triton": ["triton"],
        "truth": ["analog-nasbench"],
    },
    entry_points={"console_scripts": ["zcnas=zcnas.cli:main"]},
)
