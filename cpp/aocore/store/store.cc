#include "aocore/store/store.h"

namespace ao {

std::string_view NodeTypeName(NodeType type) {
  switch (type) {
    case NodeType::kNotFound: return "not_found";
    case NodeType::kSimple: return "simple";
    case NodeType::kComposite: return "composite";
  }
  return "unknown";
}

void Store::ApplyDeferred(std::function<Result<WriteBatch>()> build, std::function<void(Status)> done) {
  Result<WriteBatch> batch = build();
  Status status = batch.ok() ? Apply(*batch, WriteOptions{}) : batch.status();
  if (done) done(status);
}

void Store::ReadAhead(std::function<void(Status)> read) { read(Status::OK()); }

Status Store::Write(std::string_view path, std::string_view value) {
  WriteBatch batch;
  batch.Write(std::string(path), Bytes(value));
  return Apply(batch);
}

Status Store::MakeGroup(std::string_view path) {
  WriteBatch batch;
  batch.MakeGroup(std::string(path));
  return Apply(batch);
}

Status Store::MakeLink(std::string_view existing, std::string_view new_path) {
  WriteBatch batch;
  batch.MakeLink(std::string(existing), std::string(new_path));
  return Apply(batch);
}

Status Store::ReplaceLink(std::string_view existing, std::string_view new_path) {
  WriteBatch batch;
  batch.ReplaceLink(std::string(existing), std::string(new_path));
  return Apply(batch);
}

Status Store::Delete(std::string_view path) {
  WriteBatch batch;
  batch.Delete(std::string(path));
  return Apply(batch);
}

Result<std::vector<std::pair<std::string, Bytes>>> Store::ScanValues(std::string_view group,
                                                                    const ScanOptions& options) {
  AO_ASSIGN_OR_RETURN(std::vector<std::string> names, ScanChildren(group, options));
  std::vector<std::pair<std::string, Bytes>> out;
  AO_ASSIGN_OR_RETURN(const std::string base, Resolve(group));
  for (std::string& name : names) {
    const std::string path = base + "/" + name;
    AO_ASSIGN_OR_RETURN(NodeType type, Type(path));
    if (type != NodeType::kSimple) continue;
    AO_ASSIGN_OR_RETURN(std::string resolved, Resolve(path));
    if (resolved != path) continue;  // a link
    AO_ASSIGN_OR_RETURN(Bytes value, Read(path));
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

Result<std::optional<std::string>> Store::LatestChild(std::string_view group,
                                                      std::string_view prefix) {
  ScanOptions options;
  options.prefix = std::string(prefix);
  options.reverse = true;
  options.limit = 1;
  AO_ASSIGN_OR_RETURN(std::vector<std::string> names, ScanChildren(group, options));
  if (names.empty()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(names.front()));
}

}  // namespace ao
