// The aoconnect routes (ao_mainnet_routes.h, ao_legacy_routes.h) called directly with requests
// as aoconnect sends them; tests/test_aoconnect.py drives them with the real client.
#include <httplib.h>

#include <gtest/gtest.h>

#include "aocore/common/bytes.h"
#include "aocore/crypto/rsa_pss.h"

#include "aocore/http/ao_legacy_routes.h"
#include "aocore/http/ao_mainnet_routes.h"
#include "aocore/http/ao_process_api.h"
#include "aocore/http/json_codec.h"
#include "aocore/http/server.h"
#include "aocore/message/ans104.h"
#include "aocore/message/ans104_message.h"
#include "aocore/message/id.h"
#include "aocore/node/node.h"
#include "testing/test_util.h"

namespace ao {
namespace {

// cu-echo@1.0: writes the CU result {"Output": <data>} (CONTRACT.md results/json), except for
// messages with `no-result`.
DevicePtr CuEchoDevice() {
  auto dev = FunctionDevice::Module("cu-echo@1.0");
  dev->AddKey("init", [](const DeviceCall& c) -> Result<ResolveResult> { return ResolveResult::Ok(Value(c.base)); });
  dev->AddKey("snapshot", [](const DeviceCall&) -> Result<ResolveResult> {
    return ResolveResult::Ok(Value(Message{}));
  });
  dev->AddKey("compute", [](const DeviceCall& c) -> Result<ResolveResult> {
    Message m = c.base;
    const Message* body = c.req.FindMessage("body");
    if (body != nullptr && body->Contains("no-result")) return ResolveResult::Ok(Value(std::move(m)));
    const Bytes* data = body != nullptr ? body->FindBinary("data") : nullptr;
    std::string out = "{\"Output\":" + EncodeJson(Value(data != nullptr ? *data : Bytes())) +
                      ",\"ReadOnly\":" + (c.req.Contains("read-only") ? "true" : "false") + "}";
    m.Set("results", Value(Message{{"json", Value(Message{{"content-type", "application/json"},
                                                          {"body", Value(out)}})}}));
    return ResolveResult::Ok(Value(std::move(m)));
  });
  return dev;
}

class AoRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Node>> n = Node::Open(*NodeOptions::Parse(Message{}), testing::SharedTestWallet());
    ASSERT_OK(n);
    node_ = std::move(n).value();
    ASSERT_OK(node_->RegisterDevice("cu-echo@1.0", CuEchoDevice()));
  }

  Bytes Item(std::vector<Tag> tags, Bytes data, std::optional<std::string> target = std::nullopt) {
    DataItem item;
    item.tags = std::move(tags);
    item.data = std::move(data);
    if (target) item.target = *Base64UrlDecode(*target);
    Result<DataItem> signed_item = SignDataItem(item, node_->wallet());
    EXPECT_OK(signed_item);
    return *EncodeDataItem(*signed_item);
  }

  // A request as the server hands it over: the mainnet routes get the decoded item.
  std::optional<HttpResponse> Mainnet(std::string method, std::string target, const Bytes& item = {}) {
    HttpRequest req{.method = method, .target = target};
    Message msg;
    if (!item.empty()) msg = *DecodePostedItem(item);
    return ServeAoMainnet(*node_, req, msg, !item.empty());
  }
  std::optional<HttpResponse> Legacy(std::string method, std::string target, Bytes body = {},
                                     std::string type = "application/octet-stream") {
    HttpRequest req{.method = method, .target = target};
    req.headers.emplace_back("content-type", type);
    req.body = std::move(body);
    return ServeAoLegacy(*node_, req);
  }

  std::string Spawn() {
    Bytes item = Item({{"Device", "process@1.0"}, {"Execution-Device", "cu-echo@1.0"},
                       {"Scheduler", node_->address()}, {"Type", "Process"}},
                      "p");
    std::optional<HttpResponse> r = Mainnet("POST", "/push", item);
    EXPECT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->headers.size(), 1u);
    return r->headers.empty() ? "" : r->headers[0].second;
  }

  // `body` POSTed to the fixture's node through its HTTP server, as aoconnect sends it.
  httplib::Result Post(const std::string& target, const Bytes& body, const std::string& type) {
    if (server_ == nullptr) {
      Result<std::unique_ptr<HttpServer>> started = HttpServer::Start(*node_, HttpServerOptions{.port = 0});
      EXPECT_OK(started);
      server_ = std::move(started).value();
    }
    httplib::Client client("127.0.0.1", server_->port());
    return client.Post(target, body, type);
  }

  std::unique_ptr<Node> node_;
  std::unique_ptr<HttpServer> server_;  // after node_: stopped before the node closes
};

