"""Outputs: where each drawn frame goes, behind one protocol (base.py), the loop knowing only a list of them.

base.py      the Output protocol, Frame, the CaptureOutput base for outputs that want pixels, --output loading
readback.py  one asynchronous readback per frame (a ring of pixel buffers), shared by every capture output
window.py    the frame presented on the surface, with the HUD and previews drawn over it there only
recorder.py  the live recorder: frames -> bounded queue -> ffmpeg on its own thread, drops counted
snapshot.py  S: the frame last shown as a PNG, written atomically
"""
