"""Trial directories: the template (files before the run), fresh copies, in-place rewrites.

Images are written back *in place* (same inode: open, write, truncate) rather than by rename, so
that anything the engine keys on the data file's identity stays valid.
"""
import os
import shutil

LOG_SUFFIX = ".snapshot-log"


def is_log(name):
    return os.path.basename(name).endswith(LOG_SUFFIX)


def log_path(data_path):
    d, b = os.path.split(data_path)
    return os.path.join(d, "." + b + LOG_SUFFIX)


def snapshot_dir(root):
    """{relative path: bytes} of every regular file under root."""
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for n in files:
            p = os.path.join(dirpath, n)
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as fh:
                    out[os.path.relpath(p, root)] = fh.read()
    return out


def populate(root, files):
    """Make root hold exactly `files` ({relpath: bytes}); root is created fresh."""
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    for rel, content in files.items():
        write_in_place(os.path.join(root, rel), content)


def write_in_place(path, content):
    """Set a file's content (None = absent) keeping its inode when it exists."""
    if content is None:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        return
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        view = memoryview(content)
        off = 0
        while off < len(view):
            off += os.pwrite(fd, view[off:], off)
        os.ftruncate(fd, len(content))
    finally:
        os.close(fd)


def read_or_none(path):
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        return None


def data_files(root, template, histories):
    """Absolute realpaths of the data files a trial must check: every non-log file of the template
    and every file the commit trace names (a workload may create files)."""
    out = set()
    for rel in template:
        if not is_log(rel):
            out.add(os.path.realpath(os.path.join(root, rel)))
    out.update(histories)
    return sorted(out)
