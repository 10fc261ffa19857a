"""Tiny hand-built networks and batches for the proxy tests (golden values are computed in the tests)."""
import pytest
import torch
from torch import nn


class ConvNet(nn.Module):
    """conv-BN-ReLU, conv-BN-ReLU, global average pool, linear. ``zero_at`` multiplies by 0 there:
    "input" (before conv1), "middle" (between the two blocks) or "output" (the logits), like NB201's
    `none` op."""

    def __init__(self, zero_at: str | None = None, classes: int = 3):
        super().__init__()
        self.zero_at = zero_at
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(4, 5, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(5)
        self.relu2 = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(5, classes)

    def features(self, x):
        """The input of the global pool (what zen measures)."""
        if self.zero_at == "input":
            x = x * 0.0
        h = self.relu1(self.bn1(self.conv1(x)))
        if self.zero_at == "middle":
            h = h * 0.0
        return self.relu2(self.bn2(self.conv2(h)))

    def forward(self, x):
        logits = self.fc(self.pool(self.features(x)).flatten(1))
        return logits * 0.0 if self.zero_at == "output" else logits


def linear_chain(widths=(6, 5, 4, 3), relu=True) -> nn.Sequential:
    """A chain of bias-free nn.Linear layers (with ReLUs between them)."""
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(a, b, bias=False))
        if relu and i < len(widths) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def make_batches(n=8, shape=(3, 5, 5), classes=3, count=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn((n,) + tuple(shape), generator=g), torch.arange(n) % classes) for _ in range(count)]


@pytest.fixture
def conv_net():
    torch.manual_seed(0)
    return ConvNet()


@pytest.fixture
def batches():
    return make_batches()
