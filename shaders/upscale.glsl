#version 330 core
// The CPPN's frame, rendered at a fraction of the output's size, upscaled to it (performer/render/upscale.py).
// Catmull-Rom bicubic from 16 exact texel reads (no hardware filtering: llvmpipe's linear weights are 8-bit).
// Output pixel to source texel keeps the CPPN's own geometry (cppn.glsl: the shorter side spans [-1, 1]
// about the centre), so a source whose size was rounded to whole pixels still lines up exactly.

#if defined VERTEX_SHADER

void main() {
    vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2);
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}

#elif defined FRAGMENT_SHADER

uniform sampler2D u_source;
uniform vec2 u_size;         // the output's size in pixels
uniform vec2 u_source_size;  // the source's size in texels

out vec4 frag_color;

vec4 catmull_rom(float t) {  // weights of the texels at -1, 0, 1, 2 from the sample's left neighbour
    float t2 = t * t;
    float t3 = t2 * t;
    return vec4(-0.5 * t3 + t2 - 0.5 * t, 1.5 * t3 - 2.5 * t2 + 1.0, -1.5 * t3 + 2.0 * t2 + 0.5 * t,
                0.5 * t3 - 0.5 * t2);
}

vec4 texel(ivec2 at) {
    ivec2 last = ivec2(u_source_size) - 1;
    return texelFetch(u_source, clamp(at, ivec2(0), last), 0);
}

void main() {
    float ratio = min(u_source_size.x, u_source_size.y) / min(u_size.x, u_size.y);
    vec2 p = (gl_FragCoord.xy - 0.5 * u_size) * ratio + 0.5 * u_source_size - 0.5;  // in texel centres
    vec2 base = floor(p);
    vec2 f = p - base;
    vec4 wx = catmull_rom(f.x);
    vec4 wy = catmull_rom(f.y);
    ivec2 b = ivec2(base) - 1;
    vec4 colour = vec4(0.0);  // alpha filtered with the colour: a transparent background's mask (cppn.glsl)
    for (int j = 0; j < 4; ++j) {
        vec4 row = wx.x * texel(b + ivec2(0, j)) + wx.y * texel(b + ivec2(1, j)) + wx.z * texel(b + ivec2(2, j))
                 + wx.w * texel(b + ivec2(3, j));
        colour += wy[j] * row;
    }
    // Opaque frames stay opaque; as in cppn.glsl, a pixel whose alpha stores as 0 (the filter's overshoot
    // included) is transparent black.
    float alpha = min(colour.a, 1.0);
    frag_color = alpha < 1.0 / 255.0 ? vec4(0.0) : vec4(clamp(colour.rgb, 0.0, 1.0), alpha);
}

#endif
