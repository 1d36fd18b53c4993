#pragma once
// fnn's version, as CMake's project() gives it (a test checks that the two agree). The minor version
// changes with every release that changes what users see (CHANGELOG.md); the major stays 0 while the API
// may still change between minor versions.
namespace fnn {

inline constexpr int version_major = 0;
inline constexpr int version_minor = 2;
inline constexpr int version_patch = 0;
inline constexpr const char* version_string = "0.2.0";

}  // namespace fnn
