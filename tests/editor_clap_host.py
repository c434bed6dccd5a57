"""A minimal CLAP host in ctypes, run as a child process by the editor tests.

``python editor_clap_host.py PLUGIN.clap SECONDS [--destroy-open] [--resize WxH]`` loads the
plugin, creates one instance, opens its editor (``clap.gui``: create x11, set_parent on a
plain Xlib top-level window, show), services ``request_callback`` (``on_main_thread``) for
SECONDS, optionally resizes, then hides and destroys the editor (or, with
``--destroy-open``, destroys the plugin with the editor still open), and prints one JSON line
with what happened. A crash of the plugin kills this child, never the test run.

It exists for the editor's own smoke tests (``tests/test_editor.py``); the proof in real
hosts (clack-host, pedalboard/editorhost) lives with the host tests.
"""

from __future__ import annotations

import ctypes as C
import json
import sys
import time

# -- Xlib: a plain top-level window, as a host gives its plugin -----------------------------

_x11 = C.CDLL("libX11.so.6")
_x11.XOpenDisplay.restype = C.c_void_p
_x11.XOpenDisplay.argtypes = [C.c_char_p]
_x11.XDefaultRootWindow.restype = C.c_ulong
_x11.XDefaultRootWindow.argtypes = [C.c_void_p]
_x11.XCreateSimpleWindow.restype = C.c_ulong
_x11.XCreateSimpleWindow.argtypes = [C.c_void_p, C.c_ulong, C.c_int, C.c_int, C.c_uint,
                                     C.c_uint, C.c_uint, C.c_ulong, C.c_ulong]
_x11.XStoreName.argtypes = [C.c_void_p, C.c_ulong, C.c_char_p]
_x11.XMapWindow.argtypes = [C.c_void_p, C.c_ulong]
_x11.XFlush.argtypes = [C.c_void_p]
_x11.XPending.argtypes = [C.c_void_p]
_x11.XNextEvent.argtypes = [C.c_void_p, C.c_void_p]
_x11.XDestroyWindow.argtypes = [C.c_void_p, C.c_ulong]
_x11.XCloseDisplay.argtypes = [C.c_void_p]

#: The host window's title (tests find it with `xdotool search --name`).
WINDOW_TITLE = b"wavecraft-test-host"


def open_window(width: int, height: int, name: bytes | None = None) -> tuple[int, int]:
    """A mapped top-level window on display ``name`` (default: $DISPLAY): (display, id)."""
    display = _x11.XOpenDisplay(name)
    if not display:
        raise SystemExit("no X display (set DISPLAY)")
    root = _x11.XDefaultRootWindow(display)
    window = _x11.XCreateSimpleWindow(display, root, 0, 0, width, height, 0, 0, 0xFFFFFF)
    _x11.XStoreName(display, window, WINDOW_TITLE)
    _x11.XMapWindow(display, window)
    _x11.XFlush(display)
    return display, window


def close_window(display: int, window: int) -> None:
    _x11.XDestroyWindow(display, window)
    _x11.XCloseDisplay(display)


def drain_x(display: int) -> None:
    event = C.create_string_buffer(192)
    while _x11.XPending(display):
        _x11.XNextEvent(display, event)


# -- CLAP ABI (the parts used here) ----------------------------------------------------------

class Version(C.Structure):
    _fields_ = [("major", C.c_uint32), ("minor", C.c_uint32), ("revision", C.c_uint32)]


class Host(C.Structure):
    pass


GET_EXT = C.CFUNCTYPE(C.c_void_p, C.POINTER(Host), C.c_char_p)
HOST_FN = C.CFUNCTYPE(None, C.POINTER(Host))
Host._fields_ = [
    ("clap_version", Version), ("host_data", C.c_void_p), ("name", C.c_char_p),
    ("vendor", C.c_char_p), ("url", C.c_char_p), ("version", C.c_char_p),
    ("get_extension", GET_EXT), ("request_restart", HOST_FN), ("request_process", HOST_FN),
    ("request_callback", HOST_FN),
]


RESIZE = C.CFUNCTYPE(C.c_bool, C.POINTER(Host), C.c_uint32, C.c_uint32)
HOST_BOOL = C.CFUNCTYPE(C.c_bool, C.POINTER(Host))
CLOSED = C.CFUNCTYPE(None, C.POINTER(Host), C.c_bool)


class HostGui(C.Structure):
    _fields_ = [("resize_hints_changed", HOST_FN), ("request_resize", RESIZE),
                ("request_show", HOST_BOOL), ("request_hide", HOST_BOOL), ("closed", CLOSED)]


class Plugin(C.Structure):
    pass