// The answer to an item whose signature does not verify, on every route (as before issue 14).
void ExpectForgedItemAnswer(const httplib::Result& r) {
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << r->body;
  Result<Message> body = DecodeJsonMessage(r->body);
  ASSERT_OK(body);
  EXPECT_EQ(*body->Find("status"), Value(int64_t{422}));
  EXPECT_EQ(*body->FindBinary("error"), "invalid_signature");
  EXPECT_EQ(*body->FindBinary("message"),
            "request body: ANS-104 item: the signature does not verify against the owner and the item's content");
}

Bytes Forged(Bytes item) {
  item.back() ^= 1;  // a data byte: the signature no longer covers the item, its ID is the same
  return item;
}

TEST_F(AoRoutes, MainnetSpawnMessageResultAndDryRun) {
  std::optional<HttpResponse> address = Mainnet("GET", "/~meta@1.0/info/address");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->body, node_->address());
  EXPECT_EQ(address->content_type, "text/plain");

  const std::string pid = Spawn();
  ASSERT_EQ(pid.size(), 43u);
  Bytes msg = Item({{"Type", "Message"}}, "hello", pid);
  const std::string msg_id = *MessageId(*MessageFromSignedItem(msg), IdMode::kAll);
  std::optional<HttpResponse> pushed = Mainnet("POST", "/" + pid + "~process@1.0/push", msg);
  ASSERT_TRUE(pushed.has_value());
  EXPECT_EQ(pushed->body, "{\"slot\":1,\"process\":\"" + pid + "\",\"id\":\"" + msg_id + "\"}");

  for (const std::string& which : {std::string("1"), msg_id}) {
    std::optional<HttpResponse> r = Mainnet("POST", "/" + pid + "~process@1.0/compute/results=" + which);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->body, "{\"raw\":{\"Output\":\"hello\",\"ReadOnly\":false}}");
  }
  std::optional<HttpResponse> current = Mainnet("POST", "/" + pid + "/slot/current");
  EXPECT_EQ(current->body, "1");

  std::optional<HttpResponse> dry =
      Mainnet("POST", "/" + pid + "~process@1.0/as=execution/compute&Action=Echo&Note=a%20b", Item({}, "dry", pid));
  ASSERT_TRUE(dry.has_value());
  EXPECT_EQ(dry->status, 200) << dry->body;
  EXPECT_EQ(dry->body, "{\"raw\":{\"Output\":\"dry\",\"ReadOnly\":true}}");
  EXPECT_EQ(Mainnet("POST", "/" + pid + "/slot/current")->body, "1");  // nothing scheduled
}

TEST_F(AoRoutes, BadSlotsUnknownProcessesAndMissingResultsAre4xx) {
  const std::string pid = Spawn();
  EXPECT_EQ(Mainnet("POST", "/" + pid + "~process@1.0/compute/results=abc")->status, 400);
  EXPECT_EQ(Mainnet("POST", "/" + pid + "~process@1.0/compute/results=7")->status, 404);
  EXPECT_EQ(Mainnet("POST", "/" + pid + "~process@1.0/compute/results=undefined")->status, 400);
  EXPECT_EQ(Mainnet("POST", "/" + std::string(43, 'Q') + "~process@1.0/compute/results=0")->status, 404);
  // A message to another process than the item's target.
  EXPECT_EQ(Mainnet("POST", "/" + pid + "~process@1.0/push", Item({{"Type", "Message"}}, "x", std::string(43, 'Q')))
                ->status,
            400);
  // A slot whose state carries no CU result: 404 naming why.
  Bytes silent = Item({{"Type", "Message"}, {"No-Result", "1"}}, "x", pid);
  ASSERT_EQ(Mainnet("POST", "/" + pid + "~process@1.0/push", silent)->status, 200);
  std::optional<HttpResponse> none = Mainnet("POST", "/" + pid + "~process@1.0/compute/results=1");
  EXPECT_EQ(none->status, 404);
  EXPECT_NE(none->body.find("results/json/body"), std::string::npos);
  // Not aoconnect's routes: the generic path request serves them.
  EXPECT_FALSE(Mainnet("GET", "/" + pid + "/compute/1").has_value());
  EXPECT_FALSE(Legacy("GET", "/" + pid).has_value());
  EXPECT_FALSE(Legacy("POST", "/", "{}", "application/json").has_value());
}

