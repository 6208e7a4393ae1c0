#version 330 core
// The CPPN of performer/model/cppn.py evaluated per pixel. Keep the coordinates in step with
// coordinate_grid(): pixel centres, shorter side spans [-1, 1], row 0 at the top, rotate, /zoom, +pan, *scale.
//
// Injected by performer/render/cppn_renderer.py:
//   N             hidden units / 4 (units are packed into vec4s so every product is a mat4 * vec4)
//   HIDDEN        number of hidden H->H layers (cppn_depth - 1); LAYERS = HIDDEN + 1
//   CHANNELS      1 (grey) or 3 (RGB)
//   SINE_BLOCKS   layer 0's first SINE_BLOCKS vec4s take sin instead of tanh (ModelConfig.cppn_sine_units / 4)
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

uniform vec2 u_size;          // size of the area drawn, in pixels
uniform vec2 u_origin;        // its lower-left corner in the framebuffer (0 unless drawing a tile of an atlas)
uniform vec2 u_rotation;      // (cos, sin) of the view rotation
uniform float u_zoom;
uniform vec2 u_pan;
uniform float u_coord_scale;
// Per-frame terms (CppnWeights.frame_terms), the same for every pixel: layer l is
// tanh(u_gain[l] * (W_l h) + u_bias[l]); layer 0's bias holds W_z z + b, the latent's whole share, and its
// first SINE_BLOCKS vec4s take sin instead of tanh.
uniform vec4 u_gain[LAYERS * N];
uniform vec4 u_bias[LAYERS * N];
uniform int u_palette;
uniform sampler2D u_palettes; // [n_palettes rows, 256 columns] RGB lookup table
uniform float u_brightness;
uniform float u_master;       // output level, applied last: 0 is black (blackout)
uniform float u_contrast;
uniform vec3 u_background;
uniform int u_transparent;    // background mode 1: no background colour, alpha = the garment's mask (straight)
// Prints (performer/prints/slots.py): two slots blended by u_print_mix, laid on the garment by u_print_opacity.
// A slot's kind is a procedural id (0 stripes, 1 dots, 2 check), PRINT_LEARNED (the worker's stylised
// texture) or PRINT_NONE (a learned print whose first frame has not arrived: no print from that slot).
uniform float u_print_opacity;  // 0 = no print (and no print work)
uniform float u_print_mix;      // 0 = slot a, 1 = slot b
uniform float u_print_scale;    // procedural prints: repeats across the garment (learned: the worker's size)
uniform int u_print_kind_a;
uniform int u_print_kind_b;
uniform float u_print_extent;   // garment half-width the stylised texture covers (its frame is zoom 1/extent)
uniform sampler2D u_print_texture;  // RGB, row 0 at the top, the garment frame of the worker

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

#ifndef SINE_BLOCKS
#define SINE_BLOCKS 0
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

// Layer 0's pre-activation for block i: the coordinates' share times the gain, plus the latent's bias.
vec4 layer0(int i, vec2 xy, float r) {
    int k = COORD_AT(i);
    return u_gain[i] * (WV(k) * xy.x + WV(k + 1) * xy.y + WV(k + 2) * r) + u_bias[i];
}

