"""Evidence as the answers about it show it: each domain names the file its own way (a
citizen's file, a referral's attachment, a session's recording), but says the same of it."""

from __future__ import annotations

from typing import Any

from service.storage.models import Evidence


def file_facts(evidence: Evidence) -> dict[str, Any]:
    """The type, size and SHA-256 of the stored file, as a response model's fields."""
    return {
        "content_type": evidence.content_type,
        "size_bytes": evidence.size_bytes,
        "sha256": evidence.sha256,
    }
