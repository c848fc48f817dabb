// The app module. Two tasks build the core before the app compiles:
// - cargoNdk: `cargo ndk` (install: `cargo install cargo-ndk`, plus `rustup target add
//   aarch64-linux-android armv7-linux-androideabi x86_64-linux-android`) builds the bindings
//   crate for each ABI into src/main/jniLibs.
// - uniffiBindings: the workspace's uniffi-bindgen generates the Kotlin API from the built
//   library, with uniffi-android.toml (`android = true`), into build/generated/uniffi.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
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

dependencies {
    val composeBom = platform("androidx.compose:compose-bom:2024.12.01")
    implementation(composeBom)
    implementation("androidx.compose.ui:ui")
    implementation("androidx.compose.material3:material3")
    implementation("androidx.activity:activity-compose:1.9.3")
    implementation("androidx.core:core-ktx:1.15.0")
    implementation("androidx.lifecycle:lifecycle-viewmodel-compose:2.8.7")
    implementation("androidx.lifecycle:lifecycle-runtime-compose:2.8.7")
    implementation("androidx.work:work-runtime-ktx:2.10.0")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.9.0")
    // The generated bindings load the library through JNA (the AAR carries its own .so files).
    implementation("net.java.dev.jna:jna:5.15.0@aar")
}