P = C.POINTER(Plugin)
Plugin._fields_ = [
    ("desc", C.c_void_p), ("plugin_data", C.c_void_p),
    ("init", C.CFUNCTYPE(C.c_bool, P)), ("destroy", C.CFUNCTYPE(None, P)),
    ("activate", C.CFUNCTYPE(C.c_bool, P, C.c_double, C.c_uint32, C.c_uint32)),
    ("deactivate", C.CFUNCTYPE(None, P)), ("start_processing", C.CFUNCTYPE(C.c_bool, P)),
    ("stop_processing", C.CFUNCTYPE(None, P)), ("reset", C.CFUNCTYPE(None, P)),
    ("process", C.c_void_p), ("get_extension", C.CFUNCTYPE(C.c_void_p, P, C.c_char_p)),
    ("on_main_thread", C.CFUNCTYPE(None, P)),
]


class Window(C.Structure):
    _fields_ = [("api", C.c_char_p), ("x11", C.c_ulong)]


class Gui(C.Structure):
    _fields_ = [
        ("is_api_supported", C.CFUNCTYPE(C.c_bool, P, C.c_char_p, C.c_bool)),
        ("get_preferred_api", C.c_void_p),
        ("create", C.CFUNCTYPE(C.c_bool, P, C.c_char_p, C.c_bool)),
        ("destroy", C.CFUNCTYPE(None, P)),
        ("set_scale", C.CFUNCTYPE(C.c_bool, P, C.c_double)),
        ("get_size", C.CFUNCTYPE(C.c_bool, P, C.POINTER(C.c_uint32), C.POINTER(C.c_uint32))),
        ("can_resize", C.CFUNCTYPE(C.c_bool, P)),
        ("get_resize_hints", C.c_void_p),
        ("adjust_size", C.c_void_p),
        ("set_size", C.CFUNCTYPE(C.c_bool, P, C.c_uint32, C.c_uint32)),
        ("set_parent", C.CFUNCTYPE(C.c_bool, P, C.POINTER(Window))),
        ("set_transient", C.c_void_p), ("suggest_title", C.c_void_p),
        ("show", C.CFUNCTYPE(C.c_bool, P)), ("hide", C.CFUNCTYPE(C.c_bool, P)),
    ]


class ParamInfo(C.Structure):
    _fields_ = [("id", C.c_uint32), ("flags", C.c_uint32), ("cookie", C.c_void_p),
                ("name", C.c_char * 256), ("module", C.c_char * 1024), ("min_value", C.c_double),
                ("max_value", C.c_double), ("default_value", C.c_double)]


class EventHeader(C.Structure):
    _fields_ = [("size", C.c_uint32), ("time", C.c_uint32), ("space_id", C.c_uint16),
                ("type", C.c_uint16), ("flags", C.c_uint32)]


class InEvents(C.Structure):
    _fields_ = [("ctx", C.c_void_p), ("size", C.CFUNCTYPE(C.c_uint32, C.c_void_p)),
                ("get", C.CFUNCTYPE(C.c_void_p, C.c_void_p, C.c_uint32))]


class OutEvents(C.Structure):
    _fields_ = [("ctx", C.c_void_p),
                ("try_push", C.CFUNCTYPE(C.c_bool, C.c_void_p, C.POINTER(EventHeader)))]


class Params(C.Structure):
    _fields_ = [("count", C.CFUNCTYPE(C.c_uint32, P)),
                ("get_info", C.CFUNCTYPE(C.c_bool, P, C.c_uint32, C.POINTER(ParamInfo))),
                ("get_value", C.CFUNCTYPE(C.c_bool, P, C.c_uint32, C.POINTER(C.c_double))),
                ("value_to_text", C.c_void_p), ("text_to_value", C.c_void_p),
                ("flush", C.CFUNCTYPE(None, P, C.POINTER(InEvents), C.POINTER(OutEvents)))]

#: CLAP event types a gesture from the editor sends: begin, value, end.
GESTURE_BEGIN, PARAM_VALUE, GESTURE_END = 7, 5, 8


def flush(plugin: C._Pointer[Plugin], seen: list[int]) -> None:
    """``params.flush`` (no input events): the plugin hands over what its GUI queued; the
    event types it pushes are appended to ``seen``."""
    params = Params.from_address(plugin.contents.get_extension(plugin, b"clap.params"))
    inputs = InEvents(None, InEvents._fields_[1][1](lambda _ctx: 0),
                      InEvents._fields_[2][1](lambda _ctx, _i: None))

    def push(_ctx: object, header: C._Pointer[EventHeader]) -> bool:
        seen.append(int(header.contents.type))
        return True

    outputs = OutEvents(None, OutEvents._fields_[1][1](push))
    params.flush(plugin, C.pointer(inputs), C.pointer(outputs))


