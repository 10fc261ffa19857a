"""The run loop: score a set of architectures of a space with a set of proxies, in resumable chunks.

Each canonical (isomorphism) class is scored once, on its first member in the requested order, and the
value is reported for every member (the ``scored_arch`` column says which member was scored). Counts
over the network itself (params, flops: ``per_member`` proxies) are computed on every member's own
network, because operations that no path uses still have parameters. Finished
chunks are stored atomically, so a crash costs at most the chunk in flight; Ctrl-C also flushes the
architectures finished in the current chunk before stopping.
"""
from __future__ import annotations

import logging
import math
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from zcnas import __version__
from zcnas.data import batch_digest, describe_source, make_batches
from zcnas.engine import Plan
from zcnas.errors import UserError, unknown
from zcnas.spaces import SearchSpace, get_space
from zcnas.store import ResultStore

log = logging.getLogger(__name__)

ARCHS_FORMS = "'all', 'sample:N' (N random architectures, seeded) or 'file:PATH' (one architecture per line)"


@dataclass
class RunSummary:
    """What a run did: counts, wall time and where the results are."""

    out: Path
    requested: int  # architectures asked for
    classes: int  # distinct canonical classes among them
    scored: int  # models built and scored in this invocation
    skipped: int  # classes already complete in the results folder (resume)
    seconds: float  # wall time of the scoring loop
    failures: dict[str, int] = field(default_factory=dict)  # proxy -> rows with an error

    @property
    def models_per_second(self) -> float:
        return self.scored / self.seconds if self.seconds > 0 else math.nan


def resolve_archs(space: SearchSpace, spec: str, seed: int) -> list[str]:
    """Turn an ``--archs`` value into a list of validated architecture strings (order kept, no repeats)."""
    if spec == "all":
        return space.all()
    if spec.startswith("sample:"):
        count = spec.split(":", 1)[1]
        if not count.isdigit():
            raise UserError(f"bad --archs value {spec!r}: N in 'sample:N' must be a positive integer")
        return space.sample(int(count), seed)
    if spec.startswith("file:"):
        path = Path(spec.split(":", 1)[1])
        try:
            lines = path.read_text().splitlines()
        except OSError as err:
            raise UserError(f"cannot read architecture file {str(path)!r}: {err.strerror}") from None
        archs = [space.validate(line.strip()) for line in lines if line.strip() and not line.startswith("#")]
        if not archs:
            raise UserError(f"architecture file {str(path)!r} holds no architecture")
        return list(dict.fromkeys(archs))
    raise UserError(f"bad --archs value {spec!r}; accepted: {ARCHS_FORMS}")


def arch_seed(arch: str, seed: int) -> int:
    """Stable per-architecture seed: the same architecture gets the same weights for the same run seed."""
    return zlib.crc32(f"{seed}:{arch}".encode())


def group_by_class(space: SearchSpace, archs: list[str]) -> dict[str, list[str]]:
    """Canonical class -> its members among ``archs``, in the given order (the first one is scored)."""
    classes: dict[str, list[str]] = {}
    for arch in archs:
        classes.setdefault(space.canonical(arch), []).append(arch)
    return classes


