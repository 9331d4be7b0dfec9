"""Finding Anki's profile folders on each platform, and a mistyped profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.anki.profiles import base_folder, collection_path, profiles
from compiler.model.errors import UsageError


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {"HOME": "/home/ann"}, "/home/ann/.local/share/Anki2"),
        ("linux", {"HOME": "/home/ann", "XDG_DATA_HOME": "/data"}, "/data/Anki2"),
        ("darwin", {"HOME": "/Users/ann"}, "/Users/ann/Library/Application Support/Anki2"),
        (
            "win32",
            {"HOME": "C:/Users/ann", "APPDATA": "C:/Users/ann/AppData/Roaming"},
            "C:/Users/ann/AppData/Roaming/Anki2",
        ),
        ("linux", {"HOME": "/home/ann", "ANKI_BASE": "/portable/anki"}, "/portable/anki"),
        ("darwin", {"HOME": "/Users/ann", "ANKI_BASE": "/Volumes/usb/Anki2"}, "/Volumes/usb/Anki2"),
    ],
)
def test_base_folder_per_platform(platform: str, env: dict[str, str], expected: str) -> None:
    assert base_folder(platform, env) == Path(expected)


def _profile(base: Path, name: str) -> Path:
    (base / name).mkdir(parents=True)
    (base / name / "collection.anki2").write_bytes(b"")
    return base / name / "collection.anki2"


def test_profiles_and_their_collections(tmp_path: Path) -> None:
    ann = _profile(tmp_path, "Ann")
    _profile(tmp_path, "User 1")
    (tmp_path / "addons21").mkdir()
    (tmp_path / "empty-folder").mkdir()
    assert profiles(tmp_path) == ["Ann", "User 1"]
    assert collection_path("Ann", tmp_path) == ann


def test_mistyped_profile_suggests_the_closest(tmp_path: Path) -> None:
    _profile(tmp_path, "User 1")
    _profile(tmp_path, "Ann")
    with pytest.raises(UsageError, match=r"no Anki profile 'user1' in .*; did you mean 'User 1'\?"):
        collection_path("user1", tmp_path)
    with pytest.raises(UsageError, match=r"profiles: Ann, User 1"):
        collection_path("zzzzzz", tmp_path)


def test_no_profiles_at_all(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no Anki profiles in .*--collection PATH"):
        collection_path("User 1", tmp_path / "missing")


def test_env_anki_base_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANKI_BASE", str(tmp_path))
    path = _profile(tmp_path, "Ann")
    assert collection_path("Ann") == path
