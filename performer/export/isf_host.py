"""A minimal ISF host: parse the JSON header, wrap the shader as an ISF 2 host does, bind the inputs as
uniforms and render with moderngl. For the tests and bench-isf, to check an exported file the way VDMX,
MadMapper and Resolume will load it; single pass, no image inputs (what a generator needs).

The wrapping follows VVISF-GL (ISFDoc.cpp, the reference implementation the ISF Editor uses): the file's
source after the header comment's line, with the host's #version first, `precision highp` (GL 3+ and ES),
gl_FragColor redefined to an `out` on GL 3+ and ES 3, then the standard uniforms (PASSINDEX, RENDERSIZE,
TIME, TIMEDELTA, DATE, FRAMEINDEX), isf_FragNormCoord, and a uniform for every input by type. The
vertex shader draws a quad in pixels through isf_vertShaderInit().
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

# ISF input type -> GLSL uniform type (VVISF's attribDecBlock).
UNIFORM_TYPES = {"event": "bool", "bool": "bool", "long": "int", "float": "float", "point2D": "vec2", "color": "vec4"}
# The GLSL versions VVISF wraps for, by host GL: 2 (110), ES 2 (100), ES 3 (300 es), 3.3 (330), 4 (400).
GLSL_VERSIONS = ("110", "100", "300 es", "330", "400")


class IsfError(Exception):
    """A file that is not an ISF this host can run, in one line."""


@dataclass(frozen=True)
class IsfDocument:
    header: dict
    body: str  # the GLSL after the header comment's line

    @property
    def inputs(self) -> list[dict]:
        return list(self.header.get("INPUTS", []))


def parse_isf(text: str) -> IsfDocument:
    """As VVISF: the first /* ... */ is the JSON; the shader starts on the line after the one the */ ends."""
    start, end = text.find("/*"), text.find("*/")
    if start < 0 or end < start:
        raise IsfError("no /* JSON */ header comment at the start of the file")
    try:
        header = json.loads(text[start + 2 : end])
    except json.JSONDecodeError as exc:
        raise IsfError(f"the header is not JSON ({exc})") from None
    if not isinstance(header, dict):
        raise IsfError("the header is not a JSON object")
    line_end = text.find("\n", end)
    for item in header.get("INPUTS", []):
        if item.get("TYPE") not in UNIFORM_TYPES:
            raise IsfError(f"input {item.get('NAME')!r} has type {item.get('TYPE')!r}, which this host cannot bind")
    return IsfDocument(header, text[line_end + 1 :] if line_end >= 0 else "")


def _modern(version: str) -> bool:
    return version not in ("110", "100")


def _declarations(document: IsfDocument, version: str, stage: str) -> list[str]:
    lines = []
    if stage == "fragment" and _modern(version):
        lines += ["#define gl_FragColor isf_FragColor", "out vec4 gl_FragColor;"]
    lines += ["uniform int PASSINDEX;", "uniform vec2 RENDERSIZE;"]
    if _modern(version):
        lines.append(("out" if stage == "vertex" else "in") + " vec2 isf_FragNormCoord;")
    else:
        lines.append("varying vec2 isf_FragNormCoord;")
    lines += ["uniform float TIME;", "uniform float TIMEDELTA;", "uniform vec4 DATE;", "uniform int FRAMEINDEX;"]
    lines += [f"uniform {UNIFORM_TYPES[item['TYPE']]} {item['NAME']};" for item in document.inputs]
    return lines


def _prelude(version: str) -> list[str]:
    precision = ["precision highp float;", "precision highp int;"] if version != "110" else []
    return [f"#version {version}", *precision]


def wrap_fragment(document: IsfDocument, version: str = "330") -> str:
    """The fragment shader a host compiles from the file, for a host GL of GLSL `version`."""
    return "\n".join(_prelude(version) + _declarations(document, version, "fragment")) + "\n" + document.body


def wrap_vertex(document: IsfDocument, version: str = "330") -> str:
    """VVISF's passthru vertex shader: VERTEXDATA in pixels, isf_FragNormCoord from the clip position."""
    attribute = "in vec4 VERTEXDATA;" if _modern(version) else "attribute vec4 VERTEXDATA;"
    body = """
void isf_vertShaderInit(void) {
    mat4 projectionMatrix = mat4(2. / RENDERSIZE.x, 0., 0., -1.,
        0., 2. / RENDERSIZE.y, 0., -1.,
        0., 0., -1., 0.,
        0., 0., 0., 1.);
    gl_Position = VERTEXDATA * projectionMatrix;
    isf_FragNormCoord = vec2((gl_Position.x + 1.0) / 2.0, (gl_Position.y + 1.0) / 2.0);
}
void main(void) {
    isf_vertShaderInit();
}
"""
    return "\n".join(_prelude(version) + [attribute] + _declarations(document, version, "vertex")) + body


