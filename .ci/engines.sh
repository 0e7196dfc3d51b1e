#!/usr/bin/env bash
# Arshif CI search engines: one OpenSearch and one Elasticsearch node on loopback,
# assembled from Maven Central artifacts only (no Docker, no vendor download sites).
#
#   bash .ci/engines.sh install      # fetch + assemble into the cache (idempotent)
#   bash .ci/engines.sh start [os|es] # start node(s), wait for yellow/green, print versions
#   bash .ci/engines.sh start cluster # three OpenSearch nodes forming one cluster (also: start c1|c2|c3)
#   bash .ci/engines.sh stop  [os|es|cluster|c1|c2|c3]
#   bash .ci/engines.sh status
#   bash .ci/engines.sh env          # print ARSHIF_OPENSEARCH_URL=... / ARSHIF_ELASTICSEARCH_URL=...
#   bash .ci/engines.sh smoke        # index/query smoke test against both running nodes
#
# Environment knobs (all optional):
#   ARSHIF_ENGINE_CACHE   download/assembly cache   (default ~/.cache/arshif-engines)
#   ARSHIF_ENGINE_RUN     config/data/logs/pids     (default /tmp/arshif-engines)
#   ARSHIF_OS_PORT / ARSHIF_ES_PORT                 (default 9201 / 9202)
#   ARSHIF_CLUSTER_PORT   http port of cluster node c1; c2, c3 take the next two (default 9211)
#   ARSHIF_CLUSTER_HEAP   heap of each cluster node (default 768m: three fit a 2-core, 24 GB machine; 512m thrashed in GC under ingest + searches)
#   ARSHIF_CLUSTER_TIMEOUT start timeout of cluster nodes in seconds (default 300)
#   ARSHIF_OS_VERSION     3.x needs Java 21+; default 3.6.0 if such a JDK exists, else 2.19.6
#   ARSHIF_ES_VERSION     default 8.19.21 (newest integ-test-zip on Maven Central)
#   ARSHIF_OS_JAVA_HOME / ARSHIF_ES_JAVA_HOME       JDKs to use (auto-detected)
#   ARSHIF_ES_SHIM=0      start ES without the Arshif analysis shim plugin (stock integ-test-zip)
#   ARSHIF_ENGINE_HEAP    max heap per node (default 1g; -Xms is 512m)
#   ARSHIF_ENGINE_KEEP_DATA=1  keep index data between starts (default: wiped on start)
#   ARSHIF_ENGINE_TIMEOUT start timeout in seconds (default 120)
# See .ci/ENGINES.md.
set -euo pipefail
umask 022

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HELPERS="$SCRIPT_DIR/engines"
CACHE="${ARSHIF_ENGINE_CACHE:-${HOME:-/root}/.cache/arshif-engines}"
RUN="${ARSHIF_ENGINE_RUN:-/tmp/arshif-engines}"
OS_PORT="${ARSHIF_OS_PORT:-9201}"
ES_PORT="${ARSHIF_ES_PORT:-9202}"
CLUSTER_PORT="${ARSHIF_CLUSTER_PORT:-9211}"
CLUSTER_HEAP="${ARSHIF_CLUSTER_HEAP:-768m}"
CLUSTER_NODES="c1 c2 c3"
ES_VERSION="${ARSHIF_ES_VERSION:-8.19.21}"
HEAP="${ARSHIF_ENGINE_HEAP:-1g}"
TIMEOUT="${ARSHIF_ENGINE_TIMEOUT:-120}"
ES_SHIM="${ARSHIF_ES_SHIM:-1}"
# C1-only JIT: much less CPU while two nodes boot on a 2-core machine; plenty for test-sized data.
JIT_OPT="${ARSHIF_ENGINE_JIT_OPT--XX:TieredStopAtLevel=1}"
M2="$CACHE/m2"
MVN_DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
SHIM_NAME="arshif-analysis-shim"

