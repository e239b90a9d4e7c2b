"""Files a subject attaches — an objection's evidence, a credit repair's proof (SPEC §8): PDF, JPEG or
PNG, judged by their first bytes — never by the file's name or the type the browser claims — and
kept under the instance folder, outside anything the web server serves, by a random name, in a
folder per use (`FOLDER`, credit.repairs.PROOF_FOLDER). Only credit.objections and credit.repairs
say who may read one back."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

# Magic bytes of the accepted types → the content type the file is served with.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
FOLDER = "objection-files"


class EvidenceError(ValueError):
    """A file that may not be attached; the message says why, for the subject to act on."""


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Checked:
    filename: str          # as the subject named it, cleaned (shown, never used as a path)
    content_type: str
    data: bytes
    sha256: str


def sniff(data: bytes) -> str | None:
    for magic, content_type in SIGNATURES:
        if data.startswith(magic):
            return content_type
    return None


def check(uploads: list[Upload], *, max_files: int, max_bytes: int) -> list[Checked]:
    """The uploads as files to keep, or EvidenceError naming the first that may not be kept."""
    uploads = [u for u in uploads if u.filename or u.data]
    if len(uploads) > max_files:
        raise EvidenceError(f"最多可附 {max_files} 个证明材料文件（收到 {len(uploads)} 个）")
    checked = []
    for upload in uploads:
        name = clean_name(upload.filename)
        if not upload.data:
            raise EvidenceError(f"文件“{name}”是空的")
        if len(upload.data) > max_bytes:
            raise EvidenceError(f"文件“{name}”超过 {max_bytes // 1024} KB 的上限")
        content_type = sniff(upload.data)
        if content_type is None:
            raise EvidenceError(f"文件“{name}”不是 PDF、JPEG 或 PNG 文件（按文件内容判断，与文件名无关）")
        checked.append(Checked(name, content_type, upload.data, hashlib.sha256(upload.data).hexdigest()))
    return checked


def clean_name(filename: str | None) -> str:
    """A file name to show: its last path part, printable, at most 100 characters."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable()).strip()
    return base[:100] or "未命名文件"


def store(instance_path: Path, file: Checked, folder: str = FOLDER) -> str:
    """Write a file under a random name; returns that name."""
    (Path(instance_path) / folder).mkdir(parents=True, exist_ok=True)
    stored = secrets.token_hex(16) + EXTENSIONS[file.content_type]
    with open(path_of(instance_path, stored, folder), "xb") as fh:   # x: a random name never overwrites
        fh.write(file.data)
    return stored


def path_of(instance_path: Path, stored: str, folder: str = FOLDER) -> Path:
    if not stored or "/" in stored or "\\" in stored or stored.startswith("."):
        raise EvidenceError("invalid stored name")
    return Path(instance_path) / folder / stored


def discard(instance_path: Path, stored: list[str], folder: str = FOLDER) -> None:
    """Remove files written for a request that was not saved after all."""
    for name in stored:
        path_of(instance_path, name, folder).unlink(missing_ok=True)
