# fetch_source PACKAGE: sets SRC to a pristine unpacked Debian source tree of PACKAGE, fetched
# once with `apt-get source` (deb-src entry from scripts/install-deps.sh) and cached in the build
# directory, so re-runs and offline runs after the first need no network.
fetch_source() {
  local pkg="$1"
  local cache="$SNAPSHOT_BUILD_DIR/dropin-cache/$pkg"
  if [ ! -f "$cache/.complete" ]; then
    echo "fetching the Debian source package $pkg into $cache"
    rm -rf "$cache.tmp"; mkdir -p "$cache.tmp"
    if ! (cd "$cache.tmp" && apt-get source -qq "$pkg" >fetch.log 2>&1); then
      cat "$cache.tmp/fetch.log" >&2
      echo "FAIL: apt-get source $pkg failed: run scripts/install-deps.sh (deb-src entry, dpkg-dev) and check access to the Debian mirror" >&2
      exit 1
    fi
    local dir
    dir="$(find "$cache.tmp" -mindepth 1 -maxdepth 1 -type d | head -1)"
    [ -n "$dir" ] || { echo "FAIL: apt-get source $pkg unpacked nothing" >&2; exit 1; }
    rm -rf "$cache"; mkdir -p "$cache"
    mv "$dir" "$cache/src"
    touch "$cache/.complete"
    rm -rf "$cache.tmp"
  fi
  SRC="$cache/src"
}
