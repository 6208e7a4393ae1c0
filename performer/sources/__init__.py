"""Sources of control events: OSC, MIDI, joysticks, the keyboard (one file each); base.py has the protocol
and the table of source kinds. See base.py's docstring."""
