# Third-party dependencies, all from Debian packages (and pybind11 from PyPI).
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
find_package(spdlog CONFIG REQUIRED)
find_package(leveldb CONFIG REQUIRED)
find_package(nlohmann_json 3 CONFIG REQUIRED)
# cpp-httplib (Debian libcpp-httplib-dev) for the HTTP server: a small, widely used, maintained
# HTTP/1.1 library with the limits a public server needs (payload size, read/write timeouts,
# keep-alive bounds, a pluggable task queue). Debian ships it compiled (libcpp-httplib.so) with
# its header declaring only; the pkg-config flags (OpenSSL/zlib/brotli support macros) must be
# used as given, since they change the library's class layouts.
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
include(AocoreWasmtime)
if(AOCORE_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()
if(AOCORE_BUILD_BENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()
if(AOCORE_BUILD_PYTHON)
  find_package(Python 3.10 REQUIRED COMPONENTS Interpreter Development.Module)
  find_package(pybind11 CONFIG REQUIRED)
endif()
