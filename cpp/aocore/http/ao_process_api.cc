#include "aocore/http/ao_process_api.h"

#include <charconv>
#include <optional>
#include <utility>

#include "aocore/common/bytes.h"
#include "aocore/common/logging.h"
#include "aocore/devices/process_device.h"
#include "aocore/http/json_codec.h"
#include "aocore/message/ans104.h"
#include "aocore/message/ans104_message.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/node/node.h"

namespace ao {
namespace {

ResolveOptions Opts(Node& node) {
  ResolveOptions opts = node.DefaultResolveOptions();
  opts.hashpath = HashpathMode::kIgnore;  // nothing here keeps a HashPath
  return opts;
}

std::optional<int64_t> IntegerOf(const Value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_integer()) return v->integer();
  if (!v->is_binary() || v->binary().empty() || v->binary().size() > 19) return std::nullopt;
  int64_t n = 0;
  const std::string& s = v->binary();
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

// The text a device's error result carries.
std::string ReasonOf(const Value& v) {
  if (v.is_binary()) return v.binary();
  if (v.is_atom()) return v.atom().name;
  if (v.is_message()) {
    for (const char* key : {"body", "reason", "message", "error"}) {
      if (const Bytes* b = v.message().FindBinary(key)) return *b;
    }
  }
  return v.DebugString();
}

// A non-ok resolution as a typed Status (see the header).
Status StatusOfResult(const ResolveResult& r, std::string_view what) {
  const std::string prefix = std::string(what) + ": ";
  if (r.IsNotFound()) return Status::NotFound(prefix + "not found");
  std::optional<int64_t> code;
  if (r.value.is_message()) code = IntegerOf(r.value.message().Find("status"));
  const std::string reason = prefix + ReasonOf(r.value);
  const Bytes* tag = r.value.is_message() ? r.value.message().FindBinary("reason") : nullptr;
  if (tag != nullptr && *tag == kInvalidSignatureReason) return Status::InvalidSignature(reason);
  switch (code.value_or(400)) {
    case 404: return Status::NotFound(reason);
    case 503: return Status::Unavailable(reason);
    case 504: return Status::DeadlineExceeded(reason);
    default: break;
  }
  if (code && *code >= 500) return Status::Internal(reason);
  return Status::InvalidArgument(reason);
}

Result<Value> ResolveOk(Node& node, const Message& base, Message request, std::string_view what) {
  AO_ASSIGN_OR_RETURN(ResolveResult r, node.Resolve(Value(base), Value(std::move(request)), Opts(node)));
  if (!r.ok()) return StatusOfResult(r, what);
  return std::move(r.value);
}

// The CU result a state carries (CONTRACT.md: results/json/body).
Result<std::string> ResultJsonOf(const Value& state, std::string_view pid, std::string_view which) {
  const Message* results = state.is_message() ? state.message().FindMessage("results") : nullptr;
  const Message* json = results != nullptr ? results->FindMessage("json") : nullptr;
  const Bytes* body = json != nullptr ? json->FindBinary("body") : nullptr;
  if (body == nullptr) {
    return Status::NotFound("process " + std::string(pid) + ", " + std::string(which) +
                            ": the state carries no compute-unit result (results/json/body); its execution "
                            "device does not produce one");
  }
  return *body;
}

}  // namespace

Result<Message> LoadAoProcess(Node& node, std::string_view pid) {
  if (!IsHumanId(pid)) return Status::InvalidArgument("'" + std::string(pid) + "' is not a process ID");
  Result<Value> loaded = node.Read(pid);
  if (!loaded.ok()) {
    if (loaded.status().IsNotFound()) return Status::NotFound("no process with ID " + std::string(pid));
    return loaded.status();
  }
  if (!loaded->is_message()) return Status::InvalidArgument(std::string(pid) + " is not a process");
  Message process = std::move(loaded).value().message();
  const Bytes* device = process.FindBinary("device");
  const Bytes* type = process.FindBinary("type");
  const bool is_process = (device != nullptr && *device == process::kProcessDevice) ||
                          (type != nullptr && (*type == "Process" || *type == "process"));
  if (!is_process) return Status::InvalidArgument(std::string(pid) + " is a message, not a process");
  if (device == nullptr) process.Set("device", Value(process::kProcessDevice));
  return process;
}

Result<std::string> AoProcessId(const Message& process) {
  AO_ASSIGN_OR_RETURN(process::Identity id, process::IdentityOf(process));
  return id.id;
}

Result<std::string> SpawnAoProcess(Node& node, Message definition) {
  Message base{{"device", Value(process::kProcessDevice)}};
  AO_ASSIGN_OR_RETURN(Value assignment,
                      ResolveOk(node, base,
                                Message{{"path", "spawn"}, {"method", "POST"}, {"body", Value(std::move(definition))}},
                                "spawn"));
  const Bytes* pid = assignment.is_message() ? assignment.message().FindBinary("process") : nullptr;
  if (pid == nullptr) return Status::Internal("spawn: the scheduler's answer names no process");
  return *pid;
}

Result<int64_t> ScheduleAndPush(Node& node, const Message& process, Message message) {
  AO_ASSIGN_OR_RETURN(std::string pid, AoProcessId(process));
  AO_ASSIGN_OR_RETURN(Value assignment,
                      ResolveOk(node, process,
                                Message{{"path", "schedule"}, {"method", "POST"}, {"body", Value(std::move(message))}},
                                "schedule on process " + pid));
  std::optional<int64_t> slot =
      assignment.is_message() ? IntegerOf(assignment.message().Find("slot")) : std::optional<int64_t>();
  if (!slot) return Status::Internal("schedule on process " + pid + ": the assignment has no slot");
  // Pushing computes the slot and delivers its outbox; the message stays scheduled whatever
  // happens there (the client learns of a failed computation from its result).
  Result<ResolveResult> pushed =
      node.Resolve(Value(process), Value(Message{{"path", "push"}, {"slot", Value(*slot)}}), Opts(node));
  if (!pushed.ok() || !pushed->ok()) {
    Logger("http")->warn("ao_push_failed proc={} slot={} result={}", pid, *slot,
                         pushed.ok() ? pushed->DebugString() : pushed.status().ToString());
  }
  return *slot;
}

Result<int64_t> CurrentAoSlot(Node& node, const Message& process) {
  AO_ASSIGN_OR_RETURN(Value info, ResolveOk(node, process, Message{{"path", "slot"}, {"method", "GET"}}, "slot"));
  std::optional<int64_t> current = info.is_message() ? IntegerOf(info.message().Find("current")) : IntegerOf(&info);
  if (!current) return Status::Internal("slot: the scheduler's answer has no current slot");
  return *current;
}

Result<std::string> AoSlotResultAt(Node& node, const Message& process, int64_t slot) {
  AO_ASSIGN_OR_RETURN(std::string pid, AoProcessId(process));
  if (slot < 0) return Status::InvalidArgument("slot " + std::to_string(slot) + " is negative");
  AO_ASSIGN_OR_RETURN(int64_t current, CurrentAoSlot(node, process));
  if (slot > current) {
    return Status::NotFound("slot " + std::to_string(slot) + " of process " + pid + " is not scheduled (current: " +
                            std::to_string(current) + ")");
  }
  AO_ASSIGN_OR_RETURN(Value state, ResolveOk(node, process, Message{{"path", "compute"}, {"slot", Value(slot)}},
                                             "compute slot " + std::to_string(slot) + " of process " + pid));
  return ResultJsonOf(state, pid, "slot " + std::to_string(slot));
}

Result<std::string> AoSlotResult(Node& node, const Message& process, std::string_view slot_or_id) {
  Value text{Bytes(slot_or_id)};
  if (std::optional<int64_t> slot = IntegerOf(&text)) return AoSlotResultAt(node, process, *slot);
  if (!IsHumanId(slot_or_id)) {
    return Status::InvalidArgument("'" + std::string(slot_or_id) + "' is neither a slot number nor a message ID");
  }
  AO_ASSIGN_OR_RETURN(std::string pid, AoProcessId(process));
  AO_ASSIGN_OR_RETURN(Value state,
                      ResolveOk(node, process, Message{{"path", "compute"}, {"slot", Value(Bytes(slot_or_id))}},
                                "compute message " + std::string(slot_or_id) + " of process " + pid));
  return ResultJsonOf(state, pid, "message " + std::string(slot_or_id));
}

Result<int64_t> AoMessageSlot(Node& node, const Message& process, std::string_view id) {
  if (!IsHumanId(id)) return Status::InvalidArgument("'" + std::string(id) + "' is not a message ID");
  AO_ASSIGN_OR_RETURN(std::string pid, AoProcessId(process));
  AO_ASSIGN_OR_RETURN(Value state, ResolveOk(node, process, Message{{"path", "compute"}, {"slot", Value(Bytes(id))}},
                                             "message " + std::string(id) + " on process " + pid));
  std::optional<int64_t> slot = state.is_message() ? IntegerOf(state.message().Find("at-slot")) : std::nullopt;
  if (!slot) return Status::Internal("process " + pid + ": the state after " + std::string(id) + " has no at-slot");
  return *slot;
}

Result<std::string> AoDryRun(Node& node, const Message& process, Message message) {
  AO_ASSIGN_OR_RETURN(std::string pid, AoProcessId(process));
  AO_ASSIGN_OR_RETURN(int64_t current, CurrentAoSlot(node, process));
  AO_ASSIGN_OR_RETURN(Value now, ResolveOk(node, process, Message{{"path", "compute"}, {"slot", Value(current)}},
                                           "compute process " + pid));
  if (!now.is_message()) return Status::Internal("process " + pid + ": the state is not a message");
  Message state = std::move(now).message();
  std::optional<Value> device;
  if (const Value* d = state.Find("execution-device")) {
    device = *d;
  } else if (state.Contains("device-stack")) {
    device = Value("stack@1.0");
  } else if (!node.options().default_execution_device.empty()) {
    device = Value(node.options().default_execution_device);
  }
  if (!device) return Status::InvalidArgument("process " + pid + " has no execution device to dry-run a message on");
  state.Set("device", *device);
  state.Erase("commitments");
  state.Erase("results");
  if (!state.Contains("input-prefix")) state.Set("input-prefix", Value("process"));
  Message request{{"path", "compute"},
                  {"slot", Value(current + 1)},
                  {"process", Value(pid)},
                  {"read-only", Value(true)},
                  {"body", Value(std::move(message))}};
  AO_ASSIGN_OR_RETURN(Value out, ResolveOk(node, state, std::move(request), "dry-run on process " + pid));
  return ResultJsonOf(out, pid, "dry-run");
}

Result<Message> DecodePostedItem(std::string_view body) {
  auto refused = [](const Status& s) { return Status::InvalidArgument("request body: " + s.message()); };
  Result<DataItem> item = DecodeDataItem(body);
  if (!item.ok()) return refused(item.status());
  if (IsUnsignedDataItem(*item)) return Status::InvalidArgument("request body: the ANS-104 item is not signed");
  Result<Message> message = DataItemToMessage(*item);
  if (!message.ok()) return refused(message.status());
  return message;
}

Status VerifyPostedItem(const Message& item) {
  if (Verify(item)) return Status::OK();
  return Status::InvalidSignature(DataItemSignatureDoesNotVerify().message());
}

HttpResponse ForgedItemReply() {
  return AoErrorReply(422, "request body: " + DataItemSignatureDoesNotVerify().message());
}

HttpResponse PostedItemErrorReply(const Status& status) {
  return status.IsInvalidSignature() ? ForgedItemReply() : AoErrorReply(status);
}

std::vector<std::string_view> AoPathSegments(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= target.size()) {
    size_t end = target.find('/', start);
    if (end == std::string_view::npos) end = target.size();
    if (end > start) out.push_back(target.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string AoJsonString(std::string_view s) { return EncodeJson(Value(Bytes(s))); }

int HttpStatusForRoute(const Status& s) {
  if (s.IsInvalidSignature()) return 422;
  if (s.IsInvalidArgument()) return 400;
  if (s.IsNotFound()) return 404;
  if (s.IsDeadlineExceeded()) return 504;
  if (s.IsUnavailable() || s.IsClosed() || s.IsAborted()) return 503;
  return 500;
}

HttpResponse AoErrorReply(int status, std::string_view message) {
  std::string name;
  switch (status) {
    case 400: name = "bad_request"; break;
    case 404: name = "not_found"; break;
    case 405: name = "method_not_allowed"; break;
    case 422: name = "invalid_signature"; break;
    case 501: name = "not_implemented"; break;
    case 503: name = "unavailable"; break;
    case 504: name = "timeout"; break;
    default: name = status >= 500 ? "internal" : "client_error";
  }
  Message body{{"status", Value(int64_t{status})}, {"error", Value(name)}, {"message", Value(message)}};
  return AoJsonReply(status, EncodeJson(Value(std::move(body))));
}

HttpResponse AoErrorReply(const Status& status) { return AoErrorReply(HttpStatusForRoute(status), status.ToString()); }

HttpResponse AoJsonReply(int status, std::string json) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(json);
  return r;
}

HttpResponse AoTextReply(int status, std::string text) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = std::move(text);
  return r;
}

}  // namespace ao
