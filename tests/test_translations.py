"""The one translation catalogue of both plug-ins (core/locale, gettext domain
`openai-images`): the template lists every marked string, the German catalogue is
compiled from its .po, keeps every placeholder, and both adapters read it.

To update after changing a user-visible string (xgettext and msgfmt from gettext):

    xgettext --language=Python --keyword=_ --keyword=N_ --from-code=UTF-8 \\
      --package-name=openai-images -o core/locale/openai-images.pot \\
      core/glossary.py krita_plugin/*.py gimp_plugin/*.py
    msgmerge -U core/locale/de/LC_MESSAGES/openai-images.po core/locale/openai-images.pot
    msgfmt --check -o core/locale/de/LC_MESSAGES/openai-images.mo \\
      core/locale/de/LC_MESSAGES/openai-images.po
"""

from __future__ import annotations

import ast
import gettext
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "core" / "locale"
POT = LOCALE / "openai-images.pot"
PO = LOCALE / "de" / "LC_MESSAGES" / "openai-images.po"
SOURCES = [ROOT / "core" / "glossary.py", *sorted((ROOT / "krita_plugin").glob("*.py")),
           *sorted((ROOT / "gimp_plugin").glob("*.py"))]


def _entries(text: str) -> dict[str, str]:
    """msgid -> msgstr of a .po/.pot (multi-line strings joined), the header left out."""
    entries, key, current, field = {}, None, [], None
    for line in [*text.splitlines(), ""]:
        match = re.match(r'^(msgid|msgstr) (".*")$', line)
        if match:
            if match.group(1) == "msgid" and key is not None:
                entries[key] = "".join(current)
            field = match.group(1)
            value = [ast.literal_eval(match.group(2))]  # a C string literal, read as Python
            if field == "msgid":
                key, ids = None, value
            else:
                key, current = "".join(ids), value
        elif line.startswith('"') and field is not None:
            (current if field == "msgstr" else ids).append(ast.literal_eval(line))
    if key is not None:
        entries[key] = "".join(current)
    entries.pop("", None)
    return entries


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext's xgettext")
def test_the_template_lists_every_marked_string(tmp_path):
    fresh = tmp_path / "fresh.pot"
    subprocess.run(["xgettext", "--language=Python", "--keyword=_", "--keyword=N_",
                    "--from-code=UTF-8", "-o", str(fresh), *map(str, SOURCES)], check=True)
    expected = set(_entries(fresh.read_text("utf-8")))
    assert set(_entries(POT.read_text("utf-8"))) == expected, (
        "core/locale/openai-images.pot is stale: see this module's docstring")


def test_the_german_catalogue_is_compiled_from_its_po_and_keeps_placeholders():
    po = _entries(PO.read_text("utf-8"))
    with (PO.with_suffix(".mo")).open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    assert po, "no German translations"
    template = set(_entries(POT.read_text("utf-8")))
    for msgid, msgstr in po.items():
        assert msgid in template, f"a translation of a string no code uses: {msgid!r}"
        if msgstr:
            assert compiled.gettext(msgid) == msgstr, f"the .mo is stale for {msgid!r}"
            assert set(re.findall(r"\{\w+\}", msgid)) == set(re.findall(r"\{\w+\}", msgstr))


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_both_plug_ins_read_the_same_german_words(monkeypatch):
    monkeypatch.setenv("LANGUAGE", "de")
    gimp = _load(ROOT / "gimp_plugin" / "i18n.py", "gimp_i18n_de")
    krita = _load(ROOT / "krita_plugin" / "i18n.py", "krita_i18n_de")
    for word in ("Candidates", "Fill selection", "Keep all", "Rendering"):
        assert gimp._(word) == krita._(word) != word, word
    assert gimp._("Candidates") == "Kandidaten"
    assert gimp.has_catalogues()
    assert gimp._("Base URL") == "Base URL"  # not translated yet: the English stays
