#include "aocore/store/keys.h"

#include <charconv>

#include "aocore/store/store.h"

namespace ao {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> segments;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > pos) segments.emplace_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return segments;
}

std::string JoinPath(const std::vector<std::string_view>& segments) {
  std::string out;
  size_t total = 0;
  for (std::string_view part : segments) total += part.size() + 1;
  out.reserve(total);
  for (std::string_view part : segments) {
    size_t pos = 0;
    while (pos <= part.size()) {
      size_t slash = part.find('/', pos);
      if (slash == std::string_view::npos) slash = part.size();
      if (slash > pos) {
        if (!out.empty()) out += '/';
        out += part.substr(pos, slash - pos);
      }
      pos = slash + 1;
    }
  }
  return out;
}

Result<std::string> NormalizePath(std::string_view path) {
  // One pass over the segments as views (no vector of segment strings: every store operation
  // normalizes its path).
  std::string out;
  out.reserve(path.size());
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > pos) {
      const std::string_view segment = path.substr(pos, slash - pos);
      if (segment == "." || segment == "..") {
        return Status::InvalidArgument("path '" + std::string(path) + "' has a '" + std::string(segment) +
                                       "' segment");
      }
      if (!out.empty()) out += '/';
      out += segment;
    }
    pos = slash + 1;
  }
  return out;
}

std::string_view ParentPath(std::string_view normalized_path) {
  size_t slash = normalized_path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : normalized_path.substr(0, slash);
}

std::string_view BaseName(std::string_view normalized_path) {
  size_t slash = normalized_path.rfind('/');
  return slash == std::string_view::npos ? normalized_path : normalized_path.substr(slash + 1);
}

std::string EncodeSlot(uint64_t slot) {
  std::string digits = std::to_string(slot);
  return std::string(kSlotWidth - digits.size(), '0') + digits;
}

Result<uint64_t> DecodeSlot(std::string_view name) {
  uint64_t slot = 0;
  bool all_digits = name.size() == kSlotWidth;
  for (char c : name) all_digits = all_digits && c >= '0' && c <= '9';
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), slot);
  if (!all_digits || ec != std::errc() || end != name.data() + name.size()) {
    return Status::InvalidArgument("'" + std::string(name) + "' is not an encoded slot (" +
                                   std::to_string(kSlotWidth) + " decimal digits)");
  }
  return slot;
}

Result<std::optional<uint64_t>> LatestSlot(Store& store, std::string_view group, std::optional<uint64_t> limit) {
  ScanOptions options;
  options.start = "0";
  options.end = ":";  // the byte after '9': every digit-led name, nothing else
  if (limit && *limit < UINT64_MAX) options.end = EncodeSlot(*limit + 1);
  options.reverse = true;
  options.limit = 1;
  Result<std::vector<std::string>> names = store.ScanChildren(group, options);
  if (!names.ok()) {
    if (names.status().IsNotFound()) return std::optional<uint64_t>();
    return names.status();
  }
  if (names->empty()) return std::optional<uint64_t>();
  AO_ASSIGN_OR_RETURN(uint64_t slot, DecodeSlot(names->front()));
  return std::optional<uint64_t>(slot);
}

std::string AssignmentsGroup(std::string_view process_id) {
  return JoinPath({"assignments", process_id});
}
std::string AssignmentPath(std::string_view process_id, uint64_t slot) {
  return JoinPath({"assignments", process_id, EncodeSlot(slot)});
}
std::string ComputedSlotGroup(std::string_view process_id) {
  return JoinPath({"computed", process_id, "slot"});
}
std::string ComputedSlotPath(std::string_view process_id, uint64_t slot) {
  return JoinPath({"computed", process_id, "slot", EncodeSlot(slot)});
}
std::string ComputedIdPath(std::string_view process_id, std::string_view message_id) {
  return JoinPath({"computed", process_id, message_id});
}
std::string DataPath(std::string_view content_hash) { return JoinPath({"data", content_hash}); }

}  // namespace ao
