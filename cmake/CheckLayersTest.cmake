# The test of CheckLayers.cmake itself (CTest: aocore_layers_check_refuses_upward_include). Script:
#   cmake -DAOCORE_CHECK_LAYERS_SCRIPT=<CheckLayers.cmake> -DAOCORE_WORK_DIR=<scratch> -P ...
# It writes a small tree of three layers (low <- mid <- high) and runs the check on it: the clean
# tree passes (a transitive include, high -> low, is allowed); a planted upward include
# (low -> high), an include of an undeclared layer and an undeclared folder each fail, naming the
# file; an include in a test source or in a comment is ignored.
cmake_minimum_required(VERSION 3.25)
foreach(var AOCORE_CHECK_LAYERS_SCRIPT AOCORE_WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "CheckLayersTest.cmake: -D${var}=... is required")
  endif()
endforeach()

set(root ${AOCORE_WORK_DIR}/aocore)
set(graph ${AOCORE_WORK_DIR}/layers.cmake)

function(reset_tree)
  file(REMOVE_RECURSE ${AOCORE_WORK_DIR})
  file(WRITE ${graph} "set(AOCORE_LAYERS low mid high)\n"
                      "set(AOCORE_LAYER_DEPS_low )\n"
                      "set(AOCORE_LAYER_DEPS_mid low)\n"
                      "set(AOCORE_LAYER_DEPS_high mid)\n")
  file(WRITE ${root}/low/a.h "#pragma once\n#include <string>\n")
  file(WRITE ${root}/mid/b.h "#pragma once\n#include \"aocore/low/a.h\"\n")
  file(WRITE ${root}/high/c.cc "#include \"aocore/high/c.h\"\n#include \"aocore/mid/b.h\"\n"
                               "  #  include \"aocore/low/a.h\"\n")
  # Ignored: a test may use any layer; a comment is not an include.
  file(WRITE ${root}/low/a_test.cc "#include \"aocore/high/c.h\"\n")
  file(WRITE ${root}/low/a.cc "// see #include \"aocore/high/c.h\"\n#include \"aocore/low/a.h\"\n")
endfunction()

function(run_check out_result out_output)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -DAOCORE_LAYERS_FILE=${graph} -DAOCORE_LAYERS_ROOT=${root}
            -P ${AOCORE_CHECK_LAYERS_SCRIPT}
    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  set(${out_result} ${result} PARENT_SCOPE)
  set(${out_output} "${output}" PARENT_SCOPE)
endfunction()

function(expect_pass what)
  run_check(result output)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${what}: the check failed on a clean tree:\n${output}")
  endif()
endfunction()

function(expect_fail what needle)
  run_check(result output)
  if(result EQUAL 0)
    message(FATAL_ERROR "${what}: the check passed, it should have failed:\n${output}")
  endif()
  string(FIND "${output}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${what}: the failure does not name '${needle}':\n${output}")
  endif()
endfunction()

reset_tree()
expect_pass("clean tree")

reset_tree()
file(APPEND ${root}/low/a.h "#include \"aocore/high/c.h\"\n")
expect_fail("upward include low -> high" "low/a.h: #include \"aocore/high/c.h\"")

reset_tree()
file(APPEND ${root}/mid/b.h "#include \"aocore/high/c.h\"\n")
expect_fail("upward include mid -> high" "mid/b.h")

reset_tree()
file(APPEND ${root}/high/c.cc "#include \"aocore/elsewhere/d.h\"\n")
expect_fail("include of an undeclared layer" "aocore/elsewhere/d.h")

reset_tree()
file(WRITE ${root}/extra/e.h "#pragma once\n")
expect_fail("undeclared folder" "extra/ is not a declared layer")

file(REMOVE_RECURSE ${AOCORE_WORK_DIR})
message(STATUS "CheckLayers.cmake refuses upward includes, undeclared layers and folders")
