// Logging: one named spdlog logger per subsystem ("resolver", "scheduler", "worker", "store",
// "message", "node", ...). Callers look a logger up once with Logger(name) and keep the
// shared_ptr (spdlog::get takes a mutex). Every logger writes to the shared sink list, so a
// sink added later (e.g. the Python bridge in the bindings) sees every subsystem.
//
// Thread-safety: all functions are safe from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace ao {

// The logger for `subsystem`, created on first use with the current level and sinks.
std::shared_ptr<spdlog::logger> Logger(std::string_view subsystem);

// Sets the level of every aocore logger (existing and future).
void SetLogLevel(spdlog::level::level_enum level);
spdlog::level::level_enum GetLogLevel();

// Replaces the sinks of every aocore logger (existing and future). The default is stderr,
// at level `warn`.
void SetLogSinks(std::vector<spdlog::sink_ptr> sinks);

}  // namespace ao
