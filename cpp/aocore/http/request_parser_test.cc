#include "aocore/http/request_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace ao {
namespace {

using State = RequestParser::State;

TEST(RequestParserTest, ReadsARequestFedOneByteAtATime) {
  std::string text = "POST /a/b?x=1 HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
                     "Content-Length: 7\r\n\r\n{\"a\":1}";
  RequestParser parser;
  State state = State::kIdle;
  for (size_t i = 0; i < text.size(); ++i) {
    ASSERT_NE(state, State::kComplete) << "complete before byte " << i;
    state = parser.Feed(text.substr(i, 1));
  }
  ASSERT_EQ(state, State::kComplete);
  HttpRequest req = parser.TakeRequest();
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/a/b?x=1");
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_EQ(req.body, "{\"a\":1}");
  EXPECT_TRUE(req.keep_alive);
  EXPECT_EQ(parser.state(), State::kIdle);
}

TEST(RequestParserTest, DecodesChunkedBodiesAndKeepsPipelinedRequests) {
  RequestParser parser;
  State state = parser.Feed(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n"
      "GET /next HTTP/1.0\r\n\r\n");
  ASSERT_EQ(state, State::kComplete);
  EXPECT_EQ(parser.TakeRequest().body, "abcde");
  ASSERT_EQ(parser.Parse(), State::kComplete);
  HttpRequest next = parser.TakeRequest();
  EXPECT_EQ(next.target, "/next");
  EXPECT_FALSE(next.keep_alive);  // HTTP/1.0 without keep-alive
}

// Issue 18 point 5: the body limit applies to chunked bodies, and the request is refused as
// soon as it passes, before the rest is sent.
TEST(RequestParserTest, RefusesAChunkedBodyAsSoonAsItPassesTheLimit) {
  RequestParser parser(RequestLimits{.max_body_bytes = 1000});
  ASSERT_EQ(parser.Feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), State::kPartial);
  State state = State::kPartial;
  int chunks = 0;
  while (state == State::kPartial && chunks < 100) {
    state = parser.Feed("100\r\n" + std::string(256, 'x') + "\r\n");
    ++chunks;
  }
  EXPECT_EQ(state, State::kError);
  EXPECT_EQ(parser.error_status(), 413);
  EXPECT_EQ(chunks, 4);  // 4 * 256 = 1024 > 1000: the fourth chunk's size line is refused
  // One huge declared chunk is refused from its size line alone.
  RequestParser huge(RequestLimits{.max_body_bytes = 1000});
  EXPECT_EQ(huge.Feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n"), State::kError);
  EXPECT_EQ(huge.error_status(), 413);
}

TEST(RequestParserTest, RefusesADeclaredBodyOverTheLimitFromItsHeaders) {
  RequestParser parser(RequestLimits{.max_body_bytes = 10});
  EXPECT_EQ(parser.Feed("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n"), State::kError);
  EXPECT_EQ(parser.error_status(), 413);
}

TEST(RequestParserTest, RefusesMalformedAndSmugglingShapes) {
  struct Case {
    std::string text;
    int status;
  };
  for (const Case& c : std::vector<Case>{
           {"GET /\r\n\r\n", 400},
           {"GET / HTTP/2.0\r\n\r\n", 505},
           {"G(T / HTTP/1.1\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nNo-Colon\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n", 400},
           {"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
           {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
           {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
           {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
           {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
           {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabcd", 400},
       }) {
    RequestParser parser;
    EXPECT_EQ(parser.Feed(c.text), State::kError) << c.text;
    EXPECT_EQ(parser.error_status(), c.status) << c.text;
  }
}

TEST(RequestParserTest, BoundsTheHeaderSection) {
  RequestParser parser(RequestLimits{.max_header_bytes = 100});
  EXPECT_EQ(parser.Feed("GET / HTTP/1.1\r\nA: " + std::string(200, 'x')), State::kError);
  EXPECT_EQ(parser.error_status(), 431);
}

TEST(RequestParserTest, ReportsExpectContinueOnceHeadersAreIn) {
  RequestParser parser;
  EXPECT_EQ(parser.Feed("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"), State::kPartial);
  EXPECT_TRUE(parser.headers_done());
  EXPECT_TRUE(parser.current().expect_continue);
  EXPECT_EQ(parser.Feed("ok"), State::kComplete);
}

}  // namespace
}  // namespace ao
