#!/usr/bin/env bash
# Kill probe (issue 17): trains each model once uninterrupted, then again while kill -9'ing
# `sepcnn train` at random moments and resuming from its checkpoint each time, and requires
#   - the final model of every killed-and-resumed run to equal the uninterrupted one byte for byte,
#   - the checkpoint after every kill to load and never to go back (nothing saved is lost),
#   - no stray `.*.tmp-*` file left beside the output or the checkpoint.
#   Scripts/kill_probe.sh [KILLS_PER_MODEL] [MODEL...]     (default: 34, the three models below: 102 kills)
# Uses the release build (built if missing), or the binary SEPCNN names. Needs only bash, coreutils and the Swift toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
kills_per_model=${1:-34}; shift || true
models=("${@:-fashion-sepcnn mobilenet-v1 mobilenet-v2}")
if [[ -z ${SEPCNN:-} ]]; then
    swift build -c release --product sepcnn > /dev/null
    SEPCNN=$(swift build -c release --show-bin-path)/sepcnn
fi
sepcnn=$SEPCNN
work=$(mktemp -d /tmp/sepcnn-kill-probe.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Small, fast settings on the embedded Fashion-MNIST: one epoch of 32 batches, a checkpoint every 5.
options_for() {
    case $1 in
        fashion-sepcnn) echo "--epochs 1 --batch-size 256 --checkpoint-every 5" ;;
        mobilenet-v1) echo "--width-multiplier 0.25 --resolution 32 --epochs 1 --batch-size 256 --checkpoint-every 5" ;;
        mobilenet-v2) echo "--width-multiplier 0.35 --resolution 32 --epochs 1 --batch-size 256 --checkpoint-every 5" ;;
        *) echo "unknown model $1" >&2; exit 2 ;;
    esac
}
# The progress step recorded in a checkpoint's metadata (its JSON header), or -1 if none yet.
step_of() {
    [[ -f $1 ]] || { echo -1; return; }
    head -c 1000000 "$1" | tr -d '\\' | grep -ao '"step" *: *[0-9]*' | head -1 | grep -o '[0-9]*$' || echo -1
}
failures=0
for model in ${models[*]}; do
    read -r -a options <<< "$(options_for "$model")"
    common=(--model "$model" --seed 3 --threads 1 "${options[@]}")
    start=$(date +%s.%N)
    "$sepcnn" train "${common[@]}" --output "$work/$model-whole.safetensors" > /dev/null 2> "$work/err.txt" || { cat "$work/err.txt"; exit 1; }
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    output="$work/$model-killed.safetensors" checkpoint="$work/$model-killed.checkpoint.safetensors"
    kills=0 rounds=0 last=-1 steps=()
    # Rounds: train from scratch, kill -9 at random moments and resume until the run completes,
    # compare its model with the uninterrupted one, and start again until enough kills have landed.
    while (( kills < kills_per_model )); do
        rm -f "$output" "$checkpoint"; last=-1; rounds=$((rounds + 1))
        while true; do
            # A resumption takes its settings from the checkpoint alone: --resolution and
            # --width-multiplier with --resume are refused (they apply to new runs).
            arguments=("${common[@]}" --output "$output"); [[ -f $checkpoint ]] && arguments=(--resume "$checkpoint" --threads 1)
            "$sepcnn" train "${arguments[@]}" > /dev/null 2> "$work/err.txt" &
            pid=$!
            # A random moment in the first 60 % of the whole run's duration: kills hit start-up,
            # training, checkpoint writes and the final save.
            # The percentage is drawn by bash: bc's % under scale=3 is always 0, which made every
            # sleep 0.2 s, so every kill landed in start-up, before any checkpoint existed.
            sleep "$(echo "scale=3; 0.2 + $seconds * $((RANDOM % 100)) / 166" | bc)"
            # A finished process stays a zombie until waited for, and kill succeeds on a zombie.
            if (( kills < kills_per_model )) && [[ $(ps -o stat= -p "$pid" 2> /dev/null) != Z* ]] && kill -9 "$pid" 2> /dev/null; then
                wait "$pid" 2> /dev/null || true
                kills=$((kills + 1))
            else
                wait "$pid" || { echo "$model: a resumed run failed:"; cat "$work/err.txt"; failures=$((failures + 1)); break 2; }
                break  # the run completed
            fi
            step=$(step_of "$checkpoint"); steps+=("$step")
            if (( step < last )); then echo "$model: the checkpoint went back from step $last to $step"; failures=$((failures + 1)); fi
            if [[ -f $checkpoint ]] && ! "$sepcnn" summary "$checkpoint" > /dev/null 2> "$work/err.txt"; then
                echo "$model: the checkpoint after kill $kills does not load:"; cat "$work/err.txt"; failures=$((failures + 1))
            fi
            last=$step
        done
        if ! cmp -s "$work/$model-whole.safetensors" "$output"; then
            echo "$model: round $rounds's final model differs from the uninterrupted run"; failures=$((failures + 1))
        fi
        stray=$(find "$work" -name '.*.tmp-*' | wc -l)
        (( stray == 0 )) || { echo "$model: $stray stray temporary files"; find "$work" -name '.*.tmp-*'; failures=$((failures + 1)); }
    done
    resumed=0; for step in "${steps[@]}"; do (( step >= 0 )) && resumed=$((resumed + 1)); done
    if (( resumed == 0 )); then echo "$model: no kill left a checkpoint to resume from: the probe tested nothing"; failures=$((failures + 1)); fi
    printf '%-15s %3d kills in %d rounds (uninterrupted run %.1f s); checkpoint step at the kills: %s\n' \
        "$model" "$kills" "$rounds" "$seconds" "${steps[*]}"
    echo "                $resumed of the kills resumed from a checkpoint"
done
(( failures == 0 )) && echo "kill probe passed" || { echo "kill probe: $failures failures"; exit 1; }
