"""The dashboard's figures cache: kept for its seconds, bounded, off at 0."""

from typing import Any

from markupsafe import Markup

from service.web.dashboard.cache import FiguresCache
from service.web.dashboard.figures import Overview


def _computing() -> tuple[list[int], Any]:
    calls: list[int] = []

    async def compute() -> tuple[Overview, Markup]:
        calls.append(1)
        return Overview(total=None, figures=[]), Markup("")  # type: ignore[arg-type]

    return calls, compute


async def test_figures_are_computed_once_while_fresh() -> None:
    cache = FiguresCache(seconds=300)
    calls, compute = _computing()
    first = await cache.get(("city", 2026), compute)
    again = await cache.get(("city", 2026), compute)
    assert len(calls) == 1
    assert again is first
    await cache.get(("ward", 2026), compute)  # another scope: its own figures
    assert len(calls) == 2


async def test_stale_figures_are_computed_again() -> None:
    cache = FiguresCache(seconds=0.05)
    calls, compute = _computing()
    first = await cache.get("city", compute)
    cache._entries["city"] = (cache._entries["city"][0] - 1.0, first)  # a second ago
    await cache.get("city", compute)
    assert len(calls) == 2


async def test_zero_seconds_computes_every_view_and_keeps_nothing() -> None:
    cache = FiguresCache(seconds=0)
    calls, compute = _computing()
    for _ in range(3):
        await cache.get("city", compute)
    assert len(calls) == 3
    assert not cache._entries


async def test_the_oldest_scope_goes_first_past_the_bound() -> None:
    cache = FiguresCache(seconds=300, size=2)
    calls, compute = _computing()
    for scope in ("a", "b", "a", "c"):  # "a" used again: "b" is the oldest
        await cache.get(scope, compute)
    assert list(cache._entries) == ["a", "c"]
    assert len(calls) == 3
