// Versions: gradle/libs.versions.toml (the one list the host build in tests/android reads too).
plugins {
    alias(libs.plugins.android.application) apply false
    alias(libs.plugins.kotlin.android) apply false
    alias(libs.plugins.kotlin.compose) apply false
}
