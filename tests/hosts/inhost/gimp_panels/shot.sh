#!/bin/bash
# GUI GIMP runs SCRIPT as a batch command; x_grab.py saves the first window whose
# title starts with TITLE. in-rootfs.sh ends GIMP (and everything else) when this
# script returns. Usage: shot.sh GIMP_BINARY SCRIPT.py TITLE OUT.png
set -u
H=/home/tester/harness/inhost
"$1" --no-splash --batch-interpreter=python-fu-eval \
  -b "import runpy; runpy.run_path('$2')" &
python3 "$H/x_grab.py" "$3" "$4" 180
