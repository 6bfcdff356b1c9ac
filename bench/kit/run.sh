#!/bin/sh
# wgneuro device kit (built by `npm run device-kit`; see bench/README.md, "GPU run kit").
# Runs `wgneuro bench <suite> --json` for each suite on this machine, with nothing from the machine
# but /bin/sh, the kernel and glibc >= 2.34: busybox (bin/), Node, Dawn, the Vulkan loader and the
# libraries NVIDIA's Vulkan driver links against all come with the kit and are unpacked into a
# temporary folder that is removed afterwards.
#
# Usage: sh run.sh [options]
#   --preset quick|default|gpu  problem sizes: quick (seconds, for tests), default (each suite's
#                               own defaults), gpu (sized for a large GPU); default: default
#   --suites LIST               comma-separated, from linalg,eig,sde,network,fft,train,tune
#                               (default: the first four); tune runs `wgneuro tune --json` (every
#                               candidate kernel's time on this adapter), the others `bench <suite>`
#   --out DIR                   where the results go (default: $OUT if set, else ./wgneuro-kit-results)
#   --icd auto|nvidia|swiftshader|PATH
#                               Vulkan driver: auto takes NVIDIA's when its ICD manifest or
#                               libGLX_nvidia.so.0 is found and SwiftShader (CPU) otherwise, but
#                               stops when an NVIDIA device node exists without NVIDIA's Vulkan
#                               driver (rather than benchmark a CPU on a GPU machine)
#   --suite-timeout SECONDS     stop a suite that runs longer (its log says so)
#   --dry-run                   unpack, print the adapter and the commands, run no suite
#   --keep                      keep the unpacked folder (its path is printed)
#   LINALG_ARGS, EIG_ARGS, SDE_ARGS, NETWORK_ARGS, FFT_ARGS, TRAIN_ARGS, TUNE_ARGS in the environment replace a preset's
#   options.
# Output in DIR: info.json and info.txt (adapter, limits, how it was found), <suite>.json (the
# suite's --json output), <suite>.log (its stderr), summary.txt (suite, exit status, seconds).
# Exit status: 0 when every suite succeeded, 1 when one failed, 2 when no adapter was found.
set -eu

case "$0" in
  */*) kit=$(cd "${0%/*}" && pwd) ;;
  *) kit=$(pwd) ;;
esac
bb="$kit/bin/busybox"
if ! "$bb" true 2>/dev/null; then
  echo "run.sh: $bb does not run here (the kit is for x86-64 Linux)" >&2
  exit 2
fi

preset=default
suites="linalg,eig,sde,network"
out="${OUT:-}"
icd=auto
suite_timeout=""
dry_run=0
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset="$2"; shift 2 ;;
    --suites) suites="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --icd) icd="$2"; shift 2 ;;
    --suite-timeout) suite_timeout="$2"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) "$bb" awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$preset" in quick|default|gpu) ;; *) echo "run.sh: --preset must be quick, default or gpu, got '$preset'" >&2; exit 2 ;; esac
for s in $(echo "$suites" | "$bb" tr ',' ' '); do
  case "$s" in linalg|eig|sde|network|fft|train|tune) ;; *) echo "run.sh: --suites takes linalg, eig, sde, network, fft, train, tune; got '$s'" >&2; exit 2 ;; esac
done
[ -n "$out" ] || out="$(pwd)/wgneuro-kit-results"
"$bb" mkdir -p "$out"
out=$(cd "$out" && pwd)

# ------------------------------------------------------------------------------------------ unpack
work=$("$bb" mktemp -d "${TMPDIR:-/tmp}/wgneuro-kit.XXXXXX")
cleanup() {
  if [ "$keep" = 1 ]; then echo "run.sh: kept $work"; else "$bb" rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
t0=$("$bb" date +%s)
"$bb" unxz -c "$kit/node.xz" > "$work/node"
"$bb" chmod 755 "$work/node"
"$bb" tar -xJf "$kit/app.tar.xz" -C "$work"
"$bb" mkdir -p "$work/app/dist/linux-x64" "$work/swiftshader" "$work/root" "$work/lib" "$work/xdg"
"$bb" chmod 700 "$work/xdg"
"$bb" unxz -c "$kit/dawn.node.xz" > "$work/app/dist/linux-x64/dawn.node"
"$bb" unxz -c "$kit/swiftshader/libvk_swiftshader.so.xz" > "$work/swiftshader/libvk_swiftshader.so"
"$bb" cp "$kit/swiftshader/vk_swiftshader_icd.json" "$work/swiftshader/"
for deb in "$kit"/debs/*.deb; do "$bb" dpkg-deb -x "$deb" "$work/root"; done

# The kit's libraries come first, so the Vulkan loader and the GL/X11 libraries are the kit's on
# any box. The C++ runtime is the exception: the machine's is used unless it is missing or older
# than dawn.node needs, because the GPU driver's own libraries may need a newer one.
. "$kit/kit.env"   # NEEDS_GLIBCXX: the newest libstdc++ symbol version dawn.node uses
system_cxx=""
for d in /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib64 /lib64 /usr/lib /lib; do
  if [ -e "$d/libstdc++.so.6" ]; then system_cxx="$d/libstdc++.so.6"; break; fi
done
kit_cxx=0
if [ -z "$system_cxx" ] || ! "$bb" grep -q "$NEEDS_GLIBCXX" "$system_cxx"; then kit_cxx=1; fi
for f in "$work"/root/usr/lib/x86_64-linux-gnu/*.so* "$work"/root/lib/x86_64-linux-gnu/*.so*; do
  [ -e "$f" ] || continue
  case "${f##*/}" in
    libstdc++.so*|libgcc_s.so*) [ "$kit_cxx" = 1 ] || continue ;;
  esac
  "$bb" ln -sf "$f" "$work/lib/${f##*/}"
