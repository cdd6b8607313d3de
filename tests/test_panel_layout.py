"""What the panels offer and how the GIMP dialogs are laid out (issue 18), without a host:
size presets per model, the fields in view and folded away, the fields a model takes
no value of, and the glossary's words in GIMP's argument labels."""

from __future__ import annotations

import pytest

from core import glossary
from core.models.catalogue import get_model
from core.models.size_presets import size_presets
from tests.gimp_package import gimp_module

arguments = gimp_module("arguments")
layout = gimp_module("dialog_layout")


# -- size presets ----------------------------------------------------------------------
def test_a_free_size_model_offers_auto_its_sizes_and_larger_ones_its_rule_allows():
    spec = get_model("gpt-image-2.6-flare")
    presets = size_presets(spec)
    assert presets[:4] == ("auto", "1024x1024", "1536x1024", "1024x1536")
    assert "3840x2160" in presets and "2048x1152" in presets
    assert all(spec.size_rule.check(p) is None for p in presets)
    assert len(presets) == len(set(presets))


def test_a_fixed_size_model_offers_exactly_its_sizes():
    assert size_presets(get_model("dall-e-3")) == ("1024x1024", "1792x1024", "1024x1792")
    assert size_presets(get_model("dall-e-2")) == ("256x256", "512x512", "1024x1024")


def test_the_size_box_ends_with_custom_and_finds_what_was_typed():
    items = layout.size_items("gpt-image-2.6-flare")
    assert items[0] == ("auto", glossary.SIZE_AUTO)
    assert items[-1] == (layout.CUSTOM, glossary.SIZE_CUSTOM)
    assert dict(items)["3840x2160"].endswith("(large)")  # over the experimental pixel count
    assert dict(items)["1024x1024"] == "1024 × 1024"
    assert layout.preset_index(items, "1536X1024 ") == 2
    assert layout.preset_index(items, "1000x1000") == len(items) - 1  # typed: Custom…
    assert layout.preset_index(items, "") == 0  # nothing typed: auto
    # dall-e-3 takes no "auto": a remembered "auto" shows as Custom…, not as a preset
    fixed = layout.size_items("dall-e-3")
    assert layout.preset_index(fixed, "auto") == len(fixed) - 1


# -- the GIMP dialogs' layout ------------------------------------------------------------
@pytest.mark.parametrize("name", [arguments.GENERATE, arguments.EDIT, arguments.VARIATIONS])
def test_every_field_is_shown_once_in_view_or_folded_away(name):
    main, advanced = layout.split_fields(name)
    assert sorted(main + advanced) == sorted(arguments.dialog_fields(name))
    assert main[0] == "prompt" and "model" in main and "count" in main
    assert not set(main) & set(layout.ADVANCED)


def test_the_edit_dialog_shows_what_an_artist_sets_and_folds_the_rest():
    main, advanced = layout.split_fields(arguments.EDIT)
    assert main == ["prompt", "model", "size", "quality", "complexity", "count",
                    "background", "markup-layer"]
    assert advanced == ["custom-model", "context-padding", "whole-image", "input-fidelity",
                        "sample-merged", "stream-previews"]


def test_the_options_a_model_takes_no_value_of_are_hidden():
    present = {a.name for a in arguments.procedure_arguments(arguments.EDIT)}
    two = layout.hidden_fields("gpt-image-2", present)
    flare = layout.hidden_fields("gpt-image-2.6-flare", present)
    assert "complexity" in two and "complexity" not in flare
    assert "input-fidelity" in two  # gpt-image-2 rejects the field
    assert "markup-layer" in two and "markup-layer" not in flare
    # only the options that can be hidden, and only those the procedure has
    assert two <= layout.MODEL_DEPENDENT
    generate = {a.name for a in arguments.procedure_arguments(arguments.GENERATE)}
    assert "markup-layer" not in layout.hidden_fields("gpt-image-2", generate)


# -- one set of words ----------------------------------------------------------------------
def _word(label: str) -> str:
    return label.replace("_", "")


def test_gimp_labels_are_the_glossary_words_of_the_krita_docker():
    args = {a.name: a for a in arguments.procedure_arguments(arguments.EDIT)}
    expected = {
        "prompt": glossary.PROMPT, "model": glossary.MODEL, "size": glossary.SIZE,
        "quality": glossary.QUALITY, "complexity": glossary.COMPLEXITY,
        "count": glossary.CANDIDATES, "background": glossary.BACKGROUND,
        "context-padding": glossary.CONTEXT_PADDING, "whole-image": glossary.WHOLE_IMAGE,
        "input-fidelity": glossary.INPUT_FIDELITY, "markup-layer": glossary.MARKUP_LAYER,
        "sample-merged": glossary.VISIBLE_IMAGE, "stream-previews": glossary.STREAM_PREVIEWS,
        "custom-model": glossary.CUSTOM_MODEL,
    }
    assert {name: _word(args[name].label) for name in expected} == expected
    assert dict(args["background"].choices)["auto"] == glossary.AUTO
    assert dict(args["input-fidelity"].choices)["default"] == glossary.MODEL_DEFAULT
    assert dict(args["quality"].choices)["auto"] == glossary.AUTO


def test_a_mnemonic_falls_back_to_the_first_letter_when_a_translation_lacks_its_letter():
    assert arguments.mnemonic("Candidates", "n") == "Ca_ndidates"
    assert arguments.mnemonic("Quality", "z") == "_Quality"

