"""Aggregations over per-layer vectors and across architectures (pure numpy, float64).

Layer-wise (one model): :func:`layer_snr`, :func:`snr_score`, :func:`snr_log_score`, :func:`tcet`,
:func:`tcet_log`. Across architectures: :func:`rank_average`, :func:`partial_correlation_matrix`.
"""
from zcnas.aggregate.layerwise import (
    layer_snr,
    snr_log_score,
    snr_score,
    tcet,
    tcet_log,
    tcet_log_terms,
    tcet_terms,
)
from zcnas.aggregate.ranking import kendall, partial_correlation_matrix, rank_average

__all__ = [
    "layer_snr", "snr_score", "snr_log_score", "tcet", "tcet_log", "tcet_terms", "tcet_log_terms",
    "rank_average", "partial_correlation_matrix", "kendall",
]
