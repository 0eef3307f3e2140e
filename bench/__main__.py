"""``python -m bench ...`` (the same commands as ``giamsat bench ...``)."""

from bench.cli import bench

bench(prog_name="python -m bench")
