#!/usr/bin/env bash
# Robustness probe (issue 17) through the command line: every kind of file SepCNN reads, mutated,
# fed to the commands that read it; checkpoints with crafted extreme fields resumed; integer and
# float flags at their extremes; files claiming far more than they hold. Each run has a time limit
# and an address-space cap, and must end in a result (exit 0) or a thrown error (exit 1, or 64 for
# an argument ArgumentParser refuses): a trap (132, 133, 134, 139), a timeout (124, 137) or an
# allocation failure under the cap is a failure. Also fails on temporary files left behind.
#   Scripts/robustness_probe.sh [MUTANTS_PER_SEED]        (default 25; about 2,000 runs)
#   SEPCNN=path/to/sepcnn to use a built binary; PROBE_MEMORY_MB (default 4096), PROBE_SECONDS (default 60)
# Uses the release build (built if missing), bash, coreutils and python3 (Scripts/robustness_mutants.py,
# standard library only). Not part of CI: it takes 10–30 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
mutants=${1:-25}
memory_mb=${PROBE_MEMORY_MB:-4096} seconds=${PROBE_SECONDS:-60}
if [[ -z ${SEPCNN:-} ]]; then
    swift build -c release --product sepcnn > /dev/null
    SEPCNN=$(swift build -c release --show-bin-path)/sepcnn
fi
sepcnn=$SEPCNN
fixtures=$(pwd)/Tests/SepCNNTests/Fixtures
work=$(mktemp -d /tmp/sepcnn-robustness-probe.XXXXXX)
trap 'rm -rf "$work"' EXIT
gen() { python3 Scripts/robustness_mutants.py "$@"; }

declare -A runs results peak
failures=0 log=$work/failures.txt
: > "$log"; touch "$work/start"
# probe TYPE EXPECT COMMAND...: runs COMMAND under the caps. EXPECT "any" accepts a result or an
# error, "error" only an error. Tallies the outcome and the peak resident memory per TYPE.
probe() {
    local type=$1 expect=$2 status=0; shift 2
    ( ulimit -v $((memory_mb * 1024)); exec /usr/bin/time -o "$work/rss.txt" -f %M timeout -k 5 "$seconds" "$@" ) \
        > "$work/out.txt" 2> "$work/err.txt" < /dev/null || status=$?
    runs[$type]=$(( ${runs[$type]:-0} + 1 ))
    local rss; rss=$(tail -1 "$work/rss.txt" 2> /dev/null | grep -o '^[0-9]*$' || echo 0)
    (( rss > ${peak[$type]:-0} )) && peak[$type]=$rss
    local outcome=$status
    case $status in
        0) [[ $expect == any ]] && outcome=ok ;;
        1 | 64) grep -q 'Error' "$work/err.txt" && outcome=error ;;
    esac
    results[$type,$outcome]=$(( ${results[$type,$outcome]:-0} + 1 ))
    if [[ $outcome != ok && $outcome != error ]]; then
        failures=$((failures + 1))
        { echo "[$type] exit $status (expected $expect): $*"; grep -v '^Command exited' "$work/err.txt" | tail -c 600; echo; } >> "$log"
    fi
}

echo "== seeds"
seeds=$work/seeds && mkdir -p "$seeds" "$work/m"
"$sepcnn" convert fashion-sepcnn "$seeds/model.safetensors" > /dev/null
"$sepcnn" convert mobilenet-v1 --width-multiplier 0.25 --resolution 32 --classes 10 "$seeds/cifar-model.safetensors" > /dev/null
head -c 3136 /dev/zero > "$seeds/zeros.bin"
photos=$seeds/photos && mkdir -p "$photos/plain" "$photos/striped"
cp "$fixtures"/jpeg/baseline-*.jpg "$photos/plain/" && cp "$fixtures"/images/rgb8.png "$fixtures"/images/photo.png "$photos/striped/"
cp "$fixtures"/jpeg/orientation*.jpg "$photos/striped/"
# A checkpoint of a tiny run (8×8 images, batches of 4) mid-way: resuming it trains a few steps.
mkdir -p "$work/run"
"$sepcnn" train --model fashion-sepcnn --dataset folder --data "$photos" --resolution 8 --epochs 1 --batch-size 4 \
    --validation-split 0 --checkpoint-every 1 --seed 1 --threads 1 --output "$work/run/model.safetensors" > /dev/null