log() { printf '[engines] %s\n' "$*" >&2; }
die() { printf '[engines] ERROR: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------------ java detection

java_major() { # $1 = JAVA_HOME -> prints major version or nothing
  local jh="$1" v=""
  [ -x "$jh/bin/java" ] || return 0
  if [ -f "$jh/release" ]; then
    v="$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$jh/release" | head -1)"
  fi
  if [ -z "$v" ]; then
    v="$("$jh/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -1)"
  fi
  v="${v#1.}"
  printf '%s' "${v%%[.+-]*}"
}

jdk_candidates() {
  local d
  [ -n "${JAVA_HOME:-}" ] && echo "$JAVA_HOME"
  for d in /usr/lib/jvm/* /opt/*jdk* /opt/java/*; do
    [ -d "$d" ] && [ ! -L "$d" ] && echo "$d"
  done
  if command -v java >/dev/null 2>&1; then
    dirname "$(dirname "$(readlink -f "$(command -v java)")")"
  fi
}

find_jdk() { # $1 = min major, $2 = max major (0 = none); prefers the lowest suitable major
  local min="$1" max="$2" best="" bestm=999 d m
  while read -r d; do
    [ -n "$d" ] || continue
    m="$(java_major "$d")"; [ -n "$m" ] || continue
    [ "$m" -ge "$min" ] || continue
    [ "$max" -eq 0 ] || [ "$m" -le "$max" ] || continue
    if [ "$m" -lt "$bestm" ]; then best="$d"; bestm="$m"; fi
  done < <(jdk_candidates | awk '!seen[$0]++')
  printf '%s' "$best"
}

resolve_javas() {
  if [ -n "${ARSHIF_ES_JAVA_HOME:-}" ]; then ES_JAVA="$ARSHIF_ES_JAVA_HOME"; else ES_JAVA="$(find_jdk 17 0)"; fi
  [ -n "$ES_JAVA" ] || die "no JDK >= 17 found for Elasticsearch (set ARSHIF_ES_JAVA_HOME)"
  if [ -n "${ARSHIF_OS_JAVA_HOME:-}" ]; then
    OS_JAVA="$ARSHIF_OS_JAVA_HOME"
  else
    OS_JAVA="$(find_jdk 21 0)"
  fi
  if [ -n "${ARSHIF_OS_VERSION:-}" ]; then
    OS_VERSION="$ARSHIF_OS_VERSION"
  elif [ -n "$OS_JAVA" ]; then
    OS_VERSION="3.6.0"
  else
    OS_VERSION="2.19.6"
  fi
  if [ "${OS_VERSION%%.*}" -ge 3 ]; then
    [ -n "$OS_JAVA" ] && [ "$(java_major "$OS_JAVA")" -ge 21 ] \
      || die "OpenSearch $OS_VERSION needs Java 21+ (set ARSHIF_OS_JAVA_HOME, or ARSHIF_OS_VERSION=2.19.6)"
  else
    [ -n "${ARSHIF_OS_JAVA_HOME:-}" ] || OS_JAVA="$(find_jdk 17 0)"
  fi
  ES_HOME_NAME="elasticsearch-$ES_VERSION"
  OS_HOME_NAME="opensearch-$OS_VERSION"
}

# ------------------------------------------------------------------ install

m2_path() { # group artifact version ext -> path in the local repo
  printf '%s/%s/%s/%s/%s-%s.%s' "$M2" "${1//.//}" "$2" "$3" "$2" "$3" "$4"
}

fetch() { # group:artifact:version:ext -> prints local path
  local g a v e p
  IFS=: read -r g a v e <<<"$1"
  p="$(m2_path "$g" "$a" "$v" "$e")"
  if [ ! -s "$p" ]; then
    command -v mvn >/dev/null 2>&1 || die "mvn not found (needed to fetch $1 from Maven Central)"
    log "fetching $1 (Maven Central via mvn)"
    mkdir -p "$M2"
    mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$M2" "$MVN_DEP_PLUGIN:get" \
        -Dartifact="$g:$a:$v:$e" -Dtransitive=false >&2 \
      || die "mvn could not fetch $1"
    [ -s "$p" ] || die "mvn reported success but $p is missing"
  fi
  printf '%s' "$p"
}

extract_zip() { # zip dest_parent expected_top_dir
  local zip="$1" parent="$2" top="$3" tmp
  tmp="$(mktemp -d "$parent/.extract.XXXXXX")"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q "$zip" -d "$tmp"
  else
    python3 -m zipfile -e "$zip" "$tmp"
    chmod -R u+rwX,go+rX "$tmp"
    chmod +x "$tmp/$top"/bin/* 2>/dev/null || true
  fi
  [ -d "$tmp/$top" ] || { rm -rf "$tmp"; die "$zip did not contain $top/"; }
  rm -rf "${parent:?}/$top"
  mv "$tmp/$top" "$parent/$top"
  rm -rf "$tmp"
}

install_opensearch() {
  local home="$CACHE/homes/$OS_HOME_NAME" recipe zip jar
  recipe="opensearch integ-test-zip $OS_VERSION + analysis-common"
  if [ -f "$home/.arshif-assembled" ] && [ "$(cat "$home/.arshif-assembled")" = "$recipe" ]; then
    log "OpenSearch $OS_VERSION already assembled in $home"
    return 0
  fi
  zip="$(fetch "org.opensearch.distribution.integ-test-zip:opensearch:$OS_VERSION:zip")"
  mkdir -p "$CACHE/homes"
  log "unpacking $(basename "$zip")"
  extract_zip "$zip" "$CACHE/homes" "$OS_HOME_NAME"
  if [ ! -f "$home/modules/analysis-common/plugin-descriptor.properties" ]; then
    # 2.x integ-test-zips ship only transport-netty4: add analysis-common from Maven Central.
    jar="$(fetch "org.opensearch.plugin:analysis-common:$OS_VERSION:jar")"
    local cls="org.opensearch.analysis.common.CommonAnalysisPlugin"
    if unzip -l "$jar" 2>/dev/null | grep -q 'CommonAnalysisModulePlugin.class'; then
      cls="org.opensearch.analysis.common.CommonAnalysisModulePlugin"
    fi
    mkdir -p "$home/modules/analysis-common"
    cp "$jar" "$home/modules/analysis-common/"
    # lang-painless is not in the zip, so the painless extension (extended.plugins) is left out.
    sed -e "s/@VERSION@/$OS_VERSION/g" -e "s/@CLASSNAME@/$cls/g" \
      "$HELPERS/opensearch-analysis-common.properties" \
      > "$home/modules/analysis-common/plugin-descriptor.properties"
  fi
  printf '%s' "$recipe" > "$home/.arshif-assembled"
  log "OpenSearch $OS_VERSION assembled in $home"
}

shim_hash() {
  cat "$HELPERS/es-shim/src/org/arshif/esshim/"*.java "$HELPERS/es-shim/plugin-descriptor.properties" \
    | sha256sum | cut -c1-16
}

install_elasticsearch() {
  local home="$CACHE/homes/$ES_HOME_NAME" recipe zip
  recipe="elasticsearch integ-test-zip $ES_VERSION"
  if [ -f "$home/.arshif-assembled" ] && [ "$(cat "$home/.arshif-assembled")" = "$recipe" ]; then
    log "Elasticsearch $ES_VERSION already unpacked in $home"
  else
    zip="$(fetch "org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip")"
    mkdir -p "$CACHE/homes"
    log "unpacking $(basename "$zip")"
    extract_zip "$zip" "$CACHE/homes" "$ES_HOME_NAME"
    printf '%s' "$recipe" > "$home/.arshif-assembled"
  fi
  # The shim plugin is compiled against the node's own jars and kept beside the home;
  # it is copied into the staged home's plugins/ at start time (unless ARSHIF_ES_SHIM=0).
  local h out build javac jarbin
  h="$(shim_hash)"
  out="$CACHE/plugins/$SHIM_NAME-$ES_VERSION-$h"
  if [ -f "$out/plugin-descriptor.properties" ]; then
    log "ES shim plugin up to date ($out)"
    return 0
  fi
  javac="$ES_JAVA/bin/javac"; jarbin="$ES_JAVA/bin/jar"
  [ -x "$javac" ] || javac="$(command -v javac || true)"
  [ -x "$jarbin" ] || jarbin="$(command -v jar || true)"
  [ -n "$javac" ] && [ -n "$jarbin" ] || die "a JDK with javac and jar is needed to build the ES shim plugin"
  log "compiling $SHIM_NAME for Elasticsearch $ES_VERSION"
  build="$(mktemp -d "${TMPDIR:-/tmp}/arshif-shim.XXXXXX")"
  "$javac" --release 17 -nowarn -Xlint:none -cp "$home/lib/*" -d "$build/classes" \
    "$HELPERS/es-shim/src/org/arshif/esshim/"*.java >&2 || { rm -rf "$build"; die "shim compilation failed"; }
  mkdir -p "$build/plugin"
  "$jarbin" cf "$build/plugin/$SHIM_NAME.jar" -C "$build/classes" .
  sed -e "s/@ES_VERSION@/$ES_VERSION/g" "$HELPERS/es-shim/plugin-descriptor.properties" \
    > "$build/plugin/plugin-descriptor.properties"
  mkdir -p "$CACHE/plugins"
  rm -rf "$CACHE/plugins/$SHIM_NAME-$ES_VERSION-"*
  mv "$build/plugin" "$out"
  rm -rf "$build"
  log "ES shim plugin built in $out"
}

cmd_install() {
  resolve_javas
  mkdir -p "$CACHE"
  install_opensearch
  install_elasticsearch
  log "install done (cache: $CACHE; OpenSearch $OS_VERSION on $(basename "$OS_JAVA"), Elasticsearch $ES_VERSION on $(basename "$ES_JAVA"))"
}

# ------------------------------------------------------------------ start / stop

node_dir() { printf '%s/%s' "$RUN" "$1"; }
pidfile() { printf '%s/%s/node.pid' "$RUN" "$1"; }
# Transport ports are http + 100 (9201 -> 9301; cluster 9211-9213 -> 9311-9313).
port_of() {
  case "$1" in
    os) echo "$OS_PORT";; es) echo "$ES_PORT";;
    c[1-9]) echo $((CLUSTER_PORT + ${1#c} - 1));;
  esac
}
label_of() {
  case "$1" in os) echo OpenSearch;; es) echo Elasticsearch;; *) echo "OpenSearch cluster node $1";; esac
}
cluster_of() { case "$1" in c[1-9]) echo arshif-ci-cluster;; *) echo "arshif-ci-$1";; esac; }
is_os() { [ "$1" = os ] || [ "${1#c}" != "$1" ]; }

node_pid() { # prints pid if the recorded process is alive
  local pf; pf="$(pidfile "$1")"
  [ -s "$pf" ] || return 1
  local pid; pid="$(tr -dc '0-9' < "$pf")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && { echo "$pid"; return 0; }
  return 1
}

http_get() { curl -s --max-time 3 "http://127.0.0.1:$1$2"; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

json_field() { # crude extraction of "key" : "value" from JSON on stdin
  sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" | head -1
}

node_version() { # port -> "3.6.0 (lucene 10.4.0)"
  local body num luc
  body="$(http_get "$1" / | tr -d '\n')" || true
  num="$(printf '%s' "$body" | json_field number)"
  luc="$(printf '%s' "$body" | json_field lucene_version)"
  if [ -z "$num" ]; then  # stock ES integ-test-zip has no GET / handler (rest-root module)
    num="$(http_get "$1" '/_nodes/_local?filter_path=nodes.*.version' | json_field version)"
  fi
  [ -n "$num" ] || return 1
  printf '%s%s' "$num" "${luc:+ (lucene $luc)}"
}

node_ready() { # port -> 0 when health is yellow/green
  local h
  h="$(http_get "$1" '/_cluster/health?wait_for_status=yellow&timeout=1s')" || return 1
  case "$(printf '%s' "$h" | json_field status)" in yellow|green) return 0;; esac
  return 1
}

stage_home() { # src dest : hard-link copy (fallback: full copy) so that the service user can read it
  local src="$1" dst="$2"
  if [ -f "$dst/.arshif-assembled" ] && [ "$(cat "$dst/.arshif-assembled")" = "$(cat "$src/.arshif-assembled")" ] \
     && [ "$(cat "$dst/.arshif-staged-from" 2>/dev/null)" = "$src" ]; then
    return 0
  fi
  rm -rf "$dst"; mkdir -p "$(dirname "$dst")"
  cp -al "$src" "$dst" 2>/dev/null || { rm -rf "$dst"; cp -a "$src" "$dst"; }
  printf '%s' "$src" > "$dst/.arshif-staged-from"
}

RUNAS=()
setup_runas() {
  if [ "$(id -u)" -eq 0 ]; then
    # OpenSearch and Elasticsearch refuse to run as root.
    local u="${ARSHIF_ENGINE_USER:-nobody}" g
    g="$(id -gn "$u" 2>/dev/null)" || die "service user $u does not exist"
    command -v setpriv >/dev/null 2>&1 || die "setpriv (util-linux) is needed to drop root for the nodes"
    RUNAS=(setpriv "--reuid=$u" "--regid=$g" --clear-groups)
    SVC_OWNER="$u:$g"
  else
    RUNAS=()
    SVC_OWNER=""
  fi
}

prepare_node() { # os|es -> writes config, data, logs under $RUN/<node>
  local n="$1" d home src port tport conf
  d="$(node_dir "$n")"; port="$(port_of "$n")"; tport=$((port + 100))
  mkdir -p "$RUN"; chmod 755 "$RUN"
  if is_os "$n"; then src="$CACHE/homes/$OS_HOME_NAME"; else src="$CACHE/homes/$ES_HOME_NAME"; fi
  [ -f "$src/.arshif-assembled" ] || die "$(label_of "$n") is not installed: run '$0 install'"
  home="$RUN/homes/$(basename "$src")"
  stage_home "$src" "$home"
  if [ "$n" = es ]; then
    rm -rf "$home/plugins/$SHIM_NAME"
    if [ "$ES_SHIM" != 0 ]; then
      local p; p="$(ls -d "$CACHE/plugins/$SHIM_NAME-$ES_VERSION-$(shim_hash)" 2>/dev/null || true)"
      [ -n "$p" ] || die "ES shim plugin not built: run '$0 install'"
      mkdir -p "$home/plugins"; cp -r "$p" "$home/plugins/$SHIM_NAME"
    fi
  fi
  if [ "${ARSHIF_ENGINE_KEEP_DATA:-0}" != 1 ]; then rm -rf "$d/data"; fi
  rm -rf "$d/conf" "$d/logs" "$d/tmp"
  mkdir -p "$d/data" "$d/logs" "$d/tmp"
  cp -r "$home/config" "$d/conf"
  conf="$d/conf"
  if is_os "$n"; then
    local xms=512m xmx="$HEAP"
    if [ "$n" != os ]; then xms="$CLUSTER_HEAP"; xmx="$CLUSTER_HEAP"; fi
    # jvm.options uses paths relative to the working dir (agent/, logs/, data): make them absolute.
    sed -i -e "s#^-Xms.*#-Xms$xms\n$JIT_OPT#" -e "s#^-Xmx.*#-Xmx$xmx#" \
      -e "s#=logs/#=$d/logs/#g" -e "s#file=logs/#file=$d/logs/#g" \
      -e "s#HeapDumpPath=data#HeapDumpPath=$d/data#" \
      -e "s#-javaagent:agent/#-javaagent:$home/agent/#" "$conf/jvm.options"
    if [ "$n" = os ]; then
      sed -e "s#@CLUSTER@#$(cluster_of os)#; s#@DATA@#$d/data#; s#@LOGS@#$d/logs#; s#@PORT@#$port#; s#@TPORT@#$tport#" \
        "$HELPERS/opensearch.yml" > "$conf/opensearch.yml"
    else
      local seeds="" managers="" c
      for c in $CLUSTER_NODES; do
        seeds="$seeds${seeds:+, }\"127.0.0.1:$(( $(port_of "$c") + 100 ))\""
        managers="$managers${managers:+, }\"$c\""
      done
      sed -e "s#@CLUSTER@#$(cluster_of "$n")#; s#@NODE@#$n#; s#@DATA@#$d/data#; s#@LOGS@#$d/logs#" \
          -e "s#@PORT@#$port#; s#@TPORT@#$tport#; s#@SEEDS@#$seeds#; s#@MANAGERS@#$managers#" \
        "$HELPERS/opensearch-cluster.yml" > "$conf/opensearch.yml"
    fi
  else
    mkdir -p "$conf/jvm.options.d"
    printf -- '-Xms512m\n-Xmx%s\n%s\n' "$HEAP" "$JIT_OPT" > "$conf/jvm.options.d/arshif-heap.options"
    sed -e "s#@CLUSTER@#$(cluster_of es)#; s#@DATA@#$d/data#; s#@LOGS@#$d/logs#; s#@PORT@#$port#; s#@TPORT@#$tport#" \
      "$HELPERS/elasticsearch.yml" > "$conf/elasticsearch.yml"
  fi
  rm -f "$d/node.pid" "$d/launch.log" "$d/launch.rc"
  printf '%s' "$home" > "$d/home"
  [ -z "$SVC_OWNER" ] || chown -R "$SVC_OWNER" "$d"
}

launch_node() { # os|es : runs the distribution's launcher in daemon mode, in the background
  local n="$1" d home
  d="$(node_dir "$n")"; home="$(cat "$d/home")"
  (
    cd "$home"
    unset JAVA_HOME JAVA_OPTS ES_JAVA_OPTS OPENSEARCH_JAVA_OPTS CLI_JAVA_OPTS
    rc=0
    if is_os "$n"; then
      "${RUNAS[@]}" env HOME="$d/tmp" OPENSEARCH_JAVA_HOME="$OS_JAVA" \
        OPENSEARCH_PATH_CONF="$d/conf" OPENSEARCH_TMPDIR="$d/tmp" \
        bin/opensearch -d -p "$d/node.pid" >"$d/launch.log" 2>&1 </dev/null || rc=$?
    else
      "${RUNAS[@]}" env HOME="$d/tmp" ES_JAVA_HOME="$ES_JAVA" \
        ES_PATH_CONF="$d/conf" ES_TMPDIR="$d/tmp" \
        bin/elasticsearch -d -p "$d/node.pid" >"$d/launch.log" 2>&1 </dev/null || rc=$?
    fi
    echo "$rc" > "$d/launch.rc"
  ) &
}

node_diagnostics() {
  local n="$1" d f
  d="$(node_dir "$n")"
  echo "----- $(label_of "$n"): launcher output ($d/launch.log), last 40 lines -----" >&2
  tail -n 40 "$d/launch.log" >&2 2>/dev/null || true
  f="$d/logs/$(cluster_of "$n").log"
  echo "----- $(label_of "$n"): server log ($f), last 40 lines -----" >&2
  tail -n 40 "$f" >&2 2>/dev/null || echo "(no server log)" >&2
}

kill_node() { # os|es
  local n="$1" pid i
  pid="$(node_pid "$n")" || { rm -f "$(pidfile "$n")"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$(label_of "$n") (pid $pid) did not stop in 30 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$(pidfile "$n")"
  log "$(label_of "$n") stopped (pid $pid)"
}

which_nodes() {
  case "${1:-all}" in
    all|"") echo "os es";;
    os|opensearch) echo os;;
    es|elasticsearch) echo es;;
    cluster) echo "$CLUSTER_NODES";;
    c[1-3]) echo "$1";;
    *) die "unknown node '$1' (use os, es, cluster, c1, c2, c3 or nothing for os and es)";;
  esac
}

cmd_start() {
  local nodes n t0 started=() failed=() pending=() now pid
  local -A seen=()
  nodes="$(which_nodes "${1:-}")"
  case " $nodes " in *" c"[1-9]" "*) TIMEOUT="${ARSHIF_CLUSTER_TIMEOUT:-300}";; esac  # three JVMs on two cores
  cmd_install
  setup_runas
  t0=$(date +%s)  # the start-up timeout and the printed times count from here (after install)
  for n in $nodes; do
    if pid="$(node_pid "$n")"; then
      if node_ready "$(port_of "$n")"; then
        echo "$(label_of "$n") already running (pid $pid): $(node_version "$(port_of "$n")") at http://127.0.0.1:$(port_of "$n")"
        continue
      fi
      log "$(label_of "$n") pid $pid is alive but not healthy: restarting it"
      kill_node "$n"
    fi
    if port_busy "$(port_of "$n")"; then
      die "port $(port_of "$n") is already in use by another process; cannot start $(label_of "$n")"
    fi
    prepare_node "$n"
    launch_node "$n"
    started+=("$n")
  done
  pending=("${started[@]}")
  while [ ${#pending[@]} -gt 0 ]; do
    local still=()
    for n in "${pending[@]}"; do
      local d; d="$(node_dir "$n")"
      if node_ready "$(port_of "$n")" && node_version "$(port_of "$n")" >/dev/null; then
        echo "$(label_of "$n") $(node_version "$(port_of "$n")") ready at http://127.0.0.1:$(port_of "$n") ($(( $(date +%s) - t0 )) s)"
        continue
      fi
      # OpenSearch's launcher returns at once (exit 0) and the pid file appears a bit later;
      # Elasticsearch's returns only once the node is up or has failed.
      if node_pid "$n" >/dev/null; then
        seen[$n]=1
      elif [ -f "$d/launch.rc" ] && { [ "$(cat "$d/launch.rc")" != 0 ] || [ -n "${seen[$n]:-}" ]; }; then
        log "$(label_of "$n") exited during start-up (launcher exit code $(cat "$d/launch.rc"))"
        failed+=("$n"); continue
      fi
      still+=("$n")
    done
    pending=("${still[@]+"${still[@]}"}")
    [ ${#pending[@]} -gt 0 ] || break
    now=$(date +%s)
    if [ $((now - t0)) -ge "$TIMEOUT" ]; then
      for n in "${pending[@]}"; do
        log "$(label_of "$n") not healthy after ${TIMEOUT} s"; failed+=("$n")
      done
      break
    fi
    sleep 1
  done
  if [ ${#failed[@]} -gt 0 ]; then
    for n in "${failed[@]}"; do node_diagnostics "$n"; done
    for n in "${started[@]}"; do kill_node "$n"; done
    wait 2>/dev/null || true
    die "failed to start: $(for n in "${failed[@]}"; do printf '%s ' "$(label_of "$n")"; done)(logs under $RUN)"
  fi
  wait 2>/dev/null || true  # reap the daemonising launchers
  log "all requested nodes up in $(( $(date +%s) - t0 )) s"
}

cmd_stop() {
  local n
  for n in $(which_nodes "${1:-}"); do
    if node_pid "$n" >/dev/null; then kill_node "$n"; else log "$(label_of "$n") not running"; fi
  done
}

cmd_status() {
  local n pid port rc=0 h
  for n in os es $CLUSTER_NODES; do
    if [ "${n#c}" != "$n" ] && ! node_pid "$n" >/dev/null; then continue; fi  # cluster: only when running
    port="$(port_of "$n")"
    if pid="$(node_pid "$n")"; then
      h="$(http_get "$port" '/_cluster/health' | json_field status)"
      echo "$(label_of "$n"): running, pid $pid, http://127.0.0.1:$port, version $(node_version "$port" || echo '?'), health ${h:-unreachable}"
    else
      echo "$(label_of "$n"): stopped"; rc=3
    fi
  done
  return $rc
}

cluster_urls() {
  local c out=""
  for c in $CLUSTER_NODES; do out="$out${out:+,}http://127.0.0.1:$(port_of "$c")"; done
  printf '%s' "$out"
}

cmd_env() {
  echo "export ARSHIF_OPENSEARCH_URL=http://127.0.0.1:$OS_PORT"
  echo "export ARSHIF_ELASTICSEARCH_URL=http://127.0.0.1:$ES_PORT"
  echo "export ARSHIF_CLUSTER_URL=$(cluster_urls)"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start "${2:-}" ;;
  stop) cmd_stop "${2:-}" ;;
  restart) cmd_stop "${2:-}"; cmd_start "${2:-}" ;;
  status) cmd_status ;;
  env) cmd_env ;;
  smoke) shift; python3 "$HELPERS/smoke.py" "$@" ;;
  *) echo "usage: $0 {install|start [os|es|cluster|c1..c3]|stop [...]|restart [...]|status|env|smoke [URL...]}" >&2; exit 2 ;;
esac
