import os

import pytest

from travel_ner.files import write_atomic


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_write_atomic_gives_the_mode_of_the_umask(tmp_path, umask, mode):
    """As any file the user creates, not mkstemp's private 0600."""
    old = os.umask(umask)
    try:
        write_atomic(tmp_path / "sub" / "out.txt", "texte\n")
        assert os.umask(umask) == umask  # left as it was
    finally:
        os.umask(old)
    path = tmp_path / "sub" / "out.txt"
    assert path.read_text(encoding="utf-8") == "texte\n"
    assert path.stat().st_mode & 0o777 == mode
    assert [p.name for p in path.parent.iterdir()] == ["out.txt"]  # no temporary file left
