"""Smoke, checked from outside: the plug-in loaded, registered itself, and said
nothing wrong (the runner fails any scenario whose log shows an error or
warning from our files)."""

from __future__ import annotations

MENU = "<Image>/Filters/Generative/OpenAI Images"
TIMEOUT = 180  # a fresh profile: Krita builds its resource database first (~20 s)


def check(result) -> None:
    facts = result.facts
    if result.app == "gimp":
        for name, procedure in facts["procedures"].items():
            assert procedure is not None, f"{name} is not in GIMP's PDB (plug-in did not register)"
            paths = [p.rstrip("/") for p in procedure["menu_paths"]]
            assert MENU in paths, f"{name}: menu paths {paths}, expected {MENU}"
    else:
        file = facts["module_file"]
        assert file, "the openai_images plug-in module was not loaded by Krita"
        assert "/.local/share/krita/pykrita/openai_images/" in file, f"loaded from {file}"
        assert "openai_images_docker" in facts["dockers"], (
            f"docker openai_images_docker not registered (found {facts['dockers']})"
        )
        actions = ["generate", "edit", "variations", "apply", "cancel"]
        assert facts["actions"] == actions, f"actions registered: {facts['actions']}"
        entry_points = ["generate", "edit_selection", "variations"]
        assert facts["scripting"] == entry_points, f"openai_images.scripting: {facts['scripting']}"
