#!/usr/bin/env bash
# Sets up everything performer needs on a Debian machine, idempotently:
# Debian packages (data set, virtual display, Mesa EGL), a virtualenv in .venv, and the package itself.
# The second run is quick: apt and pip are skipped when nothing changed.
set -euo pipefail
cd "$(dirname "$0")"

# glslang-tools: Khronos' reference GLSL compiler, which the tests hold the shaders to (portability beyond Mesa)
# libportaudio2, libsndfile1: sound in and out (sounddevice) and songs (soundfile) for audio-reactive latents
DEBS=(dataset-fashion-mnist xvfb xauth libegl1 libegl-mesa0 libgl1-mesa-dri libgles2 glslang-tools xdotool
  libportaudio2 libsndfile1)
missing=()
for pkg in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
# Reinstall only when the dependency list changed (the stamp holds a hash of pyproject.toml).
stamp=.venv/.performer-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test]"
  # Ableton Link only as a wheel (its C++ build is not worth a compiler here); without one the Link tests skip
  .venv/bin/python -m pip install -q --only-binary LinkPython-extern -e ".[link]" \
    || echo "setup: no Ableton Link wheel for this Python; play --link and its tests are off"
  # NDI only as a wheel (it bundles the NDI runtime); without one for this platform the NDI tests skip
  .venv/bin/python -m pip install -q --only-binary ndi-python -e ".[ndi]" \
    || echo "setup: no ndi-python wheel for this platform; play --ndi and its loopback test are off"
  echo "$want" > "$stamp"
fi
