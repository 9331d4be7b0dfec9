"""studyc.toml / [tool.studyc]: loading, every bad key at once, flags over the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE, studyc_here

from compiler.model.errors import ConfigError
from compiler.settings import Config, load_config


def _notes(tmp_path: Path) -> Path:
    src = tmp_path / "notes"
    shutil.copytree(SAMPLE, src, ignore=shutil.ignore_patterns("studyc.lock"))
    return src


def test_no_file_gives_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == Config()
    assert config.source is None


def test_studyc_toml_is_read_and_out_is_relative_to_it(tmp_path: Path) -> None:
    (tmp_path / "studyc.toml").write_text(
        'out = "dist"\nformats = ["json"]\npaper = "letter"\ndeck_depth = 3\nstrict = true\n'
        "[limits]\nmax_file_bytes = 2048\nmax_nesting = 10\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    assert config.out == tmp_path / "dist"
    assert config.formats == ("json",)
    assert (config.paper, config.deck_depth, config.strict) == ("letter", 3, True)
    limits = config.limits()
    assert (limits.max_file_bytes, limits.max_nesting) == (2048, 10)
    assert config.source == tmp_path / "studyc.toml"


def test_pyproject_tool_table_is_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.studyc]\nformats = "all"\n')
    config = load_config(tmp_path)
    assert config.formats is None
    assert config.keys == {"formats"}
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_config(tmp_path).source is None


def test_studyc_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.studyc]\ndeck_depth = 4\n")
    (tmp_path / "studyc.toml").write_text("deck_depth = 1\n")
    assert load_config(tmp_path).deck_depth == 1


def test_every_bad_key_is_listed_at_once_with_suggestions(tmp_path: Path) -> None:
    (tmp_path / "studyc.toml").write_text(
        'ot = "x"\nformts = ["json"]\npaper = "a5"\ndeck_depth = "2"\nmax_nesting = 3\n'
        'formats = ["jsn"]\n[limits]\nmax_file_byte = 10\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    text = str(info.value)
    assert "7 problem(s)" in text
    assert "ot: unknown key (did you mean 'out'?)" in text
    assert "formts: unknown key (did you mean 'formats'?)" in text
    assert "paper: must be one of a4, letter, got 'a5'" in text
    assert "deck_depth: must be an integer, got '2'" in text
    assert "max_nesting: unknown key (did you mean 'limits.max_nesting'?)" in text
    assert "formats: unknown format 'jsn' (did you mean 'json'?)" in text
    assert "limits.max_file_byte: unknown key (did you mean 'max_file_bytes'?)" in text
    assert info.value.exit_code == 3


def test_toml_syntax_error_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "studyc.toml").write_text("out = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path)


def test_bad_config_exits_3_without_traceback(tmp_path: Path) -> None:
    src = _notes(tmp_path)
    (src / "studyc.toml").write_text("strict = 1\nstrikt = true\n")
    proc = studyc_here("check", str(src))
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr
    assert "strict: must be true or false" in proc.stderr
    assert "strikt: unknown key (did you mean 'strict'?)" in proc.stderr


def test_cli_flags_override_the_file(tmp_path: Path) -> None:
    src = _notes(tmp_path)
    (src / "studyc.toml").write_text('out = "from-config"\nformats = ["json"]\nstrict = true\n')
    # A stray cloze is a warning: strict from the file fails the check, --no-strict passes it.
    (src / "03-extra.md").write_text("---\ntitle: Extra\n---\nSee {{c1::this}}.\n", encoding="utf-8")
    assert studyc_here("check", str(src)).returncode == 1
    assert studyc_here("check", str(src), "--no-strict").returncode == 0
    flag_out = tmp_path / "from-flag"
    built = studyc_here("build", str(src), "--no-strict", "-o", str(flag_out))
    assert built.returncode == 0, built.stderr
    # (.cache is the incremental-build cache, not an output)
    assert sorted(p.name for p in flag_out.iterdir() if p.name != ".cache") == ["sample.json", "sample.schema.json"]
    assert not (src / "from-config").exists()
    default_out = studyc_here("build", str(src), "--no-strict")
    assert default_out.returncode == 0, default_out.stderr
    assert (src / "from-config" / "sample.json").is_file()


def test_limits_from_the_file_reach_the_frontend(tmp_path: Path) -> None:
    src = _notes(tmp_path)
    (src / "studyc.toml").write_text("[limits]\nmax_file_bytes = 1024\n")
    proc = studyc_here("check", str(src))
    assert proc.returncode == 1
    assert "[file.too-large]" in proc.stderr


def test_image_limit_from_the_file_reaches_the_frontend(tmp_path: Path) -> None:
    src = _notes(tmp_path)
    image = src / "images" / "pipeline.png"
    image.write_bytes(image.read_bytes() + b"\0" * 2048)  # trailing bytes after IEND: still a PNG, now > 1 KiB
    assert studyc_here("check", str(src)).returncode == 0
    (src / "studyc.toml").write_text("[limits]\nmax_image_bytes = 1024\n")
    proc = studyc_here("check", str(src))
    assert proc.returncode == 1
    assert "[image.too-large]" in proc.stderr


def test_flag_values_get_the_same_range_checks(tmp_path: Path) -> None:
    src = _notes(tmp_path)
    proc = studyc_here("build", str(src), "--deck-depth", "0", "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "--deck-depth must be between 1 and 6, got 0" in proc.stderr
    assert not (tmp_path / "out").exists()
    assert Config().override(deck_depth=3, paper=None).deck_depth == 3
