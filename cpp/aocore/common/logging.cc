#include "aocore/common/logging.h"

#include <map>
#include <mutex>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace ao {
namespace {

struct Registry {
  std::mutex mu;  // leaf lock: never held while logging
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
  spdlog::level::level_enum level = spdlog::level::warn;
};

Registry& GetRegistry() {
  static Registry* registry = new Registry();  // never destroyed: loggers outlive static teardown
  return *registry;
}

}  // namespace

std::shared_ptr<spdlog::logger> Logger(std::string_view subsystem) {
  Registry& r = GetRegistry();
  std::lock_guard lock(r.mu);
  auto it = r.loggers.find(subsystem);
  if (it != r.loggers.end()) return it->second;
  auto logger = std::make_shared<spdlog::logger>(std::string(subsystem), r.sinks.begin(), r.sinks.end());
  logger->set_level(r.level);
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [aocore.%n] [%l] %v");
  r.loggers.emplace(std::string(subsystem), logger);
  return logger;
}

void SetLogLevel(spdlog::level::level_enum level) {
  Registry& r = GetRegistry();
  std::lock_guard lock(r.mu);
  r.level = level;
  for (auto& [name, logger] : r.loggers) logger->set_level(level);
}

spdlog::level::level_enum GetLogLevel() {
  Registry& r = GetRegistry();
  std::lock_guard lock(r.mu);
  return r.level;
}

void SetLogSinks(std::vector<spdlog::sink_ptr> sinks) {
  Registry& r = GetRegistry();
  std::lock_guard lock(r.mu);
  r.sinks = std::move(sinks);
  for (auto& [name, logger] : r.loggers) logger->sinks() = r.sinks;
}

}  // namespace ao
