#!/usr/bin/env python3
"""The Android sample's version catalog (android-sample/gradle/libs.versions.toml) for the host build.

    catalog.py coursier            # coursier fetch arguments: every library, the BOM, the pins
    catalog.py get NAME            # one version, e.g. `kotlin`
    catalog.py check RESOLVED      # the Gradle build uses the catalog only, and the host
                                   # resolution (a file of jar/aar paths) has its versions

`check` is the test that keeps the Gradle build and the host build on one version list.
"""

import pathlib
import re
import sys
import tomllib

SAMPLE = pathlib.Path(__file__).resolve().parents[2] / "android-sample"
CATALOG = tomllib.loads((SAMPLE / "gradle/libs.versions.toml").read_text())
VERSIONS = CATALOG["versions"]
BOM = CATALOG["libraries"]["compose-bom"]

# Modules the BOM's and androidx's POMs ask for with strict ranges of older versions: Gradle
# takes the highest version, coursier stops, so the host build pins them (catalog versions).
LIFECYCLE = "common livedata livedata-core process runtime runtime-ktx service viewmodel viewmodel-ktx viewmodel-savedstate"
PINS = {
    "lifecycle": [f"androidx.lifecycle:lifecycle-{name}" for name in LIFECYCLE.split()],
    "compose": [
        "androidx.compose.ui:ui",
        "androidx.compose.animation:animation-core",
        "androidx.compose.material:material-icons-core",
        "androidx.compose.material:material-ripple",
    ],
    "androidx-collection": ["androidx.collection:collection"],
    "androidx-test-monitor": ["androidx.test:monitor"],
    # The Kotlin Gradle plugin puts its own stdlib on the app's classpath.
    "kotlin": ["org.jetbrains.kotlin:kotlin-stdlib"],
}


def coordinates(lib):
    version = VERSIONS[lib["version"]["ref"]] if "version" in lib else ""
    return f"{lib['module']}:{version}"  # no version: the BOM's (coursier's `g:a:` form)


def coursier_args():
    args = ["--bom", coordinates(BOM)]
    args += [coordinates(lib) for name, lib in CATALOG["libraries"].items() if name != "compose-bom"]
    for ref, modules in PINS.items():
        args += [arg for module in modules for arg in ("-V", f"{module}:{VERSIONS[ref]}")]
    return args


def check(resolved_file):
    errors = []
    # 1. The Gradle files name no version of their own: every one comes from the catalog.
    for path in [SAMPLE / "build.gradle.kts", SAMPLE / "app/build.gradle.kts"]:
        text = path.read_text()
        for m in re.finditer(r'"([\w.-]+:[\w.-]+:[^"]+)"|version\s*"([^"]+)"', text):
            errors.append(f"{path.relative_to(SAMPLE)}: a version outside the catalog: {m.group(0)}")
        if "libs." not in text:
            errors.append(f"{path.relative_to(SAMPLE)}: does not use the catalog")
    # 2. Every catalog library the app declares is declared through the catalog.
    app = (SAMPLE / "app/build.gradle.kts").read_text()
    used = set(re.findall(r"libs\.([\w.]+)", app))
    for name in ["compose-bom", "compose-ui", "compose-material3", "activity-compose", "core-ktx",
                 "lifecycle-viewmodel-compose", "lifecycle-runtime-compose", "work-runtime-ktx",
                 "coroutines-android", "jna"]:
        if name.replace("-", ".") not in used:
            errors.append(f"app/build.gradle.kts: libs.{name.replace('-', '.')} is not used")
    # 3. The host resolution has each pinned library at the catalog's version (nothing newer
    #    dragged in by a test dependency).
    files = pathlib.Path(resolved_file).read_text().split()
    for name, lib in CATALOG["libraries"].items():
        if "version" not in lib:
            continue
        group, artifact = lib["module"].split(":")
        want = VERSIONS[lib["version"]["ref"]]
        seen = [f for f in files if f"/{group.replace('.', '/')}/{artifact}/" in f]
        if name == "compose-bom":
            continue
        if not any(f"/{artifact}/{want}/" in f for f in seen):
            errors.append(f"host resolution: {lib['module']} is not at {want}: {seen}")
    for e in errors:
        print(e, file=sys.stderr)
    print(f"catalog: {len(CATALOG['libraries'])} libraries, {len(errors)} mismatches")
    return 1 if errors else 0


def main():
    if sys.argv[1:] == ["coursier"]:
        print("\n".join(coursier_args()))
    elif len(sys.argv) == 3 and sys.argv[1] == "get":
        print(VERSIONS[sys.argv[2]])
    elif len(sys.argv) == 3 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
