# Wasmtime's C/C++ API (the WebAssembly runtime of cpp/aocore/wasm), fetched by
# tools/fetch_wasm_deps.py into the user cache: libwasmtime.so from the PyPI `wasmtime` wheel, the
# headers from the crates.io crate `wasmtime-c-api-impl` of the same pinned version. A second
# configure finds the fetched copy and downloads nothing.
find_package(Python3 3.10 REQUIRED COMPONENTS Interpreter)
execute_process(
  COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/fetch_wasm_deps.py wasmtime
  OUTPUT_VARIABLE AOCORE_WASMTIME_PREFIX
  OUTPUT_STRIP_TRAILING_WHITESPACE
  COMMAND_ERROR_IS_FATAL ANY)
set(AOCORE_WASMTIME_LIBRARY "${AOCORE_WASMTIME_PREFIX}/lib/libwasmtime.so")
add_library(aocore_wasmtime SHARED IMPORTED GLOBAL)
# The wheel's library has no SONAME: IMPORTED_NO_SONAME links it as -lwasmtime, so the extension
# records "libwasmtime.so" and finds it beside itself ($ORIGIN) once installed.
set_target_properties(aocore_wasmtime PROPERTIES
  IMPORTED_LOCATION "${AOCORE_WASMTIME_LIBRARY}"
  IMPORTED_NO_SONAME TRUE
  INTERFACE_INCLUDE_DIRECTORIES "${AOCORE_WASMTIME_PREFIX}/include")
