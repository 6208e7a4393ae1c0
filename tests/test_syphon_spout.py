"""The Syphon and Spout outputs with their libraries faked (they run only on macOS and Windows): the output
texture itself goes to the library every frame a client is there, with its size and orientation, and nothing
is read back; a send that fails is counted and shown while the show goes on; a missing library is one line in
the HUD of a `play` session."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from play_args import headless_play_args

from performer.app import App
from performer.outputs.spout import GL_TEXTURE_2D, SpoutOutput
from performer.outputs.syphon import SyphonOutput
from performer.render.cppn_renderer import CppnRenderer
from performer.render.weights import CppnWeights
from performer.render.window import HeadlessSurface
from performer.session import build_session
from performer.state import PerformanceState

SIZE = (48, 32)


class FakeSyphon:
    """syphon-python's SyphonOpenGLServer, as its documentation gives it."""

    def __init__(self, clients: list[bool]) -> None:
        self.clients, self.servers = clients, []  # has_clients, frame by frame (the last one repeats)
        library = self

        class SyphonOpenGLServer:
            def __init__(self, name: str) -> None:
                self.name, self.published, self.stopped, self.asked = name, [], False, 0
                self.fail_at: int | None = None
                library.servers.append(self)

            @property
            def has_clients(self) -> bool:
                self.asked += 1
                return library.clients[min(self.asked, len(library.clients)) - 1]

            def publish_frame_texture(self, texture, region=None, size=None, is_flipped=False) -> None:
                if self.fail_at == len(self.published) + 1:
                    self.fail_at = None
                    raise RuntimeError("IOSurface lost")
                self.published.append((texture, region, size, is_flipped))

            def stop(self) -> None:
                self.stopped = True

        self.SyphonOpenGLServer = SyphonOpenGLServer


class FakeSpoutGL:
    """SpoutGL's SpoutSender, as the Spout SDK documents it."""

    def __init__(self, results: list[bool], ctx) -> None:
        self.senders, self.results, self.ctx = [], results, ctx
        library = self

        class SpoutSender:
            def __init__(self) -> None:
                self.name, self.sent, self.syncs, self.released = None, [], [], False
                library.senders.append(self)

            def setSenderName(self, name: str) -> None:
                self.name = name

            def sendTexture(self, texture, target, width, height, invert, host_fbo) -> bool:
                self.sent.append((texture, target, width, height, invert, host_fbo, library.ctx.fbo.glo))
                return library.results[min(len(self.sent), len(library.results)) - 1]

            def setFrameSync(self, name: str) -> None:
                self.syncs.append(name)

            def releaseSender(self) -> None:
                self.released = True

        self.SpoutSender = SpoutSender


@pytest.fixture
def app(random_model_file):
    surface = HeadlessSurface(SIZE)
    renderer = CppnRenderer(surface.ctx, CppnWeights.from_file(random_model_file[0]), "texture")
    app = App(surface, renderer, PerformanceState(), seed=0)
    yield app
    app.close()
    renderer.release()
    surface.close()


def step(app: App, count: int) -> None:
    for _ in range(count):
        app.state.set_latent(0, np.sin(app.frames + 1.0) * 2.0)  # a new picture every frame
        app.step(app.frames / 60.0, 1 / 60.0)


def test_syphon_publishes_the_output_texture_while_a_client_is_there(app):
    library = FakeSyphon(clients=[False, False, True])
    output = SyphonOutput("show", library=library)
    assert app.add_output(output)
    step(app, 6)
    [server] = library.servers
    texture = app.renderer.target.texture
    assert server.name == "show" and len(server.published) == 4  # frames 3..6: no client for the first two
    assert set(server.published) == {(texture.glo, (0, 0, 48, 32), (48, 32), False)}  # GL's rows: unflipped
    assert app.readback.stats()["reads"] == 0  # shared on the GPU, nothing read back
    assert output.stats() == {"sent": 4, "dropped": 0, "idle": 2, "send_ms": output.stats()["send_ms"]}
    assert output.status_lines()[0].startswith("Syphon show: 4 sent, ")
    server.fail_at = 5
    step(app, 2)
    assert len(server.published) == 5 and output.failed == 1  # the frame after the failure went out
    assert output.errors() == ["Syphon show: RuntimeError: IOSurface lost"] and app.failures == {}
    app.close()
    assert server.stopped and output.server is None


