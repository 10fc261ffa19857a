"""Input-Jacobian proxies: jacob_cov and epe_nas (Pass.INPUT_JACOBIAN).

J = ∂(Σ logits)/∂x on batch 0 in train mode (the main forward with x.requires_grad), float64
[N, C·H·W]. Edge case: a network whose output does not depend on its input has J = 0; every row is
constant, the correlation matrix is undefined and both proxies are NaN with that reason.
"""
import numpy as np

from zcnas.engine.types import Pass, PassOutputs, ProxyResult
from zcnas.proxies.registry import failure, proxy, result

JACOB_K = 1e-5
EPE_K = 1e-5


def _corrcoef(rows: np.ndarray) -> np.ndarray:
    """Pearson correlation of the rows (float64 [n, n]); raises if a row is constant."""
    if np.any(np.ptp(rows, axis=1) == 0):
        raise ValueError("a Jacobian row is constant (the output does not depend on that input)")
    return np.atleast_2d(np.corrcoef(rows))


@proxy("jacob_cov", needs={Pass.INPUT_JACOBIAN})
def jacob_cov(out: PassOutputs) -> ProxyResult:
    """Λ = eigenvalues of corrcoef(J) (N×N, symmetric: eigvalsh); score −Σ(log(λ+k) + 1/(λ+k)),
    k = 1e-5. NaN with a reason when a row of J is constant."""
    try:
        corr = _corrcoef(out.jacobian)
    except ValueError as err:
        return failure(str(err))
    lam = np.linalg.eigvalsh(corr)
    return result(-np.sum(np.log(lam + JACOB_K) + 1.0 / (lam + JACOB_K)))


@proxy("epe_nas", needs={Pass.INPUT_JACOBIAN})
def epe_nas(out: PassOutputs) -> ProxyResult:
    """J's rows grouped by label c: s_c = Σ log(|corrcoef(J_c)| + 1e-5) (a single-sample class has
    corrcoef = [[1]]); score Σ_c |s_c| when the model has ≤ 100 classes (logits width), else the mean
    over unordered pairs c < c' of the classes present of |s_c − s_c'|. NaN with a reason when a row of
    J is constant (or, above 100 classes, fewer than two classes are present)."""
    labels = out.labels
    s = []
    for c in np.unique(labels):
        try:
            corr = _corrcoef(out.jacobian[labels == c])
        except ValueError as err:
            return failure(f"class {int(c)}: {err}")
        s.append(np.sum(np.log(np.abs(corr) + EPE_K)))
    s = np.asarray(s, dtype=np.float64)
    if out.num_classes <= 100:
        return result(np.sum(np.abs(s)))
    if s.size < 2:
        return failure(f"epe_nas over {out.num_classes} classes needs two classes in the batch; "
                       f"{s.size} present")
    i, j = np.triu_indices(s.size, k=1)
    return result(np.mean(np.abs(s[i] - s[j])))
