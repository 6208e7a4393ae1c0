"""The song into the rendered video: AAC in mp4 (what plays everywhere), PCM in mov (HAP and ProRes files go
to VJ and editing software, which want the samples as they were). The video stream is copied, not encoded
again, and the audio is cut at the video's end: a whole render is as long as the song within half a frame,
an interrupted one keeps the song up to its last frame. The file is replaced atomically: until the muxed
file is whole, --out is the silent video, never half of either.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg

from performer.record.writer import RecordError
from performer.safe_files import atomic_path

AUDIO_CODECS = {".mp4": ("aac", "-b:a", "256k"), ".mov": ("pcm_s24le",)}  # by the video's extension


def audio_codec(video: str | Path) -> tuple[str, ...]:
    """ffmpeg's -c:a and its options for a video file; ValueError (one line) for one that takes no audio."""
    suffix = Path(video).suffix.lower()
    if suffix not in AUDIO_CODECS:
        raise ValueError(
            f"--audio goes into an .mp4 or .mov file, not {Path(video).name!r} (a png sequence has no sound)"
        )
    return AUDIO_CODECS[suffix]


def mux_command(video: Path, song: Path, out: Path, seconds: float) -> list[str]:
    codec, *options = audio_codec(video)
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    command += ["-i", str(video), "-i", str(song), "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy"]
    command += ["-c:a", codec, *options, "-t", f"{seconds:.6f}"]
    if video.suffix.lower() == ".mp4":
        command += ["-movflags", "+faststart"]
    return [*command, str(out)]


def mux_audio(video: str | Path, song: str | Path, seconds: float, timeout: float = 600.0) -> None:
    """Replace `video` by itself with `song` as its sound, `seconds` long; RecordError in one line when
    ffmpeg fails (`video` is left as it was: whole and silent)."""
    video, song = Path(video), Path(song)
    with atomic_path(video, "video") as partial:
        command = mux_command(video, song, partial, seconds)
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RecordError(f"cannot mux {song.name} into {video}: {exc}") from None
        if done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RecordError(
                f"ffmpeg could not mux {song.name} into {video} (exit {done.returncode}): {said[-1] if said else ''}"
            )
