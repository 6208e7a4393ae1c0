"""Songs: WAV, FLAC and OGG (Vorbis, Opus) through soundfile (libsndfile), read within FILE_BOUNDS["audio"].

The size is checked before libsndfile opens the file (a regular file only: a FIFO would block), the length
from its header before a sample is decoded, and decoding stops at the bound whatever the header said.
Every problem is an AudioFileError in one line naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from performer.safe_files import FILE_BOUNDS, check_file_size

MAX_CHANNELS = 8
BLOCK = 1 << 16  # frames decoded at a time


class AudioFileError(ValueError):
    """A song that cannot be used; str() is one line: the file and why."""


@dataclass(frozen=True)
class Song:
    path: Path
    samples: np.ndarray  # float32 [frames, channels], -1..1
    samplerate: int

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.samplerate

    def mono(self) -> np.ndarray:
        """The channels' mean, float32 [frames]: what the analysis hears."""
        return self.samples.mean(axis=1, dtype=np.float32) if self.channels > 1 else self.samples[:, 0]


def read_song(path: str | Path) -> Song:
    import soundfile

    path, bound = Path(path), FILE_BOUNDS["audio"]
    try:
        check_file_size(path, bound.max_bytes, "audio")
        with soundfile.SoundFile(str(path)) as handle:
            rate, channels, frames = handle.samplerate, handle.channels, handle.frames
            if not 8000 <= rate <= 192000:
                raise AudioFileError(f"{path}: sample rate {rate} Hz; 8000..192000 Hz are read")
            if not 1 <= channels <= MAX_CHANNELS:
                raise AudioFileError(f"{path}: {channels} channels; at most {MAX_CHANNELS} are read")
            limit = bound.max_items * rate
            if frames > limit:
                raise AudioFileError(
                    f"{path}: {frames / rate:.0f} s long; an audio file may be at most {bound.max_items} s"
                )
            blocks, total = [], 0
            for block in handle.blocks(BLOCK, dtype="float32", always_2d=True):
                total += len(block)
                if total > limit:  # a header that lied about the length
                    raise AudioFileError(f"{path}: longer than {bound.max_items} s; an audio file may be no longer")
                blocks.append(block)
    except AudioFileError:
        raise
    except OSError as exc:
        raise AudioFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (ValueError, RuntimeError) as exc:  # FileTooLarge, not a regular file, libsndfile's "format not recognised"
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AudioFileError(text if str(path) in text else f"{path}: {text}") from None
    if total == 0:
        raise AudioFileError(f"{path}: no samples")
    samples = np.concatenate(blocks) if len(blocks) > 1 else blocks[0]
    return Song(path, np.ascontiguousarray(samples), int(rate))
