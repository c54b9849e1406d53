# Third-party libraries, all from Debian's packages (scripts/setup installs them); none vendored.

find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
if(HFSERVE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(HFSERVE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
