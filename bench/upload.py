"""Benchmark 5: a 1 GiB evidence upload through ``POST /api/v1/evidence`` to S3 (moto).

A ``moto_server`` and ``giamsat serve --workers 1`` (S3 mode, pointed at it, upload limit
raised above the file) run as subprocesses on 127.0.0.1. The file is generated on disk
(an MP4 ``ftyp`` header, then random bytes, written in 1 MiB blocks) and streamed from disk
by httpx as the raw request body; nothing holds it in memory. The API's resident set is
sampled every 50 ms while the upload runs; the growth is the peak minus the resident set
just before (after a small warm-up upload). The API path includes everything the endpoint
does: hashing, content sniffing, the multipart upload to a temporary key, the server-side
copy to the content-addressed key, and the evidence and custody rows.

Baseline: the minio client's own ``fput_object`` of the same file to the same endpoint.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from minio import Minio

from bench import harness, principals
from bench.servers import CpuMeter, api_server, moto_server, peak_rss_bytes, rss_bytes

GIB = 1024**3
MIB = 1024**2
MB = 1_000_000
TARGET_RSS_GROWTH_MB = 64.0
TARGET_THROUGHPUT_RATIO = 0.5
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


@dataclass
class UploadOptions(harness.OnDatabase):
    size_bytes: int = GIB
    timeout_s: float = 1800.0
    baseline: bool = True


def write_file(path: Path, size: int) -> None:
    """``size`` bytes: an MP4 header, then random data, 1 MiB at a time."""
    with path.open("wb") as out:
        out.write(MP4_HEAD)
        left = size - len(MP4_HEAD)
        while left > 0:
            block = os.urandom(min(MIB, left))
            out.write(block)
            left -= len(block)


class RssSampler:
    """Samples a process's VmRSS every ``interval`` seconds in a thread."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            value = rss_bytes(self.pid) or 0
            self.peak = max(self.peak, value)
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _chunks(path: Path, chunk: int = MIB) -> Iterator[bytes]:
    with path.open("rb") as source:
        while block := source.read(chunk):
            yield block


def _upload(
    client: httpx.Client, headers: dict[str, str], path: Path, name: str
) -> tuple[float, dict[str, Any]]:
    size = path.stat().st_size
    begin = time.perf_counter()
    response = client.post(
        "/api/v1/evidence",
        params={"filename": name},
        content=_chunks(path),
        headers={**headers, "Content-Length": str(size), "Content-Type": "video/mp4"},
    )
    elapsed = time.perf_counter() - begin
    if response.status_code != 201:
        raise RuntimeError(f"upload failed: {response.status_code} {response.text[:800]}")
    return elapsed, response.json()


def run_upload(options: UploadOptions) -> harness.BenchResult:
    bucket = f"giamsat-bench-{uuid.uuid4().hex[:10]}"
    result = options.result(
        "upload",
        {
            "size_bytes": options.size_bytes,
            "endpoint": "moto_server (S3 over HTTP, 127.0.0.1)",
            "api_workers": 1,
            "sampling_interval_s": 0.05,
        },
    )
    with tempfile.TemporaryDirectory(prefix="giamsat-bench-upload-") as scratch:
        path = Path(scratch) / "ghi-hinh-phien-giam-sat.mp4"
        small = Path(scratch) / "warm-up.mp4"
        begin = time.perf_counter()
        write_file(path, options.size_bytes)
        write_file(small, 2 * MIB)
        result.parameters["file_written_seconds"] = round(time.perf_counter() - begin, 2)
        with moto_server() as s3:
            endpoint = f"127.0.0.1:{s3.port}"
            env = {
                "GIAMSAT_STORAGE_BACKEND": "s3",
                "GIAMSAT_S3_ENDPOINT": endpoint,
                "GIAMSAT_S3_BUCKET": bucket,
                "GIAMSAT_S3_SECURE": "false",
                "GIAMSAT_MAX_UPLOAD_BYTES": str(options.size_bytes + 64 * MIB),
            }
            with (
                api_server(options.url, workers=1, env=env) as api,
                httpx.Client(base_url=api.base_url, timeout=options.timeout_s) as client,
            ):
                headers = principals.bearer(client, principals.ADMIN)
                _upload(client, headers, small, "warm-up.mp4")
                before = rss_bytes(api.pid) or 0
                hwm_before = peak_rss_bytes(api.pid) or 0
                meter = CpuMeter()
                meter.track([api.pid])
                with RssSampler(api.pid) as sampler:
                    elapsed, evidence = _upload(client, headers, path, path.name)
                hwm_after = peak_rss_bytes(api.pid) or 0
                api_cpu = round(meter.seconds([api.pid]) / meter.wall(), 2)
            growth = max(sampler.peak, hwm_after if hwm_after > hwm_before else 0) - before
            result.figures = {
                "api": {
                    "seconds": round(elapsed, 2),
                    "mb_per_second": round(options.size_bytes / MB / elapsed, 1),
                    "rss_before_mb": round(before / MIB, 1),
                    "rss_peak_sampled_mb": round(sampler.peak / MIB, 1),
                    "rss_growth_mb": round(growth / MIB, 1),
                    "rss_samples": sampler.samples,
                    "api_process_cores": api_cpu,
                    "stored_sha256": evidence.get("sha256"),
                    "stored_size_bytes": evidence.get("size_bytes"),
                    "content_type": evidence.get("content_type"),
                }
            }
            if options.baseline:
                minio = Minio(
                    endpoint, access_key="minioadmin", secret_key="minioadmin", secure=False
                )
                if not minio.bucket_exists(bucket):
                    minio.make_bucket(bucket)
                begin = time.perf_counter()
                minio.fput_object(bucket, "baseline/" + path.name, str(path))
                baseline = time.perf_counter() - begin
                result.baseline = {
                    "minio_fput_object": {
                        "seconds": round(baseline, 2),
                        "mb_per_second": round(options.size_bytes / MB / baseline, 1),
                    }
                }
                result.ratios = {
                    "api_vs_fput_object_throughput": harness.ratio(
                        result.figures["api"]["mb_per_second"],
                        result.baseline["minio_fput_object"]["mb_per_second"],
                    )
                }
                result.targets.append(
                    harness.Target(
                        "upload MB/s >= 0.5 x minio fput_object",
                        result.ratios["api_vs_fput_object_throughput"],
                        TARGET_THROUGHPUT_RATIO,
                        higher_is_better=True,
                    )
                )
    result.targets.append(
        harness.Target(
            "API RSS growth (MB) during the upload",
            result.figures["api"]["rss_growth_mb"],
            TARGET_RSS_GROWTH_MB,
        )
    )
    return result


def print_upload(result: harness.BenchResult) -> None:
    api = result.figures["api"]
    rows: list[tuple[Any, ...]] = [
        ("API POST /api/v1/evidence", api["seconds"], api["mb_per_second"], api["rss_growth_mb"])
    ]
    if result.baseline:
        base = result.baseline["minio_fput_object"]
        rows.append(("minio fput_object (baseline)", base["seconds"], base["mb_per_second"], None))
    harness.print_table(
        f"Evidence upload, {result.parameters['size_bytes'] / MIB:,.0f} MiB to moto S3",
        rows,
        ("path", "seconds", "MB/s", "API RSS growth MiB"),
    )
