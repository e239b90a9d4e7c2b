"""Public identifiers. A record's public id is random and stored with the record, so it says
nothing about the data behind it (a hash of an ID number's fields can be reversed by trying every
birth date) and stays the same across reindexing and corrections. A subject's entry is keyed by its
registered code, which is public anyway."""
from __future__ import annotations

import secrets

PUBLIC_ID_BYTES = 12   # 96 random bits: 16 URL-safe characters


def new_public_id() -> str:
    return secrets.token_urlsafe(PUBLIC_ID_BYTES)


def subject_doc_id(code: str) -> str:
    return f"s-{code}"
