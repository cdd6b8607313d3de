"""The model catalogue: every model of the November 2026 contract, and the size rules."""

import pytest

from core.models.catalogue import get_model, known_models, parse_size

SECTION_A_IDS = [
    "gpt-image-2", "gpt-image-2-2026-04-21", "gpt-image-2.5-sunburst",
    "gpt-image-2.5-sunburst-2026-09-08", "gpt-image-2.5-flare", "gpt-image-2.5-flare-2026-09-08",
    "gpt-image-2.6-sunburst", "gpt-image-2.6-flare", "gpt-image-1.5", "gpt-image-1-mini",
    "chatgpt-image-latest", "gpt-image-1", "dall-e-2", "dall-e-3", "gpt-image-1.5-2025-12-16",
]


def test_every_model_of_the_contract_is_known():
    ids = {m.id for m in known_models()}
    assert set(SECTION_A_IDS) <= ids
    assert all(get_model(i).known for i in SECTION_A_IDS)


def test_images_2_6_has_what_it_came_with():
    for model in ("gpt-image-2.6-sunburst", "gpt-image-2.6-flare"):
        spec = get_model(model)
        assert {"xhigh", "max"} <= set(spec.qualities)
        assert spec.markup and spec.complexity == ("low", "medium", "high")
        assert spec.size_rule.kind == "free" and spec.facts == "secondary" and spec.recommended
    # complexity is stated for 2.6 only (section A): 2.5 keeps xhigh/max and markup
    spec = get_model("gpt-image-2.5-flare")
    assert spec.complexity == () and spec.markup and "max" in spec.qualities
    gpt2 = get_model("gpt-image-2")
    assert gpt2.complexity == () and "xhigh" not in gpt2.qualities


def test_unknown_model_gets_a_conservative_entry_under_its_own_name():
    spec = get_model("gpt-image-9-preview")
    assert spec.id == "gpt-image-9-preview" and not spec.known
    assert spec.size_rule.kind == "fixed"
    assert not spec.markup and not spec.input_fidelity and not spec.streaming
    assert spec.supports("generations") and spec.supports("edits")
    assert not spec.supports("variations")


@pytest.mark.parametrize(
    "size, broken",
    [
        ("1536x864", None),
        ("3840x2160", None),
        ("1024x1024", None),
        ("auto", None),
        ("1000x1008", "multiples of 16"),
        ("3840x1024", "aspect ratio"),
        ("4096x2048", "3840"),
        ("512x512", "at least"),
        ("1536 by 864", "WIDTHxHEIGHT"),
    ],
)
def test_free_size_rule_of_gpt_image_2(size, broken):
    result = get_model("gpt-image-2").size_rule.check(size)
    if broken is None:
        assert result is None
    else:
        assert result is not None and broken in result


def test_fixed_sizes_and_legacy_rules():
    assert get_model("gpt-image-1.5").size_rule.check("1536x864") is not None
    assert get_model("gpt-image-1.5").size_rule.check("1024x1536") is None
    dalle2 = get_model("dall-e-2")
    assert dalle2.size_rule.check("auto") is not None
    assert dalle2.size_rule.check("512x512") is None
    assert dalle2.variation_endpoint == "variations"
    assert get_model("gpt-image-2").variation_endpoint == "edits"
    assert get_model("dall-e-3").n_max == 1 and get_model("dall-e-3").styles == ("vivid", "natural")


def test_capabilities_that_differ_between_live_models():
    assert get_model("gpt-image-2.5-flare").markup
    assert not get_model("gpt-image-2").markup
    assert get_model("gpt-image-2").input_fidelity == ()
    assert get_model("gpt-image-1-mini").input_fidelity == ("low",)
    assert "xhigh" in get_model("gpt-image-2.5-sunburst").qualities
    assert "xhigh" not in get_model("gpt-image-2").qualities
    assert get_model("gpt-image-2").size_rule.is_experimental("3840x2160")
    assert not get_model("gpt-image-2").size_rule.is_experimental("2560x1440")


def test_parse_size():
    assert parse_size("1536x1024") == (1536, 1024)
    assert parse_size("0x10") is None and parse_size("auto") is None
