"""Where Anki keeps its profiles: ``<base>/<profile>/collection.anki2``.

The base folder is ``$ANKI_BASE`` when set (Anki's own ``-b`` override), else
the platform's default: ``~/.local/share/Anki2`` (Linux), ``~/Library/Application
Support/Anki2`` (macOS), ``%APPDATA%\\Anki2`` (Windows).
"""

from __future__ import annotations

import difflib
import os
import sys
from pathlib import Path

from compiler.model.errors import UsageError

COLLECTION_FILE = "collection.anki2"
#: Folders in the base that are not profiles.
_NOT_PROFILES = {"addons21", "addons", "logs", "crash.log"}


def base_folder(platform: str | None = None, env: dict[str, str] | None = None) -> Path:
    """The folder holding Anki's profiles on this (or the given) platform."""
    env = dict(os.environ) if env is None else env
    platform = sys.platform if platform is None else platform
    if env.get("ANKI_BASE"):
        return Path(env["ANKI_BASE"]).expanduser()
    home = Path(env.get("HOME") or Path.home())
    if platform == "darwin":
        return home / "Library" / "Application Support" / "Anki2"
    if platform.startswith("win"):
        appdata = env.get("APPDATA")
        return (Path(appdata) if appdata else home / "AppData" / "Roaming") / "Anki2"
    data = env.get("XDG_DATA_HOME")
    return (Path(data) if data else home / ".local" / "share") / "Anki2"


def profiles(base: Path | None = None) -> list[str]:
    """Profile names: folders of the base that hold a collection."""
    base = base_folder() if base is None else base
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if p.name not in _NOT_PROFILES and (p / COLLECTION_FILE).is_file())


def collection_path(profile: str, base: Path | None = None) -> Path:
    """The collection file of ``profile``; a clear error (with "did you mean") when there is none."""
    base = base_folder() if base is None else base
    path = base / profile / COLLECTION_FILE
    if path.is_file():
        return path
    known = profiles(base)
    if not known:
        raise UsageError(f"no Anki profiles in {base}; start Anki once, set ANKI_BASE, or pass --collection PATH")
    close = difflib.get_close_matches(profile, known, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else f"; profiles: {', '.join(known)}"
    raise UsageError(f"no Anki profile '{profile}' in {base}{hint}")
