"""The Settings procedure's window: API key, server, Azure, proxy, CA bundle, timeouts, caps.

The key goes to the core's KeyStore (OS keychain or a private 0600 file) and
nowhere else: it is never a procedure argument (GIMP would remember it in its
profile), never shown back in full, never logged. The other values go to the
core's Settings file, shared with the Krita plug-in. Gtk is imported only by
`edit_settings`, so non-interactive runs (which just report the settings)
need no display.
"""

from __future__ import annotations

from typing import Any

from .core.glossary import N_
from .core.pixels.engine import DESCRIPTIONS, ENGINE
from .core.store.secrets import KeyStore, mask_key
from .core.store.settings import Settings
from .i18n import _

# (field, label) in window order; the key is handled separately. Labels are
# translated where the window shows them.
TEXT_FIELDS = (
    ("base_url", N_("Base URL")),
    ("azure_deployment", N_("Azure deployment")),
    ("azure_api_version", N_("Azure API version")),
    ("organization", N_("Organization")),
    ("project", N_("Project")),
    ("proxy", N_("Proxy URL")),
    ("ca_bundle", N_("CA bundle file")),
)
NUMBER_FIELDS = (
    ("connect_timeout", N_("Connect timeout (s)")),
    ("read_timeout", N_("Read timeout (s)")),
    ("attempt_deadline", N_("Deadline per attempt (s)")),
    ("job_deadline", N_("Deadline per job (s)")),
    ("spend_cap_job_usd", N_("Spend cap per job (USD, empty = none)")),
    ("spend_cap_day_usd", N_("Spend cap per day (USD, empty = none)")),
)


def _key_store(settings: Settings) -> KeyStore:
    account = "azure" if settings.is_azure else "openai"
    return KeyStore(account=account, store=settings.key_store)


def current_settings() -> dict[str, Any]:
    """The stored settings plus where the key comes from (masked), for reports; and the
    notice when this load moved a shut-down saved model to its replacement."""
    settings, notice = Settings.load_with_notice()
    key, source = _key_store(settings).get()
    report = settings.to_dict()
    report["key_source"] = source
    report["key"] = mask_key(key) if key else ""
    report["pixel_engine"] = ENGINE  # "lean" where numpy and Pillow do not load (issue 16)
    if notice:
        report["notice"] = notice
    return report


def apply_form(
    settings: Settings, texts: dict[str, str], flags: dict[str, bool] | None = None
) -> Settings:
    """New Settings from the window's text fields (numbers as typed) and check boxes;
    raises SettingsError."""
    data = {**settings.to_dict(), **(flags or {})}
    for name, _label in TEXT_FIELDS:
        data[name] = texts.get(name, data[name]).strip()
    for name, _label in NUMBER_FIELDS:
        raw = texts.get(name, "").strip()
        data[name] = None if raw == "" and name.startswith("spend_cap") else raw or data[name]
    updated = Settings.from_dict(data)
    updated.check()
    return updated


def edit_settings() -> bool:
    """Show the window; on OK save the settings and (when typed) the key. False on Cancel."""
    import gi

    gi.require_version("GimpUi", "3.0")
    gi.require_version("Gtk", "3.0")
    from gi.repository import GimpUi, Gtk

    from .messages import TITLE, describe

    GimpUi.init("openai-images")
    settings, notice = Settings.load_with_notice()
    window = Gtk.Dialog(title=f"{TITLE}: " + _("Settings"), modal=True)
    window.add_button(_("_Cancel"), Gtk.ResponseType.CANCEL)
    window.add_button(_("_OK"), Gtk.ResponseType.OK)
    grid = Gtk.Grid(row_spacing=6, column_spacing=12, margin=12)
    window.get_content_area().pack_start(grid, True, True, 0)

    key_entry = Gtk.Entry(visibility=False, hexpand=True)
    key, source = _key_store(settings).get()
    key_entry.set_placeholder_text(
        _("stored ({key}, {source}); type to replace").format(key=mask_key(key), source=source)
        if key else _("paste your API key")
    )
    grid.attach(Gtk.Label(label=_("API key"), xalign=0.0), 0, 0, 1, 1)
    grid.attach(key_entry, 1, 0, 1, 1)
    entries: dict[str, Any] = {}
    current = settings.to_dict()
    for row, (name, label) in enumerate(TEXT_FIELDS + NUMBER_FIELDS, start=1):
        entry = Gtk.Entry(hexpand=True)
        value = current[name]
        entry.set_text("" if value is None else str(value))
        grid.attach(Gtk.Label(label=_(label), xalign=0.0), 0, row, 1, 1)
        grid.attach(entry, 1, row, 1, 1)
        entries[name] = entry
    mark = Gtk.CheckButton(label=_("Mark results as made with AI (XMP in the image's metadata)"))
    mark.set_active(settings.mark_provenance)
    grid.attach(mark, 0, len(entries) + 1, 2, 1)
    # which pixel engine runs here (issue 16); the engine's name stays untranslated
    engine = Gtk.Label(label=_("Pixel engine: {engine}").format(engine=DESCRIPTIONS[ENGINE]),
                       xalign=0.0)
    grid.attach(engine, 0, len(entries) + 2, 2, 1)
    # The notice of a migrated saved model is given on this load only: show it here.
    # set_text / label=: plain text, so a server's words in a message stay words
    error = Gtk.Label(label=_("Saved settings: {notice}.").format(notice=notice) if notice
                      else "", xalign=0.0)
    grid.attach(error, 0, len(entries) + 3, 2, 1)
    window.show_all()
    try:
        while window.run() == Gtk.ResponseType.OK:
            try:
                updated = apply_form(settings, {n: e.get_text() for n, e in entries.items()},
                                     {"mark_provenance": mark.get_active()})
                updated.save()
                typed = key_entry.get_text().strip()
                if typed:
                    _key_store(updated).set(typed)
                return True
            except Exception as exc:  # a bad value: say which, keep the window open
                error.set_text(describe(exc))
        return False
    finally:
        window.destroy()
