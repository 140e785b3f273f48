#include "aocore/scheduler/peer_schedules.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "aocore/common/logging.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/scheduler/assignment.h"
#include "aocore/scheduler/hash_chain.h"

namespace ao {
namespace {

// The fields a scheduler's commitment must cover for an assignment to mean anything.
constexpr std::string_view kCoveredFields[] = {"process", "slot", "hash-chain", "body"};

std::string Describe(const PeerReply& reply) {
  if (reply.body.is_message()) {
    const Message& m = reply.body.message();
    for (const char* key : {"message", "body", "error"}) {
      if (const Bytes* b = m.FindBinary(key)) return *b;
    }
  }
  if (reply.body.is_binary()) return reply.body.binary().substr(0, 200);
  return reply.body.DebugString().substr(0, 200);
}

// A non-200 answer as the error it stands for.
Status ReplyError(const std::string& url, const std::string& what, const PeerReply& reply) {
  std::string text = "peer " + url + " answered " + std::to_string(reply.status) + " to " + what + ": " +
                     Describe(reply);
  if (reply.status == 404) return Status::NotFound(text);
  if (reply.status == 503) return Status::Unavailable(text);
  if (reply.status == 504) return Status::DeadlineExceeded(text);
  return Status::IOError(text);
}

std::optional<uint64_t> SlotKey(std::string_view key) {
  uint64_t out = 0;
  auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), out);
  if (ec != std::errc() || ptr != key.data() + key.size() || key.empty()) return std::nullopt;
  return out;
}

}  // namespace

int PeerHttpStatus(const Status& s) {
  if (s.IsCorruption()) return 422;
  if (s.IsNotFound()) return 404;
  if (s.IsInvalidArgument()) return 400;
  if (s.IsDeadlineExceeded()) return 504;
  if (s.IsUnavailable() || s.IsClosed() || s.IsAborted()) return 503;
  if (s.IsIOError()) return 502;
  return 500;
}

Status ValidatePeerUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("peer URL '" + std::string(url) + "' must be http://host:port (" +
                                   std::string(why) + ")");
  };
  if (url.substr(0, kScheme.size()) != kScheme) return bad("only the http scheme is supported");
  std::string_view rest = url.substr(kScheme.size());
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) return bad("no port");
  std::string_view host = rest.substr(0, colon);
  std::string_view port = rest.substr(colon + 1);
  if (host.empty()) return bad("no host");
  if (host.find_first_of("/?#@ \t") != std::string_view::npos) return bad("a host, not a path");
  int p = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || p < 1 || p > 65535) {
    return bad("the port must be 1..65535, with no path after it");
  }
  return Status::OK();
}

PeerSchedules::PeerSchedules(std::shared_ptr<PeerTransport> transport,
                             std::map<std::string, std::string, std::less<>> peers, Store& store,
                             ContentCache& content, std::chrono::milliseconds timeout, std::string self_address)
    : transport_(std::move(transport)),
      peers_(std::move(peers)),
      content_(content),
      assignments_(store, content),
      timeout_(timeout),
      self_(std::move(self_address)) {}

std::optional<std::string> PeerSchedules::UrlOf(std::string_view address) const {
  auto it = peers_.find(address);
  if (it == peers_.end()) return std::nullopt;
  return it->second;
}

Result<PeerReply> PeerSchedules::ForwardSchedule(const std::string& url, std::string_view pid,
                                                 const Message& message) {
  Message request{{"body", Value(message)}};
  if (!self_.empty()) request.Set(kForwardedByKey, Value(self_));
  return transport_->Post(url, "/" + std::string(pid) + "/schedule", request, NewDeadline());
}

Result<PeerReply> PeerSchedules::ForwardGet(const std::string& url, const std::string& path) {
  return transport_->Get(url, WithForwardedBy(path), NewDeadline());
}

std::string PeerSchedules::WithForwardedBy(const std::string& path) const {
  if (self_.empty()) return path;
  return path + (path.find('?') == std::string::npos ? "?" : "&") + kForwardedByKey + "=" + self_;
}

