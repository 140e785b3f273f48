# Fails when a layer of cpp/aocore includes a layer above it. Script mode:
#   cmake -DAOCORE_LAYERS_FILE=<graph> -DAOCORE_LAYERS_ROOT=<dir> -P CheckLayers.cmake
# <graph> sets AOCORE_LAYERS (every layer) and AOCORE_LAYER_DEPS_<layer> (the layers it declares in
# aocore_layer(), cmake/AocoreLayers.cmake); <dir> holds one folder per layer. A layer's sources may
# include `aocore/<x>/...` only when <x> is the layer itself or in the closure of its DEPS. Every
# folder of <dir> must be a declared layer, so a new folder cannot slip past the check.
# Test sources (*_test.cc, *_test_util.h/.cc) are not checked: they build into the one test binary,
# which links every layer, and an integration test may use a layer above the one it sits in.
cmake_minimum_required(VERSION 3.25)
foreach(var AOCORE_LAYERS_FILE AOCORE_LAYERS_ROOT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "CheckLayers.cmake: -D${var}=... is required")
  endif()
endforeach()
include(${AOCORE_LAYERS_FILE})

# The closure of a layer's DEPS (itself included), by walking the declared graph.
function(layer_closure layer out)
  set(seen ${layer})
  set(todo ${AOCORE_LAYER_DEPS_${layer}})
  while(todo)
    list(POP_FRONT todo next)
    if(NOT next IN_LIST seen)
      list(APPEND seen ${next})
      list(APPEND todo ${AOCORE_LAYER_DEPS_${next}})
    endif()
  endwhile()
  set(${out} ${seen} PARENT_SCOPE)
endfunction()

set(errors "")
file(GLOB entries LIST_DIRECTORIES true RELATIVE ${AOCORE_LAYERS_ROOT} ${AOCORE_LAYERS_ROOT}/*)
foreach(entry IN LISTS entries)
  if(IS_DIRECTORY ${AOCORE_LAYERS_ROOT}/${entry} AND NOT entry IN_LIST AOCORE_LAYERS)
    string(APPEND errors "  ${entry}/ is not a declared layer: add aocore_layer(${entry} DEPS ...)\n")
  endif()
endforeach()

set(checked 0)
foreach(layer IN LISTS AOCORE_LAYERS)
  layer_closure(${layer} allowed)
  file(GLOB sources ${AOCORE_LAYERS_ROOT}/${layer}/*.h ${AOCORE_LAYERS_ROOT}/${layer}/*.cc)
  list(FILTER sources EXCLUDE REGEX "(_test\\.cc|_test_util\\.(h|cc))$")
  foreach(source IN LISTS sources)
    math(EXPR checked "${checked} + 1")
    file(STRINGS ${source} includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"aocore/[A-Za-z0-9_]+/")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"aocore/([A-Za-z0-9_]+)/.*$" "\\1" used "${line}")
      if(NOT used IN_LIST allowed)
        file(RELATIVE_PATH where ${AOCORE_LAYERS_ROOT} ${source})
        list(JOIN allowed " " allowed_text)
        string(STRIP "${line}" line)
        string(APPEND errors "  ${where}: ${line}\n"
                             "    layer ${layer} may include only: ${allowed_text}\n")
      endif()
    endforeach()
  endforeach()
endforeach()

if(errors)
  message(FATAL_ERROR "A layer includes a layer above it (or an undeclared one):\n${errors}"
                      "Move the code down, or declare the dependency in the layer's aocore_layer() "
                      "if it belongs there (and redraw docs/architecture.md).")
endif()
message(STATUS "Layers: ${checked} sources in ${AOCORE_LAYERS_ROOT}, no include goes up")
