"""What the C client (libgfapi) shows of paths' extended attributes, from one mount: for each path
glfs_listxattr's and glfs_llistxattr's names, glfs_getxattr's value (hex) or errno for each name asked, and for a file
glfs_flistxattr's names on an fd of it. Prints one JSON object keyed by path.

usage: c_xattr.py PEER_PY HOST PORT VOLUME NAMES PATH... (NAMES: comma-separated, may be empty)"""
import ctypes, json, os, sys

sys.path.insert(0, os.path.dirname(sys.argv[1]))
from gfapi_peer import Peer  # noqa: E402

host, port, volume = sys.argv[2], int(sys.argv[3]), sys.argv[4]
names, paths = [n for n in sys.argv[5].split(",") if n], sys.argv[6:]
peer = Peer(volume, host=host, port=port)
lib = peer.lib
lib.glfs_listxattr.restype = ctypes.c_ssize_t
lib.glfs_listxattr.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t]
lib.glfs_llistxattr.restype = ctypes.c_ssize_t
lib.glfs_llistxattr.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t]
lib.glfs_flistxattr.restype = ctypes.c_ssize_t
lib.glfs_flistxattr.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
lib.glfs_getxattr.restype = ctypes.c_ssize_t
lib.glfs_getxattr.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t]


def names_of(buf, n, what):
    if n < 0:
        raise OSError(ctypes.get_errno(), what)
    return sorted(x.decode() for x in buf.raw[:n].split(b"\0") if x)


try:
    out = {}
    buf = ctypes.create_string_buffer(65536)
    for path in paths:
        view = {"list": names_of(buf, lib.glfs_listxattr(peer.fs, path.encode(), buf, len(buf)), "glfs_listxattr " + path), "values": {}}
        view["llist"] = names_of(buf, lib.glfs_llistxattr(peer.fs, path.encode(), buf, len(buf)), "glfs_llistxattr " + path)
        for name in names:
            v = ctypes.create_string_buffer(65536)
            r = lib.glfs_getxattr(peer.fs, path.encode(), name.encode(), v, len(v))
            view["values"][name] = {"errno": ctypes.get_errno()} if r < 0 else {"hex": v.raw[:r].hex()}
        if peer.stat(path)["type"] == "file":
            fd = peer.open(path)
            try:
                view["flist"] = names_of(buf, lib.glfs_flistxattr(fd, buf, len(buf)), "glfs_flistxattr " + path)
            finally:
                peer.close(fd)
        out[path] = view
    print(json.dumps(out))
finally:
    peer.fini()
