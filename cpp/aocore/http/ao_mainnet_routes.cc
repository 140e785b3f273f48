#include "aocore/http/ao_mainnet_routes.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aocore/http/ao_process_api.h"
#include "aocore/message/id.h"
#include "aocore/message/key.h"
#include "aocore/node/node.h"
#include "aocore/node/path_request.h"

namespace ao {
namespace {

constexpr std::string_view kProcessSuffix = "~process@1.0";

HttpResponse RawReply(const Result<std::string>& result) {
  if (!result.ok()) return AoErrorReply(result.status());
  return AoJsonReply(200, "{\"raw\":" + (result->empty() ? std::string("null") : *result) + "}");
}

// A client's message must be a signed item (its commitment names the sender).
std::optional<HttpResponse> RequireSignedItem(const Message& item, bool ans104_body, std::string_view route) {
  if (!ans104_body || !item.Contains("commitments")) {
    return AoErrorReply(400, std::string(route) +
                                 " takes a signed ANS-104 data item (Content-Type: application/ans104)");
  }
  return std::nullopt;
}

HttpResponse PushMessage(Node& node, std::string_view pid, const Message& item) {
  if (const Bytes* target = item.FindBinary("target"); target != nullptr && *target != pid) {
    return AoErrorReply(400, "the item's target " + *target + " is not the process " + std::string(pid));
  }
  Result<Message> process = LoadAoProcess(node, pid);
  if (!process.ok()) return AoErrorReply(process.status());
  Result<std::string> id = MessageId(item, IdMode::kAll);
  if (!id.ok()) return AoErrorReply(id.status());
  Result<int64_t> slot = ScheduleAndPush(node, *process, item);
  if (!slot.ok()) return PostedItemErrorReply(slot.status());
  return AoJsonReply(200, "{\"slot\":" + std::to_string(*slot) + ",\"process\":" + AoJsonString(pid) +
                              ",\"id\":" + AoJsonString(*id) + "}");
}

HttpResponse Spawn(Node& node, const Message& item) {
  const Bytes* type = item.FindBinary("type");
  if (type == nullptr || *type != "Process") {
    if (const Bytes* target = item.FindBinary("target")) return PushMessage(node, *target, item);
    return AoErrorReply(400, "POST /push takes a Process item (Type: Process) or a message with a target");
  }
  if (item.Contains("target")) return AoErrorReply(400, "a Process item has no target");
  Result<std::string> pid = SpawnAoProcess(node, item);
  if (!pid.ok()) return PostedItemErrorReply(pid.status());
  HttpResponse r = AoJsonReply(200, "{\"process\":" + AoJsonString(*pid) + ",\"slot\":0,\"id\":" + AoJsonString(*pid) + "}");
  r.headers.emplace_back("process", *pid);
  return r;
}

// `compute&K=V&K2=V2`: the K=V pairs (percent-decoded, keys lower-cased as item tags are).
Result<Message> DryRunTags(std::string_view segment) {
  Message tags;
  size_t start = segment.find('&');
  while (start != std::string_view::npos) {
    size_t end = segment.find('&', start + 1);
    std::string_view pair = segment.substr(start + 1, end == std::string_view::npos ? end : end - start - 1);
    start = end;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    AO_ASSIGN_OR_RETURN(std::string name, PercentDecode(pair.substr(0, eq)));
    std::string value;
    if (eq != std::string_view::npos) {
      AO_ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(eq + 1)));
    }
    AO_ASSIGN_OR_RETURN(std::string key, LowercaseKey(name));
    if (key.empty() || key == "commitments" || IsPrivateKey(key)) {
      return Status::InvalidArgument("dry-run tag '" + name + "' cannot be a message key");
    }
    tags.Set(std::move(key), Value(Bytes(std::move(value))));
  }
  return tags;
}

// A dry run schedules nothing, so no scheduler checks a posted item: this route does, once.
HttpResponse DryRun(Node& node, std::string_view pid, std::string_view segment, const Message& item,
                    bool ans104_body) {
  if (ans104_body) {
    if (Status checked = VerifyPostedItem(item); !checked.ok()) return PostedItemErrorReply(checked);
  }
  Result<Message> tags = DryRunTags(segment);
  if (!tags.ok()) return AoErrorReply(tags.status());
  Result<Message> process = LoadAoProcess(node, pid);
  if (!process.ok()) return AoErrorReply(process.status());
  Message message = item;
  for (const auto& [k, v] : *tags) message.Set(k, v);
  if (!message.Contains("target")) message.Set("target", Value(pid));
  return RawReply(AoDryRun(node, *process, std::move(message)));
}

}  // namespace

std::optional<HttpResponse> ServeAoMainnet(Node& node, const HttpRequest& req, const Message& item,
                                           bool ans104_body) {
  const std::vector<std::string_view> seg = AoPathSegments(req.target);
  if (seg.size() == 3 && seg[0] == "~meta@1.0" && seg[1] == "info" && seg[2] == "address") {
    return AoTextReply(200, node.address());
  }
  if (seg.size() == 1 && seg[0] == "push" && req.method == "POST") {
    if (auto refused = RequireSignedItem(item, ans104_body, "POST /push")) return refused;
    return Spawn(node, item);
  }
  if (seg.size() < 2) return std::nullopt;
  std::string_view first = seg[0];
  const bool as_process = first.size() > kProcessSuffix.size() &&
                          first.substr(first.size() - kProcessSuffix.size()) == kProcessSuffix;
  if (as_process) first.remove_suffix(kProcessSuffix.size());
  if (!IsHumanId(first)) return std::nullopt;
  const std::string pid(first);

  if (seg.size() == 2 && seg[1] == "push" && req.method == "POST" && (as_process || ans104_body)) {
    if (auto refused = RequireSignedItem(item, ans104_body, "POST /<pid>~process@1.0/push")) return refused;
    return PushMessage(node, pid, item);
  }
  if (seg.size() == 3 && seg[1] == "compute" && seg[2].substr(0, 8) == "results=") {
    Result<std::string> which = PercentDecode(seg[2].substr(8));
    if (!which.ok()) return AoErrorReply(which.status());
    Result<Message> process = LoadAoProcess(node, pid);
    if (!process.ok()) return AoErrorReply(process.status());
    return RawReply(AoSlotResult(node, *process, *which));
  }
  if (seg.size() == 3 && seg[1] == "slot" && seg[2] == "current") {
    Result<Message> process = LoadAoProcess(node, pid);
    if (!process.ok()) return AoErrorReply(process.status());
    Result<int64_t> current = CurrentAoSlot(node, *process);
    if (!current.ok()) return AoErrorReply(current.status());
    return AoTextReply(200, std::to_string(*current));
  }
  if (as_process && seg.size() == 3 && seg[1] == "as=execution" &&
      (seg[2] == "compute" || seg[2].substr(0, 8) == "compute&")) {
    return DryRun(node, pid, seg[2], item, ans104_body);
  }
  return std::nullopt;
}

}  // namespace ao
