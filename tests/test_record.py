"""Video files: exact sizes, codecs, frame counts and rates read back; the live recorder's timing, drops and
faults (ffmpeg killed mid-recording: the loop goes on and the file plays)."""

from __future__ import annotations

import logging
import os
import signal
import time

import numpy as np
import pytest
from full_disk import full_folder

from performer.outputs.recorder import LiveRecorder
from performer.record.codecs import CodecError, check_codec, check_size
from performer.record.probe import container_frames, probe, read_frames
from performer.record.writer import FfmpegWriter, RecordError
from performer.render.target import OffscreenTarget


def frames(count: int, size: tuple[int, int]) -> list[np.ndarray]:
    w, h = size
    return [np.full((h, w, 3), (20 * i) % 256, dtype=np.uint8) for i in range(count)]


@pytest.mark.parametrize(
    ("codec", "size", "name", "stored"),
    [
        ("h264", (64, 36), "h264", "h264"),
        ("h264", (63, 37), "h264", "h264"),  # odd: 4:4:4, still exactly 63x37
        ("hap", (64, 36), "hap", "hap"),
        ("hap_q", (36, 20), "hap", "hap"),
        ("prores", (63, 37), "prores", "prores"),
    ],
)
def test_written_file_has_the_requested_size_codec_frames_and_rate(tmp_path, codec, size, name, stored):
    path = tmp_path / f"clip{check_codec(codec).extension}"
    with FfmpegWriter(path, size, 25, codec) as writer:
        for frame in frames(5, size):
            writer.write(frame)
    info = probe(path)
    assert info.size == size
    assert info.codec.startswith(stored)
    assert info.frames == 5
    assert info.fps == 25.0


def test_h264_frames_read_back_in_order(tmp_path):
    path = tmp_path / "grey.mp4"
    with FfmpegWriter(path, (32, 32), 10, "h264") as writer:
        for frame in frames(4, (32, 32)):
            writer.write(frame)
    means = [np.frombuffer(f, np.uint8).mean() for f in read_frames(path)]
    assert means == pytest.approx([0, 20, 40, 60], abs=2)


def test_hap_sizes_must_be_multiples_of_4():
    with pytest.raises(CodecError, match="multiples of 4, got 66x38; try 64x36 or 68x40"):
        check_size(check_codec("hap"), (66, 38))
    assert check_size(check_codec("h264"), (63, 37)) == "yuv444p"
    assert check_size(check_codec("h264"), (64, 36)) == "yuv420p"
    with pytest.raises(CodecError, match="choose one of h264, hap, hap_q, prores"):
        check_codec("gif")


def test_a_dead_ffmpeg_is_an_error_with_its_words(tmp_path):
    writer = FfmpegWriter(tmp_path / "x.mp4", (32, 32), 10, "h264")
    os.kill(writer.pid, signal.SIGKILL)
    writer.process.wait()
    with pytest.raises(RecordError, match="ffmpeg stopped after 0 frame"):
        for frame in frames(200, (32, 32)):  # the pipe buffer may take a few before it breaks
            writer.write(frame)
    missing = FfmpegWriter(tmp_path / "no" / "x.mp4", (32, 32), 10, "h264")
    missing.path.parent.rmdir()  # the folder went away before ffmpeg opened the file
    with pytest.raises(RecordError, match="exit"):
        for frame in frames(200, (32, 32)):
            missing.write(frame)
        missing.close()


@pytest.fixture
def gl_target():
    from performer.render.context import create_headless_context

    ctx = create_headless_context()
    target = OffscreenTarget(ctx)
    target.ensure((32, 32))
    yield ctx, target
    target.release()
    assert ctx.error == "GL_NO_ERROR"


def paint(ctx, target, value: int) -> None:
    target.framebuffer.use()
    target.framebuffer.clear(value / 255, value / 255, value / 255, 1.0)


def test_live_recording_keeps_the_played_timing(tmp_path, gl_target):
    ctx, target = gl_target
    recorder = LiveRecorder(tmp_path, fps=20, codec="h264", queue_frames=64)  # room: the test outruns ffmpeg
    path = recorder.start(tmp_path / "live.mp4")
    # The loop runs at 10 fps for 1 s: the video at 20 fps repeats each frame twice and lasts 1 s.
    for i in range(11):
        paint(ctx, target, 10 * i)
        recorder(target, 100.0 + 0.1 * i)
    session = recorder.session
    recorder.close()
    assert session.due == 21 and session.dropped == 0
    info = probe(path)
    assert (info.size, info.fps, info.frames) == ((32, 32), 20.0, 21)
    means = [np.frombuffer(f, np.uint8).mean() for f in read_frames(path)]
    assert means[0] == pytest.approx(0, abs=2) and means[2] == pytest.approx(10, abs=2)
    assert means[-1] == pytest.approx(100, abs=2)
    # A loop faster than the video skips frames instead: 100 fps for 0.5 s at 20 fps -> 11 frames.
    recorder = LiveRecorder(tmp_path, fps=20, codec="hap", queue_frames=64)
    path = recorder.start(tmp_path / "fast.mov")
    for i in range(51):
        recorder(target, 0.01 * i)
    recorder.close()
    assert probe(path).frames == 11


