# hfserve_add_fuzz(<name> LAYER <layer> SOURCES <files...> CORPUS <dirs...>)
#
# A parser's fuzz target: a file defining LLVMFuzzerTestOneInput. Configured with clang
# and -DHFSERVE_FUZZ=ON (plus -DHFSERVE_SANITIZE=ON), it links libFuzzer and the layer
# under test gets coverage instrumentation: run build-fuzz/.../fuzz_<name> CORPUS -max_total_time=60.
# Otherwise (gcc, the normal build) it links replay_main.cc, which replays the committed
# seed corpus and deterministic mutations of it, registered in ctest as fuzz.<name>.
include_guard(GLOBAL)

option(HFSERVE_FUZZ "Build the fuzz targets with libFuzzer (needs clang)" OFF)

function(hfserve_add_fuzz name)
  cmake_parse_arguments(arg "" "LAYER" "SOURCES;CORPUS" ${ARGN})
  set(target fuzz_${name})
  if(HFSERVE_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
      message(FATAL_ERROR "HFSERVE_FUZZ needs clang (CMAKE_CXX_COMPILER=clang++)")
    endif()
    add_executable(${target} ${arg_SOURCES})
    target_link_libraries(${target} PRIVATE hfserve_${arg_LAYER})
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer)
    target_link_options(${target} PRIVATE -fsanitize=fuzzer)
    set_property(TARGET hfserve_${arg_LAYER} APPEND PROPERTY COMPILE_OPTIONS -fsanitize=fuzzer-no-link)
  else()
    add_executable(${target} ${arg_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cc)
    target_link_libraries(${target} PRIVATE hfserve_${arg_LAYER})
    add_test(NAME fuzz.${name} COMMAND ${target} ${arg_CORPUS})
    set_tests_properties(fuzz.${name} PROPERTIES LABELS "${arg_LAYER};fuzz")
  endif()
endfunction()
