"""Choosing the object store: ``build_object_store(settings)``.

Apart from ``service.storage.store`` (the interface and its types) so that the interface never
imports its implementations: ``local`` and ``s3`` import ``store``, this module imports them
(S3 only when configured, so the minio client is loaded only where it is used).
"""

from service.settings import Settings, StorageBackend
from service.storage.store import ObjectStore


def build_object_store(settings: Settings) -> ObjectStore:
    """The store ``settings.storage_backend`` asks for."""
    if settings.storage_backend is StorageBackend.s3:
        from service.storage.s3 import S3ObjectStore

        return S3ObjectStore.from_settings(settings)
    from service.storage.local import LocalObjectStore

    return LocalObjectStore.from_settings(settings)
