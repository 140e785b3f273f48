// Shared helpers of the push / cron / monitor tests: the pingpong@1.0 execution device and
// small accessors for nested result values.
//
// Thread-safety: the device is stateless.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "aocore/ao/device.h"
#include "aocore/devices/message_device.h"
#include "aocore/message/message.h"
#include "aocore/node/node.h"
#include "testing/test_util.h"

namespace ao::testing {

inline std::optional<int64_t> Int(const Value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_integer()) return v->integer();
  if (v->is_binary()) {
    try {
      size_t used = 0;
      const int64_t n = std::stoll(v->binary(), &used);
      if (used == v->binary().size()) return n;
    } catch (...) {
    }
  }
  return std::nullopt;
}

// The value at "a/b/c" inside nested messages, or null.
inline const Value* At(const Value& v, std::string_view path) {
  const Value* cur = &v;
  size_t pos = 0;
  while (pos <= path.size()) {
    const size_t end = std::min(path.find('/', pos), path.size());
    if (!cur->is_message()) return nullptr;
    cur = cur->message().Find(path.substr(pos, end - pos));
    if (cur == nullptr) return nullptr;
    pos = end + 1;
  }
  return cur;
}

// A node with pingpong@1.0 registered, in memory ("") or on the LevelDB directory `path`,
// signing with `wallet` (std::nullopt: the wallet stored at `path`, or a new one).
inline std::unique_ptr<Node> OpenPingPongNode(const std::string& path = "",
                                              std::optional<Wallet> wallet = SharedTestWallet());

// The node's default resolve options without HashPath linking (what these tests compare).
inline ResolveOptions IgnoreHashpath(Node& node) {
  ResolveOptions o = node.DefaultResolveOptions();
  o.hashpath = HashpathMode::kIgnore;
  return o;
}

// pingpong@1.0: each message carries `count`; the process replies to the sender
// (`from-process`, else `peer`) with count + 1 until the definition's `limit` (default 6). A
// message with `also` sends a second outbox entry there; a message with `fail` fails.
inline DevicePtr PingPongDevice() {
  auto dev = FunctionDevice::Module("pingpong@1.0");
  dev->AddKey("init", [](const DeviceCall& c) -> Result<ResolveResult> {
    Message m = c.base;
    m.Set("received", Value(0));
    return ResolveResult::Ok(Value(std::move(m)));
  });
  dev->AddKey("snapshot", [](const DeviceCall&) -> Result<ResolveResult> {
    return ResolveResult::Ok(Value(Message{{"kind", "pingpong"}}));
  });
  dev->AddKey("compute", [](const DeviceCall& c) -> Result<ResolveResult> {
    Message m = c.base;
    const Message* body = c.req.FindMessage("body");
    if (body == nullptr) return ResolveResult::Error(Value("no body"));
    if (body->Contains("fail")) return ResolveResult::Error(Value("pingpong: asked to fail"));
    m.Set("received", Value(Int(m.Find("received")).value_or(0) + 1));
    const std::optional<int64_t> count = Int(body->Find("count"));
    if (!count) return ResolveResult::Ok(Value(std::move(m)));  // e.g. the process message itself
    m.Set("last-count", Value(*count));
    const int64_t limit = Int(MessageFind(c.base, "limit")).value_or(6);
    Message outbox;
    const Bytes* peer = body->FindBinary("from-process");
    if (peer == nullptr) peer = body->FindBinary("peer");
    if (*count < limit && peer != nullptr) {
      outbox.Set("1", Value(Message{{"target", Value(*peer)}, {"count", Value(*count + 1)}}));
    }
    if (const Bytes* also = body->FindBinary("also")) {
      outbox.Set("2", Value(Message{{"target", Value(*also)}, {"note", "extra"}}));
    }
    m.Set("results", Value(Message{{"outbox", Value(std::move(outbox))}}));
    return ResolveResult::Ok(Value(std::move(m)));
  });
  return dev;
}

inline std::unique_ptr<Node> OpenPingPongNode(const std::string& path, std::optional<Wallet> wallet) {
  NodeOptions o = *NodeOptions::Parse(Message{});
  o.store_path = path;
  Result<std::unique_ptr<Node>> n = Node::Open(o, std::move(wallet));
  EXPECT_OK(n);
  if (!n.ok()) return nullptr;
  EXPECT_OK((*n)->RegisterDevice("pingpong@1.0", PingPongDevice()));
  return std::move(n).value();
}

}  // namespace ao::testing
