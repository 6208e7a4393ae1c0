"""`performer doctor`: one line per check, a taken OSC port is a FAIL with the way out, exit code 1 on FAIL."""

from __future__ import annotations

import socket

from performer.cli import main


def test_doctor_reports_each_check_and_fails_on_a_taken_osc_port(capsys, tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        code = main(["doctor", "--size", "160x90", "--osc-port", str(port), "--record-dir", str(tmp_path)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 1
    assert len(lines) == 9 and all(line.split()[0] in ("OK", "WARN", "FAIL") for line in lines)
    assert lines[0].startswith("OK    model") and "garment latents" in lines[0]
    assert lines[2].startswith("OK    15 landmarks, 5 walks")
    assert lines[3].split()[0] in ("OK", "WARN") and "OpenGL" in lines[3] and "160x90 frame in" in lines[3]
    osc = next(line for line in lines if "OSC port" in line)
    assert osc.startswith("FAIL") and f"127.0.0.1:{port}" in osc and "--osc-port" in osc
    assert [line.split()[0] for line in lines].count("FAIL") == 1  # the taken port, nothing else
    assert main(["doctor", "--size", "160x90", "--osc-port", str(port), "--record-dir", str(tmp_path)]) in (0, 1)
