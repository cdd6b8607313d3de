"""What an image file's bytes say, read with the standard library alone.

A layer below pixels, api and store (beside models): the format and size from a
file's header (headers.py) and a PNG codec of our own (png.py). The API client
checks uploads with them, the history names attachments with them, and the
pixel engines use them, the numpy one and the lean one for a host without numpy
and Pillow (GIMP on Windows) alike, so these rules exist once.
"""
