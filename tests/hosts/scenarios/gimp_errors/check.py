"""GIMP error paths, checked from outside: failure status, one readable sentence
(no traceback), and the image exactly as before."""

from __future__ import annotations

TIMEOUT = 240
# GIMP itself prints a failed procedure's message ("Calling error for procedure
# 'plug-in-openai-images-edit': ..."): expected here, not a fault of the plug-in.
EXPECTED_LOG = ("error for procedure 'plug-in-openai-images-edit'", "OpenAI Images: ")


def check(result) -> None:
    for case, words in (("nothing_to_edit", ["Select the area"]), ("unknown_model", ["404"])):
        facts = result.facts[case]
        assert not facts["success"], f"{case}: the edit succeeded"
        message = facts["message"] or ""
        assert message.startswith("OpenAI Images: "), f"{case}: message {message!r}"
        assert "Traceback" not in message and "\n" not in message, f"{case}: {message!r}"
        for word in words:
            assert word in message, f"{case}: {word!r} not in {message!r}"
        assert facts["unchanged"], f"{case}: the image changed"