def input_defaults(document: IsfDocument) -> dict[str, object]:
    """Every input's DEFAULT (or the host's zero when there is none), by name."""
    zero = {"bool": False, "event": False, "long": 0, "float": 0.0, "point2D": [0.0, 0.0], "color": [0.0] * 4}
    return {item["NAME"]: item.get("DEFAULT", zero[item["TYPE"]]) for item in document.inputs}


class IsfHost:
    """One ISF file compiled on a moderngl context (3.3 core: GLSL 330); render() returns 8-bit RGBA."""

    def __init__(self, ctx, text: str) -> None:
        import moderngl

        self.ctx = ctx
        self.document = parse_isf(text)
        self.program = ctx.program(
            vertex_shader=wrap_vertex(self.document), fragment_shader=wrap_fragment(self.document)
        )
        self.values = input_defaults(self.document)
        self._types = {item["NAME"]: item["TYPE"] for item in self.document.inputs}
        self._quad = ctx.buffer(reserve=4 * 4 * 4)
        self._vao = ctx.vertex_array(self.program, [(self._quad, "4f", "VERTEXDATA")])
        self._framebuffer: moderngl.Framebuffer | None = None
        self._strip = moderngl.TRIANGLE_STRIP

    def set(self, **values) -> None:
        unknown = sorted(set(values) - set(self.values))
        if unknown:
            raise IsfError(f"no input named {unknown[0]!r}; the file's inputs are {sorted(self.values)}")
        self.values.update(values)

    def draw(self, size: tuple[int, int]) -> None:
        """Render one frame into the host's framebuffer (kept between frames of the same size)."""
        width, height = size
        if self._framebuffer is None or self._framebuffer.size != (width, height):
            old, self._framebuffer = self._framebuffer, self.ctx.simple_framebuffer((width, height), components=4)
            self._framebuffer.use()  # before the old one goes: moderngl rebinds the last framebuffer it used
            if old is not None:
                old.release()
        corners = np.array([[0, 0], [width, 0], [0, height], [width, height]], dtype=np.float32)
        self._quad.write(np.hstack([corners, np.zeros((4, 1)), np.ones((4, 1))]).astype(np.float32).tobytes())
        self._bind({"RENDERSIZE": (float(width), float(height)), "PASSINDEX": 0, "TIME": 0.0, "FRAMEINDEX": 0})
        self._bind({name: self._uniform_value(name, value) for name, value in self.values.items()})
        self._framebuffer.use()
        self.ctx.viewport = (0, 0, width, height)
        self._vao.render(self._strip)

    def render(self, size: tuple[int, int]) -> np.ndarray:
        """uint8 [height, width, 4], row 0 at the top (as an image file)."""
        self.draw(size)
        pixels = np.frombuffer(self._framebuffer.read(components=4), dtype=np.uint8)
        return pixels.reshape(size[1], size[0], 4)[::-1]

    def _uniform_value(self, name: str, value):
        kind = self._types[name]
        if kind in ("bool", "event"):
            return bool(value)
        if kind == "long":
            return int(value)
        if kind in ("point2D", "color"):
            return tuple(float(v) for v in value)
        return float(value)

    def _bind(self, values: dict) -> None:
        for name, value in values.items():
            if name in self.program:  # the compiler drops uniforms the shader does not use
                self.program[name].value = value

    def release(self) -> None:
        from performer.render.target import unbind

        unbind(self.ctx, self._framebuffer)
        for obj in (self._vao, self._quad, self.program, self._framebuffer):
            if obj is not None:
                obj.release()
