"""The lean pixel engine: the core's pixel contract on `bytes`, for hosts without numpy.

GIMP on Windows runs MSYS2's CPython, which loads neither numpy nor Pillow from
PyPI (issue 16). This engine implements the same values and operations as the
numpy one (rgba.py, numpy_planes.py, codecs.py) with the standard library:
planes.py (one byte per pixel: coverage, alpha, masks), image.py (`Image`,
`Mask`, `composite_over`) and host_codecs.py (the port through which a host
lends its decoder and resampler: GdkPixbuf in GIMP; a pure-Python fallback
elsewhere). imaging.py picks the engine; the planning code above it is one.
"""