cp "$work/run/model.checkpoint.safetensors" "$seeds/run.checkpoint.safetensors"
gen idx-seed "$seeds" && mkdir -p "$seeds/cifar" && gen cifar-seed "$seeds/cifar"
for f in "$seeds/model.safetensors" "$seeds/run.checkpoint.safetensors"; do probe sanity any "$sepcnn" summary "$f"; done
probe sanity any "$sepcnn" eval fashion-sepcnn --data "$seeds"
probe sanity any "$sepcnn" eval "$seeds/cifar-model.safetensors" --dataset cifar10 --data "$seeds/cifar"
probe sanity any "$sepcnn" train --resume "$seeds/run.checkpoint.safetensors" --epochs 2 --threads 1
probe sanity any "$sepcnn" predict fashion-sepcnn "$photos"
if [[ ${results[sanity,ok]:-0} != "${runs[sanity]}" ]]; then echo "the unmutated seeds do not all work:"; cat "$log"; exit 1; fi

echo "== mutated files ($mutants per seed file and kind of mutation)"
fresh() { rm -rf "$work/m/$1"; mkdir -p "$work/m/$1"; }
mutate() { fresh "$1"; gen mutants "$2" "$work/m/$1" "$mutants" "$3"; }
# Images: PNG (chunk CRCs recomputed for most), PPM/PGM, JPEG.
fresh png; for f in "$fixtures"/images/*.png; do gen mutants "$f" "$work/m/png" "$mutants" png; done
for f in "$work"/m/png/*; do probe png any "$sepcnn" predict fashion-sepcnn "$f"; done
fresh ppm
for f in "$fixtures"/images/*.p?m; do gen mutants "$f" "$work/m/ppm" "$mutants" bytes; done
for f in "$work"/m/ppm/*; do probe ppm any "$sepcnn" predict fashion-sepcnn "$f"; done
fresh jpeg; for f in "$fixtures"/jpeg/*.jpg; do gen mutants "$f" "$work/m/jpeg" "$mutants" bytes; done
for f in "$work"/m/jpeg/*; do probe jpeg any "$sepcnn" predict fashion-sepcnn "$f"; done
# Model files: bytes anywhere, and the architecture description inside a well-formed file.
mutate model "$seeds/model.safetensors" bytes
gen mutants "$fixtures/python-dtypes.safetensors" "$work/m/model" "$mutants" bytes
for f in "$work"/m/model/*; do probe model any "$sepcnn" summary "$f"; probe model any "$sepcnn" run "$f" --input "$seeds/zeros.bin" --output "$work/out.bin"; done
mutate architecture "$seeds/model.safetensors" metadata:architecture
for f in "$work"/m/architecture/*; do probe architecture any "$sepcnn" run "$f" --input "$seeds/zeros.bin" --output "$work/out.bin"; done
# Checkpoints: bytes anywhere, the training description mutated, and every numeric field at every extreme.
mutate checkpoint "$seeds/run.checkpoint.safetensors" bytes
gen mutants "$seeds/run.checkpoint.safetensors" "$work/m/checkpoint" "$mutants" metadata:training
for f in "$work"/m/checkpoint/*; do probe checkpoint any "$sepcnn" train --resume "$f" --epochs 2 --threads 1; done
mkdir -p "$work/m/crafted" && gen crafted-checkpoints "$seeds/run.checkpoint.safetensors" "$work/m/crafted"
for f in "$work"/m/crafted/*.safetensors; do probe crafted-checkpoint any "$sepcnn" train --resume "$f" --epochs 2 --threads 1; done
# IDX (plain, gzip mutated as bytes, and mutated files gzip-compressed whole) and CIFAR-10 batches.
idx_probe() {  # idx_probe TYPE FILE NAME: FILE as NAME beside the valid labels
    local dir=$work/idx-case; rm -rf "$dir"; mkdir -p "$dir"; cp "$seeds/t10k-labels-idx1-ubyte" "$dir/"; cp "$2" "$dir/$3"
    probe "$1" any "$sepcnn" eval fashion-sepcnn --data "$dir"
}
mutate idx "$seeds/t10k-images-idx3-ubyte" bytes
for f in "$work"/m/idx/*; do idx_probe idx "$f" t10k-images-idx3-ubyte; done
mutate idx-labels "$seeds/t10k-labels-idx1-ubyte" bytes
for f in "$work"/m/idx-labels/*; do
    rm -rf "$work/idx-case"; mkdir -p "$work/idx-case"; cp "$seeds/t10k-images-idx3-ubyte" "$work/idx-case/"; cp "$f" "$work/idx-case/t10k-labels-idx1-ubyte"
    probe idx any "$sepcnn" eval fashion-sepcnn --data "$work/idx-case"
done
mutate gzip "$seeds/t10k-images-idx3-ubyte.gz" bytes
for f in "$fixtures"/gzip/*.gz; do gen mutants "$f" "$work/m/gzip" "$mutants" bytes; done
gen mutants "$seeds/t10k-images-idx3-ubyte" "$work/m/gzip" "$mutants" gzip-of
for f in "$work"/m/gzip/*; do idx_probe gzip "$f" t10k-images-idx3-ubyte.gz; done
mutate cifar "$seeds/cifar/test_batch.bin" bytes
for f in "$work"/m/cifar/*; do
    rm -rf "$work/cifar-case"; mkdir -p "$work/cifar-case"; cp "$f" "$work/cifar-case/test_batch.bin"
    probe cifar any "$sepcnn" eval "$seeds/cifar-model.safetensors" --dataset cifar10 --data "$work/cifar-case"
done
# ONNX: the small graph fixtures (the MobileNets take seconds a run).
fresh onnx
for f in "$fixtures"/onnx/tiny_graph-*.onnx; do gen mutants "$f" "$work/m/onnx" "$mutants" bytes; done
for f in "$work"/m/onnx/*; do
    probe onnx any "$sepcnn" summary "$f"
    probe onnx any "$sepcnn" run "$f" --input "$fixtures/onnx/tiny_graph-opset13.input.bin" --output "$work/out.bin"
done

echo "== files claiming more than they hold"
claims=$work/claims && mkdir -p "$claims" && gen size-claims "$claims"
for f in "$claims"/*.png "$claims"/*.ppm "$claims"/*.jpg; do probe size-claim error "$sepcnn" predict fashion-sepcnn "$f"; done
probe size-claim error "$sepcnn" eval fashion-sepcnn --data "$claims/idx-claims"
probe size-claim error "$sepcnn" eval fashion-sepcnn --data "$claims/idx-gzip-bomb"
for f in "$claims"/*.safetensors; do probe size-claim error "$sepcnn" summary "$f"; done

echo "== flags at their extremes"
extremes=(0 -1 2147483648 4611686018427387904 9223372036854775807 -9223372036854775808 9223372036854775808 1e308 -1e308 nan inf 1e-45)
tiny=(--dataset folder --data "$photos" --resolution 8 --epochs 1 --batch-size 4 --validation-split 0 --threads 1 --output "$work/x.safetensors")
for value in "${extremes[@]}"; do
    for flag in --epochs --batch-size --lr --momentum --weight-decay --warmup-epochs --label-smoothing --seed --bn-l1 \
                --width-multiplier --resolution --classes --validation-split --threads --checkpoint-every --log-every --early-stopping; do
        probe flag any "$sepcnn" train --model fashion-sepcnn "${tiny[@]}" "$flag" "$value"
    done
    probe flag any "$sepcnn" train --model fashion-sepcnn "${tiny[@]}" --schedule step --step-epochs "$value"
    probe flag any "$sepcnn" train --model fashion-sepcnn "${tiny[@]}" --schedule cosine --warmup-epochs "$value"
    for flag in --in --out --kernel --height --width --stride --runs; do probe flag any "$sepcnn" compare "$flag" "$value"; done
    for flag in --width-multiplier --resolution --classes; do probe flag any "$sepcnn" summary mobilenet-v2 "$flag" "$value"; done
    for flag in --top --resize --max-pixels; do probe flag any "$sepcnn" predict fashion-sepcnn "$photos" "$flag" "$value"; done
    for flag in --seconds --resolution --batch --threads; do probe flag any "$sepcnn" bench fashion-sepcnn "$flag" "$value"; done
    probe flag any "$sepcnn" quantize fashion-sepcnn --output "$work/q.safetensors" --calibration-samples "$value"
    for flag in --ratio --target-macs --round-to --steps --fine-tune-epochs; do
        probe flag any "$sepcnn" prune fashion-sepcnn --output "$work/p.safetensors" --ratio 0.3 --fine-tune-epochs 0 "$flag" "$value"
    done
done

echo "== results (runs: ok = a result, error = a thrown error; anything else is a failure)"
for type in $(printf '%s\n' "${!runs[@]}" | sort); do
    line="" total_failed=0
    for key in "${!results[@]}"; do
        [[ ${key%%,*} == "$type" ]] || continue
        outcome=${key#*,}; line+=" $outcome ${results[$key]}"
    done
    printf '%-20s %5d runs:%s; peak RSS %d MB\n' "$type" "${runs[$type]}" "$line" $(( ${peak[$type]:-0} / 1024 ))
done
# Temporary files of interrupted writes, here or (a mutated checkpoint's destinations) in /tmp since the start.
stray=$( { find "$work" -name '.*.tmp-*'; find /tmp -maxdepth 2 -name '.*.tmp-*' -newer "$work/start"; } 2> /dev/null | sort -u)
if [[ -n $stray ]]; then echo "stray temporary files:"; echo "$stray"; failures=$((failures + 1)); fi
if (( failures > 0 )); then echo "robustness probe: $failures failures:"; cat "$log"; exit 1; fi
echo "robustness probe passed"
