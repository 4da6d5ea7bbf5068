"""The suite's split into in-process and serial test files (tests/conftest.py) stays true:
every entry names test files that exist, and the in-process exceptions sit inside a serial
folder (elsewhere they would say nothing). The halves themselves are `-m serial` and
`-m "not serial"`: complements, so no test falls between them."""

from __future__ import annotations

import pytest

from tests.conftest import IN_PROCESS, SERIAL, TESTS, is_serial, relative

TEST_FILES = sorted(TESTS.rglob("test_*.py"))


@pytest.mark.parametrize("entry", SERIAL)
def test_every_serial_entry_names_test_files(entry):
    assert any(relative(path) == entry or relative(path).startswith(entry) for path in TEST_FILES)
    if not entry.endswith("/"):
        assert (TESTS / entry).is_file()


@pytest.mark.parametrize("entry", IN_PROCESS)
def test_every_in_process_exception_is_a_test_file_in_a_serial_folder(entry):
    assert (TESTS / entry).is_file()
    assert any(entry.startswith(folder) for folder in SERIAL if folder.endswith("/"))
    assert not is_serial(TESTS / entry)
