"""`make bench`: the plug-in's own cost, measured beside a naive pipeline in one run.

The model's render time is not ours; everything around it is. Modules:
content (synthetic canvases and selections), measure (medians, interleaved
runs, peak memory), naive (the whole-canvas pipeline we compare against),
pipeline (P1, P2, P6: one child process per canvas size), jobs (P3, P4 against
the loopback stand-in), hosts (P5, P7 inside real Krita and GIMP through the
host harness), report (the table and bench/results.json), __main__ (the run).

A development tool, not shipped in the bundles. Imports the core and the
stand-in like the tests do; never the hosts' modules (those run in the hosts).
No timed assertions anywhere: figures are printed and written, never asserted.
"""
