"""The operator window: a second GLFW window beside the clean output, sharing its GL objects, with Dear ImGui
panels (output preview and timing, parameters, show). Everything it changes reaches the state as control
events through the hub (source.py), like OSC and MIDI."""
