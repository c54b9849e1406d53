# cmake -DSOURCE_DIR=<repo> -P cmake/check_layering.cmake
#
# Fails when a file under src/<layer>/ includes a header of a layer that its row of
# cmake/layer_table.cmake does not name (including app/, which nothing may include).
cmake_policy(SET CMP0057 NEW)  # if(... IN_LIST ...) in script mode
include(${CMAKE_CURRENT_LIST_DIR}/layer_table.cmake)
set(violations "")
foreach(layer ${HFSERVE_LAYERS})
  file(GLOB_RECURSE files ${SOURCE_DIR}/src/${layer}/*.h ${SOURCE_DIR}/src/${layer}/*.cc
       ${SOURCE_DIR}/src/${layer}/*.cu)
  foreach(file ${files})
    file(STRINGS ${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"[a-z_]+/")
    foreach(line ${includes})
      string(REGEX REPLACE "^[^\"]*\"([a-z_]+)/.*$" "\\1" target "${line}")
      if(target STREQUAL layer)
        continue()
      endif()
      if(target STREQUAL "app" OR (target IN_LIST HFSERVE_LAYERS AND
                                   NOT target IN_LIST HFSERVE_LAYER_USES_${layer}))
        file(RELATIVE_PATH rel ${SOURCE_DIR} ${file})
        list(APPEND violations "${rel}: ${layer} may not include ${target}/ (${line})")
      endif()
    endforeach()
  endforeach()
endforeach()
if(violations)
  list(JOIN violations "\n" text)
  message(FATAL_ERROR "includes that run against the layering:\n${text}")
endif()
message(STATUS "layering: every include follows cmake/layer_table.cmake")
