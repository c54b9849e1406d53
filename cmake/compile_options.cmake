# Compiler flags shared by every target of the project.
#
# The default build targets the portable x86-64 baseline: SIMD kernels are compiled per ISA
# in their own files and chosen at run time, so -march=native never appears here.

add_library(hfserve_options INTERFACE)
target_compile_options(hfserve_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                                 -Wnon-virtual-dtor -Wimplicit-fallthrough)
# GCC 12 false positives on correct code: missing-field-initializers fires on designated
# initializers whose other members have defaults; restrict fires inside libstdc++'s
# std::string concatenation at -O3 (GCC bug 105329).
target_compile_options(hfserve_options INTERFACE -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(hfserve_options INTERFACE -Wno-restrict)
endif()
if(HFSERVE_WERROR)
  target_compile_options(hfserve_options INTERFACE -Werror)
endif()

set(CMAKE_CXX_FLAGS_RELEASE "-O3 -DNDEBUG")
set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O2 -g -DNDEBUG")
set(CMAKE_CXX_FLAGS_DEBUG "-O0 -g")

if(HFSERVE_SANITIZE)
  set(hfserve_sanitize_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined
                             -fno-omit-frame-pointer)
  target_compile_options(hfserve_options INTERFACE ${hfserve_sanitize_flags})
  target_link_options(hfserve_options INTERFACE ${hfserve_sanitize_flags})
endif()

find_program(HFSERVE_CCACHE ccache)
if(HFSERVE_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${HFSERVE_CCACHE})
endif()
