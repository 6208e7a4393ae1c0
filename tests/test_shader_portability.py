"""Every GLSL program as the driver gets it (defines, generated weights, #line) passes Khronos' reference
compiler, glslangValidator, for its own #version. Mesa accepts things stricter drivers refuse (NVIDIA, AMD and
Apple's GLSL front ends differ); the reference compiler follows the specification."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from performer.render.cppn_renderer import WEIGHT_MODES, CppnRenderer
from performer.render.hud import Hud
from performer.render.previews import LatentPreviews
from performer.render.program import SHADER_DIR
from performer.render.weights import CppnWeights

pytestmark = pytest.mark.skipif(
    shutil.which("glslangValidator") is None,
    reason="glslangValidator is not installed (setup.sh installs glslang-tools)",
)


def validate(source: str, stage: str, tmp_path) -> subprocess.CompletedProcess:
    path = tmp_path / f"shader.{'frag' if stage == 'FRAGMENT_SHADER' else 'vert'}"
    path.write_text(source)
    return subprocess.run(["glslangValidator", str(path)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("mode", WEIGHT_MODES)
def test_cppn_program_passes_the_reference_compiler(ctx, random_model_file, mode, tmp_path):
    renderer = CppnRenderer(ctx, CppnWeights.from_file(random_model_file[0]), mode)
    try:
        for stage, source in renderer.program.sources().items():
            assert source.startswith("#version 330 core")
            result = validate(source, stage, tmp_path)
            assert result.returncode == 0, f"{mode} {stage}:\n{result.stdout}"
    finally:
        renderer.release()


def test_hud_and_previews_programs_pass_the_reference_compiler(ctx, random_model_file, tmp_path):
    renderer = CppnRenderer(ctx, CppnWeights.from_file(random_model_file[0]), "texture")
    hud, previews = Hud(ctx), LatentPreviews(renderer)
    try:
        for program in (hud.program, previews.program):
            for stage, source in program.sources().items():
                result = validate(source, stage, tmp_path)
                assert result.returncode == 0, f"{program.name} {stage}:\n{result.stdout}"
    finally:
        previews.release()
        hud.release()
        renderer.release()


def test_the_reference_compiler_refuses_what_330_does_not_have(tmp_path):
    """The check can fail: double precision arrived in GLSL 4.00."""
    source = "#version 330 core\nout vec4 c;\nvoid main() { double d = 1.0; c = vec4(float(d)); }\n"
    result = validate(source, "FRAGMENT_SHADER", tmp_path)
    assert result.returncode != 0 and "ERROR" in result.stdout


# Deprecated in 3.30 and gone in a forward-compatible context (what macOS gives); glslang still accepts them.
REMOVED = re.compile(r"\b(gl_FragColor|gl_FragData|texture2D|texture3D|textureCube|attribute|varying)\b")


@pytest.mark.parametrize("name", ["cppn", "hud", "previews"])
def test_no_identifier_a_forward_compatible_context_removes(name):
    text = (SHADER_DIR / f"{name}.glsl").read_text()
    code = "\n".join(line.split("//")[0] for line in text.splitlines())  # comments may say anything
    assert REMOVED.findall(code) == []
