#!/usr/bin/env bash
# with-keyring.sh CMD [ARGS...]
# Runs CMD inside a private D-Bus session bus with a freshly created, unlocked
# gnome-keyring "login" collection (Secret Service API), then tears it all down.
# Needs (Debian 12): gnome-keyring dbus-daemon dbus-bin [libsecret-tools for the smoke check]
#   apt-get install -y --no-install-recommends gnome-keyring libsecret-tools
# Exit status: CMD's status; 90 = keyring could not be set up.
# .ci/run runs the keyring tests with it:
#   scripts/with-keyring.sh go test -tags keyring -run Keyring ./pkg/credstore/ ./cmd/
set -euo pipefail

for bin in dbus-run-session dbus-send gnome-keyring-daemon; do
  command -v "$bin" >/dev/null || { echo "ci-keyring: missing $bin (apt-get install -y --no-install-recommends gnome-keyring)" >&2; exit 90; }
done

KR_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ci-keyring.XXXXXX")
trap 'rm -rf "$KR_TMP"' EXIT
mkdir -m 700 "$KR_TMP/run" "$KR_TMP/data"

export XDG_DATA_HOME="$KR_TMP/data"   # login.keyring is created here (fresh every run => password always matches)
export XDG_RUNTIME_DIR="$KR_TMP/run"  # gnome-keyring control socket; must exist (else activation hangs 120 s)
unset DISPLAY WAYLAND_DISPLAY         # never let gcr-prompter open a dialog nobody will answer (=> hang)
unset DBUS_SESSION_BUS_ADDRESS        # dbus-run-session sets its own
export CI_KEYRING_PASS="ci-$$-$RANDOM$RANDOM"   # must be non-empty

dbus-run-session -- bash -c '
  set -euo pipefail
  bus() { dbus-send --session --reply-timeout=2000 --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus "$@"; }
  printf %s "$CI_KEYRING_PASS" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  unset CI_KEYRING_PASS
  # the daemon forks and claims org.freedesktop.secrets asynchronously: wait (max ~5 s)
  for _ in $(seq 100); do
    bus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" && break
    sleep 0.05
  done
  GKD_PID=$(bus org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null | awk "/uint32/{print \$2}")
  [ -n "$GKD_PID" ] || { echo "ci-keyring: org.freedesktop.secrets did not appear on the bus" >&2; exit 90; }
  if command -v secret-tool >/dev/null; then   # smoke check: store + read back
    printf ok | timeout 10 secret-tool store --label=ci-keyring-smoke ci-keyring smoke
    [ "$(timeout 10 secret-tool lookup ci-keyring smoke)" = ok ] || { echo "ci-keyring: smoke check failed" >&2; kill "$GKD_PID"; exit 90; }
    timeout 10 secret-tool clear ci-keyring smoke
  fi
  rc=0; "$@" || rc=$?
  kill "$GKD_PID" 2>/dev/null || true          # stop the daemon we started, by PID
  exit "$rc"
' ci-keyring "$@"
