"""The seal of a session: a SHA-256 manifest over its ordered log, its attendance and the
hashes of its evidence.

Each part is hashed from a canonical JSON form (sorted keys, no spaces, UTF-8, timestamps
as UTC ISO 8601 with microseconds), so anyone holding the rows can recompute it with any
JSON library. The manifest lists one hash per entry, per attendance record and per evidence
item, then a root hash per part and the manifest's own hash over all of it; ``compare``
says which part, and which entries, differ.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from service.oversight.models import Attendance, LogEntry
from service.storage.models import Evidence

MANIFEST_VERSION = 1
ALGORITHM = "sha256"


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _id(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_document(entry: LogEntry) -> dict[str, Any]:
    """What of a log entry the seal covers (everything but the writer's retry key)."""
    return {
        "id": str(entry.id),
        "session_id": str(entry.session_id),
        "seq": entry.seq,
        "kind": str(entry.kind),
        "text": entry.text,
        "speaker_user_id": _id(entry.speaker_user_id),
        "speaker_name": entry.speaker_name,
        "speaker_organisation": entry.speaker_organisation,
        "corrects_entry_id": _id(entry.corrects_entry_id),
        "author_id": str(entry.author_id),
        "created_at": _iso(entry.created_at),
    }


def attendance_document(record: Attendance) -> dict[str, Any]:
    return {
        "person_key": record.person_key,
        "user_id": _id(record.user_id),
        "agency_id": _id(record.agency_id),
        "name": record.name,
        "organisation": record.organisation,
        "capacity": record.capacity,
        "status": str(record.status),
        "reason": record.reason,
        "arrived_at": _iso(record.arrived_at),
    }


def evidence_document(evidence: Evidence, log_entry_id: uuid.UUID | None) -> dict[str, Any]:
    return {
        "evidence_id": str(evidence.id),
        "sha256": evidence.sha256,
        "size_bytes": evidence.size_bytes,
        "content_type": evidence.content_type,
        "log_entry_id": _id(log_entry_id),
    }


def _root(hashes: Iterable[str]) -> str:
    return sha256_hex("\n".join(hashes).encode())


def build_manifest(
    *,
    session_id: uuid.UUID,
    plan_id: uuid.UUID,
    entries: Sequence[LogEntry],
    attendance: Sequence[Attendance],
    evidence: Sequence[tuple[Evidence, uuid.UUID | None]],
) -> dict[str, Any]:
    """``entries`` in seq order; attendance and evidence are ordered here."""
    entry_rows: list[dict[str, Any]] = [
        {"seq": e.seq, "id": str(e.id), "sha256": sha256_hex(canonical_json(entry_document(e)))}
        for e in sorted(entries, key=lambda e: e.seq)
    ]
    attendance_rows: list[dict[str, Any]] = sorted(
        (
            {
                "person_key": a.person_key,
                "sha256": sha256_hex(canonical_json(attendance_document(a))),
            }
            for a in attendance
        ),
        key=lambda row: row["person_key"],
    )
    evidence_rows: list[dict[str, Any]] = sorted(
        (
            {
                "evidence_id": str(ev.id),
                "sha256": ev.sha256,
                "record_sha256": sha256_hex(canonical_json(evidence_document(ev, entry_id))),
            }
            for ev, entry_id in evidence
        ),
        key=lambda row: row["evidence_id"],
    )
    body: dict[str, Any] = {
        "version": MANIFEST_VERSION,
        "algorithm": ALGORITHM,
        "session_id": str(session_id),
        "plan_id": str(plan_id),
        "entries": entry_rows,
        "entries_root": _root(row["sha256"] for row in entry_rows),
        "attendance": attendance_rows,
        "attendance_root": _root(row["sha256"] for row in attendance_rows),
        "evidence": evidence_rows,
        "evidence_root": _root(row["record_sha256"] for row in evidence_rows),
    }
    return body


def manifest_hash(manifest: dict[str, Any]) -> str:
    return sha256_hex(canonical_json(manifest))


@dataclass
class Verification:
    ok: bool
    stored_sha256: str
    recomputed_sha256: str
    # Which parts differ: "manifest" (the stored manifest no longer hashes to its recorded
    # hash), "entries", "attendance", "evidence", "audit" (the seal's audit record disagrees).
    differing_parts: list[str] = field(default_factory=list)
    changed_entries: list[dict[str, Any]] = field(default_factory=list)
    missing_entries: list[dict[str, Any]] = field(default_factory=list)
    added_entries: list[dict[str, Any]] = field(default_factory=list)
    changed_attendance: list[str] = field(default_factory=list)
    changed_evidence: list[str] = field(default_factory=list)


def _diff_rows(
    stored: list[dict[str, Any]], current: list[dict[str, Any]], key: str, hash_key: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    before = {str(row[key]): row for row in stored}
    after = {str(row[key]): row for row in current}
    changed = [after[k] for k in after if k in before and before[k][hash_key] != after[k][hash_key]]
    missing = [before[k] for k in before if k not in after]
    added = [after[k] for k in after if k not in before]
    return changed, missing, added


def compare(
    stored: dict[str, Any],
    stored_sha256: str,
    current: dict[str, Any],
    *,
    audit_sha256: str | None,
) -> Verification:
    """Compare a stored manifest with one recomputed from the rows as they are now."""
    recomputed = manifest_hash(current)
    result = Verification(ok=True, stored_sha256=stored_sha256, recomputed_sha256=recomputed)
    if manifest_hash(stored) != stored_sha256:
        result.differing_parts.append("manifest")
    if audit_sha256 is not None and audit_sha256 != stored_sha256:
        result.differing_parts.append("audit")
    if stored.get("entries_root") != current["entries_root"]:
        result.differing_parts.append("entries")
        changed, missing, added = _diff_rows(
            stored.get("entries", []), current["entries"], "seq", "sha256"
        )
        result.changed_entries = [{"seq": r["seq"], "id": r["id"]} for r in changed]
        result.missing_entries = [{"seq": r["seq"], "id": r["id"]} for r in missing]
        result.added_entries = [{"seq": r["seq"], "id": r["id"]} for r in added]
    if stored.get("attendance_root") != current["attendance_root"]:
        result.differing_parts.append("attendance")
        changed, missing, added = _diff_rows(
            stored.get("attendance", []), current["attendance"], "person_key", "sha256"
        )
        result.changed_attendance = sorted(r["person_key"] for r in [*changed, *missing, *added])
    if stored.get("evidence_root") != current["evidence_root"]:
        result.differing_parts.append("evidence")
        changed, missing, added = _diff_rows(
            stored.get("evidence", []), current["evidence"], "evidence_id", "record_sha256"
        )
        result.changed_evidence = sorted(r["evidence_id"] for r in [*changed, *missing, *added])
    if recomputed != stored_sha256 and not result.differing_parts:
        result.differing_parts.append("manifest")
    result.ok = not result.differing_parts
    return result
