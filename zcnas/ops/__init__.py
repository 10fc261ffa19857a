"""Public ops with backend selection: "auto" | "cpp" | "triton" | "torch" (see zcnas/ops/reference.py).

Only the torch reference is wired so far; cpp and triton backends are added in zcnas/ops/<op>.py.
"""
from zcnas.ops.reference import STAT_COLUMNS, logdet_psd, saliency_stats, pack_signs, hamming_gram

__all__ = ["STAT_COLUMNS", "saliency_stats", "pack_signs", "hamming_gram", "logdet_psd"]
