"""A build that fails or is killed leaves the previous outputs (and the identity lock) byte-for-byte intact."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

from compiler.app import cli
from compiler.frontend.parallel import PARALLEL_MIN_BYTES
from compiler.model import backend as backends
from compiler.model.atomic import sweep_stale_temps, write_all
from compiler.model.backend import Output
from compiler.model.errors import BackendError, OutputError

FORMATS = "json,csv"
CACHE_DIR = ".cache"


def snapshot(*folders: Path) -> dict[str, bytes]:
    """Every file under the folders, by path, with its bytes (the rebuild cache is not an output)."""
    files = (p for folder in folders for p in sorted(folder.rglob("*")) if p.is_file())
    return {str(p): p.read_bytes() for p in files if CACHE_DIR not in p.parts}


def temp_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.tmp"))


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the sample course built once, then edited so the next build would change every output."""
    src = tmp_path / "notes"
    shutil.copytree(SAMPLE, src)
    out = tmp_path / "out"
    assert cli.main(["build", str(src), "-o", str(out), "--format", FORMATS, "-q"]) == 0
    assert (src / "studyc.lock").is_file()
    chapter = src / "01-streams.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nQ: A new question?\n\nA: A new answer.\n")
    return src, out


def test_crashing_backend_is_a_clean_error_and_writes_nothing(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src, out = built
    before = snapshot(out, src)
    real_load = backends.load

    def load(name: str) -> backends.Render:
        if name == "csv":  # the second format: json has already rendered by now

            def boom(course: object, options: object, diags: object) -> list[Output]:
                raise RuntimeError("boom")

            return boom
        return real_load(name)

    monkeypatch.setattr(backends, "load", load)
    monkeypatch.delenv("STUDYC_DEBUG", raising=False)
    capsys.readouterr()
    assert cli.main(["build", str(src), "-o", str(out), "--format", FORMATS]) == BackendError.exit_code
    err = capsys.readouterr().err
    assert "the csv backend failed (RuntimeError: boom); no output was written" in err
    assert "Traceback" not in err
    assert snapshot(out, src) == before
    assert temp_files(out) == temp_files(src) == []


def test_output_that_cannot_be_written_leaves_every_old_output(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src, out = built
    (out / "blocked").write_text("a file where the backend wants a folder\n")
    before = snapshot(out, src)
    real_load = backends.load

    def load(name: str) -> backends.Render:
        render = real_load(name)
        if name != "csv":
            return render

        def second_fails(course: object, options: backends.Options, diags: object) -> list[Output]:
            extra = Output("blocked/extra.txt", b"never written\n")
            return [*render(course, options, diags), extra]  # type: ignore[arg-type]

        return second_fails

    monkeypatch.setattr(backends, "load", load)
    capsys.readouterr()
    assert cli.main(["build", str(src), "-o", str(out), "--format", FORMATS]) == OutputError.exit_code
    err = capsys.readouterr().err
    assert "cannot write" in err and "blocked/extra.txt" in err
    assert "Traceback" not in err
    assert snapshot(out, src) == before
    assert temp_files(out) == temp_files(src) == []


def test_write_all_stages_everything_before_renaming(tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "sub" / "b.txt"
    first.write_bytes(b"old a")
    (tmp_path / "sub").write_bytes(b"a file, so sub/ cannot be a folder")
    with pytest.raises(OutputError, match=r"cannot write .*b\.txt"):
        write_all([(first, b"new a"), (second, b"new b")])
    assert first.read_bytes() == b"old a"
    assert temp_files(tmp_path) == []
    (tmp_path / "sub").unlink()
    assert write_all([(first, b"new a"), (second, b"new b")]) == ([first, second], [])
    assert write_all([(first, b"new a")]) == ([], [first])
    assert first.read_bytes() == b"new a" and second.read_bytes() == b"new b"


def test_sweep_removes_only_temp_files_of_dead_writers(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".x.json.{dead_pid}.abc123.tmp"
    mine = tmp_path / f".x.json.{os.getpid()}.def456.tmp"
    other = tmp_path / "notes.tmp"
    for path in (stale, mine, other):
        path.write_bytes(b"partial")
    assert sweep_stale_temps(tmp_path) == [stale]
    assert mine.exists() and other.exists()


def test_cache_writes_sweep_a_killed_builds_temp_files(built: tuple[Path, Path]) -> None:
    src, out = built
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    cache = out / CACHE_DIR
    assert cache.is_dir()
    stale = cache / "parse" / f".entry.pickle.{int(dead.stdout)}.abc123.tmp"
    stale.write_bytes(b"partial")
    # the edit in `built` makes this build store a new cache entry next to the leftover
    assert cli.main(["build", str(src), "-o", str(out), "--format", FORMATS, "-q"]) == 0
    assert not stale.exists()
    assert temp_files(cache) == []


# -- killing a real build process -------------------------------------------------------

STALL_BEFORE_RENAME = """
import os, pathlib, sys, time
def stall(src, dst):
    pathlib.Path(sys.argv[1]).write_text(str(src))
    time.sleep(600)
os.replace = stall
from compiler.app.cli import main
sys.exit(main(sys.argv[2:]))
"""


def proc_wait(proc: subprocess.Popen[bytes]) -> None:
    """Give the build a moment (returns early if it exits)."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=0.05)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGKILL)  # the build and any parse workers it forked
    proc.wait(timeout=60)


def _build(src: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "compiler", "build", str(src), "-o", str(out), "--format", FORMATS, "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_build_killed_between_staging_and_renaming(built: tuple[Path, Path], tmp_path: Path) -> None:
    src, out = built
    before = snapshot(out, src)
    marker = tmp_path / "staged"
    args = ["build", str(src), "-o", str(out), "--format", FORMATS, "-q"]
    proc = subprocess.Popen([sys.executable, "-c", STALL_BEFORE_RENAME, str(marker), *args], start_new_session=True)
    try:
        while not marker.exists():  # the child writes it once the first temp file is complete
            assert proc.poll() is None, "the build ended before it staged an output"
            proc_wait(proc)
    finally:
        _kill(proc)
    assert Path(marker.read_text()).name.endswith(".tmp")
    assert snapshot(out, src) == {**before, **{str(p): p.read_bytes() for p in temp_files(out) + temp_files(src)}}
    assert temp_files(out) + temp_files(src), "the killed build should have left its staged temp file"
    done = _build(src, out)
    assert done.returncode == 0, done.stderr
    assert temp_files(out) == temp_files(src) == []
    assert snapshot(out) != {k: v for k, v in before.items() if k.startswith(str(out))}


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


PAD = " Records keep their order within a shard, are stored three times and serve many readers."


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see the build running")
def test_build_killed_while_running_on_a_large_course(tmp_path: Path) -> None:
    src, out = tmp_path / "big", tmp_path / "out"
    src.mkdir()
    (src / "course.md").write_text("---\ntitle: Big\nexam: Big (BIG-01)\n---\n", encoding="utf-8")

    def chapters(sections: int) -> None:
        for c in range(10):
            cards = "".join(
                f"## Section {i}\n\nQ: Question {c}-{i} about **streams**?\n\n"
                f"A: Answer {i} with `code` and $x^{i}$.{PAD}\n\n"
                f"C: Records stay {{{{c1::{i} hours}}}} in chapter {c}.\n\n"
                for i in range(sections)
            )
            (src / f"{c:02d}-chapter-{c}.md").write_text(f"---\ntitle: Chapter {c}\n---\n{cards}", encoding="utf-8")

    chapters(2)  # the outputs and lock the killed build must leave: a small build makes them
    first = _build(src, out)
    assert first.returncode == 0, first.stderr[-2000:]
    # then 5,000 cards: seconds of work to kill into, and enough text (padded answers) to parse on several
    # processes; every file changes, so no parse comes from the cache
    chapters(250)
    assert sum(p.stat().st_size for p in src.glob("*.md")) > PARALLEL_MIN_BYTES
    before = snapshot(out, src)
    args = [sys.executable, "-m", "compiler", "build", str(src), "-o", str(out), "--format", FORMATS, "-q"]
    proc = subprocess.Popen(args, cwd=ROOT, start_new_session=True)
    try:
        # wait until it has done real work (half a second of CPU), well before it can finish
        while _cpu_ticks(proc.pid) < os.sysconf("SC_CLK_TCK") // 2:
            assert proc.poll() is None, "the build finished before it could be killed; make the course bigger"
            proc_wait(proc)
    finally:
        _kill(proc)
    assert proc.returncode == -signal.SIGKILL
    leftovers = temp_files(out) + temp_files(src)
    assert snapshot(out, src) == {**before, **{str(p): p.read_bytes() for p in leftovers}}
    again = _build(src, out)
    assert again.returncode == 0, again.stderr[-2000:]
    assert temp_files(out) == temp_files(src) == []
    assert snapshot(out) != {k: v for k, v in before.items() if k.startswith(str(out))}


def test_write_atomic_says_whether_it_wrote(tmp_path: Path) -> None:
    from compiler.model.atomic import write_atomic

    target = tmp_path / "deep" / "er" / "out.json"
    assert write_atomic(target, b"one") is True  # missing folders are made
    assert write_atomic(target, b"one") is False
    assert write_atomic(target, b"two") is True  # same size, other bytes
    assert target.read_bytes() == b"two"
    assert write_atomic(target, b"") is True and target.read_bytes() == b""
    assert write_atomic(target, b"") is False
    assert temp_files(tmp_path) == []


def test_a_rewritten_file_keeps_its_mode_and_a_new_one_follows_the_umask(tmp_path: Path) -> None:
    old = tmp_path / "old.txt"
    old.write_bytes(b"old")
    old.chmod(0o640)
    write_all([(old, b"new")])
    assert old.stat().st_mode & 0o7777 == 0o640
    for mask, mode in ((0o027, 0o640), (0o002, 0o664)):  # 0o666 less the umask, as open() would give
        umask = os.umask(mask)
        try:
            new = tmp_path / f"new-{mask:o}.txt"
            write_all([(new, b"new")])
        finally:
            os.umask(umask)
        assert new.stat().st_mode & 0o7777 == mode
        assert os.umask(umask) == umask  # the umask was left as it was


def test_a_failed_write_names_the_file_and_leaves_no_temp(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    target = blocked / "out.json"
    target.mkdir()  # a folder where the file should go: the rename fails
    (target / "inside").write_bytes(b"x")
    with pytest.raises(OutputError) as info:
        write_all([(tmp_path / "first.json", b"1"), (target, b"2")])
    cause = info.value.__cause__
    assert isinstance(cause, OSError) and cause.strerror
    assert str(info.value) == (
        f"cannot write {target}: {cause.strerror}; check the folder's permissions and free space "
        "(earlier outputs are unchanged)"
    )
    assert temp_files(tmp_path) == []
    assert info.value.__cause__ is not None


def test_sweep_reads_only_temp_names_and_survives_a_missing_folder(tmp_path: Path) -> None:
    from compiler.model import atomic

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    names = [
        f".out.json.{pid}.k2j3.tmp",  # a killed writer's temp: swept
        f"out.json.{pid}.k2j3.tmp",  # no leading dot: not ours
        f".out.json.{pid}.k2j3.tmpx",  # another suffix
        f".out.json.x{pid}.k2j3.tmp",  # no pid
        f".{pid}.k2j3.tmp",  # no target name
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    assert atomic.sweep_stale_temps(tmp_path) == [tmp_path / names[0]]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:])
    assert atomic.sweep_stale_temps(tmp_path / "missing") == []
    assert atomic._alive(os.getpid()) and atomic._alive(1)  # this process; init, owned by someone
    assert not atomic._alive(pid)
    assert atomic._alive(2**80)  # not a pid the system can have: never touched
    folder = tmp_path / f".dir.{pid}.k2j3.tmp"
    folder.mkdir()  # named like a temp, but cannot be unlinked: left alone, no error
    assert atomic.sweep_stale_temps(tmp_path) == [] and folder.is_dir()


def test_no_sweep_where_a_dead_writer_cannot_be_told(monkeypatch: pytest.MonkeyPatch) -> None:
    from compiler.model import atomic

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    monkeypatch.setattr(atomic.os, "name", "nt")  # os.kill(pid, 0) would send Ctrl-C there
    assert atomic._alive(int(dead.stdout))


def test_asking_whether_a_writer_lives_sends_it_no_signal() -> None:
    from compiler.model import atomic

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert atomic._alive(child.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=0.5)
        assert child.poll() is None  # still running: probed with signal 0, not hung up on
    finally:
        child.kill()
        child.wait()