// Output pre-activations (before the sigmoid) for one pixel.
vec4 network(vec2 xy, float r) {
#if defined CPPN_GENERATED
    return cppn_generated(xy, r, u_gain, u_bias);
#else
    vec4 h[N];
    vec4 g[N];
    for (int i = 0; i < SINE_BLOCKS; ++i) {  // sine units (Fourier features) first, then tanh
        h[i] = sin(layer0(i, xy, r));
    }
    for (int i = SINE_BLOCKS; i < N; ++i) {
        h[i] = safe_tanh(layer0(i, xy, r));
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

#define PRINT_LEARNED -1
#define PRINT_NONE -2
#define PRINT_PERIODS 4.0       // procedural periods per garment unit at scale 1: 8 across the garment
#define MASK_LOW 0.04           // the garment mask ramps up over these output levels (background is ~0)
#define MASK_HIGH 0.25
#define RELIEF 0.08            // how deep the garment's folds read through a print (level per garment unit)

// The garment's mask from its ungraded level: what the prints lie on, and the alpha of a transparent background.
float garment_mask(float level) {
    return smoothstep(MASK_LOW, MASK_HIGH, level);
}

// 1 inside (d < 0), 0 outside, over one pixel's width w: anti-aliased at any zoom.
float inside(float d, float w) {
    return clamp(0.5 - d / max(w, 1e-6), 0.0, 1.0);
}

// A procedural print at print coordinate q (periods), with q's per-pixel change w (from fwidth, taken in
// uniform control flow by the caller).
vec3 print_procedural(int id, vec2 q, vec2 w) {
    if (id == 0) {  // Breton stripes: navy bands a third of the period wide on cream
        float ink = inside(abs(fract(q.y) - 0.5) - 1.0 / 6.0, w.y);
        return mix(vec3(0.96, 0.93, 0.84), vec3(0.08, 0.11, 0.28), ink);
    }
    if (id == 1) {  // polka dots: white on red, every other row shifted by half a period
        vec2 c = vec2(fract(q.x + 0.5 * mod(floor(q.y), 2.0)), fract(q.y)) - 0.5;
        float ink = inside(length(c) - 0.28, length(w));
        return mix(vec3(0.78, 0.09, 0.14), vec3(0.98, 0.97, 0.95), ink);
    }
    // gingham check: white ground, blue where one band crosses, dark blue where both do
    float x = inside(abs(fract(q.x) - 0.5) - 0.25, w.x);
    float y = inside(abs(fract(q.y) - 0.5) - 0.25, w.y);
    return mix(vec3(0.97, 0.97, 0.97), vec3(0.12, 0.25, 0.62), 0.45 * (x + y) + 0.1 * x * y);
}

vec3 print_learned(vec2 g) {
    vec2 uv = g / u_print_extent * 0.5 + 0.5;
    uv = 1.0 - abs(1.0 - mod(uv, 2.0));  // mirrored repeat beyond the garment frame: no seams when panning
    return texture(u_print_texture, uv).rgb;
}

// rgb and weight (0 when the slot has nothing to show yet)
vec4 print_slot(int kind, vec2 g, vec2 q, vec2 w, float shade) {
    if (kind == PRINT_NONE) {
        return vec4(0.0);
    }
    if (kind == PRINT_LEARNED) {
        return vec4(print_learned(g) * shade, 1.0);
    }
    return vec4(print_procedural(kind, q, w) * shade, 1.0);
}

// How the garment's own shading shows through a print: the grey level (darker where the CPPN draws folds,
// seams and a darker garment) with its contrast raised, times a relief light from the level's slope in
// garment units (so the same at any zoom or resolution): seams and folds catch light on one side and
// shadow on the other, as cloth does, instead of the print lying flat on top like a stencil.
float garment_shade(vec2 g, float level) {
    float tone = 0.2 + 0.8 * smoothstep(0.1, 0.95, level);
    float unit = max(length(fwidth(g)), 1e-6);  // garment units per pixel
    vec2 slope = vec2(dFdx(level), -dFdy(level)) / unit;  // level per garment unit, y as in the image
    vec3 normal = normalize(vec3(-RELIEF * slope, 1.0));
    vec3 light = normalize(vec3(-0.5, -0.6, 1.0));  // from the top left
    float relief = dot(normal, light) / light.z;
    return tone * clamp(relief, 0.55, 1.25);
}

// The garment colour with the print laid over the garment mask (level: the CPPN's own output, ungraded).
vec3 apply_print(vec3 colour, vec2 g, float level) {
    vec2 q = g * u_print_scale * PRINT_PERIODS;
    vec2 w = fwidth(q);
    float shade = garment_shade(g, level);
    vec4 a = print_slot(u_print_kind_a, g, q, w, shade);
    vec4 b = print_slot(u_print_kind_b, g, q, w, shade);
    float wa = a.a * (1.0 - u_print_mix);
    float wb = b.a * u_print_mix;
    float total = wa + wb;
    if (total <= 0.0) {
        return colour;
    }
    vec3 ink = (a.rgb * wa + b.rgb * wb) / total;
    float cover = u_print_opacity * total * garment_mask(level);
    return mix(colour, ink, cover);
}

void main() {
    float short_side = min(u_size.x, u_size.y);
    vec2 pixel = gl_FragCoord.xy - u_origin;
    vec2 uv = vec2(pixel.x, u_size.y - pixel.y) * (2.0 / short_side) - u_size / short_side;
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
    // Transparent: the compositor's layers below are the background, so no colour is added here.
    if (u_transparent == 0) {
        colour += u_background * (1.0 - graded);
    }
    if (u_print_opacity > 0.0) {  // a uniform branch: no print costs nothing
        colour = apply_print(colour, xy / u_coord_scale, level);
    }
    if (u_transparent == 0) {
        frag_color = vec4(clamp(colour, 0.0, 1.0) * u_master, 1.0);
    } else {
        // Straight alpha (PNG's rule, and what HAP Alpha, ProRes 4444 and NDI players expect); master fades
        // the layer out (its opacity) rather than to a black silhouette. Below one 8-bit step of alpha the
        // pixel is transparent black, so every pixel stored with alpha 0 is (0, 0, 0, 0).
        float alpha = garment_mask(level) * u_master;
        frag_color = alpha < 1.0 / 255.0 ? vec4(0.0) : vec4(clamp(colour, 0.0, 1.0), alpha);
    }
}

#endif
