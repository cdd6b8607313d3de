#!/usr/bin/env python3
"""GIMP 3 entry point of OpenAI Images: generate, inpaint and vary under Filters.

GIMP runs this file as its own process (plug-ins/openai-images/openai-images.py,
mode 755). It only sets up imports and hands over to `openai_images.procedures`;
everything else lives in the `openai_images` package beside it.
"""

import os
import sys

# Our own folder first, so `openai_images` (and its bundled core) is found
# before anything of the same name elsewhere. The vendored libraries are put
# on sys.path in one place, openai_images/_vendor.py, before numpy/httpx/PIL
# are imported by anyone.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from openai_images import _vendor  # noqa: E402  (must run after the path is set)

_vendor.activate()

import gi  # noqa: E402

gi.require_version("Gimp", "3.0")
from gi.repository import Gimp  # noqa: E402
from openai_images.procedures import OpenAIImagesPlugIn  # noqa: E402

Gimp.main(OpenAIImagesPlugIn.__gtype__, sys.argv)
