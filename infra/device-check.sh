#!/usr/bin/env bash
# Device check (issue 13): on a CUDA machine, builds the benchmarks with the CUDA TorchSharp backend
# (-p:TorchBackend=cuda, into out/device-check so the CPU build's bin/ and obj/ stay as they are) and runs
# `SaEI.Benchmarks device-check --device cuda`: a tiny Qwen2.5-VL SaEI step and the `qwen generation` benchmark on
# the GPU, and the tiny Qwen placed over cpu + cuda:0 (cuda:0 + cuda:1 with two GPUs) against one device (max logit
# difference), ending with one line that starts "device check:". Without a GPU it prints "device check: no GPU (...)"
# and exits 0. Usage: infra/device-check.sh   (env DEVICE_CHECK_DEVICE=cuda:1 picks another GPU;
# DEVICE_CHECK_NVIDIA_SMI names the nvidia-smi to ask, for tests).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

smi="${DEVICE_CHECK_NVIDIA_SMI:-nvidia-smi}"
if ! command -v "$smi" >/dev/null 2>&1; then
  echo "device check: no GPU (nvidia-smi not found)"
  exit 0
fi
gpu="$("$smi" --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null | head -n 1 || true)"
if [[ -z "$gpu" ]]; then
  echo "device check: no GPU (nvidia-smi lists no device)"
  exit 0
fi

artifacts="$root/out/device-check"
mkdir -p "$artifacts"
log="$artifacts/build.log"
if ! dotnet build "$root/Benchmarks/SaEI.Benchmarks.csproj" -c Release -nologo -clp:ErrorsOnly -v q \
      -p:TorchBackend=cuda --artifacts-path "$artifacts" >"$log" 2>&1; then
  echo "device check: FAILED (build with -p:TorchBackend=cuda; see $log)"
  exit 1
fi
dll="$(find "$artifacts/bin" -name SaEI.Benchmarks.dll -print -quit)"
exec dotnet "$dll" device-check --device "${DEVICE_CHECK_DEVICE:-cuda}" --gpu "$gpu"
