"""The trained CPPN as standalone shaders for other hosts (ISF for VDMX, MadMapper, Resolume; Shadertoy's
mainImage and TouchDesigner's GLSL TOP), made from the model file with numpy alone."""
