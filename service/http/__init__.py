"""The HTTP kit every domain's controllers share: conditional requests (ETag / If-Match),
the keyset cursor, and workflow actions generated from one declaration each."""
