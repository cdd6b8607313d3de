"""`python -m core` runs the command line, like the `openai-images` script."""

import sys

from .cli import main

sys.exit(main())
