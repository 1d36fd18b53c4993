// fnn/version.hpp against the version CMake's project() declares (passed in by tests/CMakeLists.txt).
#include <catch2/catch.hpp>

#include <string>

#include "fnn/version.hpp"

TEST_CASE("version.hpp gives CMake's project version", "[version]") {
  CHECK(std::string(fnn::version_string) == FNN_PROJECT_VERSION);
  CHECK(std::to_string(fnn::version_major) + "." + std::to_string(fnn::version_minor) + "." +
            std::to_string(fnn::version_patch) ==
        FNN_PROJECT_VERSION);
}
