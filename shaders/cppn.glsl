#version 330 core
// The CPPN of performer/model/cppn.py evaluated per pixel. Keep the coordinates in step with
// coordinate_grid(): pixel centres, shorter side spans [-1, 1], row 0 at the top, rotate, /zoom, +pan, *scale.
//
// Injected by performer/render/cppn_renderer.py:
//   N             hidden units / 4 (units are packed into vec4s so every product is a mat4 * vec4)
//   HIDDEN        number of hidden H->H layers (cppn_depth - 1); LAYERS = HIDDEN + 1
//   CHANNELS      1 (grey) or 3 (RGB)
//   WEIGHT_COUNT  vec4s in the packed weight table (see CppnWeights.pack)
//   WEIGHTS_CONST | WEIGHTS_UBO | WEIGHTS_TEXTURE  where the table lives
//   CPPN_GENERATED  with WEIGHTS_CONST: cppn_generated() is straight-line code with the weights in it

#if defined VERTEX_SHADER

// One triangle that covers the viewport; no vertex buffer needed.
void main() {
    vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2);
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}

#elif defined FRAGMENT_SHADER

uniform vec2 u_size;          // framebuffer size in pixels
uniform vec2 u_rotation;      // (cos, sin) of the view rotation
uniform float u_zoom;
uniform vec2 u_pan;
uniform float u_coord_scale;
// Per-frame terms (CppnWeights.frame_terms), the same for every pixel: layer l is
// tanh(u_gain[l] * (W_l h) + u_bias[l]); layer 0's bias holds W_z z + b, the latent's whole share.
uniform vec4 u_gain[LAYERS * N];
uniform vec4 u_bias[LAYERS * N];
uniform int u_palette;
uniform sampler2D u_palettes; // [n_palettes rows, 256 columns] RGB lookup table
uniform float u_brightness;
uniform float u_contrast;
uniform vec3 u_background;

out vec4 frag_color;

#if defined WEIGHTS_UBO
layout(std140) uniform Weights { vec4 W[WEIGHT_COUNT]; };
#define WV(k) W[k]
#elif defined WEIGHTS_TEXTURE
uniform sampler2D u_weights;  // RGBA32F, WEIGHT_TEXTURE_WIDTH texels a row
#define WV(k) texelFetch(u_weights, ivec2((k) % WEIGHT_TEXTURE_WIDTH, (k) / WEIGHT_TEXTURE_WIDTH), 0)
#else
// WEIGHTS_CONST: `const vec4 W[WEIGHT_COUNT]` and cppn_generated() come in with the injected source.
#define WV(k) W[k]
#endif

// Offsets into the packed table: coordinates (3 columns per block), hidden mat4 blocks and biases, output.
#define COORD_AT(i) ((i) * 3)
#define HIDDEN_AT(l) (3 * N + (l) * 4 * N * N)
#define OUT_AT (3 * N + HIDDEN * 4 * N * N)

// GLSL tanh overflows to NaN for large |x| on some drivers; exp(-2|x|) is in (0, 1] for every x.
vec4 safe_tanh(vec4 x) {
    vec4 t = exp(-2.0 * abs(x));
    return sign(x) * (1.0 - t) / (1.0 + t);
}

mat4 block(int k) {
    return mat4(WV(k), WV(k + 1), WV(k + 2), WV(k + 3));
}

// Output pre-activations (before the sigmoid) for one pixel.
vec4 network(vec2 xy, float r) {
#if defined CPPN_GENERATED
    return cppn_generated(xy, r, u_gain, u_bias);
#else
    vec4 h[N];
    vec4 g[N];
    for (int i = 0; i < N; ++i) {
        int k = COORD_AT(i);
        h[i] = safe_tanh(u_gain[i] * (WV(k) * xy.x + WV(k + 1) * xy.y + WV(k + 2) * r) + u_bias[i]);
    }
    for (int l = 0; l < HIDDEN; ++l) {
        int base = HIDDEN_AT(l);
        for (int i = 0; i < N; ++i) {
            vec4 acc = vec4(0.0);
            for (int j = 0; j < N; ++j) {
                acc += block(base + 4 * (i * N + j)) * h[j];
            }
            g[i] = safe_tanh(u_gain[(l + 1) * N + i] * acc + u_bias[(l + 1) * N + i]);
        }
        for (int i = 0; i < N; ++i) {
            h[i] = g[i];
        }
    }
    vec4 acc = WV(OUT_AT + 4 * N);
    for (int j = 0; j < N; ++j) {
        acc += block(OUT_AT + 4 * j) * h[j];
    }
    return acc;
#endif
}

vec3 palette_lookup(float v) {
    // Interpolate by hand: hardware linear filtering has 8-bit weights on some GPUs (and llvmpipe).
    float x = clamp(v, 0.0, 1.0) * 255.0;
    int i0 = int(min(floor(x), 254.0));
    vec3 a = texelFetch(u_palettes, ivec2(i0, u_palette), 0).rgb;
    vec3 b = texelFetch(u_palettes, ivec2(i0 + 1, u_palette), 0).rgb;
    return mix(a, b, x - float(i0));
}

void main() {
    float short_side = min(u_size.x, u_size.y);
    vec2 uv = vec2(gl_FragCoord.x, u_size.y - gl_FragCoord.y) * (2.0 / short_side) - u_size / short_side;
    vec2 view = vec2(u_rotation.x * uv.x - u_rotation.y * uv.y, u_rotation.y * uv.x + u_rotation.x * uv.y);
    vec2 xy = (view / u_zoom + u_pan) * u_coord_scale;
    float r = length(xy);

    vec4 out4 = 0.5 + 0.5 * safe_tanh(0.5 * network(xy, r));  // sigmoid, without exp overflow

#if CHANNELS == 1
    vec3 raw = out4.xxx;
    float level = out4.x;
#else
    vec3 raw = out4.rgb;
    float level = dot(out4.rgb, vec3(0.2126, 0.7152, 0.0722));
#endif
    // Grade the level, then colour it. Palette 0 (grey) keeps the model's own output, RGB included.
    float graded = clamp((level - 0.5) * u_contrast + 0.5 + u_brightness, 0.0, 1.0);
    vec3 colour = u_palette == 0 ? clamp((raw - 0.5) * u_contrast + 0.5 + u_brightness, 0.0, 1.0)
                                 : palette_lookup(graded);
    // The background shows where the garment is empty (level 0) and fades out under it; black adds nothing.
    colour += u_background * (1.0 - graded);
    frag_color = vec4(clamp(colour, 0.0, 1.0), 1.0);
}

#endif