TEST_F(AoRoutes, LegacyMuRefusesBadItemsAndSchedulesNothing) {
  const std::string pid = Spawn();
  Bytes msg = Item({{"Type", "Message"}}, "hi", pid);
  EXPECT_EQ(Legacy("POST", "/", msg.substr(0, 700))->status, 400);
  Bytes tampered = msg;
  tampered.back() ^= 1;
  EXPECT_EQ(Legacy("POST", "/", tampered)->status, 422);
  EXPECT_EQ(Legacy("POST", "/", Item({{"Type", "Message"}}, "no target"))->status, 400);
  EXPECT_EQ(Legacy("POST", "/?process-id=" + pid + "&assign=" + pid)->status, 501);
  EXPECT_EQ(Mainnet("POST", "/" + pid + "/slot/current")->body, "0");

  std::optional<HttpResponse> ok = Legacy("POST", "/", msg);
  ASSERT_EQ(ok->status, 202) << ok->body;
  std::optional<HttpResponse> result = Legacy("GET", "/result/" + *MessageId(*MessageFromSignedItem(msg), IdMode::kAll) +
                                                         "?process-id=" + pid);
  EXPECT_EQ(result->body, "{\"Output\":\"hi\",\"ReadOnly\":false}");
  std::optional<HttpResponse> page = Legacy("GET", "/results/" + pid + "?from=0");
  EXPECT_EQ(page->body, "{\"edges\":[{\"cursor\":\"1\",\"node\":{\"Output\":\"hi\",\"ReadOnly\":false}}],"
                        "\"pageInfo\":{\"hasNextPage\":false}}");
  EXPECT_EQ(Legacy("GET", "/results/" + pid + "?from=9223372036854775807&sort=DESC")->body,
            "{\"edges\":[],\"pageInfo\":{\"hasNextPage\":false}}");
  EXPECT_EQ(Legacy("GET", "/" + pid + "?from=9223372036854775807&limit=1000")->status, 200);
  std::optional<HttpResponse> dry = Legacy("POST", "/dry-run?process-id=" + pid,
                                           R"({"Data":"d","Owner":"o","Tags":[{"name":"Action","value":"X"}]})",
                                           "application/json");
  EXPECT_EQ(dry->body, "{\"Output\":\"d\",\"ReadOnly\":true}");
  EXPECT_EQ(Legacy("POST", "/dry-run?process-id=" + pid, R"({"Tags":7})", "application/json")->status, 400);
}

// A legacy spawn names no device at all: it is a process@1.0 process, computed by the node's
// default_execution_device when it has one, else refused with the reason.
TEST_F(AoRoutes, ALegacyProcessRunsOnTheNodesDefaultExecutionDevice) {
  Bytes spawn = Item({{"Data-Protocol", "ao"}, {"Variant", "ao.TN.1"}, {"Type", "Process"},
                      {"Scheduler", node_->address()}},
                     "legacy");
  std::optional<HttpResponse> spawned = Legacy("POST", "/", spawn);
  ASSERT_EQ(spawned->status, 202) << spawned->body;
  const std::string pid = *MessageId(*MessageFromSignedItem(spawn), IdMode::kAll);
  EXPECT_NE(spawned->body.find("\"processId\":\"" + pid + "\""), std::string::npos);
  std::optional<HttpResponse> refused = Mainnet("POST", "/" + pid + "/compute/results=0");
  EXPECT_EQ(refused->status, 400);
  EXPECT_NE(refused->body.find("no execution device"), std::string::npos);

  NodeOptions options = *NodeOptions::Parse(Message{{"default_execution_device", "cu-echo@1.0"}});
  node_.reset();
  Result<std::unique_ptr<Node>> n = Node::Open(options, testing::SharedTestWallet());
  ASSERT_OK(n);
  node_ = std::move(n).value();
  ASSERT_OK(node_->RegisterDevice("cu-echo@1.0", CuEchoDevice()));
  ASSERT_EQ(Legacy("POST", "/", spawn)->status, 202);
  EXPECT_EQ(Mainnet("POST", "/" + pid + "/compute/results=0")->body, "{\"raw\":{\"Output\":\"legacy\",\"ReadOnly\":false}}");
}

