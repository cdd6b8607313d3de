"""Translation for the Krita plug-in: the plug-in's own catalogue, else Krita's `i18n`,
else the English text.

The catalogue is GIMP's too (gettext domain `openai-images`, shipped in the core:
core/locale/<lang>/LC_MESSAGES/openai-images.mo), so both hosts say the same
words in the same language; gettext picks the language from LANGUAGE, LC_ALL,
LC_MESSAGES and LANG, which Krita's own language setting also sets. A string our
catalogue lacks goes to the `i18n` Krita puts into builtins when its `krita`
module is imported (krita-python-libs/krita/__init__.py: `builtins.i18n =
Krita.krita_i18n`), which is how Krita's bundled Python plug-ins translate; it is
looked up at each call, since the unit tests import this module with no Krita.
Imports nothing of Qt or krita.
"""

from __future__ import annotations

import builtins
import gettext
import os

DOMAIN = "openai-images"
# openai_images/core/locale: the core is inside the package, in the tree and installed
LOCALE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "core", "locale")
_catalogue: gettext.NullTranslations | None = None


def reset() -> None:
    """Read the catalogue again on the next call (after the language changed: tests)."""
    global _catalogue
    _catalogue = None


def _(text: str) -> str:
    global _catalogue
    if _catalogue is None:
        _catalogue = gettext.translation(DOMAIN, LOCALE_DIR, fallback=True)
    ours = _catalogue.gettext(text)
    if ours != text:
        return ours
    translate = getattr(builtins, "i18n", None)
    if not callable(translate):
        return text
    translated = translate(text)
    return translated if isinstance(translated, str) and translated else text