def param_values(plugin: C._Pointer[Plugin]) -> dict[str, float]:
    """Every parameter's current plain value, by name, through the host's view (clap.params)."""
    params = Params.from_address(plugin.contents.get_extension(plugin, b"clap.params"))
    out = {}
    for index in range(params.count(plugin)):
        info, value = ParamInfo(), C.c_double()
        params.get_info(plugin, index, C.byref(info))
        params.get_value(plugin, info.id, C.byref(value))
        out[info.name.decode()] = value.value
    return out


class Descriptor(C.Structure):
    _fields_ = [("clap_version", Version), ("id", C.c_char_p), ("name", C.c_char_p)]


class Entry(C.Structure):
    _fields_ = [("clap_version", Version), ("init", C.CFUNCTYPE(C.c_bool, C.c_char_p)),
                ("deinit", C.CFUNCTYPE(None)), ("get_factory", C.CFUNCTYPE(C.c_void_p, C.c_char_p))]


class Factory(C.Structure):
    _fields_ = [("get_plugin_count", C.CFUNCTYPE(C.c_uint32, C.c_void_p)),
                ("get_plugin_descriptor", C.CFUNCTYPE(C.c_void_p, C.c_void_p, C.c_uint32)),
                ("create_plugin", C.CFUNCTYPE(P, C.c_void_p, C.POINTER(Host), C.c_char_p))]


def main(argv: list[str]) -> int:
    path, seconds = argv[0], float(argv[1])
    destroy_open = "--destroy-open" in argv
    resize = next((a.split("x") for a in argv if "x" in a and a[0].isdigit()), None)
    wanted = {"callback": 0}
    callbacks = {"served": 0}
    events: list[int] = []
    report: dict[str, object] = {}

    gui_ext = HostGui(HOST_FN(lambda h: None), RESIZE(lambda h, w, ht: True),
                      HOST_BOOL(lambda h: True), HOST_BOOL(lambda h: True),
                      CLOSED(lambda h, d: None))

    def get_extension(_host: object, name: bytes) -> int | None:
        return C.addressof(gui_ext) if name == b"clap.gui" else None

    def request_callback(_host: object) -> None:
        wanted["callback"] += 1

    noop = HOST_FN(lambda h: None)
    host = Host(Version(1, 2, 0), None, b"wavecraft-test-host", b"wavecraft", b"", b"0.1",
                GET_EXT(get_extension), noop, noop, HOST_FN(request_callback))
    lib = C.CDLL(path)
    entry = Entry.in_dll(lib, "clap_entry")
    assert entry.init(path.encode())
    factory = Factory.from_address(entry.get_factory(b"clap.plugin-factory"))
    descriptor = Descriptor.from_address(factory.get_plugin_descriptor(C.addressof(factory), 0))
    plugin = factory.create_plugin(C.addressof(factory), C.pointer(host), descriptor.id)
    assert plugin and plugin.contents.init(plugin)
    gui = Gui.from_address(plugin.contents.get_extension(plugin, b"clap.gui"))
    width, height = C.c_uint32(), C.c_uint32()
    report["created"] = bool(gui.create(plugin, b"x11", False))
    gui.get_size(plugin, C.byref(width), C.byref(height))
    report["size"] = [width.value, height.value]
    report["can_resize"] = bool(gui.can_resize(plugin))
    display, window = open_window(width.value, height.value)
    report["window"] = window
    report["set_parent"] = bool(gui.set_parent(plugin, C.pointer(Window(b"x11", window))))
    report["show"] = bool(gui.show(plugin))
    print(json.dumps({"opened": window}), flush=True)
    deadline = time.monotonic() + seconds
    resized = False
    while time.monotonic() < deadline:
        drain_x(display)
        if wanted["callback"]:
            wanted["callback"] = 0
            callbacks["served"] += 1
            plugin.contents.on_main_thread(plugin)
            flush(plugin, events)
        if resize and not resized and time.monotonic() > deadline - seconds / 2:
            resized = True
            report["set_size"] = bool(gui.set_size(plugin, int(resize[0]), int(resize[1])))
        time.sleep(0.01)
    report["values"] = param_values(plugin)
    report["main_thread_callbacks"] = callbacks["served"]
    report["output_events"] = events
    started = time.monotonic()
    if not destroy_open:
        gui.hide(plugin)
        gui.destroy(plugin)
    plugin.contents.destroy(plugin)
    report["close_s"] = round(time.monotonic() - started, 3)
    entry.deinit()
    close_window(display, window)
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
