"""Arithmetic in a fragment shader as a compiler sees it: GLSL -> SPIR-V (glslangValidator), inlined and
folded (spirv-opt -O), then the float instructions counted by lanes. A check on counts worked out by hand
(export/cppn_glsl.py ShaderCost), and the same measure for performer's own shader.

Both tools come with Debian's glslang-tools (spirv-tools is its dependency); without them, None.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# Float instructions counted by the lanes of their result; a mat4 * vec4 is counted apart, as multiply-adds.
ARITHMETIC = {"OpFAdd", "OpFSub", "OpFMul", "OpFDiv", "OpFNegate", "OpVectorTimesScalar", "OpDot", "OpExtInst"}
INSTRUCTION = re.compile(r"^\s*(%\S+)\s*=\s*(Op\w+)\s+(%\S+)(.*)$")
# OpTypeFloat's operand is a literal width, not an id, so INSTRUCTION does not match it
FLOAT_TYPE = re.compile(r"^\s*(%\S+)\s*=\s*OpTypeFloat\s+\d+")


@dataclass(frozen=True)
class SpirvCounts:
    matrix_products: int  # OpMatrixTimesVector instructions
    matrix_macs: int  # their multiply-adds (rows x columns each)
    exp_lanes: int  # scalar exp evaluations (tanh is one each)
    other_lanes: int  # every other float arithmetic lane (adds, multiplies, mix, clamp, ...)
    sin_lanes: int = 0  # scalar sin evaluations: layer 0's sine units (ModelConfig.cppn_sine_units)

    @property
    def total_lanes(self) -> int:
        return self.matrix_macs + self.exp_lanes + self.sin_lanes + self.other_lanes


def tools_missing() -> str | None:
    for tool in ("glslangValidator", "spirv-opt", "spirv-dis"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: glslang-tools, spirv-tools)"
    return None


def _run(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {(result.stdout + result.stderr).strip()[-400:]}")
    return result.stdout


def disassemble(fragment_source: str) -> str:
    """The optimised SPIR-V's text. OpenGL SPIR-V with locations and bindings assigned; validation is
    skipped because SPIR-V for OpenGL has no bool uniforms, which GLSL (and ISF's bool inputs) do."""
    with tempfile.TemporaryDirectory() as folder:
        source, raw, optimised = (Path(folder) / name for name in ("shader.frag", "raw.spv", "opt.spv"))
        source.write_text(fragment_source)
        _run(["glslangValidator", "-G", "--aml", "--amb", "-o", str(raw), str(source)])
        _run(["spirv-opt", "--skip-validation", "-O", str(raw), "-o", str(optimised)])
        return _run(["spirv-dis", "--raw-id", str(optimised)])


def count_spirv(text: str) -> SpirvCounts:
    lanes: dict[str, int] = {}
    matrix_shape: dict[str, int] = {}
    counts: Counter[str] = Counter()
    macs = exp = sin = other = 0
    for line in text.splitlines():
        scalar = FLOAT_TYPE.match(line)
        if scalar is not None:  # scalar float results count one lane each
            lanes[scalar.group(1)] = 1
            continue
        match = INSTRUCTION.match(line)
        if match is None:
            continue
        result, op, first, rest = match.groups()
        if op == "OpTypeVector":
            lanes[result] = lanes.get(first, 1) * int(rest.split()[0])
        elif op == "OpTypeMatrix":
            matrix_shape[result] = lanes.get(first, 1) * int(rest.split()[0])
        elif op == "OpMatrixTimesVector":
            counts[op] += 1
            macs += matrix_shape.get(_type_of(text, rest.split()[0]), 16)
        elif op in ARITHMETIC and first in lanes:
            if op == "OpExtInst" and rest.split()[1] == "Exp":
                exp += lanes[first]
            elif op == "OpExtInst" and rest.split()[1] == "Sin":
                sin += lanes[first]
            else:
                other += lanes[first]
    return SpirvCounts(counts["OpMatrixTimesVector"], macs, exp, other, sin_lanes=sin)


def _type_of(text: str, value: str) -> str:
    """The type id of a value (the matrix operand of OpMatrixTimesVector: a constant or a loaded value)."""
    match = re.search(rf"^\s*{re.escape(value)}\s*=\s*Op\w+\s+(%\S+)", text, re.MULTILINE)
    return match.group(1) if match else ""


def spirv_counts(fragment_source: str) -> SpirvCounts | None:
    """None when the tools are not here; RuntimeError (with the tool's message) when a step fails."""
    if tools_missing() is not None:
        return None
    return count_spirv(disassemble(fragment_source))
