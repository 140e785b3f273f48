#include "aocore/http/server.h"

#include <httplib.h>

#include <gtest/gtest.h>

#include "aocore/common/bytes.h"
#include "aocore/crypto/hash.h"
#include "aocore/crypto/rsa_pss.h"
#include "aocore/http/json_codec.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/node/node.h"
#include "testing/test_util.h"

namespace ao {
namespace {

struct Served {
  std::unique_ptr<Node> node;
  std::unique_ptr<HttpServer> server;
};

Served Serve(HttpServerOptions options = {}) {
  Served s;
  Result<std::unique_ptr<Node>> node = Node::Open(*NodeOptions::Parse(Message{}), testing::SharedTestWallet());
  EXPECT_OK(node);
  s.node = std::move(node).value();
  options.port = 0;
  Result<std::unique_ptr<HttpServer>> server = HttpServer::Start(*s.node, options);
  EXPECT_OK(server);
  s.server = std::move(server).value();
  return s;
}

TEST(HttpServer, ServesStoredMessagesAsJsonAndUnknownIdsAs404) {
  Served s = Serve();
  Message m{{"a", 1}, {"b", Value(Bytes("\x01\xff", 2))}};
  Result<std::string> id = s.node->Write(m);
  ASSERT_OK(id);
  httplib::Client client("127.0.0.1", s.server->port());
  auto res = client.Get(("/" + *id).c_str());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(DecodeJsonMessage(res->body).value(), m);
  auto missing = client.Get("/e5ohB7TgMYRoc0BLllkmAqkqLy1SrliEkOPJlNPXBQ8");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(*DecodeJsonMessage(missing->body)->FindBinary("error"), "not_found");
}

TEST(HttpServer, MetaInfoDescribesTheNode) {
  Served s = Serve();
  httplib::Client client("127.0.0.1", s.server->port());
  auto res = client.Get("/~meta@1.0/info");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  Result<Message> info = DecodeJsonMessage(res->body);
  ASSERT_OK(info);
  EXPECT_EQ(*info->FindBinary("address"), s.node->address());
}

TEST(HttpServer, OversizedAndMalformedBodiesAreRejectedAndServingGoesOn) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  Served s = Serve(options);
  httplib::Client client("127.0.0.1", s.server->port());
  auto big = client.Post("/~meta@1.0/info", std::string(4096, 'x'), "text/plain");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  auto bad = client.Post("/~meta@1.0/info", "{not json", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto ok = client.Get("/~meta@1.0/info");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

// Issue 14: a signed POST was RSA-verified here, in scheduler@1.0 and in the scheduler (and
// again when stored). It is verified once, by the scheduler that accepts it, and a signature
// that does not verify is still answered 422 before anything is scheduled.
TEST(HttpServer, APostedSignedMessageIsRsaVerifiedOnceAndAForgedOneIs422) {
  Served s = Serve();
  httplib::Client client("127.0.0.1", s.server->port());
  Message process{{"type", "Process"},
                  {"scheduler", Value(s.node->address())},
                  {"test-random-seed", Value(Base64UrlEncode(RandomBytes(32)))}};
  Result<Message> signed_process = Commit(process, testing::SharedTestWallet());
  ASSERT_OK(signed_process);
  auto post = [&](const Message& body) {
    return client.Post("/~scheduler@1.0/schedule", EncodeJson(Value(Message{{"body", Value(body)}})),
                       "application/json");
  };
  uint64_t before = RsaPssVerifications();
  auto ok = post(*signed_process);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(RsaPssVerifications() - before, 1u);

  Message forged = *signed_process;
  forged.Set("test-random-seed", Value("forged"));
  before = RsaPssVerifications();
  auto refused = post(forged);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 422) << refused->body;
  EXPECT_EQ(*DecodeJsonMessage(refused->body)->FindBinary("error"), "invalid_signature");
  // At most once: the HMAC commitment, when checked first, already fails.
  EXPECT_LE(RsaPssVerifications() - before, 1u);
  // The forged message claims the same process (its ID comes from the commitments): nothing
  // more was scheduled on it.
  const std::string pid = MessageId(*signed_process, IdMode::kAll).value();
  Result<int64_t> slot = s.node->schedulers().CurrentSlot(pid);
  ASSERT_OK(slot);
  EXPECT_EQ(*slot, 0);
}

TEST(HttpServer, StopIsIdempotentAndFreesThePort) {
  Served s = Serve();
  int port = s.server->port();
  EXPECT_TRUE(s.server->running());
  s.server->Stop();
  s.server->Stop();
  EXPECT_FALSE(s.server->running());
  HttpServerOptions again;
  again.port = port;
  Result<std::unique_ptr<HttpServer>> rebound = HttpServer::Start(*s.node, again);
  EXPECT_OK(rebound);
}

TEST(HttpServer, BindingAnAddressInUseIsUnavailable) {
  Served s = Serve();
  HttpServerOptions same;
  same.port = s.server->port();
  Result<std::unique_ptr<HttpServer>> second = HttpServer::Start(*s.node, same);
  EXPECT_TRUE(second.status().IsUnavailable());
}

}  // namespace
}  // namespace ao
