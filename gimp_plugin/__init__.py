"""OpenAI Images for GIMP 3: the plug-in's modules (installed as the `openai_images` package).

`procedures` registers the PDB procedures; `canvas` moves pixels between GIMP and
the core; `running` drives a core Job from GIMP's main loop; `dialog` and
`settings_dialog` are the GimpUi parts. Modules without `gi` (`arguments`,
`snapshots`, `messages`, `_vendor`) hold the pure helpers the unit tests cover.
Importing this package has no side effects and imports neither gi nor numpy.
"""
