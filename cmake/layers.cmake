# hfserve_add_layer(<folder> SOURCES <files...> [LIBS <third-party targets...>])
#
# Makes the static library hfserve_<folder> for one src/ folder and enforces the layering:
# the target compiles against a "view" directory that holds symlinks to its own folder and
# to the folders it may use (and theirs, since their headers include their own
# dependencies). A header from any other layer is simply not on the include path, so an
# include that runs against the layering fails to build. Direct includes of a layer that is
# only reachable transitively are caught by the `layering.direct_includes` test.
include(${CMAKE_CURRENT_LIST_DIR}/layer_table.cmake)

function(hfserve_layer_closure layer out)
  set(result "")
  set(pending ${HFSERVE_LAYER_USES_${layer}})
  while(pending)
    list(POP_FRONT pending next)
    if(NOT next IN_LIST result)
      list(APPEND result ${next})
      list(APPEND pending ${HFSERVE_LAYER_USES_${next}})
    endif()
  endwhile()
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# The include directory that code of <layer> (and its tests) compiles against.
function(hfserve_layer_view layer out)
  set(view ${PROJECT_BINARY_DIR}/layer_views/${layer})
  hfserve_layer_closure(${layer} closure)
  file(REMOVE_RECURSE ${view})
  file(MAKE_DIRECTORY ${view})
  foreach(visible ${layer} ${closure})
    if(EXISTS ${PROJECT_SOURCE_DIR}/src/${visible})
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${visible} ${view}/${visible} SYMBOLIC)
    endif()
  endforeach()
  set(${out} ${view} PARENT_SCOPE)
endfunction()

function(hfserve_add_layer layer)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBS" ${ARGN})
  if(NOT layer IN_LIST HFSERVE_LAYERS)
    message(FATAL_ERROR "src/${layer} is not a layer of cmake/layer_table.cmake")
  endif()
  hfserve_layer_view(${layer} view)
  add_library(hfserve_${layer} STATIC ${arg_SOURCES})
  target_include_directories(hfserve_${layer} PUBLIC ${view})
  target_link_libraries(hfserve_${layer} PUBLIC hfserve_options ${arg_LIBS})
  foreach(dep ${HFSERVE_LAYER_USES_${layer}})
    if(TARGET hfserve_${dep})
      target_link_libraries(hfserve_${layer} PUBLIC hfserve_${dep})
    endif()
  endforeach()
endfunction()
