# shellcheck shell=bash
# retry N CMD...: run CMD up to N times, waiting 5 s, 10 s, ... between tries, so a
# package-mirror hiccup does not fail the run. Sourced by the sam-local scripts; uses
# their log function.
retry() {
    local attempts=$1 n=1
    shift
    until "$@"; do
        if ((n >= attempts)); then
            return 1
        fi
        log "attempt $n of $attempts failed: $*; retrying in $((n * 5)) s"
        sleep $((n * 5))
        n=$((n + 1))
    done
}
