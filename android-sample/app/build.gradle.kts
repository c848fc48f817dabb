// The app module. Two tasks build the core before the app compiles:
// - cargoNdk: `cargo ndk` (install: `cargo install cargo-ndk`, plus `rustup target add
//   aarch64-linux-android armv7-linux-androideabi x86_64-linux-android`) builds the bindings
//   crate for each ABI into src/main/jniLibs.
// - uniffiBindings: the workspace's uniffi-bindgen generates the Kotlin API from the built
//   library, with uniffi-android.toml (`android = true`), into build/generated/uniffi.
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

val repoRoot = rootProject.projectDir.parentFile
val generatedUniffi = layout.buildDirectory.dir("generated/uniffi")
val jniLibs = file("src/main/jniLibs")
val cargoProfile = if (gradle.startParameter.taskNames.any { it.contains("Release") }) "release" else "debug"

android {
    namespace = "org.articlesync.sample"
    compileSdk = 35

    defaultConfig {
        applicationId = "org.articlesync.sample"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }

    buildFeatures {
        compose = true
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets["main"].java.srcDir(generatedUniffi)
    sourceSets["main"].jniLibs.srcDir(jniLibs)
}

kotlin {
    jvmToolchain(17)
}

val cargoNdk by tasks.registering(Exec::class) {
    description = "Builds libarticle_sync.so for every ABI with cargo-ndk."
    workingDir = repoRoot
    val args =
        mutableListOf(
            "cargo",
            "ndk",
            "-t",
            "arm64-v8a",
            "-t",
            "armeabi-v7a",
            "-t",
            "x86_64",
            "-o",
            jniLibs.absolutePath,
            "build",
            "-p",
            "article-sync-bindings",
        )
    if (cargoProfile == "release") args += "--release"
    commandLine(args)
}

val uniffiBindings by tasks.registering(Exec::class) {
    description = "Generates the Kotlin bindings (android = true) from the built library."
    dependsOn(cargoNdk)
    workingDir = repoRoot
    val library = File(jniLibs, "arm64-v8a/libarticle_sync.so")
    outputs.dir(generatedUniffi)
    commandLine(
        "cargo",
        "run",
        "-q",
        "-p",
        "uniffi-bindgen",
        "--",
        "generate",
        "--library",
        library.absolutePath,
        "--language",
        "kotlin",
        "--config",
        file("uniffi-android.toml").absolutePath,
        "--out-dir",
        generatedUniffi.get().asFile.absolutePath,
        "--no-format",
    )
}

tasks.named("preBuild") { dependsOn(uniffiBindings) }

// Versions: gradle/libs.versions.toml, shared with the host build (tests/android).
dependencies {
    implementation(platform(libs.compose.bom))
    implementation(libs.compose.ui)
    implementation(libs.compose.material3)
    implementation(libs.activity.compose)
    implementation(libs.core.ktx)
    implementation(libs.lifecycle.viewmodel.compose)
    implementation(libs.lifecycle.runtime.compose)
    implementation(libs.work.runtime.ktx)
    implementation(libs.coroutines.android)
    // The generated bindings load the library through JNA (the AAR carries its own .so files).
    implementation(libs.jna) { artifact { type = "aar" } }
}