def test_full_queue_drops_are_counted_and_timing_kept(tmp_path, gl_target, monkeypatch):
    import performer.outputs.recorder as live

    class SlowWriter(FfmpegWriter):  # an encoder that falls behind: 0.1 s a frame
        def write(self, frame):
            time.sleep(0.1)
            super().write(frame)

    monkeypatch.setattr(live, "FfmpegWriter", SlowWriter)
    ctx, target = gl_target
    recorder = LiveRecorder(tmp_path, fps=10, codec="h264", queue_frames=1)
    path = recorder.start(tmp_path / "slow.mp4")
    for i in range(8):  # 0.7 s of performance handed over at once
        paint(ctx, target, 30 * i)
        recorder(target, 0.1 * i)
    session = recorder.session
    # 2 frames are still in the readback ring, 1 fits the queue, 1 is being written: 2+ of 6 sent drop
    assert session.dropped >= 2
    recorder.close()
    assert probe(path).frames == 8  # dropped pictures became repeats: still 0.8 s at 10 fps


def test_killing_the_encoder_leaves_the_loop_running_and_a_playable_file(tmp_path, gl_target):
    ctx, target = gl_target
    recorder = LiveRecorder(tmp_path, fps=20, codec="h264", queue_frames=128)
    path = recorder.start(tmp_path / "killed.mp4")
    for i in range(70):  # 3.5 s of video: fragments of 1 s are on disk by then
        paint(ctx, target, (7 * i) % 256)
        recorder(target, 0.05 * i)
    session = recorder.session
    deadline = time.monotonic() + 20
    while session.written < 68 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    os.kill(session.writer.pid, signal.SIGKILL)
    for i in range(70, 200):  # the loop goes on; the recorder notices and stops
        paint(ctx, target, 0)
        recorder(target, 0.05 * i)
        if recorder.session is None:
            break
        time.sleep(0.01)
    assert recorder.session is None and not recorder.recording
    assert recorder.status_line().startswith("REC FAILED")
    recorder.close()
    info = probe(path)
    assert info.size == (32, 32) and 20 <= info.frames <= 70
    assert len(read_frames(path)) == info.frames
    assert container_frames(path) >= info.frames  # the fragments' index; the last may be cut short
    assert f"(the first {container_frames(path)} frames are kept)" in recorder.last_error[0]


full = pytest.fixture(full_folder)


def test_a_recording_onto_a_full_disk_stops_in_one_line_and_leaves_no_stub(full, gl_target, caplog):
    if not full.real:
        pytest.skip("needs a real full file system (a tmpfs, as root): ffmpeg writes the file itself")
    ctx, target = gl_target
    full.fill()
    recorder = LiveRecorder(full.path, fps=20, codec="h264", queue_frames=64)
    path = recorder.start()
    for i in range(200):  # the loop goes on; the recorder notices and stops
        paint(ctx, target, i)
        recorder(target, 0.05 * i)
        if not recorder.recording:
            break
        time.sleep(0.01)
    assert not recorder.recording
    assert recorder.status_line() == f"REC FAILED: {path}: No space left on device (nothing recorded)"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [f"recording failed: {path}: No space left on device (nothing recorded)"]
    recorder.close()
    assert full.names() == set()  # no 0-byte video
    recorder(target, 99.0)  # the hook stays harmless


def test_the_encoder_queue_holds_what_its_byte_budget_allows_within_bounds():
    from performer.outputs.recorder import QUEUE_BYTES, queue_frames_for

    assert QUEUE_BYTES == 128 * 1024 * 1024
    assert queue_frames_for((1920, 1080)) == 16  # 134,217,728 // 8,294,400 RGBA bytes
    assert queue_frames_for((1280, 720)) == 36  # // 3,686,400
    assert queue_frames_for((3840, 2160)) == 8  # 4 would fit: the floor keeps 8
    assert queue_frames_for((192, 108)) == 120  # 1,618 would fit: the ceiling, 2 s at 60 fps
