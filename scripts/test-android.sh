#!/usr/bin/env bash
# Builds the Android sample on the host and runs its real Activity, ViewModel, Application and
# worker under Robolectric against real servers on loopback (tests/android/README.md).
#
#   scripts/test-android.sh [TestClass [testMethod]]     # default: every test
#
# 1. tools: Debian's aapt, unzip and zip; coursier (from Maven Central through Maven).
# 2. the FFI library and its Kotlin bindings: scripts/generate-bindings.sh (the same debug
#    build as the other binding tests; honours CARGO_TARGET_DIR), then the app's own
#    app/uniffi-android.toml (`android = true`).
# 3. every artifact from Maven Central with coursier, at the versions of
#    android-sample/gradle/libs.versions.toml (tests/android/catalog.py checks the Gradle build
#    and the resolution against it).
# 4. resources: aapt on the app's res/ and every AAR's res/ against a framework table taken from
#    Robolectric's android-all 12 (aapt cannot read API 35's); R classes for every package.
# 5. kotlinc (kotlin-compiler-embeddable, the catalog's Kotlin) with the Compose compiler plugin
#    on every Kotlin source of android-sample/app, unchanged, then on tests/android/src.
# 6. loopback servers (`article-sync serve --tls`), then the tests (JUnit 4, Robolectric
#    offline, native graphics); screenshots go to $ANDROID_SCREENSHOTS (default: the build
#    folder; `docs/` to refresh the README's).
# 7. scripts/check-android-rust.sh: `cargo check` of the bindings crate for
#    aarch64-linux-android (no NDK here: see that script).
#
# Output: $CARGO_TARGET_DIR/android-host (default target/android-host). Downloads are cached
# in ~/.m2 and ~/.cache/coursier; the script needs neither to exist.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
started=$SECONDS
target_dir="$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)"
out="$target_dir/android-host"
catalog() { python3 tests/android/catalog.py "$@"; }
step() { echo "== android: $* ($((SECONDS - started)) s)" >&2; }

step "tools"
missing=()
for tool in aapt unzip zip; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [[ ${#missing[@]} -gt 0 ]]; then
    scripts/apt-install.sh "${missing[@]}"
fi
mkdir -p "$out"
# coursier's classpath, made again when its pom changed or a jar left the Maven cache.
cp_ok() { [[ -s "$out/coursier.cp" && ! tests/android/coursier.xml -nt "$out/coursier.cp" ]] &&
    tr ':' '\n' <"$out/coursier.cp" | while read -r jar; do [[ -f "$jar" ]] || exit 1; done; }
if ! cp_ok; then
    mvn -B -q -ntp -Dstyle.color=never -f tests/android/coursier.xml dependency:build-classpath \
        -Dmdep.outputFile="$out/coursier.cp" >&2
fi
coursier() { java -cp "$(cat "$out/coursier.cp")" coursier.cli.Coursier "$@"; }

step "bindings (android = true)"
lib="$(scripts/generate-bindings.sh | tail -n 1)"
lib="$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")"
rm -rf "$out/uniffi"
"$(dirname "$lib")/uniffi-bindgen" generate --library "$lib" --language kotlin --no-format \
    --config android-sample/app/uniffi-android.toml --out-dir "$out/uniffi" >/dev/null 2>"$out/bindgen.log"
# uniffi ignores a config it cannot read (with a warning): insist on the Android flavour.
grep -q '^import android.os.Build' "$out/uniffi/org/articlesync/article_sync.kt" ||
    { cat "$out/bindgen.log" >&2; echo "android: the bindings were not generated with android = true" >&2; exit 1; }

step "artifacts from Maven Central"
fetch() { coursier fetch --no-default -r central "$@" 2>"$out/coursier.log" || { cat "$out/coursier.log" >&2; exit 1; }; }
mapfile -t app_args < <(catalog coursier)
# (guava is packaged as a "bundle")
fetch -A aar,jar,bundle "${app_args[@]}" >"$out/classpath.txt"
kotlin="$(catalog get kotlin)"
fetch "org.jetbrains.kotlin:kotlin-compiler-embeddable:$kotlin" >"$out/compiler.txt"
compose_plugin="$(fetch --intransitive "org.jetbrains.kotlin:kotlin-compose-compiler-plugin-embeddable:$kotlin")"
# Robolectric's SDK 35 jars (the ones Robolectric 4.17 asks for): plain (compile against it, as against the SDK's android.jar) and
# instrumented (Robolectric runs it); API 31's for its resource table (aapt).
android_sdk="$(fetch --intransitive org.robolectric:android-all:15-robolectric-13954326)"
android_all="$(fetch --intransitive org.robolectric:android-all-instrumented:15-robolectric-13954326-i7)"
android_res="$(fetch --intransitive org.robolectric:android-all:12-robolectric-7732740)"
catalog check "$out/classpath.txt"

step "AARs and resources (aapt)"
rm -rf "$out/aar" "$out/res" && mkdir -p "$out/aar" "$out/res"
jars=() packages=() res_dirs=(-S android-sample/app/src/main/res)
while read -r file; do
    case "$file" in
        *.jar) jars+=("$file") ;;
        *.aar)
            dir="$out/aar/$(basename "$file" .aar)"
            unzip -q -o "$file" classes.jar 'libs/*' AndroidManifest.xml 'res/*' -d "$dir" 2>/dev/null || true
            if [[ -f "$dir/classes.jar" ]]; then jars+=("$dir/classes.jar"); fi
            for extra in "$dir"/libs/*.jar; do
                if [[ -f "$extra" ]]; then jars+=("$extra"); fi
            done
            packages+=("$(sed -n 's/.*package="\([^"]*\)".*/\1/p' "$dir/AndroidManifest.xml" | head -n 1)")
            if [[ -d "$dir/res" ]]; then
                # Workaround: aapt does not know the `<id name=…/>` form some AARs use.
                grep -rlZ '<id name=' "$dir/res" | xargs -0 -r sed -i 's#<id name="\([^"]*\)"\s*/>#<item type="id" name="\1"/>#g' || true
                res_dirs+=(-S "$dir/res")
            fi
            ;;
    esac
