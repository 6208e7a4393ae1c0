"""The flood test: 20,000 OSC messages from one client process on loopback while frames render."""

from performer.commands.bench_osc import expected_z, flood_value, run_flood


def test_expected_values_by_hand():
    assert flood_value(0) == -3.0  # (0 - 1000) / 1000 * 3
    assert flood_value(1) == ((7919 % 2001) - 1000) / 1000 * 3  # 7919 % 2001 = 1916 -> 2.748
    z = expected_z(16)
    assert z[0] == flood_value(8) and z[7] == flood_value(15)


def test_flood_keeps_frames_state_and_memory():
    result = run_flood(messages=20000, baseline_frames=30, fps=60, size=(96, 96), renderer="cpu", rounds=2)
    assert result["state_is_last_sent"], result
    assert result["pending_max"] <= 8  # one entry per address, however many messages
    assert result["received"] == 40000  # two rounds of 20,000: no datagram lost in the kernel
    assert result["applied"] < 4000  # coalesced: the frame did a few hundred, not 20,000
    assert result["rss_kb_growth"] < 16 * 1024
    # What the flood costs the frame thread itself: hub.update drains a handful of coalesced messages.
    assert result["update_ms_flood_mean"] < 1.0, result
    # The server's whole cost: the same flood into a socket nobody reads vs into the server. The 10% target
    # is reported by `performer bench-osc`; this shared, loaded 2-core machine gets a wide noise margin.
    assert result["ratio_vs_sink_flood"] < 2.0, result
    assert result["frames_during_flood"] >= 3, result
