#!/usr/bin/env bash
# Installs everything the studio and its tests need on Debian/Ubuntu:
# Chromium (browser-mode E2E), Python with PyTorch (training and fine-tuning) and its
# virtual environment .venv, then npm.
# Elsewhere, install those yourself and run `npm install`.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(chromium python3-torch python3-onnx python3-numpy python3-pil python3-pytest python3-venv)
if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for pkg in "${packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo_cmd=()
    [ "$(id -u)" = "0" ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
else
  echo "setup: no apt-get here; install Chromium and Python 3 with torch, onnx, numpy, pillow, pytest yourself." >&2
fi

# The training package's Python: a virtual environment over Debian's (so its torch is the
# one used) with what only the Python registry has: the backbones' ImageNet weights and
# onnxruntime. Debian's own Python is externally managed, so nothing goes into it.
if [ -x /usr/bin/python3 ]; then
  [ -x .venv/bin/python ] || /usr/bin/python3 -m venv --system-site-packages .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -r models/training/requirements.txt
fi

# The Electron binary and onnxruntime-node's CUDA libraries are downloads; offline they
# fail, so their own install scripts are off and scripts/fetchOptionalBinaries.mjs only warns.
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi
