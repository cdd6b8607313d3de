"""`python -m core` runs the command line, like the `openai-images` script."""

import sys

try:
    from .cli import main

    code = main()
except KeyboardInterrupt:  # Ctrl-C while the package itself loads: no traceback either
    code = 130
sys.exit(code)
