#!/usr/bin/env bash
# Installs everything the studio and its tests need on Debian/Ubuntu:
# Chromium (browser-mode E2E), Python with PyTorch (training and fine-tuning), then npm.
# Elsewhere, install those yourself and run `npm install`.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(chromium python3-torch python3-onnx python3-numpy python3-pil python3-pytest)
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

# The Electron binary and onnxruntime-node's CUDA libraries are downloads; offline they
# fail, so their own install scripts are off and scripts/fetchOptionalBinaries.mjs only warns.
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi
