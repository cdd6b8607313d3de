"""GIMP plug-in: procedure names, argument lists and the values a run reads (no GIMP needed).

The plug-in's modules become the `openai_images` package at install time, with
the core inside it; `gimp_module` builds that package from the working tree.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from tests.gimp_package import PACKAGE, gimp_module

ROOT = Path(__file__).resolve().parents[1]


arguments = gimp_module("arguments")
NOV_15 = date(2026, 11, 15)  # gpt-image-1.5 and friends: 16 days left (shut down on Dec 1)
DEC_2 = date(2026, 12, 2)


def test_procedure_names_and_menu_are_the_products():
    assert arguments.GENERATE == "plug-in-openai-images-generate"
    assert arguments.EDIT == "plug-in-openai-images-edit"
    assert arguments.VARIATIONS == "plug-in-openai-images-variations"
    assert arguments.SETTINGS == "plug-in-openai-images-settings"
    assert arguments.MENU_PATH == "<Image>/Filters/Generative/OpenAI Images/"


@pytest.mark.parametrize("name", [arguments.GENERATE, arguments.EDIT, arguments.VARIATIONS])
def test_no_procedure_takes_a_key(name):
    names = [a.name for a in arguments.procedure_arguments(name)]
    assert names, name
    assert not [n for n in names if "key" in n or "secret" in n or "token" in n]
    assert len(names) == len(set(names))


def test_edit_has_every_remembered_argument_of_the_issue():
    names = {a.name for a in arguments.procedure_arguments(arguments.EDIT)}
    assert {
        "prompt",
        "model",
        "size",
        "quality",
        "count",
        "background",
        "context-padding",
        "whole-image",
        "input-fidelity",
        "markup-layer",
        "sample-merged",
        "stream-previews",
    } <= names


def test_settings_procedure_has_no_arguments():
    assert arguments.procedure_arguments(arguments.SETTINGS) == ()


def test_choice_defaults_are_among_their_choices():
    for name in (arguments.GENERATE, arguments.EDIT, arguments.VARIATIONS):
        for arg in arguments.procedure_arguments(name):
            if arg.kind == "choice":
                assert arg.default in [v for v, _ in arg.choices], (name, arg.name)
            if arg.kind == "int":
                assert arg.minimum <= arg.default <= arg.maximum


def test_model_choices_are_live_catalogue_models_default_first():
    catalogue = gimp_module("core.models.catalogue")
    lifecycle = gimp_module("core.models.lifecycle")
    ids = [v for v, _ in arguments.model_choices(DEC_2)]
    assert ids[0] == catalogue.DEFAULT_MODEL
    assert set(ids) == {m.id for m in lifecycle.live_models(DEC_2)}
    for gone in ("dall-e-2", "gpt-image-1", "gpt-image-1.5", "gpt-image-1-mini"):
        assert gone not in ids


def test_a_model_in_its_last_days_is_marked_in_its_label_only():
    labels = dict(arguments.model_choices(NOV_15))
    assert labels["gpt-image-1.5"] == "gpt-image-1.5 (ends 2026-12-01)"  # the value: bare id
    assert labels["gpt-image-2"] == "gpt-image-2"
    assert "gpt-image-1" not in labels  # shut down on 2026-10-23


def test_quality_and_complexity_lists_are_the_union_over_live_models():
    qualities = [v for v, _ in arguments.quality_choices(DEC_2)]
    assert qualities[0] == "auto" and {"low", "medium", "high", "xhigh", "max"} <= set(qualities)
    assert "standard" not in qualities and "hd" not in qualities  # only dead DALL-E took them
    assert [v for v, _ in arguments.complexity_choices(DEC_2)] == [
        "default", "low", "medium", "high"]


def test_the_complexity_argument_is_new_and_last_so_positions_stay():
    for name in (arguments.GENERATE, arguments.EDIT, arguments.VARIATIONS):
        names = [a.name for a in arguments.procedure_arguments(name)]
        assert names[-1] == "complexity", name
        fields = arguments.dialog_fields(name)
        assert fields[fields.index("quality") + 1] == "complexity"
        assert sorted(fields) == sorted(names)


def _getter(values: dict):
    return lambda key: values[key]


def _edit_defaults(**changes):
    values = {a.name: a.default for a in arguments.procedure_arguments(arguments.EDIT)}
    values.update(changes)
    return values


def test_auto_and_default_values_become_none_so_nothing_is_sent():
    run = arguments.read_values(arguments.EDIT, _getter(_edit_defaults(prompt="  a cat ")))
    assert run.prompt == "a cat"
    assert run.quality is None and run.background is None and run.input_fidelity is None
    assert run.complexity is None
    assert run.size == "auto" and run.count == 1


def test_chosen_values_pass_through():
    values = _edit_defaults(
        prompt="sky",
        quality="high",
        background="transparent",
        **{"input-fidelity": "low"},
        size=" 1536X1024 ",
        count=3,
    )
    run = arguments.read_values(arguments.EDIT, _getter(values))
    assert (run.quality, run.background, run.input_fidelity) == ("high", "transparent", "low")
    assert run.size == "1536x1024" and run.count == 3


def test_custom_model_overrides_the_choice():
    values = _edit_defaults(**{"custom-model": " my-server-model "})
    assert arguments.read_values(arguments.EDIT, _getter(values)).model == "my-server-model"
    values = _edit_defaults(**{"custom-model": ""}, model="gpt-image-1.5")
    assert arguments.read_values(arguments.EDIT, _getter(values)).model == "gpt-image-1.5"


def test_arguments_a_procedure_lacks_are_never_read():
    asked = []
    values = {a.name: a.default for a in arguments.procedure_arguments(arguments.GENERATE)}

    def get(key):
        asked.append(key)
        return values[key]

    run = arguments.read_values(arguments.GENERATE, get)
    assert "markup-layer" not in asked and "context-padding" not in asked
    assert run.markup_layer is None and run.reference_layers == ()
    assert run.padding == arguments.PADDING.default


def test_edit_references_are_the_other_selected_layers():
    values = _edit_defaults(prompt="x")
    run = arguments.read_values(arguments.EDIT, _getter(values), ["source", "ref1", "ref2"])
    assert run.reference_layers == ("ref1", "ref2")
    run = arguments.read_values(arguments.VARIATIONS, _getter(values), ["source", "ref1"])
    assert run.reference_layers == ()


@pytest.mark.parametrize("name", [arguments.GENERATE, arguments.EDIT, arguments.VARIATIONS])
def test_every_dialog_label_has_its_own_mnemonic(name):
    # GimpUi warns about duplicates; the dialog's buttons take h, r, c, o, l, s.
    keys = []
    for arg in arguments.procedure_arguments(name):
        assert "_" in arg.label, f"{arg.name} has no mnemonic"
        keys.append(arg.label[arg.label.index("_") + 1].lower())
    assert len(keys) == len(set(keys)), keys
    assert not set(keys) & set("hrcols"), keys


# -- a model and the choices it takes ------------------------------------------------------
def _run(**changes):
    values = _edit_defaults(prompt="sky", **changes)
    return arguments.read_values(arguments.EDIT, _getter(values))


def test_a_quality_the_model_lacks_is_one_line_naming_what_it_takes():
    problem = arguments.combination_problem(_run(model="gpt-image-2", quality="xhigh"))
    assert problem == "Not sent: gpt-image-2 takes quality low, medium, high or auto (not xhigh)."
    assert arguments.combination_problem(_run(model="gpt-image-2.6-flare", quality="xhigh")) is None


def test_complexity_on_a_model_without_it_is_refused_and_the_default_never_is():
    problem = arguments.combination_problem(_run(model="gpt-image-2", complexity="high"))
    assert problem == (
        "Not sent: gpt-image-2 takes no complexity (leave Complexity at Model default).")
    assert arguments.combination_problem(_run(model="gpt-image-2", complexity="default")) is None
    run = _run(model="gpt-image-2.6-flare", complexity="high")
    assert run.complexity == "high" and arguments.combination_problem(run) is None


def test_several_mismatches_and_a_custom_model_make_one_line():
    run = _run(model="gpt-image-2.6-flare", quality="max", **{
        "custom-model": "gpt-image-2", "input-fidelity": "high", "markup-layer": object()})
    problem = arguments.combination_problem(run)
    assert problem.startswith("Not sent: gpt-image-2 takes quality low, medium, high or auto")
    assert "no input fidelity" in problem and "no markup layer" in problem
    assert "\n" not in problem and problem.count("Not sent") == 1


def test_what_a_model_takes_greys_the_rest_and_resets_on_a_model_change():
    takes = arguments.model_takes("gpt-image-2")
    assert takes["quality"] == ("auto", "low", "medium", "high")
    assert takes["complexity"] == ("default",) and takes["input-fidelity"] == ("default",)
    assert arguments.model_takes("gpt-image-2.6-flare")["complexity"] == (
        "default", "low", "medium", "high")
    present = {a.name for a in arguments.procedure_arguments(arguments.GENERATE)}
    values = {"quality": "xhigh", "complexity": "high", "background": "opaque"}
    moves = arguments.untaken_choices("gpt-image-2", values.get, present)
    assert moves == {"quality": "auto", "complexity": "default"}
    assert arguments.untaken_choices("gpt-image-2.6-flare", values.get, present) == {}


def test_a_run_whose_model_does_not_take_a_choice_stops_before_the_canvas(monkeypatch):
    # workflows' GIMP neighbours (canvas, running) need gi: empty stand-ins, as the
    # check must come before any of them is used
    import types

    for name in ("canvas", "running"):
        monkeypatch.setitem(sys.modules, f"{PACKAGE}.{name}", types.ModuleType(name))
    monkeypatch.delitem(sys.modules, f"{PACKAGE}.workflows", raising=False)
    workflows = gimp_module("workflows")
    messages = gimp_module("messages")
    reached = []
    monkeypatch.setitem(workflows._RUNS, arguments.EDIT, lambda *a: reached.append(a))
    try:
        with pytest.raises(messages.UserError, match="gpt-image-2 takes quality") as caught:
            workflows.run(arguments.EDIT, None, [], _run(model="gpt-image-2", quality="xhigh"),
                          interactive=False)
        assert reached == [], "the canvas was read for a run that cannot be sent"
        assert messages.describe(caught.value) == (
            "OpenAI Images: Not sent: gpt-image-2 takes quality low, medium, high or auto "
            "(not xhigh).")
    finally:
        sys.modules.pop(f"{PACKAGE}.workflows", None)
