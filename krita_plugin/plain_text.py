"""Text from the API or the artist shown as text, never rendered as HTML.

Qt renders a QLabel's text and every tooltip as rich text when it "might be"
rich (Qt::mightBeRichText: a tag in the first line, or even "&lt;"), so a
revised prompt or a server's error containing `<img src=...>` would be drawn
as markup. Labels that can receive such text are set to Qt.PlainText
(docker.py, results_area.py); tooltips have no plain-text switch, so their
text is escaped inside a paragraph that is rich text for certain: escaping
alone is not enough, since "salt &amp; pepper" (no tag, no "&lt;") would be
shown as typed, entity and all.
Imports nothing of Qt or krita, so the unit tests run it as it is.
"""

from __future__ import annotations

import html


def literal_tooltip(*lines: str) -> str:
    """Rich text that Qt shows as exactly `lines`, one per line."""
    body = "<br>".join(html.escape(line, quote=False) for line in lines if line)
    return f"<p style='white-space:pre-wrap'>{body}</p>"
