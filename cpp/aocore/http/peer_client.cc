#include "aocore/http/peer_client.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>

#include "aocore/http/json_codec.h"

namespace ao {
namespace {

constexpr char kJson[] = "application/json";

struct Target {
  std::string host;
  int port = 0;
};

Result<Target> ParseBaseUrl(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) return Status::InvalidArgument("peer URL '" + url + "' is not http://host:port");
  std::string rest = url.substr(kScheme.size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("peer URL '" + url + "' has no port");
  Target t;
  t.host = rest.substr(0, colon);
  if (t.host.size() >= 2 && t.host.front() == '[' && t.host.back() == ']') t.host = t.host.substr(1, t.host.size() - 2);
  const std::string port = rest.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), t.port);
  if (ec != std::errc() || ptr != port.data() + port.size() || t.port < 1 || t.port > 65535 || t.host.empty()) {
    return Status::InvalidArgument("peer URL '" + url + "' is not http://host:port");
  }
  return t;
}

class HttpPeerClient final : public PeerTransport {
 public:
  Result<PeerReply> Get(const std::string& base_url, const std::string& path, Deadline deadline) override {
    return Call(base_url, "GET " + path, deadline,
                [&](httplib::Client& c) { return c.Get(path, httplib::Headers{{"Accept", kJson}}); });
  }

  Result<PeerReply> Post(const std::string& base_url, const std::string& path, const Message& body,
                         Deadline deadline) override {
    const std::string json = EncodeJson(Value(body));
    return Call(base_url, "POST " + path, deadline,
                [&](httplib::Client& c) { return c.Post(path, httplib::Headers{{"Accept", kJson}}, json, kJson); });
  }

 private:
  template <typename Fn>
  Result<PeerReply> Call(const std::string& base_url, const std::string& what, Deadline deadline, Fn&& send) {
    AO_ASSIGN_OR_RETURN(Target target, ParseBaseUrl(base_url));
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status::DeadlineExceeded("no time left to ask peer " + base_url + " (" + what + ")");
    httplib::Client client(target.host, target.port);
    client.set_connection_timeout(left);
    client.set_read_timeout(left);
    client.set_write_timeout(left);
    client.set_keep_alive(false);
    client.set_follow_location(false);
    httplib::Result res = send(client);
    if (!res) {
      const httplib::Error err = res.error();
      const bool late = std::chrono::steady_clock::now() >= deadline - std::chrono::milliseconds(5);
      std::string text = "peer " + base_url + " (" + what + "): " + httplib::to_string(err);
      if (err == httplib::Error::ConnectionTimeout || (late && (err == httplib::Error::Read || err == httplib::Error::Write ||
                                                               err == httplib::Error::Connection))) {
        return Status::DeadlineExceeded(text + ": no answer within the request timeout");
      }
      return Status::Unavailable(text);
    }
    PeerReply reply;
    reply.status = res->status;
    reply.location = res->get_header_value("Location");
    const std::string type = res->get_header_value("Content-Type");
    if (type.rfind(kJson, 0) == 0 && !res->body.empty()) {
      Result<Value> decoded = DecodeJson(res->body);
      if (!decoded.ok()) {
        return Status::IOError("peer " + base_url + " (" + what + ") answered malformed JSON: " +
                               decoded.status().message());
      }
      reply.body = std::move(decoded).value();
    } else {
      reply.body = Value(Bytes(res->body));
    }
    return reply;
  }
};

}  // namespace

std::shared_ptr<PeerTransport> MakeHttpPeerClient() { return std::make_shared<HttpPeerClient>(); }

}  // namespace ao
