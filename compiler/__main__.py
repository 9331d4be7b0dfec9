"""``python -m compiler``."""

from __future__ import annotations

from compiler.app.cli import main

raise SystemExit(main())
