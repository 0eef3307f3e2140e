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


async def test_views_missing_at_once_share_one_computation() -> None:
    import asyncio

    cache = FiguresCache(seconds=300)
    calls: list[int] = []
    release = asyncio.Event()

    async def compute() -> tuple[Overview, Markup]:
        calls.append(1)
        await release.wait()
        return Overview(total=None, figures=[]), Markup("x")  # type: ignore[arg-type]

    views = [asyncio.create_task(cache.get("city", compute)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*views)
    assert len(calls) == 1
    assert all(result is results[0] for result in results)


async def test_a_failed_computation_fails_its_waiters_and_is_not_kept() -> None:
    import asyncio

    import pytest

    cache = FiguresCache(seconds=300)
    release = asyncio.Event()

    async def broken() -> tuple[Overview, Markup]:
        await release.wait()
        raise RuntimeError("database gone")

    views = [asyncio.create_task(cache.get("city", broken)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    for view in views:
        with pytest.raises(RuntimeError):
            await view
    assert not cache._entries
    calls, compute = _computing()
    await cache.get("city", compute)  # the next view computes again
    assert len(calls) == 1


async def test_an_entry_near_its_end_is_refreshed_in_the_background() -> None:
    import asyncio

    cache = FiguresCache(seconds=10)
    calls, compute = _computing()
    refreshed: list[int] = []

    async def refresh() -> tuple[Overview, Markup]:
        refreshed.append(1)
        return Overview(total=None, figures=[]), Markup("new")  # type: ignore[arg-type]

    first = await cache.get("city", compute, refresh)
    assert refreshed == []  # fresh: nothing to refresh
    await cache.get("city", compute, refresh)
    assert refreshed == []
    at, kept = cache._entries["city"]
    cache._entries["city"] = (at - 9.0, kept)  # 9 of its 10 seconds gone
    seen = await cache.get("city", compute, refresh)
    assert seen is first  # answered at once from the entry
    again = await cache.get("city", compute, refresh)  # one refresh at a time
    assert again is first
    await asyncio.sleep(0.01)
    assert refreshed == [1]
    assert len(calls) == 1
    newer = await cache.get("city", compute, refresh)
    assert newer.grid == Markup("new")
    assert time_left(cache, "city") > 9.0


def time_left(cache: FiguresCache, key: str) -> float:
    import time

    return cache.seconds - (time.monotonic() - cache._entries[key][0])
