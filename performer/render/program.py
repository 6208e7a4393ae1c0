"""Single-file GLSL programs loaded by name from shaders/, with injected #defines and error lines that
point at the file (the moderngl-window convention: one file, VERTEX_SHADER / FRAGMENT_SHADER sections)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import moderngl

from performer.paths import SHADER_DIR

log = logging.getLogger(__name__)

GLSL_VERSION = "#version 330 core"
STAGES = ("VERTEX_SHADER", "FRAGMENT_SHADER")

# Driver line references: Mesa "0:12(5):", NVIDIA "0(12) :", AMD/Apple "ERROR: 0:12:".
DRIVER_LINE = re.compile(r"(?<![\w.])0[:(](\d+)\)?(?:\((\d+)\))?")


class ShaderError(Exception):
    """A program that did not compile or link; the message names file:line as the editor shows it."""

    def __init__(self, message: str, path: Path, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


def build_source(text: str, stage: str, defines: dict[str, object], prelude: str = "") -> str:
    """The file's text for one stage: our #version and #defines first, then `#line` so that the driver's
    line numbers are the file's own (the file's #version line is dropped, its line count kept)."""
    lines = text.splitlines()
    start = 0
    for index, line in enumerate(lines):
        if line.strip().startswith("#version"):
            start = index + 1
            break
    header = [GLSL_VERSION, f"#define {stage}"]
    header += [f"#define {name} {value}" for name, value in defines.items()]
    if prelude:
        header.append(prelude)
    header.append(f"#line {start + 1} 0")  # GLSL 3.30+: the line after the directive is numbered start+1
    return "\n".join(header + lines[start:]) + "\n"


def describe_error(message: str, path: Path) -> tuple[str, int | None]:
    """Rewrite driver line references to file:line and keep only the lines that say something."""
    first_line: int | None = None

    def replace(match: re.Match) -> str:
        nonlocal first_line
        line = int(match.group(1))
        first_line = line if first_line is None else first_line
        column = f":{match.group(2)}" if match.group(2) else ""
        return f"{path.name}:{line}{column}"

    kept = []
    for raw in message.splitlines():
        raw = raw.strip()
        if not raw or set(raw) <= {"="} or raw in ("GLSL Compiler failed", "vertex_shader", "fragment_shader"):
            continue
        kept.append(DRIVER_LINE.sub(replace, raw, count=1).replace("ERROR: ", ""))
    return "\n".join(kept) or message.strip(), first_line


def load_program(
    ctx: moderngl.Context,
    name: str,
    defines: dict[str, object] | None = None,
    prelude: str = "",
    directory: Path = SHADER_DIR,
) -> moderngl.Program:
    """Compile shaders/NAME.glsl, or raise ShaderError naming file:line."""
    path = Path(directory) / f"{name}.glsl"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ShaderError(f"{path}: cannot read shader ({exc.strerror})", path) from exc
    defines = dict(defines or {})
    sources = {stage: build_source(text, stage, defines, prelude) for stage in STAGES}
    try:
        return ctx.program(vertex_shader=sources["VERTEX_SHADER"], fragment_shader=sources["FRAGMENT_SHADER"])
    except moderngl.Error as exc:
        message, line = describe_error(str(exc), path)
        raise ShaderError(message, path, line) from exc


class ReloadableProgram:
    """A program that can be recompiled from its file; a failed compile keeps the last good program.

    Owners compare `generation` to know when to rebuild vertex arrays bound to the old program.
    """

    def __init__(
        self,
        ctx: moderngl.Context,
        name: str,
        defines: dict[str, object] | None = None,
        prelude: str = "",
        directory: Path = SHADER_DIR,
    ) -> None:
        self.ctx, self.name, self.directory = ctx, name, Path(directory)
        self.defines, self.prelude = dict(defines or {}), prelude
        self.program = load_program(ctx, name, self.defines, prelude, self.directory)
        self.generation = 0
        self.error: ShaderError | None = None

    @property
    def path(self) -> Path:
        return self.directory / f"{self.name}.glsl"

    def sources(self) -> dict[str, str]:
        """What the driver is given for each stage (#version, #defines, prelude, #line): for tools and tests."""
        text = self.path.read_text(encoding="utf-8")
        return {stage: build_source(text, stage, self.defines, self.prelude) for stage in STAGES}

    def reload(self) -> bool:
        """Recompile; True if the new program is in use. On failure log the error and keep the old one."""
        try:
            program = load_program(self.ctx, self.name, self.defines, self.prelude, self.directory)
        except ShaderError as exc:
            self.error = exc
            log.error("shader %s did not compile, keeping the last good one:\n%s", self.path.name, exc)
            return False
        self.program.release()
        self.program = program
        self.generation += 1
        self.error = None
        log.info("reloaded shader %s", self.path.name)
        return True

    def release(self) -> None:
        self.program.release()
