"""A short soak: the whole live chain under junk OSC and MIDI, a broken shader and mapping, recording."""

from __future__ import annotations

from performer.commands.soak import soak


def test_a_short_show_survives_junk_broken_files_and_records(tmp_path):
    result = soak(
        seconds=10.0, size=(192, 108), prints=True, osc_rate=1500.0, midi_rate=300.0, break_every=3.0, workdir=tmp_path
    )
    assert result["ok"], result
    assert result["frames"] > 60 and result["nonfinite_frames"] == 0
    osc = result["osc_stats"]
    assert osc["osc_received"] == result["osc_sent"] > 5000  # nothing lost in the kernel at 1,500/s
    dropped = osc.get("osc_malformed", 0) + osc.get("osc_bad_args", 0) + osc.get("osc_unknown_address", 0)
    assert dropped >= 0.5 * result["osc_junk_sent"], result  # most junk is caught at the door, not applied
    assert result["midi_stats"]["sysex_dropped"] == result["midi_sysex_sent"] > 0
    assert result["breaks"] == 2 and result["frames_while_broken"] > 10  # frames kept coming while broken
    assert result["recording_frames"] == result["recording_due"] > 0 and result["recording_dropped"] == 0
    assert result["hub_errors"].get("update_errors", 0) == 0 and result["hub_errors"].get("action_errors", 0) == 0
    assert result["part_failures"] == {}  # no input, hook or HUD line raised
