"""Where a petition is, drawn on the server: a point inside Hanoi's frame (an SVG in the
page), so the page needs no tile server and works offline and in tests.

The frame is Hanoi's bounding box; the point is placed by a plain equirectangular
projection (at this scale the distortion is far below what a locator shows).
"""

from __future__ import annotations

from dataclasses import dataclass

# Hanoi's extent (the city's bounding box, degrees).
SOUTH, NORTH = 20.53, 21.39
WEST, EAST = 105.28, 106.02
WIDTH = 320
# Height from the box's aspect at Hanoi's latitude (cos 21° ≈ 0.934).
HEIGHT = round(WIDTH * (NORTH - SOUTH) / ((EAST - WEST) * 0.934))
GRID = 4  # lines each way


@dataclass(frozen=True)
class Locator:
    latitude: float
    longitude: float
    x: float
    y: float
    inside: bool
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def grid_x(self) -> list[float]:
        return [round(WIDTH * i / GRID, 1) for i in range(1, GRID)]

    @property
    def grid_y(self) -> list[float]:
        return [round(HEIGHT * i / GRID, 1) for i in range(1, GRID)]


def locate(latitude: float | None, longitude: float | None) -> Locator | None:
    """The point of ``latitude``/``longitude`` in the frame (clamped to its edge, with
    ``inside`` False, when it lies outside Hanoi); None without coordinates."""
    if latitude is None or longitude is None:
        return None
    inside = SOUTH <= latitude <= NORTH and WEST <= longitude <= EAST
    fx = min(max((longitude - WEST) / (EAST - WEST), 0.0), 1.0)
    fy = min(max((NORTH - latitude) / (NORTH - SOUTH), 0.0), 1.0)
    return Locator(
        latitude=latitude,
        longitude=longitude,
        x=round(fx * WIDTH, 1),
        y=round(fy * HEIGHT, 1),
        inside=inside,
    )
