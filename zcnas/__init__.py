"""zcnas: zero-cost neural architecture search.

Public entry points: :func:`zcnas.load_results` (read a results folder back as a pyarrow Table) and
the ``zcnas`` command line (``zcnas --help``).
"""
__version__ = "0.1.0"


def load_results(path):
    """Read a results folder written by ``zcnas score`` as one pyarrow Table."""
    from zcnas.store import load_results as _load

    return _load(path)
