"""update_env_file: the named lines replaced where they are, the rest kept, mode 600."""

from __future__ import annotations

import stat

import pytest

from mmsite.envfile import update_env_file


def test_lines_are_replaced_in_place_and_the_rest_kept(tmp_path):
    path = tmp_path / ".env"
    path.write_text("# note\nexport A=1\nB = 2\nA=stale\nC=3  # keep me\n")
    path.chmod(0o644)
    update_env_file(path, {"A": "new", "D": "added"})
    assert path.read_text() == "# note\nA=new\nB = 2\nC=3  # keep me\nD=added\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [".env"]  # no temporary file left


def test_a_new_file_is_created_with_mode_600(tmp_path):
    path = tmp_path / ".env"
    update_env_file(path, {"TOKEN": "t"})
    assert path.read_text() == "TOKEN=t\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_value_spanning_lines_is_refused_and_nothing_changes(tmp_path):
    path = tmp_path / ".env"
    path.write_text("A=1\n")
    with pytest.raises(ValueError, match="cannot span lines"):
        update_env_file(path, {"A": "x\nB=injected"})
    assert path.read_text() == "A=1\n"
