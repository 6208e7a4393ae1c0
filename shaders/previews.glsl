#version 330 core
// Latent previews (performer/render/previews.py): the atlas of small renders, row i = latent i at a few values,
// drawn as one rectangle over the screen, with the current value of each latent marked on its row.

#if defined VERTEX_SHADER

uniform vec2 u_size;  // framebuffer size in pixels
uniform vec4 u_rect;  // x, y of the top-left corner (pixels from the top left), width, height
out vec2 v_uv;        // (0, 0) at the rectangle's top left

void main() {
    // Two triangles from the vertex index alone: corners (0,0) (1,0) (0,1), (1,0) (1,1) (0,1).
    int i = gl_VertexID;
    vec2 corner = vec2(float(i == 1 || i == 3 || i == 4), float(i == 2 || i == 4 || i == 5));
    vec2 ndc = (u_rect.xy + corner * u_rect.zw) / u_size * 2.0 - 1.0;
    gl_Position = vec4(ndc.x, -ndc.y, 0.0, 1.0);
    v_uv = corner;
}

#elif defined FRAGMENT_SHADER

uniform sampler2D u_atlas;     // GL rows: the atlas's top row (latent 1) is at v = 1
uniform float u_marker[ROWS];  // where each latent's current value lies across its row, 0..1
uniform float u_marker_width;  // half the marker's width, in rectangle widths
in vec2 v_uv;
out vec4 frag_color;

void main() {
    vec3 colour = texture(u_atlas, vec2(v_uv.x, 1.0 - v_uv.y)).rgb;
    int row = min(int(v_uv.y * float(ROWS)), ROWS - 1);
    if (abs(v_uv.x - u_marker[row]) < u_marker_width) {
        colour = vec3(1.0, 0.55, 0.1);  // the HUD's positive-bar orange
    }
    frag_color = vec4(colour, 1.0);
}

#endif
