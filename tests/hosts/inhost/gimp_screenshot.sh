#!/bin/bash
# `make screenshots`, GIMP side: runs inside the root folder under xvfb-run.
# GUI GIMP opens our generate dialog (gimp_open_dialog.py); x_grab.py saves it.
# in-rootfs.sh ends GIMP (and everything else) when this script returns.
# Usage: gimp_screenshot.sh GIMP_BINARY OUT.png
set -u
H=/home/tester/harness/inhost
"$1" --no-splash --batch-interpreter=python-fu-eval \
  -b "import runpy; runpy.run_path('$H/gimp_open_dialog.py')" &
python3 "$H/x_grab.py" "OpenAI Images" "$2" "${3:-180}"
