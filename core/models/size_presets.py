"""The sizes a panel offers for one model: its own sizes first, then common larger ones its
size rule allows, "auto" first where the model takes it.

Both panels offer them (GIMP's size presets, Krita's size box) beside a custom
entry, so an artist picks a size the model takes instead of typing one and
hearing the rule afterwards. The rule itself stays the catalogue's
(SizeRule.check): a preset is only ever a size that passes it.
Imports the catalogue only.
"""

from __future__ import annotations

from .catalogue import ModelSpec

AUTO = "auto"
# Landscape, portrait and square at the usual working sizes, up to 4K UHD; a free-size
# model gets those its rule allows (multiples, aspect, pixel count, longest edge).
COMMON = (
    "1024x1024", "1536x1024", "1024x1536", "1792x1024", "1024x1792",
    "2048x2048", "2048x1152", "1152x2048", "2304x1536",
    "3840x2160", "2160x3840",
)


def size_presets(spec: ModelSpec) -> tuple[str, ...]:
    """`spec`'s presets in offering order, each once."""
    rule = spec.size_rule
    offered: list[str] = [AUTO] if rule.auto else []
    extra = COMMON if rule.kind == "free" else ()
    for size in (*rule.sizes, *extra):
        if size not in offered and rule.check(size) is None:
            offered.append(size)
    return tuple(offered)


def is_large(spec: ModelSpec, size: str) -> bool:
    """Above the pixel count the model calls experimental (a panel marks such a preset)."""
    return spec.size_rule.is_experimental(size)
