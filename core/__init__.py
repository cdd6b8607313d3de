"""OpenAI Images engine shared by the Krita and GIMP plug-ins.

Host-independent: imports no krita, PyQt or gi, and does nothing at import
time (no files, threads or log handlers). Modules import each other relatively
so that a bundle can ship this package under the plug-in's own name.
"""

__version__ = "0.1.0"
PRODUCT = "openai-images-krita-gimp"