Result<int64_t> PeerSchedules::Pull(std::string_view pid, std::string_view scheduler_address, const std::string& url,
                                    std::optional<uint64_t> up_to) {
  const PeerTransport::Deadline deadline = NewDeadline();
  AO_ASSIGN_OR_RETURN(std::optional<LatestAssignment> latest, assignments_.Latest(pid));
  uint64_t next = latest ? latest->slot + 1 : 0;
  HashChain chain;
  if (latest) {
    Result<HashChain> stored = HashChain::FromStored(latest->hash_chain);
    if (!stored.ok()) return stored.status().WithContext("the stored schedule of " + std::string(pid));
    chain = std::move(stored).value();
  }
  const Value committer{std::string(scheduler_address)};
  const std::string what_prefix = "process " + std::string(pid) + ", assignment for slot ";

  while (!up_to || next <= *up_to) {
    std::string path = "/" + std::string(pid) + "/schedule?from=" + std::to_string(next);
    if (up_to) path += "&to=" + std::to_string(*up_to);
    AO_ASSIGN_OR_RETURN(PeerReply reply, transport_->Get(url, WithForwardedBy(path), deadline));
    if (reply.status != 200) return ReplyError(url, "GET " + path, reply);
    const Message* page = reply.body.is_message() ? &reply.body.message() : nullptr;
    const Message* found = page != nullptr ? page->FindMessage("assignments") : nullptr;
    if (found == nullptr) return Status::IOError("peer " + url + " answered GET " + path + " without `assignments`");
    std::vector<std::pair<uint64_t, const Message*>> ordered;
    for (const auto& [key, value] : *found) {
      std::optional<uint64_t> slot = SlotKey(key);
      if (!slot || !value.is_message()) {
        return Status::IOError("peer " + url + ": schedule entry '" + key + "' is not a slot's assignment");
      }
      ordered.emplace_back(*slot, &value.message());
    }
    std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    if (ordered.empty()) break;

    for (const auto& [slot, assignment] : ordered) {
      const std::string what = what_prefix + std::to_string(slot) + " from peer " + url;
      if (slot != next) return Status::Corruption(what + ": expected slot " + std::to_string(next) + " (a gap)");
      Result<ParsedAssignment> parsed = ParseAssignment(*assignment);
      if (!parsed.ok()) return Status::Corruption(what + ": malformed: " + parsed.status().message());
      if (parsed->process_id != pid) return Status::Corruption(what + ": it names process " + parsed->process_id);
      if (parsed->slot < 0 || static_cast<uint64_t>(parsed->slot) != slot) {
        return Status::Corruption(what + ": its `slot` is " + std::to_string(parsed->slot));
      }
      // Signed by the process's scheduler, over the fields that matter.
      std::vector<std::string> committers = Committers(*assignment);
      if (std::find(committers.begin(), committers.end(), scheduler_address) == committers.end()) {
        return Status::Corruption(what + ": not signed by the process's scheduler " + std::string(scheduler_address));
      }
      Result<bool> verified = VerifySelected(*assignment, &committer, nullptr);
      if (!verified.ok() || !*verified) return Status::Corruption(what + ": invalid signature");
      Result<std::vector<std::string>> covered = Committed(*assignment, &committer, nullptr);
      if (!covered.ok()) return Status::Corruption(what + ": " + covered.status().message());
      for (std::string_view field : kCoveredFields) {
        if (std::find(covered->begin(), covered->end(), field) == covered->end()) {
          return Status::Corruption(what + ": the signature does not cover `" + std::string(field) + "`");
        }
      }
      // The next link of the hash chain.
      Result<std::string> body_id = MessageId(parsed->body, IdMode::kAll);
      if (!body_id.ok()) return Status::Corruption(what + ": its body has no ID: " + body_id.status().message());
      Result<HashChain> link = chain.Next(*body_id);
      if (!link.ok()) return Status::Corruption(what + ": " + link.status().message());
      if (link->Text() != parsed->hash_chain) return Status::Corruption(what + ": broken hash chain");

      Status written = assignments_.Write(*assignment, WriteOptions{true});
      if (written.IsAlreadyExists()) {
        // A concurrent pull stored this slot first: continue from the stored link.
        AO_ASSIGN_OR_RETURN(Message stored, assignments_.Read(pid, slot));
        const Bytes* stored_chain = stored.FindBinary("hash-chain");
        if (stored_chain == nullptr || *stored_chain != parsed->hash_chain) {
          return Status::Corruption(what + ": differs from the assignment already stored for that slot");
        }
      } else if (!written.ok()) {
        return written.WithContext("storing " + what);
      }
      chain = std::move(link).value();
      ++next;
    }
    const Value* continues = page->Find("continues");
    if (continues == nullptr || !continues->IsAtom("true")) break;
  }
  return next == 0 ? int64_t{-1} : static_cast<int64_t>(next - 1);
}

Result<Message> PeerSchedules::Fetch(std::string_view id) {
  const PeerTransport::Deadline deadline = NewDeadline();
  std::string last_error = "no peers";
  for (const auto& [address, url] : peers_) {
    Result<PeerReply> reply = transport_->Get(url, WithForwardedBy("/" + std::string(id)), deadline);
    if (!reply.ok()) {
      if (reply.status().IsDeadlineExceeded()) return reply.status();
      last_error = reply.status().ToString();
      continue;
    }
    if (reply->status != 200 || !reply->body.is_message()) {
      last_error = "peer " + url + " answered " + std::to_string(reply->status);
      continue;
    }
    const Message& m = reply->body.message();
    Result<std::string> got = MessageId(m, IdMode::kAll);
    if (!got.ok() || *got != id) {
      Logger("peers")->warn("peer {} answered GET /{} with a message whose ID is {}", url, id,
                            got.ok() ? *got : got.status().ToString());
      last_error = "peer " + url + " answered with a different message";
      continue;
    }
    AO_RETURN_IF_ERROR(content_.Write(m, WriteOptions{true}).status());
    return m;
  }
  return Status::NotFound("no message " + std::string(id) + " here or at any peer (" + last_error + ")");
}

}  // namespace ao
