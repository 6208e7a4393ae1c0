"""Controllers, one way: message -> event -> mapping -> state. Inputs never touch GL.

  events.py          ControlEvent, the source-kind and target tables, number checks
  transforms.py      curves, dead zone, smoothing, soft takeover, relative encodings, 14-bit (tables + functions)
  mapping_schema.py  mappings/*.yaml: pydantic models, a line-numbering safe YAML loader, file:line:key errors
  osc_server.py      the UDP server thread (coalesced per address) and the canonical /performer address space
  osc_pattern.py     OSC address patterns matched in linear time (received ones and mapping files' alike)
  osc_decode.py      OSC messages and bundles decoded (every type tag), malformed ones refused
  osc_feedback.py    current values sent back to OSC targets when they change from another source
  midi_input.py      mido ports (hot-plug, no-MIDI-system tolerant), message table, MIDI clock tempo, MIDI out
  joystick.py        GLFW joysticks and gamepads polled as snapshots (tests feed snapshots directly)
  mapping_files.py   the mapping files a hub watches: load, hot reload on save, keep the last good one
  bindings.py        Binding: one mapping entry compiled (shaping, takeover, smoothing, velocity, actions)
  osc_canonical.py   what a message to the canonical /performer address space does
  feedback.py        per-frame change tracking; feedback to OSC targets and MIDI outputs, not to the sender
  hub.py             ControlHub: update(state, now, dt) once per frame; event routing, writes, actions, learn
  cli_options.py     `performer play` wiring: add_arguments(parser), build_inputs(args, actions)
  learn.py           MIDI learn: watch a moved control, write the mapping file
"""
