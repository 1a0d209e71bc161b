"""Writing outputs whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a crash leaves either the old file or the new one.

    mkstemp makes the file private (0600); it gets the mode a plain ``open`` would
    give (0666 less the umask), so that an output is as readable as any other file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            os.fchmod(handle.fileno(), 0o666 & ~current_umask())
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def current_umask() -> int:
    """The process's umask. os.umask is the only portable way to read it, by setting it and
    back; meanwhile it is 0o077, so that a file another thread creates is private, never too open."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask
