"""What a command reads: images, masks and selections from files, the prompt from
the command line, stdin or a file, and `FilePort`, the CLI's canvas.

Every refusal names the file and, for sizes, both sizes: the user fixes the
file, so the message must say which one and by how much.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from ..errors import ValidationError
from ..pixels.geometry import Bounds, Extent
from ..pixels.imaging import Image, ImageDecodeError, Mask
from ..pixels.planning import CanvasSnapshot

# The largest input file read: an 8192x8192 RGBA PNG stored without compression is
# 256 MiB; anything bigger is not an image the API takes (and /dev/zero never ends).
MAX_INPUT_BYTES = 512 * 1024 * 1024
# A prompt file or stdin longer than this is not a prompt (the longest model limit is 32k).
MAX_PROMPT_BYTES = 1024 * 1024


def read_bytes(path: Path) -> bytes:
    """A file's bytes, refused before reading when it is not a regular file or too big."""
    if not path.is_file():
        what = "does not exist" if not path.exists() else "is not a regular image file"
        raise ValidationError(str(path), what)
    size = path.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise ValidationError(
            str(path), f"is {size / 2**20:.0f} MiB; inputs are limited to "
            f"{MAX_INPUT_BYTES // 2**20} MiB")
    try:
        with path.open("rb") as f:
            return f.read(MAX_INPUT_BYTES + 1)[:MAX_INPUT_BYTES]
    except OSError as exc:
        raise ValidationError(str(path), f"cannot be read ({exc.strerror or exc})") from None


def read_image(path: Path) -> Image:
    try:
        return Image.decode(read_bytes(path))
    except ImageDecodeError as exc:
        raise ValidationError(str(path), str(exc)) from None


def read_selection(
    image: Image, selection: Path | None, mask: Path | None
) -> Mask | None:
    """The area to edit as coverage (255 = edit), from --selection or --mask."""
    import numpy as np

    if selection:
        source, flag = selection, "--selection"
        grey = read_image(selection)
        coverage = grey.pixels[..., :3].mean(axis=-1).round().astype(np.uint8)
    elif mask:
        # OpenAI's convention: alpha 0 = edit, so coverage is the inverse of alpha.
        source, flag = mask, "--mask"
        coverage = 255 - read_image(mask).pixels[..., 3]
    else:
        return None
    want = image.extent
    height, width = coverage.shape
    if (width, height) != (want.width, want.height):
        raise ValidationError(
            f"{flag} {source}",
            f"is {width}x{height} but the image is {want.width}x{want.height}; "
            "they must have the same size",
        )
    return Mask(coverage, Bounds(0, 0, want.width, want.height))


def read_prompt(text: str | None, stdin: TextIO | None = None) -> str | None:
    """--prompt as given; '-' reads stdin, '@FILE' a file, '@@...' is a literal '@...'."""
    if text is None:
        return None
    if text == "-":
        stream = stdin or sys.stdin
        prompt = stream.read(MAX_PROMPT_BYTES + 1)
        if len(prompt) > MAX_PROMPT_BYTES:
            raise ValidationError("--prompt -", "stdin holds more than 1 MiB: not a prompt")
        return _stripped("--prompt -", prompt)
    if text.startswith("@@"):
        return text[1:]
    if text.startswith("@"):
        path = Path(text[1:])
        if not path.is_file():
            raise ValidationError(f"--prompt {text}", "names no readable file")
        if path.stat().st_size > MAX_PROMPT_BYTES:
            raise ValidationError(f"--prompt {text}", "is more than 1 MiB: not a prompt")
        try:
            return _stripped(f"--prompt {text}", path.read_text("utf-8"))
        except UnicodeDecodeError:
            raise ValidationError(f"--prompt {text}", "is not UTF-8 text") from None
    return text


def _stripped(where: str, prompt: str) -> str:
    # a file or a pipe ends with a newline the user did not mean as part of the prompt
    prompt = prompt.strip()
    if not prompt:
        raise ValidationError(where, "is empty")
    return prompt


class FilePort:
    """The CLI's canvas: an image file (or an empty canvas to generate into), with the
    selection read from --selection or --mask."""

    def __init__(
        self, image: Image | None, name: str, stem: str, selection: Mask | None,
        extent: Extent | None = None,
    ) -> None:
        self.image, self.name, self.stem, self.selection = image, name, stem, selection
        self.extent = extent or (image.extent if image is not None else Extent(1, 1))

    def document_name(self) -> str:
        return self.name

    def canvas_bounds(self) -> Bounds:
        return Bounds.from_extent(self.extent)

    def read_selection(self) -> Mask | None:
        return self.selection

    def read_snapshot(self, selection: Mask | None, window: Bounds) -> CanvasSnapshot:
        assert self.image is not None, "a generate reads no pixels"
        return CanvasSnapshot(
            self.image.crop(window), window.offset, selection, self.name, self.stem,
            self.canvas_bounds(),
        )

    def read_layers(self, layers: Sequence[Any], window: Bounds | None) -> list[Image]:
        # the CLI's "layers" are decoded images already; a window cuts them like the canvas
        return [img if window is None else img.crop(window) for img in layers]
