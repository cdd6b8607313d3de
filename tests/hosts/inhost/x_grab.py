"""`make screenshots`, GIMP side, part 2: wait for a top-level X window whose
title starts with a prefix, then save a PNG of it.

    python3 x_grab.py TITLE_PREFIX OUT.png [TIMEOUT_S]

Runs with the root folder's python3 on the Xvfb display. libX11 (through
ctypes) lists the windows; GDK reads their pixels. No window manager runs, so
dialogs are plain children of the root window.
"""

import ctypes
import ctypes.util
import sys
import time

import gi

gi.require_version("Gdk", "3.0")
gi.require_version("GdkX11", "3.0")
from gi.repository import Gdk, GdkX11  # noqa: E402

X11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
X11.XOpenDisplay.restype = ctypes.c_void_p
X11.XOpenDisplay.argtypes = [ctypes.c_char_p]
X11.XDefaultRootWindow.restype = ctypes.c_ulong
X11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
X11.XQueryTree.argtypes = (
    [ctypes.c_void_p, ctypes.c_ulong] + [ctypes.c_void_p] * 3 + [ctypes.POINTER(ctypes.c_uint)]
)
X11.XInternAtom.restype = ctypes.c_ulong
X11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
X11.XGetWindowProperty.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_long]
X11.XGetWindowProperty.argtypes += [ctypes.c_long, ctypes.c_int, ctypes.c_ulong]
X11.XGetWindowProperty.argtypes += [ctypes.c_void_p] * 5


def _children(display, window):
    root, parent = ctypes.c_ulong(), ctypes.c_ulong()
    kids, count = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
    args = (ctypes.byref(root), ctypes.byref(parent), ctypes.byref(kids))
    if not X11.XQueryTree(display, window, *args, ctypes.byref(count)):
        return []
    return [kids[i] for i in range(count.value)]


def _title(display, window):
    """_NET_WM_NAME (UTF-8): GTK sets WM_NAME as COMPOUND_TEXT for titles outside
    Latin-1 ("Generate…"), which XFetchName does not return."""
    atom = X11.XInternAtom(display, b"_NET_WM_NAME", False)
    utf8 = X11.XInternAtom(display, b"UTF8_STRING", False)
    kind, size, count, after = ctypes.c_ulong(), ctypes.c_int(), ctypes.c_ulong(), ctypes.c_ulong()
    data = ctypes.c_char_p()
    out = (kind, size, count, after, data)
    status = X11.XGetWindowProperty(
        display, window, atom, 0, 1024, False, utf8, *(ctypes.byref(x) for x in out)
    )
    if status != 0 or not data.value:
        return ""
    return data.value[: count.value].decode("utf-8", "replace")


def find_window(display, prefix):
    for window in _children(display, X11.XDefaultRootWindow(display)):
        if _title(display, window).startswith(prefix):
            return window
    return None


def main():
    prefix, out = sys.argv[1], sys.argv[2]
    deadline = time.monotonic() + float(sys.argv[3] if len(sys.argv) > 3 else 120)
    Gdk.init([])
    gdk_display = Gdk.Display.get_default()
    display = X11.XOpenDisplay(None)  # one connection: Xvfb allows few clients
    while time.monotonic() < deadline:
        xid = find_window(display, prefix)
        if xid:
            time.sleep(3)  # let GTK finish laying out and painting the dialog
            window = GdkX11.X11Window.foreign_new_for_display(gdk_display, xid)
            pixbuf = Gdk.pixbuf_get_from_window(
                window, 0, 0, window.get_width(), window.get_height()
            )
            if pixbuf is not None:
                pixbuf.savev(out, "png", [], [])
                print("saved", out, pixbuf.get_width(), pixbuf.get_height(), flush=True)
                return 0
        time.sleep(0.5)
    titles = [_title(display, w) for w in _children(display, X11.XDefaultRootWindow(display))]
    print(f"no window titled {prefix!r}* appeared; windows: {[t for t in titles if t]}", flush=True)
    return 1


sys.exit(main())
