"""Translation for the GIMP plug-in: gettext with the plug-in's own domain, as GIMP's plug-ins do.

GIMP's Python plug-ins translate with gettext in a domain of their own
(`gimp30-python`), and GIMP translates their menu labels in the domain that
`Gimp.PlugIn.do_set_i18n` names. Ours is `openai-images`; its catalogues ship
in the core (core/locale/<lang>/LC_MESSAGES/openai-images.mo), so the Krita
plug-in reads the same ones. Without a catalogue for the user's language the
English text stays (gettext's fallback). The catalogue is opened on the first
call, not at import, so registration pays nothing for it.
Imports neither gi nor the core (the words come from core/glossary.py).
"""

from __future__ import annotations

import gettext
import os

DOMAIN = "openai-images"
# openai_images/core/locale: the core is inside the package, in the tree and installed
LOCALE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "core", "locale")
_catalogue: gettext.NullTranslations | None = None


def catalogue(localedir: str = LOCALE_DIR, languages: list[str] | None = None):
    """The translations for the user's language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG)."""
    return gettext.translation(DOMAIN, localedir, languages=languages, fallback=True)


def _(text: str) -> str:
    global _catalogue
    if _catalogue is None:
        _catalogue = catalogue()
    return _catalogue.gettext(text)


def has_catalogues(localedir: str = LOCALE_DIR) -> bool:
    """Whether the bundle ships any catalogue (then GIMP is told our domain)."""
    return os.path.isdir(localedir) and any(
        os.path.isfile(os.path.join(localedir, lang, "LC_MESSAGES", DOMAIN + ".mo"))
        for lang in os.listdir(localedir))


def reset() -> None:
    """Read the catalogue again on the next call (after the language changed: tests)."""
    global _catalogue
    _catalogue = None
