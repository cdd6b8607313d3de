"""Where results go: every path checked before anything is sent, then written.

A job is paid for when the API answers, so `plan_outputs` refuses, before the
first request, any --out that could not be written: a folder, a missing or
read-only parent, an extension we do not write, a --output-format that
disagrees with the extension. The format follows the extension (png, webp,
jpeg; .ora is layered). Should a write still fail afterwards (a full disk),
`OutputError` names the history copies, which already hold every result.

Files are written to a temporary name beside the target and renamed, created
with the umask's usual mode (0644): only keys and settings are private.
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import ValidationError
from ..jobs.delivery import provenance_of
from ..jobs.job_handle import Candidate
from ..pixels.geometry import Point
from ..pixels.imaging import Image
from ..pixels.openraster import write_ora
from ..pixels.planning import apply_patch
from ..pixels.provenance import with_xmp, xmp_packet

FileFormat = Literal["png", "webp", "jpeg", "ora"]
ApiFormat = Literal["png", "webp", "jpeg"]
EXTENSIONS: dict[str, FileFormat] = {
    ".png": "png", ".webp": "webp", ".jpg": "jpeg", ".jpeg": "jpeg", ".ora": "ora",
}


class OutputError(Exception):
    """A result could not be written after the API answered; the message names the
    history copies that hold the results (`kept`, for --json)."""

    def __init__(self, message: str, kept: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.kept = list(kept)


@dataclass(frozen=True)
class OutputPlan:
    """The files one job will write, checked; `api_format` is what to ask the API for
    (None: leave it to the choice or the saved setting)."""

    out: Path
    file_format: FileFormat
    api_format: ApiFormat | None

    def path_for(self, index: int, count: int) -> Path:
        if self.file_format == "ora" or count == 1:
            return self.out
        return self.out.with_name(f"{self.out.stem}-{index + 1}{self.out.suffix}")

    def paths(self, count: int) -> list[Path]:
        if self.file_format == "ora":
            return [self.out]
        return [self.path_for(i, count) for i in range(count)]


def plan_outputs(out: Path, count: int, output_format: str | None) -> OutputPlan:
    """The checked plan for --out with `count` candidates; ValidationError otherwise."""
    if out.is_dir():
        raise ValidationError(f"--out {out}", "is a folder; name a file in it, e.g. result.png")
    file_format = EXTENSIONS.get(out.suffix.lower())
    if file_format is None:
        known = ", ".join(EXTENSIONS)
        raise ValidationError(f"--out {out}", f"has no extension we write ({known})")
    api: ApiFormat | None = None
    if file_format != "ora":
        api = file_format
        if output_format is not None and output_format != file_format:
            raise ValidationError(
                "--output-format",
                f"{output_format} disagrees with --out {out} ({file_format}); "
                "drop --output-format or change the extension",
            )
    plan = OutputPlan(out, file_format, api)
    for path in plan.paths(count):
        _check_writable(path)
    return plan


def _check_writable(path: Path) -> None:
    where = f"--out {path}"
    if path.is_dir():
        raise ValidationError(where, "is a folder; name a file in it, e.g. result.png")
    if path.exists() and not path.is_file():
        raise ValidationError(where, "exists and is not a regular file")
    if path.exists() and not os.access(path, os.W_OK):
        raise ValidationError(where, "exists and is read-only")
    folder = _existing_ancestor(path.parent)
    if not folder.is_dir():
        raise ValidationError(where, f"cannot be made: {folder} is not a folder")
    if folder == path.parent.resolve():
        _probe(folder, where)  # a real file: read-only mounts and ACLs answer truly
    elif not os.access(folder, os.W_OK | os.X_OK):
        raise ValidationError(where, f"cannot be made: {folder} is not writable")


def _existing_ancestor(folder: Path) -> Path:
    folder = folder.resolve()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _probe(folder: Path, where: str) -> None:
    probe = folder / f".openai-images-probe-{secrets.token_hex(4)}"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise ValidationError(
            where, f"cannot be written: {folder}: {exc.strerror or exc}"
        ) from None
    os.close(fd)
    os.unlink(probe)


def encode(image: Image, file_format: ApiFormat) -> bytes:
    """The composited result in the file's format (JPEG has no alpha: it is dropped)."""
    if file_format == "png":
        return image.to_png()
    from PIL import Image as PILImage

    picture = PILImage.fromarray(image.pixels, "RGBA")
    buffer = io.BytesIO()
    if file_format == "jpeg":
        picture.convert("RGB").save(buffer, "JPEG", quality=95)
    else:
        picture.save(buffer, "WEBP", quality=95)
    return buffer.getvalue()


def write_results(plan: OutputPlan, base: Image | None, candidates: Sequence[Candidate],
                  mark: bool = True) -> list[Path]:
    """Every candidate written as planned; OutputError (naming the history) on failure.
    With `mark`, each file carries the XMP that says an AI model made or changed it."""
    try:
        if plan.file_format == "ora":
            _write_layers(plan.out, base, candidates, _xmp(candidates[0]) if mark else None)
            return [plan.out]
        written = []
        for c in candidates:
            full = c.patch.image if base is None else apply_patch(base, c.patch, Point(0, 0))
            path = plan.path_for(c.index, len(candidates))
            assert plan.file_format != "ora"
            data = encode(full, plan.file_format)
            packet = _xmp(c) if mark else None
            write_file(path, with_xmp(data, packet) if packet else data)
            written.append(path)
        return written
    except OSError as exc:
        kept = [str(c.entry.image_path) for c in candidates]
        raise OutputError(
            f"cannot write {exc.filename or plan.out}: {exc.strerror or exc}. "
            f"Nothing is lost: the history holds the result{'s' if len(candidates) > 1 else ''}"
            f" at {'; '.join(kept)}",
            kept,
        ) from None


def write_file(path: Path, data: bytes) -> None:
    """`data` under `path` atomically, with the mode a new file gets from the umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _xmp(candidate: Candidate) -> bytes | None:
    return xmp_packet(provenance_of(candidate.entry)) if candidate.entry is not None else None


def _write_layers(out: Path, base: Image | None, candidates: Sequence[Candidate],
                  xmp: bytes | None = None) -> None:
    """The original at the bottom, then every candidate, the first one visible."""
    layers = []
    if base is not None:
        layers.append(("original", base, Point(0, 0), True))
    for c in candidates:
        name = c.patch.name if len(candidates) == 1 else f"{c.patch.name} ({c.index + 1})"
        layers.append((name, c.patch.image, c.patch.bounds.offset, c is candidates[0]))
    if base is not None:
        width, height = base.extent.width, base.extent.height
    else:
        b = candidates[0].patch.bounds
        width, height = b.x + b.width, b.y + b.height
    out.parent.mkdir(parents=True, exist_ok=True)
    write_ora(out, width, height, layers, xmp=xmp)
    # write_ora's temporary file is private (mkstemp); an output is not a secret
    os.chmod(out, 0o666 & ~_umask())


def _umask() -> int:
    # os.umask can only be read by setting it; the job's threads have ended by now
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
