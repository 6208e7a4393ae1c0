"""`performer play` in a real GLFW window on its own Xvfb, and its one-line errors without one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import imageio.v3 as iio
import pytest
import torch
from xvfb import virtual_display

from performer.model.checkpoint import save_model
from performer.model.config import ModelConfig
from performer.model.cppn import CPPN, Encoder


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    torch.manual_seed(2)
    config = ModelConfig()
    generator = CPPN(config)
    with torch.no_grad():
        for layer in generator.modules():
            if isinstance(layer, torch.nn.Linear):
                layer.weight.normal_(0.0, 1.0)
    return save_model(tmp_path_factory.mktemp("model") / "m.safetensors", config, generator, Encoder(config))


@pytest.fixture(scope="module")
def display():
    yield from virtual_display("640x480x24")


def run_cli(args, env_update, timeout=120):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(env_update)
    return subprocess.run(
        [sys.executable, "-m", "performer.cli", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_play_runs_frames_in_a_window_and_exits_cleanly(display, model_file, tmp_path):
    out = tmp_path / "frame.png"
    result = run_cli(
        [
            "play",
            "--model",
            str(model_file),
            "--size",
            "160x120",
            "--frames",
            "4",
            "--hud",
            "--out",
            str(out),
            "--no-reload",
            "--weights",
            "texture",
        ],
        {"DISPLAY": display},
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    image = iio.imread(out)
    assert image.shape == (120, 160, 3)  # the framebuffer size (no HiDPI scaling on Xvfb)
    assert image.std() > 5


def test_escape_quits_the_window_loop(display, model_file):
    script = textwrap.dedent(f"""
        import glfw
        from performer.app import App
        from performer.outputs.base import CallbackOutput
        from performer.render.cppn_renderer import CppnRenderer
        from performer.render.weights import CppnWeights
        from performer.render.window import GlfwWindow
        from performer.state import PerformanceState
        window = GlfwWindow((128, 96), vsync=False)
        renderer = CppnRenderer(window.ctx, CppnWeights.from_file({str(model_file)!r}), "texture")
        app = App(window, renderer, PerformanceState())
        def press_escape(target, now):
            if app.frames == 2:
                window._key(window.window, glfw.KEY_ESCAPE, 0, glfw.PRESS, 0)
        app.add_output(CallbackOutput(press_escape))
        frames = app.run(max_frames=50)
        assert window.ctx.error == "GL_NO_ERROR", window.ctx.error
        renderer.release()
        window.close()
        print("frames", frames)
    """)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [sys.executable, "-c", script], env={**env, "DISPLAY": display}, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "frames 3" in result.stdout


def test_no_display_says_so_in_one_line(model_file):
    result = run_cli(["play", "--model", str(model_file)], {})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0] and "--headless" in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_model_file_is_one_clear_line(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a model")
    result = run_cli(["play", "--headless", "--model", str(bad)], {})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "bad.safetensors" in result.stderr
    assert "Traceback" not in result.stderr


def test_headless_play_writes_the_frame(model_file, tmp_path):
    out = tmp_path / "headless.png"
    result = run_cli(
        [
            "play",
            "--headless",
            "--model",
            str(model_file),
            "--size",
            "33x17",
            "--frames",
            "2",
            "--out",
            str(out),
            "--z",
            "4,-4,0,0,1,0,0,2",
        ],
        {},
    )
    assert result.returncode == 0, result.stderr
    assert iio.imread(out).shape == (17, 33, 3)


def test_fullscreen_takes_the_monitor_size(display, model_file, tmp_path):
    out = tmp_path / "full.png"
    result = run_cli(
        [
            "play",
            "--model",
            str(model_file),
            "--size",
            "160x120",
            "--frames",
            "2",
            "--fullscreen",
            "--out",
            str(out),
            "--no-reload",
            "--weights",
            "texture",
        ],
        {"DISPLAY": display},
    )
    assert result.returncode == 0, result.stderr
    assert iio.imread(out).shape == (480, 640, 3)  # the Xvfb screen, not the window size asked for


def test_missing_monitor_is_one_line(display, model_file):
    args = ["play", "--model", str(model_file), "--monitor", "5", "--no-reload", "--weights", "texture"]
    result = run_cli(args, {"DISPLAY": display})
    assert result.returncode == 2
    assert "--monitor 5" in result.stderr and result.stderr.strip().count("\n") == 0


def test_sigterm_ends_the_show_and_finishes_the_recording(display, model_file, tmp_path):
    """A launcher stopping performer (SIGTERM) ends it like Esc: exit code 0, the recording started over OSC
    is a complete file."""
    import signal
    import socket
    import time

    from performer.record.probe import probe

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port = probe_socket.getsockname()[1]  # a free port for the show's OSC server
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    show = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "performer.cli",
            "play",
            "--model",
            str(model_file),
            "--size",
            "160x120",
            "--no-reload",
            "--no-prints",
            "--weights",
            "texture",
            "--osc-port",
            str(port),
            "--record-dir",
            str(tmp_path),
            "--record-fps",
            "10",
        ],
        env={**env, "DISPLAY": display},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        start = b"/performer/record/start\x00" + b",\x00\x00\x00"
        assert len(start) % 4 == 0
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("*.mp4")) and time.monotonic() < deadline:
            sender.sendto(start, ("127.0.0.1", port))  # until the server is up and the recording begins
            time.sleep(0.2)
        assert list(tmp_path.glob("*.mp4")), "the recording never started"
        time.sleep(1.5)
        show.send_signal(signal.SIGTERM)
        _, stderr = show.communicate(timeout=60)
    finally:
        if show.poll() is None:
            show.kill()
    assert show.returncode == 0, stderr
    assert "Traceback" not in stderr and "leaked" not in stderr
    (video,) = tmp_path.glob("*.mp4")
    assert probe(video).frames >= 10  # 10 fps for more than a second


def test_fullscreen_hides_the_cursor_and_windowed_shows_it(display):
    script = textwrap.dedent("""
        import glfw
        from performer.render.window import GlfwWindow
        window = GlfwWindow((128, 96), vsync=False)
        modes = [glfw.get_input_mode(window.window, glfw.CURSOR)]
        window.toggle_fullscreen()
        modes.append(glfw.get_input_mode(window.window, glfw.CURSOR))
        window.toggle_fullscreen()
        modes.append(glfw.get_input_mode(window.window, glfw.CURSOR))
        window.close()
        print("modes", [{glfw.CURSOR_NORMAL: "normal", glfw.CURSOR_HIDDEN: "hidden"}[m] for m in modes])
    """)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [sys.executable, "-c", script], env={**env, "DISPLAY": display}, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "modes ['normal', 'hidden', 'normal']" in result.stdout


def test_doctor_opens_a_window_and_lists_the_monitors(display, model_file):
    result = run_cli(["doctor", "--model", str(model_file), "--size", "64x48", "--osc-port", "0"], {"DISPLAY": display})
    window = next(line for line in result.stdout.splitlines() if "window" in line)
    assert window.startswith("OK    window on") and "monitors 0: " in window and "640x480" in window
