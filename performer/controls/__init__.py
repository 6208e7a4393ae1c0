"""Controllers, one way: message -> event -> mapping -> state. Inputs never touch GL.

  events.py          ControlEvent, the source-kind and target tables, number checks
  transforms.py      curves, dead zone, smoothing, soft takeover, relative encodings, 14-bit (tables + functions)
  mapping_schema.py  mappings/*.yaml: pydantic models, a line-numbering safe YAML loader, file:line:key errors
  osc_server.py      the UDP server thread (coalesced per address) and the canonical /performer address space
  osc_feedback.py    current values sent back to OSC targets when they change from another source
  midi_input.py      mido ports (hot-plug, no-MIDI-system tolerant), message table, MIDI clock tempo, MIDI out
  joystick.py        GLFW joysticks and gamepads polled as snapshots (tests feed snapshots directly)
  hub.py             ControlHub: update(state, now, dt) once per frame; add_arguments / build_inputs for `play`
  learn.py           MIDI learn: watch a moved control, write the mapping file
"""
