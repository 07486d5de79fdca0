"""Overlap and containment of address prefixes, sorted once: the same answers as comparing every pair."""

from __future__ import annotations

import ipaddress
import random

from azrm.emulator.providers.network.limits import first_outside, first_overlap


def _net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text)


def test_first_overlap_names_the_earlier_prefix_first() -> None:
    nets = [("a", _net("10.0.0.0/24")), ("b", _net("10.0.1.0/24")), ("c", _net("10.0.0.128/25"))]
    assert first_overlap(nets) == (nets[0], nets[2])
    assert first_overlap(nets[:2]) is None
    assert first_overlap([("v4", _net("10.0.0.0/8")), ("v6", _net("::/0"))]) is None


def test_first_outside_finds_a_prefix_outside_every_space() -> None:
    spaces = [_net("10.0.0.0/16"), _net("10.2.0.0/16"), _net("fd00::/48")]
    assert first_outside([("a", _net("10.2.1.0/24")), ("b", _net("fd00::/64"))], spaces) is None
    assert first_outside([("a", _net("10.3.0.0/24"))], spaces) == ("a", _net("10.3.0.0/24"))
    assert first_outside([("a", _net("10.0.0.0/8"))], spaces) == ("a", _net("10.0.0.0/8"))


def test_the_sweep_agrees_with_comparing_every_pair() -> None:
    rng = random.Random(7)
    for _ in range(300):
        nets = []
        for i in range(rng.randint(1, 12)):
            length = rng.randint(20, 28)
            address = ipaddress.ip_address(0x0A000000 + rng.randrange(1 << 14) * 256)
            nets.append((f"n{i}", ipaddress.ip_network(f"{address}/{length}", strict=False)))
        pairwise = any(a.overlaps(b) for i, (_, a) in enumerate(nets) for _, b in nets[i + 1 :])
        assert (first_overlap(nets) is not None) == pairwise
        spaces = [n for _, n in nets[:3]]
        if first_overlap(nets[:3]) is None:
            naive = next(((label, n) for label, n in nets if not any(n.subnet_of(s) for s in spaces)), None)
            assert first_outside(nets, spaces) == naive
