# hfserve_add_fuzz(<name> LAYER <layer> SOURCES <files...> CORPUS <dirs...>)
#
# A parser's fuzz target: a file defining LLVMFuzzerTestOneInput.
# - Configured with clang and -DHFSERVE_FUZZ=ON (plus -DHFSERVE_SANITIZE=ON; `make fuzz`
#   does both), it links libFuzzer, the layer under test gets coverage instrumentation, and
#   ctest runs it as fuzz.<name> for HFSERVE_FUZZ_SECONDS (default 60): new inputs go to a
#   build-folder corpus, the committed seeds are read only, a crash or leak fails the test
#   and leaves its input as build-fuzz/.../fuzz_<name>-crash-*. `fuzz_all` builds them all.
# - Otherwise (gcc, the normal build) it links replay_main.cc, which replays the committed
#   seed corpus and deterministic mutations of it, registered in ctest as fuzz.<name>.
include_guard(GLOBAL)

option(HFSERVE_FUZZ "Build the fuzz targets with libFuzzer (needs clang)" OFF)
set(HFSERVE_FUZZ_SECONDS 60 CACHE STRING "How long ctest runs each libFuzzer target")
if(HFSERVE_FUZZ AND NOT TARGET fuzz_all)
  add_custom_target(fuzz_all)
endif()

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
    add_dependencies(fuzz_all ${target})
    set(found ${CMAKE_CURRENT_BINARY_DIR}/${target}_corpus)
    file(MAKE_DIRECTORY ${found})
    add_test(NAME fuzz.${name}
             COMMAND ${target} -max_total_time=${HFSERVE_FUZZ_SECONDS} -print_final_stats=1
                     -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/${target}- ${found} ${arg_CORPUS})
    math(EXPR limit "${HFSERVE_FUZZ_SECONDS} * 2 + 60")
    set_tests_properties(fuzz.${name} PROPERTIES LABELS "${arg_LAYER};libfuzzer" TIMEOUT ${limit})
  else()
    add_executable(${target} ${arg_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cc)
    target_link_libraries(${target} PRIVATE hfserve_${arg_LAYER})
    add_test(NAME fuzz.${name} COMMAND ${target} ${arg_CORPUS})
    set_tests_properties(fuzz.${name} PROPERTIES LABELS "${arg_LAYER};fuzz")
  endif()
endfunction()