// Issue 14: an item was RSA-verified by the HTTP layer and again by the scheduler that accepts it.
// It is verified once, there, on each route that schedules one; a forged item is still 422 and
// schedules nothing.
TEST_F(AoRoutes, AnItemPostedToTheMuIsRsaVerifiedOnceOnItsWayToItsSlot) {
  const std::string pid = Spawn();
  Bytes msg = Item({{"Type", "Message"}}, "once", pid);
  ExpectForgedItemAnswer(Post("/", Forged(msg), "application/octet-stream"));
  EXPECT_EQ(Mainnet("POST", "/" + pid + "/slot/current")->body, "0");

  const uint64_t before = RsaPssVerifications();
  httplib::Result r = Post("/", msg, "application/octet-stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(RsaPssVerifications() - before, 1u);
  EXPECT_EQ(Mainnet("POST", "/" + pid + "/slot/current")->body, "1");
}

TEST_F(AoRoutes, AProcessItemPushedToSpawnIsRsaVerifiedOnce) {
  Bytes spawn = Item({{"Device", "process@1.0"}, {"Execution-Device", "cu-echo@1.0"},
                      {"Scheduler", node_->address()}, {"Type", "Process"}},
                     "spawned once");
  const std::string pid = *MessageId(*DecodePostedItem(spawn), IdMode::kAll);
  ExpectForgedItemAnswer(Post("/push", Forged(spawn), "application/ans104"));
  EXPECT_EQ(Mainnet("POST", "/" + pid + "/slot/current")->status, 404);  // no such process

  const uint64_t before = RsaPssVerifications();
  httplib::Result r = Post("/push", spawn, "application/ans104");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(RsaPssVerifications() - before, 1u);
  EXPECT_EQ(r->get_header_value("process"), pid);
}

TEST_F(AoRoutes, AMessageItemPushedToItsProcessIsRsaVerifiedOnce) {
  const std::string pid = Spawn();
  Bytes msg = Item({{"Type", "Message"}}, "once", pid);
  ExpectForgedItemAnswer(Post("/" + pid + "~process@1.0/push", Forged(msg), "application/ans104"));
  EXPECT_EQ(Mainnet("POST", "/" + pid + "/slot/current")->body, "0");

  const uint64_t before = RsaPssVerifications();
  httplib::Result r = Post("/" + pid + "~process@1.0/push", msg, "application/ans104");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(RsaPssVerifications() - before, 1u);
  EXPECT_EQ(Mainnet("POST", "/" + pid + "/slot/current")->body, "1");
}

// The generic path schedules an item too (`POST /<pid>/schedule`): once as well.
TEST_F(AoRoutes, AnItemPostedToTheSchedulePathIsRsaVerifiedOnce) {
  const std::string pid = Spawn();
  Bytes msg = Item({{"Type", "Message"}}, "once", pid);
  ExpectForgedItemAnswer(Post("/" + pid + "/schedule", Forged(msg), "application/ans104"));
  EXPECT_EQ(Mainnet("POST", "/" + pid + "/slot/current")->body, "0");

  const uint64_t before = RsaPssVerifications();
  httplib::Result r = Post("/" + pid + "/schedule", msg, "application/ans104");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(RsaPssVerifications() - before, 1u);
  EXPECT_EQ(Mainnet("POST", "/" + pid + "/slot/current")->body, "1");
}

// A dry run schedules nothing: its route checks the item's signature itself (once).
TEST_F(AoRoutes, ADryRunItemIsRsaVerifiedOnceAndAForgedOneIs422) {
  const std::string pid = Spawn();
  Bytes dry = Item({}, "dry", pid);
  const std::string path = "/" + pid + "~process@1.0/as=execution/compute&Action=Echo";
  ExpectForgedItemAnswer(Post(path, Forged(dry), "application/ans104"));
  const uint64_t before = RsaPssVerifications();
  httplib::Result r = Post(path, dry, "application/ans104");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(RsaPssVerifications() - before, 1u);
  EXPECT_EQ(Mainnet("POST", "/" + pid + "/slot/current")->body, "0");
}

}  // namespace
}  // namespace ao