def score_space(
    space: str,
    proxies: list[str],
    archs: str = "sample:100",
    dataset: str = "cifar10",
    data: str = "synthetic",
    batch_size: int = 64,
    seed: int = 0,
    out: str | Path = "results",
    resume: bool = False,
    chunk_size: int = 25,
    progress: bool = True,
) -> RunSummary:
    """Score architectures of ``space`` with ``proxies`` and store the results under ``out``.

    Validates every input before any work; raises UserError naming the bad value.
    """
    search_space = get_space(space)
    if dataset not in search_space.datasets:
        raise unknown("dataset", dataset, search_space.datasets)
    if chunk_size < 1:
        raise UserError(f"bad chunk size {chunk_size}; accepted: a positive integer")
    plan = Plan(proxies)
    member_plan = _member_plan(plan)
    arch_list = resolve_archs(search_space, archs, seed)
    batches = make_batches(data, dataset, batch_size, seed)
    config = {
        "space": space,
        "dataset": dataset,
        "data_source": describe_source(data),
        "batch_size": batch_size,
        "seed": seed,
        "proxies": list(proxies),
        "version": __version__,
        "batch_digest": batch_digest(batches),
    }
    store = ResultStore(out, config, resume=resume)
    done = store.done()
    classes = group_by_class(search_space, arch_list)
    todo = {
        canon: members
        for canon, members in classes.items()
        if any((arch, name) not in done for arch in members for name in proxies)
    }
    summary = RunSummary(Path(out), len(arch_list), len(classes), 0, len(classes) - len(todo), 0.0)
    log.info("%d architectures, %d classes, %d to score", len(arch_list), len(classes), len(todo))

    bar = _progress_bar(len(todo), progress)
    pending: list[dict] = []
    start = time.perf_counter()
    try:
        for canon, members in todo.items():
            rows = _score_class(search_space, plan, member_plan, canon, members, dataset, batches, seed)
            for row in rows:
                if row["error"] is not None:
                    summary.failures[row["proxy"]] = summary.failures.get(row["proxy"], 0) + 1
            pending.extend(rows)
            summary.scored += 1
            bar.update(1)
            if summary.scored % chunk_size == 0:
                store.write_chunk(pending)
                pending = []
    except KeyboardInterrupt:
        log.warning("interrupted: saving the %d finished rows of the current chunk", len(pending))
        raise
    finally:
        if pending:
            store.write_chunk(pending)
        bar.close()
        summary.seconds = time.perf_counter() - start
    return summary


def _member_plan(plan: Plan) -> Plan | None:
    """The plan of the per-member proxies of ``plan`` (None if there are none). Counts do not depend
    on the memory layout, so it stays NCHW (no channels_last copy for a two-sample forward)."""
    names = [spec.name for spec in plan.specs if spec.per_member]
    return Plan(names, memory_format="contiguous") if names else None


def _score_class(
    space: SearchSpace,
    plan: Plan,
    member_plan: Plan | None,
    canon: str,
    members: list[str],
    dataset: str,
    batches,
    seed: int,
) -> list[dict]:
    """Build the class representative once, score it, and emit one row per (member, proxy); per-member
    proxies are recomputed on each further member's own network (two samples suffice for counts)."""
    scored = members[0]
    results, seconds = _score_arch(space, plan, scored, dataset, batches, seed)
    small = [(b[0][:2], b[1][:2]) for b in batches[:1]]
    rows = []
    for arch in members:
        own, own_seconds = {}, 0.0
        if member_plan is not None and arch != scored:
            own, own_seconds = _score_arch(space, member_plan, arch, dataset, small, seed)
        for name, result in results.items():
            by, took = (arch, own_seconds) if name in own else (scored, seconds)
            result = own.get(name, result)
            per_layer = None if result.per_layer is None else np.asarray(result.per_layer, dtype=np.float64)
            rows.append(
                {
                    "arch": arch,
                    "canonical_arch": canon,
                    "scored_arch": by,
                    "proxy": name,
                    "value": float(result.value),
                    "per_layer": None if per_layer is None else per_layer.tolist(),
                    "error": result.error,
                    "seconds": took,
                }
            )
    return rows


def _score_arch(space: SearchSpace, plan: Plan, arch: str, dataset: str, batches, seed: int):
    """(results, seconds) of one architecture built with its stable seed."""
    started = time.perf_counter()
    model_seed = arch_seed(arch, seed)
    torch.manual_seed(model_seed)
    model = space.build(arch, dataset)
    results = plan.score(model, batches, seed=model_seed)
    return results, time.perf_counter() - started


def _progress_bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="arch", disable=not enabled, dynamic_ncols=True, desc="scoring")