done
export LD_LIBRARY_PATH="$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export XDG_RUNTIME_DIR="$work/xdg"
echo "run.sh: unpacked into $work in $(( $("$bb" date +%s) - t0 )) s; C++ runtime: $([ "$kit_cxx" = 1 ] && echo "the kit's (machine's is missing or lacks $NEEDS_GLIBCXX)" || echo "$system_cxx")"

# ------------------------------------------------------------------------------------ Vulkan driver
nvidia_device=""
for n in /dev/nvidia0 /dev/nvidiactl; do [ -e "$n" ] && nvidia_device="$n" && break; done
find_nvidia_icd() {
  for f in /etc/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
           /usr/local/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.x86_64.json \
           /usr/share/vulkan/icd.d/nvidia_icd.x86_64.json; do
    if [ -e "$f" ]; then echo "$f"; return 0; fi
  done
  # Containers sometimes get the driver's libraries without the manifest: write one for them.
  for d in /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib64 /lib64 /usr/lib /usr/local/nvidia/lib64; do
    if [ -e "$d/libGLX_nvidia.so.0" ]; then
      printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$d/libGLX_nvidia.so.0" > "$work/nvidia_icd.json"
      echo "$work/nvidia_icd.json"
      return 0
    fi
  done
  return 1
}
nvidia_diagnostics() {
  echo "  NVIDIA device nodes: $("$bb" ls /dev/nvidia* 2>/dev/null | "$bb" tr '\n' ' ')"
  echo "  NVIDIA user-space libraries found:"
  for d in /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib64 /lib64 /usr/lib /usr/local/nvidia/lib64; do
    "$bb" ls "$d" 2>/dev/null | "$bb" grep -i -E 'nvidia|libcuda' | "$bb" sed "s|^|    $d/|" || true
  done
  echo "  Vulkan manifests: $("$bb" ls /etc/vulkan/icd.d /usr/share/vulkan/icd.d 2>/dev/null | "$bb" tr '\n' ' ')"
  echo "  NVIDIA_DRIVER_CAPABILITIES=${NVIDIA_DRIVER_CAPABILITIES:-(unset)}: a container needs 'graphics' (or 'all') for the Vulkan driver"
}
case "$icd" in
  auto)
    if icd_file=$(find_nvidia_icd); then
      driver="NVIDIA ($icd_file)"
    elif [ -n "$nvidia_device" ]; then
      echo "run.sh: $nvidia_device exists but NVIDIA's Vulkan driver was not found; not benchmarking the CPU on a GPU machine (pass --icd swiftshader to do so anyway)" >&2
      nvidia_diagnostics >&2
      exit 2
    else
      icd_file="$work/swiftshader/vk_swiftshader_icd.json"; driver="SwiftShader (CPU; no NVIDIA driver found)"
    fi ;;
  nvidia)
    if ! icd_file=$(find_nvidia_icd); then
      echo "run.sh: --icd nvidia: NVIDIA's Vulkan ICD manifest / libGLX_nvidia.so.0 not found" >&2
      nvidia_diagnostics >&2
      exit 2
    fi
    driver="NVIDIA ($icd_file)" ;;
  swiftshader) icd_file="$work/swiftshader/vk_swiftshader_icd.json"; driver="SwiftShader (CPU)" ;;
  *) icd_file="$icd"; driver="$icd" ;;
esac
# VK_DRIVER_FILES is the newer loaders' name for VK_ICD_FILENAMES; the kit's loader reads both.
export VK_ICD_FILENAMES="$icd_file" VK_DRIVER_FILES="$icd_file"
echo "run.sh: Vulkan driver: $driver"

wgneuro() { "$work/node" "$work/app/wgneuro.mjs" "$@"; }
if ! wgneuro info --json > "$out/info.json" 2> "$out/info.log"; then
  echo "run.sh: no WebGPU adapter (see $out/info.log):" >&2
  "$bb" cat "$out/info.log" >&2
  [ -n "$nvidia_device" ] && nvidia_diagnostics >&2
  exit 2
