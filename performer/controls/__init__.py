"""Controls, one way: source -> event -> (learn | dispatch) -> sink -> state. Inputs never touch GL.

The sources (OSC, MIDI, joysticks, the keyboard) are performer/sources/; what can be driven is
performer/targets.py. Here:

  events.py          ControlEvent, the table of event kinds (family, input range, trigger level), number checks
  hub.py             ControlHub: update(state, now, dt) once per frame, one loop over the sources
  dispatch.py        what an event does: the canonical OSC addresses (from targets.py) and the mappings' bindings
  sink.py            WriteSink: set a value target, fire an action by name (remembers who wrote what)
  bindings.py        Binding: one mapping entry compiled (shaping, takeover, smoothing, velocity, actions)
  transforms.py      curves, dead zone, smoothing, soft takeover, relative encodings, 14-bit (tables + functions)
  learn.py           MIDI/OSC learn: a consumer of the hub's events; writes the mapping file
  feedback.py        per-frame change tracking; feedback to OSC targets and MIDI outputs, not to the sender
  mapping_schema.py  mappings/*.yaml: pydantic models, the bounded loader, file:line:key errors
  mapping_yaml.py    the line-numbering safe YAML loader those errors come from
  mapping_files.py   the mapping files a hub watches: load, hot reload on save, keep the last good one
  osc_server.py      the UDP server thread (coalesced per address), drained by the OSC source
  osc_pattern.py     OSC address patterns matched in linear time (received ones and mapping files' alike)
  osc_decode.py      OSC messages and bundles decoded (every type tag), malformed ones refused
  osc_feedback.py    current values sent back to OSC targets when they change from another source
  activity.py        what each source sent lately, for its HUD line
  cli_options.py     `performer play` wiring: add_arguments(parser), build_inputs(args, actions, keyboard=...)
"""
