"""The pass plan: the distinct passes a set of proxies needs, run once per model, shared by all."""
from __future__ import annotations

import copy
import logging
import math
import time
from collections import Counter
from typing import Sequence

import torch
from torch import nn

from zcnas.engine import passes as P
from zcnas.engine.types import MAIN_FORWARD, Pass, PassOutputs, ProxyResult

log = logging.getLogger(__name__)

MEMORY_FORMATS = ("auto", "contiguous", "channels_last")


def _registry():
    from zcnas.proxies import registry  # imported late: the proxies import zcnas.engine.types

    return registry


class Plan:
    """Scores models on a fixed set of proxies, running each distinct pass once per model.

    ``Plan(["snip", "grad_norm", "plain", "fisher", "snip_snr"])`` needs one forward and one backward
    per model. ``plan.passes`` is the set of passes; after ``score``, ``plan.last_pass_counts`` holds
    {"forwards": n, "backwards": n}, ``plan.last_timings`` the seconds per pass and
    ``plan.last_layer_names`` the weight layers the per-layer vectors follow.
    """

    def __init__(self, proxy_names: Sequence[str], backend: str = "auto", memory_format: str = "auto"):
        """proxy_names: registered proxy names (UserError for an unknown one); duplicates are dropped.
        backend: the zcnas.ops backend for saliency_stats, pack_signs and hamming_gram ("auto",
        "cpp", "triton", "torch"); logdet_psd always runs with "auto" (it has only a torch backend).
        memory_format: layout of the private model copy and batches in the main and second-batch
        passes: "contiguous" (NCHW), "channels_last" (NHWC), or "auto": channels_last on the CPU unless
        the plan needs grasp's Hessian-vector product (measured in benchmarks/bench_proxies.py:
        faster forwards and backwards, slower double backward). Scores do not depend on it beyond
        float rounding.
        """
        from zcnas.ops._backend import BACKENDS
        from zcnas.errors import unknown

        if backend not in BACKENDS:
            raise unknown("backend", backend, BACKENDS)
        if memory_format not in MEMORY_FORMATS:
            raise unknown("memory format", memory_format, MEMORY_FORMATS)
        self.backend = backend
        self.memory_format = memory_format
        registry = _registry()
        names = list(dict.fromkeys(proxy_names))
        for name in names:
            if name not in registry.REGISTRY:
                raise unknown("proxy", name, registry.available())
        self.proxy_names: tuple[str, ...] = tuple(names)
        self.specs = [registry.REGISTRY[n] for n in names]
        needed = frozenset().union(*(s.needs for s in self.specs)) if self.specs else frozenset()
        self.passes: frozenset[Pass] = needed
        self.last_pass_counts: dict[str, int] = {"forwards": 0, "backwards": 0}
        self.last_timings: dict[str, float] = {}
        self.last_layer_names: tuple[str, ...] = ()

    def score(self, model: nn.Module, batches: Sequence, seed: int = 0) -> dict[str, ProxyResult]:
        """Scores ``model`` on every proxy of the plan.

        batches: [(x float [N, C, H, W], y int64 [N]), ...]; batch 0 is the minibatch, batch 1 the
        second minibatch zico needs. seed: seeds the global RNG inside a forked RNG state before each
        pass (dropout, if any) and zen's Gaussian weights and inputs. The caller's model and global RNG
        state are left untouched. A pass or proxy that fails gives NaN with a reason for the proxies
        that depend on it; the others complete.
        """
        counts: Counter = Counter()
        timings: dict[str, float] = {}
        out = PassOutputs(backend=self.backend)
        failed: dict[Pass, str] = {}
        device = next(iter(model.parameters()), torch.zeros(0)).device
        fork_devices = [device] if device.type == "cuda" else []

        def run(pass_set, fn):
            start = time.perf_counter()
            try:
                with torch.random.fork_rng(devices=fork_devices):
                    torch.manual_seed(int(seed))
                    fn()
            except Exception as err:  # noqa: BLE001 - reported as the NaN reason of dependent proxies
                reason = f"{type(err).__name__}: {err}"
                log.debug("pass %s failed: %s", [p.value for p in pass_set], reason)
                for p in pass_set:
                    failed[p] = reason
            timings["+".join(sorted(p.value for p in pass_set))] = time.perf_counter() - start

        run({Pass.MODEL}, lambda: P.model_pass(model, out))
        main = set(self.passes & MAIN_FORWARD)
        private = None
        if main or Pass.SECOND_BATCH in self.passes:
            private = copy.deepcopy(model)
            if self._channels_last(device):
                private = private.to(memory_format=torch.channels_last)
                batches = [P.channels_last_batch(b) for b in batches]
        if main:
            if len(batches) < 1:
                for p in main:
                    failed[p] = "no batch given"
            else:
                run(main, lambda: P.main_pass(private, batches[0], main, out, counts))
        if Pass.SECOND_BATCH in self.passes:
            if len(batches) < 2:
                failed[Pass.SECOND_BATCH] = f"needs a second batch; {len(batches)} given"
            else:
                run({Pass.SECOND_BATCH}, lambda: P.second_batch_pass(private, batches[1], out, counts))
        del private
        if Pass.SYNFLOW in self.passes:
            run({Pass.SYNFLOW}, lambda: P.synflow_pass(model, batches[0], out, counts))
        if Pass.ZEN in self.passes:
            run({Pass.ZEN}, lambda: P.zen_pass(model, batches[0], seed, out, counts))

        self.last_pass_counts = {"forwards": counts["forwards"], "backwards": counts["backwards"]}
        self.last_timings = timings
        self.last_layer_names = out.layer_names
        return {spec.name: self._evaluate(spec, out, failed) for spec in self.specs}

    def _channels_last(self, device: torch.device) -> bool:
        if self.memory_format == "auto":
            return device.type == "cpu" and Pass.HESSIAN_VECTOR not in self.passes
        return self.memory_format == "channels_last"

    @staticmethod
    def _evaluate(spec, out: PassOutputs, failed: dict[Pass, str]) -> ProxyResult:
        broken = [p for p in sorted(spec.needs, key=lambda p: p.value) if p in failed]
        if broken:
            return ProxyResult(math.nan, None, f"pass {broken[0].value} failed: {failed[broken[0]]}")
        try:
            res = spec.fn(out)
        except Exception as err:  # noqa: BLE001 - failure isolation: the other proxies still complete
            return ProxyResult(math.nan, None, f"{type(err).__name__}: {err}")
        value = float(res.value)
        if not math.isfinite(value):
            reason = res.error or f"non-finite value {value}"
            return ProxyResult(math.nan, res.per_layer, reason)
        return res


__all__ = ["Plan"]
