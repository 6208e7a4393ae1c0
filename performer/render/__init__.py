"""The live renderer: GLSL programs from shaders/, the CPPN shader, the HUD, hot reload, headless contexts.

Data flows one way: PerformanceState -> CppnRenderer (offscreen target) -> window or file. Nothing here
imports torch on the per-frame path.
"""
