#!/usr/bin/env bash
# Installs the Debian packages aocore builds against, when any is missing. As root it runs apt-get;
# otherwise it prints the one command to run and fails. Does nothing when all are present.
# With --fuzz it installs only what `make fuzz` adds: Debian 12's clang 14 and its runtime
# libraries (libFuzzer, ASan, UBSan), which `make test` never needs.
set -euo pipefail
packages=(cmake ninja-build g++ pkg-config python3-venv
          libspdlog-dev libleveldb-dev libsnappy-dev libssl-dev libgtest-dev libbenchmark-dev
          nlohmann-json3-dev libcpp-httplib-dev)
if [ "${1:-}" = "--fuzz" ]; then
  packages=(clang-14 libclang-rt-14-dev)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "aocore: installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "aocore: not root; run:  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends "${missing[@]}" || {
  apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"
}
