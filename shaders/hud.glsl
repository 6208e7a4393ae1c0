#version 330 core
// The HUD: flat-coloured triangles given in pixels with the origin at the top left (like the image rows).

#if defined VERTEX_SHADER

uniform vec2 u_size;
in vec2 in_position;
in vec4 in_color;
out vec4 v_color;

void main() {
    vec2 ndc = in_position / u_size * 2.0 - 1.0;
    gl_Position = vec4(ndc.x, -ndc.y, 0.0, 1.0);
    v_color = in_color;
}

#elif defined FRAGMENT_SHADER

in vec4 v_color;
out vec4 frag_color;

void main() {
    frag_color = v_color;
}

#endif