def test_spout_sends_the_texture_inverted_and_rebinds_moderngls_framebuffer(app):
    library = FakeSpoutGL(results=[True, True, False, True], ctx=app.ctx)
    output = SpoutOutput("show", library=library)
    assert app.add_output(output)
    step(app, 4)
    [sender] = library.senders
    texture = app.renderer.target.texture
    assert sender.name == "show" and len(sender.sent) == 4
    for sent_texture, target, width, height, invert, host_fbo, bound in sender.sent:
        assert (sent_texture, target, width, height, invert) == (texture.glo, GL_TEXTURE_2D, 48, 32, True)
        assert host_fbo == bound  # the framebuffer moderngl has bound is the one Spout binds back
    assert sender.syncs == ["show"] * 3  # receivers are told of each frame that went out, not the failed one
    assert (output.sent, output.failed) == (3, 1) and app.readback.stats()["reads"] == 0
    assert output.status_lines()[0].startswith("Spout show: 3 sent, 1 failed, ")
    app.close()
    assert sender.released


def test_missing_libraries_are_one_line_each_in_a_play_sessions_hud(random_model_file, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "syphon", None)  # import syphon raises ImportError, as on Linux
    monkeypatch.setitem(sys.modules, "SpoutGL", None)
    landmarks = tmp_path / "none.yaml"
    args = headless_play_args(random_model_file[0], tmp_path, landmarks, "--syphon", "left", "--spout", "right")
    weights = CppnWeights.from_file(args.model)
    surface = HeadlessSurface(args.size)
    session = build_session(args, surface, weights, PerformanceState(latent_dim=weights.latent_dim))
    try:
        for number in range(3):
            session.app.step(number / 30, 1 / 30)
        errors = [line for line in session.app.errors if "off:" in line]
        assert errors == [
            "Syphon left off: syphon-python is not installed or does not load (import of syphon "
            "halted; None in sys.modules); pip install performer[syphon] (macOS)",
            "Spout right off: SpoutGL is not installed or does not load (import of SpoutGL halted; "
            "None in sys.modules); pip install performer[spout] (Windows)",
        ]
        assert session.app.frames == 3 and session.app.failures == {}
    finally:
        session.close()
        surface.close()


def test_the_operators_output_panel_and_the_hud_have_a_line_per_output(app):
    from types import SimpleNamespace

    from performer.operator.output_panel import OutputPanel

    class Imgui:  # the calls the panel makes, recording its text
        def __init__(self) -> None:
            self.lines: list[str] = []

        def text(self, line: str) -> None:
            self.lines.append(line)

        def button(self, label: str) -> bool:
            return False

    library = FakeSpoutGL(results=[True, False], ctx=app.ctx)
    app.add_output(SpoutOutput("wall", library=library))
    app.add_output(SyphonOutput("floor", library=FakeSyphon(clients=[False])))
    step(app, 3)
    panels = SimpleNamespace(app=app, context=SimpleNamespace(renderer=app.renderer), record=lambda *a: None)
    imgui, operator = Imgui(), SimpleNamespace(preview_image=lambda target: None)
    OutputPanel(panels, None).draw(imgui, operator, SimpleNamespace(target=app.renderer.target))
    assert imgui.lines[1].endswith("dropped 2")  # Spout's two failed sends
    assert imgui.lines[2].startswith("Spout wall: 1 sent, 2 failed, ")
    assert imgui.lines[3] == "Syphon floor: no client (0 sent)"
    hud_status = [line for source in app.status_sources for line in source()]  # what the HUD draws
    assert imgui.lines[2:4] == hud_status[-2:]