fi
wgneuro info > "$out/info.txt" 2>/dev/null || true
"$bb" grep -E '^(runtime|adapter):' "$out/info.txt" | "$bb" sed 's/^/run.sh: /'

# ----------------------------------------------------------------------------------------- suites
preset_args() { # $1 preset, $2 suite
  case "$1:$2" in
    quick:linalg) echo "--sizes 64 --odd 33x17x63 --gemv 256 --reps 1 --peak-gflop 0.02 --peer-max-size 64 --js-max-size 64" ;;
    quick:eig) echo "--sizes 96 --k 4 --reps 1 --ml-max 96 --jacobi 8x8" ;;
    quick:sde) echo "--trajectories 256 --lif-trials 64 --lif-steps 20 --js-trajectories 64 --reps 1" ;;
    quick:network) echo "--no-brian2 --duration 5 --seeds 1 --trials 2 --sizes 64 --rate-trials 4 --rate-steps 2" ;;
    quick:fft) echo "--sizes 64 --reps 1" ;;
    quick:train) echo "--batch 8 --mlp 16,8,3 --rnn-batch 2 --units 8 --steps 3 --reps 1 --peers tfjs-wasm" ;;
    quick:tune) echo "--gemm 64 --gemv 64 --jacobi 4x8 --budget 2000" ;;
    default:network) echo "--no-brian2" ;;
    default:*) echo "" ;;
    # Sized for an H200-class GPU within a few minutes per suite: peers that run on the CPU
    # (TF.js wasm, plain JS, ml-matrix) are capped, since their time would dominate.
    gpu:linalg) echo "--sizes 1024,2048,4096 --odd 257,129x65x257,1000x3x1000,4097 --gemv 4096,16384 --reps 5 --peak-gflop 50 --peer-max-size 2048 --js-max-size 512" ;;
    gpu:eig) echo "--sizes 1024,2048,4096 --ml-max 512 --jacobi 1000x8,100x32,10000x8" ;;
    gpu:sde) echo "--trajectories 8388608 --lif-trials 1048576 --lif-steps 1000 --js-trajectories 2048" ;;
    gpu:network) echo "--no-brian2 --duration 1000 --seeds 3 --trials 64 --sizes 1024,4096 --rate-trials 64 --rate-steps 50" ;;
    gpu:fft) echo "--sizes 1024,2048,4096 --reps 7" ;;
    gpu:train) echo "--batch 1024 --mlp 784,1024,1024,10 --rnn-batch 256 --units 512 --steps 50 --reps 5" ;;
    gpu:tune) echo "--gemm 1024,2048,4096 --gemv 4096,16384 --jacobi 1000x8,100x32,10000x8 --budget 20000" ;;
  esac
}
status=0
: > "$out/summary.txt"
for s in $(echo "$suites" | "$bb" tr ',' ' '); do
  case "$s" in
    linalg) args="${LINALG_ARGS-$(preset_args "$preset" linalg)}" ;;
    eig) args="${EIG_ARGS-$(preset_args "$preset" eig)}" ;;
    sde) args="${SDE_ARGS-$(preset_args "$preset" sde)}" ;;
    network) args="${NETWORK_ARGS-$(preset_args "$preset" network)}" ;;
    fft) args="${FFT_ARGS-$(preset_args "$preset" fft)}" ;;
    train) args="${TRAIN_ARGS-$(preset_args "$preset" train)}" ;;
    tune) args="${TUNE_ARGS-$(preset_args "$preset" tune)}" ;;
  esac
  # `tune` is a command of its own; every other suite is `bench <suite>`.
  if [ "$s" = tune ]; then cmd=tune; else cmd="bench $s"; fi
  echo "run.sh: wgneuro $cmd $args --json > $out/$s.json"
  [ "$dry_run" = 1 ] && continue
  start=$("$bb" date +%s)
  rc=0
  # shellcheck disable=SC2086 # the options are words on purpose
  if [ -n "$suite_timeout" ]; then
    "$bb" timeout "$suite_timeout" "$work/node" "$work/app/wgneuro.mjs" $cmd $args --json > "$out/$s.json.partial" 2> "$out/$s.log" || rc=$?
  else
    wgneuro $cmd $args --json > "$out/$s.json.partial" 2> "$out/$s.log" || rc=$?
  fi
  seconds=$(( $("$bb" date +%s) - start ))
  if [ "$rc" = 0 ]; then
    "$bb" mv "$out/$s.json.partial" "$out/$s.json"
  else
    status=1
    [ -n "$suite_timeout" ] && [ "$rc" = 143 ] && echo "stopped by --suite-timeout $suite_timeout" >> "$out/$s.log"
    echo "run.sh: $cmd failed (exit $rc); last lines of $out/$s.log:" >&2
    "$bb" tail -n 5 "$out/$s.log" >&2
  fi
  echo "$s $rc $seconds" >> "$out/summary.txt"
  echo "run.sh: $cmd: exit $rc in $seconds s"
done
exit "$status"
