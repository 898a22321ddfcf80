#!/usr/bin/env bash
# Debian packages some plugins and tests use: BRISQUE's model files (opencv-data),
# butteraugli_main (libjxl-devtools) and headless Chromium for the HTML report test.
# Skips quietly when they are present, or when we are not root on a Debian-like system.
set -u
packages=(opencv-data libjxl-devtools chromium)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "note: missing Debian packages ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
