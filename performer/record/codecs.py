"""The codecs a video can be written with: a data table, and the size rules each one has.

Sizes are never changed silently (imageio's default macro_block_size would scale 1918x1078 up to
1920x1088): the output has exactly the requested size or the writer refuses with the reason.
- H.264 4:2:0 needs even sizes; an odd size is written 4:4:4 instead (exact size; some hardware players
  only decode 4:2:0, which the log says).
- HAP and HAP Q are DXT textures of 4x4 blocks: ffmpeg's encoder refuses sizes that are not multiples of 4,
  so we do too, before starting, naming the nearest sizes that work.
- ProRes takes any size.

Alpha (hap_alpha, prores_4444, png): the writer is fed RGBA with straight (not premultiplied) alpha, the
garment's mask when the background parameter is transparent (cppn.glsl). Straight because PNG defines its
alpha so and TouchDesigner's Movie File In premultiplies what it reads by default (it takes files as straight);
Resolume works premultiplied inside and converts. The colour is black wherever alpha is 0, so a player that
took the file as premultiplied would still show the background clear (only the soft rim would brighten).
A png "video" is a folder of numbered PNGs (000001.png, ...), each written atomically by ffmpeg's image2
muxer (a temporary file renamed), so a crash leaves whole frames only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Codec:
    name: str
    extension: str
    encoder: str  # ffmpeg -c:v
    pix_fmt: str  # ffmpeg -pix_fmt of the stored video
    params: tuple[str, ...]  # more output options
    block: int = 1  # width and height must be multiples of this
    odd_pix_fmt: str | None = None  # when a size is odd and the codec has 2x2 chroma: the exact-size fallback
    keyframe_interval: bool = False  # inter-frame codec: set the GOP so a cut-off file loses < 1 s
    doc: str = ""
    alpha: bool = False  # fed RGBA, stores the alpha channel
    sequence: bool = False  # a folder of numbered images, not one file (the extension is the images')

    @property
    def components(self) -> int:
        """What the writer is fed per pixel: 4 (RGBA) for an alpha codec, else 3 (RGB: a quarter less to read)."""
        return 4 if self.alpha else 3


CODECS: dict[str, Codec] = {
    c.name: c
    for c in (
        Codec(
            "h264",
            ".mp4",
            "libx264",
            "yuv420p",
            ("-preset", "veryfast", "-crf", "18"),
            odd_pix_fmt="yuv444p",
            keyframe_interval=True,
            doc="H.264 in mp4: plays everywhere",
        ),
        Codec(
            "hap",
            ".mov",
            "hap",
            "rgba",
            ("-format", "hap", "-chunks", "4"),
            block=4,
            doc="HAP in mov: decoded on the GPU by VJ software (Resolume, VDMX, TouchDesigner)",
        ),
        Codec(
            "hap_q",
            ".mov",
            "hap",
            "rgba",
            ("-format", "hap_q", "-chunks", "4"),
            block=4,
            doc="HAP Q in mov: higher quality HAP, twice the size",
        ),
        Codec(
            "prores",
            ".mov",
            "prores_ks",
            "yuv422p10le",
            ("-profile:v", "3", "-vendor", "apl0"),
            doc="ProRes 422 HQ in mov: for editing",
        ),
        Codec(
            "hap_alpha",
            ".mov",
            "hap",
            "rgba",
            ("-format", "hap_alpha", "-chunks", "4"),
            block=4,
            alpha=True,
            doc="HAP Alpha in mov: HAP with the alpha channel (use with the transparent background)",
        ),
        Codec(
            "prores_4444",
            ".mov",
            "prores_ks",
            "yuva444p10le",
            ("-profile:v", "4444", "-vendor", "apl0", "-alpha_bits", "16"),
            alpha=True,
            doc="ProRes 4444 with alpha in mov: for editing and compositing",
        ),
        Codec(
            "png",
            ".png",
            "png",
            "rgba",
            (),
            alpha=True,
            sequence=True,
            doc="a folder of numbered RGBA PNGs (000001.png, ...): lossless, with alpha",
        ),
    )
}


class CodecError(ValueError):
    """A codec or size that cannot be written; the message says what would work."""


def check_codec(name: str) -> Codec:
    codec = CODECS.get(name)
    if codec is None:
        raise CodecError(f"unknown codec {name!r}; choose one of {', '.join(CODECS)}")
    return codec


def check_size(codec: Codec, size: tuple[int, int]) -> str:
    """The pix_fmt to store `size` in, or CodecError naming the nearest sizes the codec takes."""
    width, height = size
    if width < 1 or height < 1:
        raise CodecError(f"video size must be at least 1x1, got {width}x{height}")
    b = codec.block
    if width % b or height % b:
        down = f"{max(b, width - width % b)}x{max(b, height - height % b)}"
        up = f"{width + (-width) % b}x{height + (-height) % b}"
        raise CodecError(
            f"{codec.name} needs width and height in multiples of {b}, got {width}x{height}; "
            f"try {down} or {up}, or --codec {'prores_4444 / png' if codec.alpha else 'prores / h264'} for any size"
        )
    if codec.odd_pix_fmt and (width % 2 or height % 2):
        return codec.odd_pix_fmt
    return codec.pix_fmt


def codec_for_path(path: str, default: str = "h264") -> str:
    """A codec name from the file extension when none is given (.mov -> hap)."""
    lower = str(path).lower()
    return "hap" if lower.endswith(".mov") else default