done <"$out/classpath.txt"
# aapt cannot read API 35's framework table: a framework apk from android-all 12's.
(cd "$out/res" && unzip -q -o "$android_res" resources.arsc AndroidManifest.xml && zip -q -0 framework.apk resources.arsc AndroidManifest.xml)
# The manifest as the Gradle build merges it, for what Robolectric reads: with its package.
sed 's#<manifest #<manifest package="org.articlesync.sample" #' android-sample/app/src/main/AndroidManifest.xml >"$out/res/AndroidManifest.xml"
extra="$(printf '%s\n' "${packages[@]}" | sort -u | grep -v -e '^org.articlesync.sample$' -e '^$' | paste -sd:)"
mkdir -p "$out/res/gen"
aapt package -f -m --auto-add-overlay --no-version-vectors --min-sdk-version 26 --target-sdk-version 35 \
    -M "$out/res/AndroidManifest.xml" -I "$out/res/framework.apk" "${res_dirs[@]}" \
    --extra-packages "$extra" -J "$out/res/gen" -F "$out/res/resources.ap_" >"$out/aapt.log" 2>&1 ||
    { cat "$out/aapt.log" >&2; exit 1; }
rm -rf "$out/r" && mkdir -p "$out/r"
find "$out/res/gen" -name R.java >"$out/r.sources"
javac -nowarn -encoding UTF-8 -d "$out/r" @"$out/r.sources" 2>&1 | grep -v '^Note:' >&2 || true
mkdir -p "$out/r/com/android/tools"
cat >"$out/r/com/android/tools/test_config.properties" <<EOF
android_merged_manifest=$out/res/AndroidManifest.xml
android_resource_apk=$out/res/resources.ap_
android_custom_package=org.articlesync.sample
EOF

step "kotlinc + Compose: android-sample/app and tests/android"
classpath="$(printf '%s:' "${jars[@]}")$out/r"
kotlinc() {
    java -Xmx2g -cp "$(paste -sd: "$out/compiler.txt")" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler \
        -no-stdlib -no-reflect -jvm-target 17 -Xplugin="$compose_plugin" -nowarn "$@"
}
# compile OUTPUT CLASSPATH SOURCES…: kotlinc, skipped when the sources and classpath are those
# of the last successful compile into OUTPUT. A classpath folder that compile() made counts by
# its own stamp, so the tests are compiled again when the app (or its bindings) changed.
compile() {
    local dest="$1" cp="$2" stamp entry
    shift 2
    stamp="$({
        cat "$@"
        echo "$cp" "$kotlin" "$compose_plugin"
        for entry in ${cp//:/ }; do
            if [[ -f "$entry.stamp" ]]; then cat "$entry.stamp"; fi
        done
    } | sha256sum | cut -c1-64)"
    [[ -f "$dest.stamp" && "$(cat "$dest.stamp")" == "$stamp" ]] && return 0
    rm -rf "$dest" "$dest.stamp"
    kotlinc -cp "$cp" -d "$dest" "$@"
    echo "$stamp" >"$dest.stamp"
}
mapfile -t app_sources < <(find android-sample/app/src/main "$out/uniffi" -name '*.kt' | sort)
compile "$out/app" "$classpath:$android_sdk" "${app_sources[@]}"
echo "android: compiled ${#app_sources[@]} Kotlin files of the app and its bindings" >&2
mapfile -t test_sources < <(find tests/android/src -name '*.kt' | sort)
compile "$out/tests" "$classpath:$android_sdk:$out/app" "${test_sources[@]}"

step "loopback servers"
# shellcheck source=scripts/loopback-servers.sh
source scripts/loopback-servers.sh "$(dirname "$lib")"

step "Robolectric tests"
mkdir -p "$out/robolectric"
ln -sf "$android_all" "$out/robolectric/"
export ANDROID_SCREENSHOTS="${ANDROID_SCREENSHOTS:-$out/screenshots}"
mkdir -p "$ANDROID_SCREENSHOTS"
# --add-exports: Robolectric's android.system.SystemCleaner (the android = true bindings use it)
# reaches into the JDK.
java -Xmx3g -cp "$out/tests:$out/app:$classpath:$android_sdk" \
    -Drobolectric.offline=true -Drobolectric.dependency.dir="$out/robolectric" \
    -Drobolectric.logging.enabled=false -Djna.library.path="$(dirname "$lib")" \
    -Dfile.encoding=UTF-8 --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
    org.articlesync.sample.host.RunAll "$@"

step "the Rust core for aarch64-linux-android (cargo check)"
scripts/check-android-rust.sh
step "done"
