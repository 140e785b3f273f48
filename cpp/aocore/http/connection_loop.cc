#include "aocore/http/connection_loop.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "aocore/common/logging.h"

namespace ao {
namespace {

const char* ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 202: return "Accepted";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 422: return "Unprocessable Content";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return status < 400 ? "OK" : "Error";
  }
}

// A header value without control characters: a result's `location` or `content-type` comes
// from a device, and a CR/LF in it would let the device write headers of its own.
std::string HeaderValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
  }
  return out;
}

// A response to HEAD carries the headers of the response it stands for, but no body.
std::string Serialize(const HttpResponse& reply, bool close, bool head = false) {
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " + ReasonPhrase(reply.status) + "\r\n";
  out += "Content-Type: " + HeaderValue(reply.content_type) + "\r\n";
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  if (!reply.location.empty()) out += "Location: " + HeaderValue(reply.location) + "\r\n";
  for (const auto& [name, value] : reply.headers) out += HeaderValue(name) + ": " + HeaderValue(value) + "\r\n";
  out += close ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n";
  if (!head) out += reply.body;
  return out;
}

using Clock = std::chrono::steady_clock;

// One client connection; owned by the loop thread.
struct Connection {
  enum class Phase {
    kReading,  // receiving a request (or idle between requests)
    kServing,  // a worker has its request
    kWriting,  // sending the response
    kDraining, // response sent, write side shut: discarding what the client still sends
  };
  explicit Connection(int socket, RequestLimits limits) : fd(socket), parser(limits) {}
  int fd;
  RequestParser parser;
  Phase phase = Phase::kReading;
  Clock::time_point deadline;  // reading: idle or whole-request deadline; writing: write deadline
  bool request_started = false;  // the deadline is the current request's (first byte seen)
  bool sent_continue = false;
  std::string out;
  size_t out_pos = 0;
  bool close_after_write = false;
  int served = 0;
  size_t drained = 0;
};

// A connection closed with unread input makes the kernel send a reset, which can destroy the
// response before the client reads it (e.g. a 413 while the client is still sending its body).
// So a closing connection first shuts its write side and discards input, up to these bounds.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 4 << 20;

}  // namespace

class ConnectionLoop::Impl {
 public:
  Impl(HttpServerOptions options, Handler handler, Refusal refusal)
      : options_(std::move(options)), handler_(std::move(handler)), refusal_(std::move(refusal)), log_(Logger("http")) {}

  ~Impl() {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    for (int fd : wake_) {
      if (fd >= 0) ::close(fd);
    }
  }

  Status Bind() {
    if (options_.threads < 1 || options_.max_queued < 1 || options_.max_connections < 1 || options_.port < 0 ||
        options_.port > 65535 || options_.read_timeout_ms < 1 || options_.write_timeout_ms < 1 ||
        options_.keep_alive_timeout_ms < 1) {
      return Status::InvalidArgument(
          "http server: threads, max_queued, max_connections and the timeouts must be >= 1, port in 0..65535");
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    std::string port = std::to_string(options_.port);
    std::string where = options_.host + ":" + port;
    if (getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
      return Status::Unavailable("http server: cannot resolve " + where);
    }
    for (addrinfo* a = found; a != nullptr && listen_fd_ < 0; a = a->ai_next) {
      int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      // SO_REUSEADDR only: SO_REUSEPORT would let a second server bind the same port and silently
      // share its traffic; a port in use must be an error instead.
      int yes = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
      if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
        listen_fd_ = fd;
      } else {
        ::close(fd);
      }
    }
    freeaddrinfo(found);
    if (listen_fd_ < 0) {
      return Status::Unavailable("http server: cannot bind " + where + " (in use, or not a local address)");
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof(bound);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len);
    port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    if (::pipe2(wake_, O_NONBLOCK | O_CLOEXEC) != 0) return Status::Internal("http server: cannot create a pipe");

    for (int i = 0; i < options_.threads; ++i) workers_.emplace_back([this] { Work(); });
    loop_ = std::thread([this] { Loop(); });
    running_ = true;
    return Status::OK();
  }

  void Stop() {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (!running_) return;
    stopping_ = true;
    Wake();
    if (loop_.joinable()) loop_.join();  // returns once every request in flight is answered
    {
      std::lock_guard<std::mutex> jobs_lock(mu_);
      workers_stop_ = true;
    }
    jobs_ready_.notify_all();
    for (std::thread& t : workers_) t.join();
    running_ = false;
  }

  int port() const { return port_; }

 private:
  struct Job {
    uint64_t connection;
    HttpRequest request;
    bool close;
  };
  struct Done {
    uint64_t connection;
    std::string bytes;
    bool close;
  };

  void Wake() {
    char byte = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_[1], &byte, 1);  // a full pipe already wakes the loop
  }

  // --- worker threads ---

  void Work() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        jobs_ready_.wait(lock, [&] { return !jobs_.empty() || workers_stop_; });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      HttpResponse reply;
      try {
        reply = handler_(job.request);
      } catch (const std::exception& e) {
        log_->error("http: exception while serving a request: {}", e.what());
        reply = refusal_(500, e.what());
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        done_.push_back(Done{job.connection, Serialize(reply, job.close, job.request.method == "HEAD"), job.close});
      }
      Wake();
    }
  }

  // --- the connection loop ---

  void Loop() {
    const RequestLimits limits{.max_header_bytes = 64 << 10, .max_headers = 100,
                               .max_body_bytes = options_.max_body_bytes};
    const auto read_timeout = std::chrono::milliseconds(options_.read_timeout_ms);
    const auto write_timeout = std::chrono::milliseconds(options_.write_timeout_ms);
    const auto idle_timeout = std::chrono::milliseconds(options_.keep_alive_timeout_ms);
    std::map<uint64_t, Connection> conns;
    uint64_t next_id = 1;
    Clock::time_point accept_paused_until;
    std::vector<pollfd> fds;
    std::vector<uint64_t> ids;  // fds[i + first_conn] belongs to conns[ids[i]]

    auto close_conn = [&](uint64_t id) {
      auto it = conns.find(id);
      if (it == conns.end()) return;
      ::close(it->second.fd);
      conns.erase(it);
    };
    auto respond = [&](Connection& c, std::string bytes, bool close) {
      c.phase = Connection::Phase::kWriting;
      c.out = std::move(bytes);
      c.out_pos = 0;
      c.close_after_write = close || stopping_;
      c.deadline = Clock::now() + write_timeout;
    };
    auto refuse = [&](Connection& c, int status, const std::string& message) {
      respond(c, Serialize(refusal_(status, message), true), true);
    };
    // After a read, or when a response is sent: a complete request goes to a worker.
    auto advance = [&](uint64_t id, Connection& c, RequestParser::State state) {
      if (state == RequestParser::State::kError) {
        refuse(c, c.parser.error_status(), c.parser.error_message());
      } else if (state == RequestParser::State::kComplete) {
        HttpRequest request = c.parser.TakeRequest();
        bool close = !request.keep_alive || c.served + 1 >= options_.keep_alive_max_count || stopping_;
        std::unique_lock<std::mutex> lock(mu_);
        if (jobs_.size() >= static_cast<size_t>(options_.max_queued)) {
          lock.unlock();
          refuse(c, 503, "the server is overloaded (max_queued requests waiting)");
          return;
        }
        jobs_.push_back(Job{id, std::move(request), close});
        lock.unlock();
        jobs_ready_.notify_one();
        c.phase = Connection::Phase::kServing;
        c.request_started = false;
      } else if (state == RequestParser::State::kPartial) {
        if (!c.request_started) {
          c.request_started = true;
          c.deadline = Clock::now() + read_timeout;  // the whole request, from its first byte
        }
        if (c.parser.headers_done() && c.parser.current().expect_continue && !c.sent_continue) {
          c.sent_continue = true;
          static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
          [[maybe_unused]] ssize_t n = ::send(c.fd, kContinue, sizeof(kContinue) - 1, MSG_NOSIGNAL);
        }
      }
    };

    for (;;) {
      const bool stopping = stopping_;
      if (stopping) {
        if (listen_fd_ >= 0) {
          ::close(listen_fd_);
          listen_fd_ = -1;
        }
        // Requests not yet received are dropped; those being served are answered first.
        for (auto it = conns.begin(); it != conns.end();) {
          if (it->second.phase == Connection::Phase::kReading || it->second.phase == Connection::Phase::kDraining) {
            ::close(it->second.fd);
            it = conns.erase(it);
          } else {
            ++it;
          }
        }
        if (conns.empty()) break;
      }
      // Responses the workers finished.
      char drain[256];
      while (::read(wake_[0], drain, sizeof(drain)) > 0) {
      }
      std::vector<Done> done;
      {
        std::lock_guard<std::mutex> lock(mu_);
        done.swap(done_);
      }
      for (Done& d : done) {
        auto it = conns.find(d.connection);
        if (it != conns.end()) respond(it->second, std::move(d.bytes), d.close);
      }

      Clock::time_point now = Clock::now();
      fds.clear();
      ids.clear();
      fds.push_back(pollfd{wake_[0], POLLIN, 0});
      const bool accepting = listen_fd_ >= 0 && conns.size() < static_cast<size_t>(options_.max_connections) &&
                             now >= accept_paused_until;
      if (accepting) fds.push_back(pollfd{listen_fd_, POLLIN, 0});
      const size_t first_conn = fds.size();
      Clock::time_point next_deadline = now + std::chrono::seconds(1);
      if (!accepting && listen_fd_ >= 0) next_deadline = std::min(next_deadline, now + std::chrono::milliseconds(50));
      for (auto& [id, c] : conns) {
        if (c.phase == Connection::Phase::kServing) continue;
        const bool reads = c.phase == Connection::Phase::kReading || c.phase == Connection::Phase::kDraining;
        fds.push_back(pollfd{c.fd, static_cast<short>(reads ? POLLIN : POLLOUT), 0});
        ids.push_back(id);
        next_deadline = std::min(next_deadline, c.deadline);
      }
      auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(next_deadline - now).count();
      int ready = ::poll(fds.data(), fds.size(), static_cast<int>(std::clamp<int64_t>(wait_ms + 1, 0, 1000)));
      if (ready < 0 && errno != EINTR) {
        log_->error("http: poll failed: {}", std::strerror(errno));
        break;
      }
      now = Clock::now();

      if (accepting && (fds[1].revents & POLLIN)) {
        while (conns.size() < static_cast<size_t>(options_.max_connections)) {
          int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
              log_->warn("http: cannot accept a connection: {}", std::strerror(errno));
              accept_paused_until = now + std::chrono::milliseconds(100);
            }
            break;
          }
          int yes = 1;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
          auto [it, inserted] = conns.try_emplace(next_id++, fd, limits);
          // A new connection gets the whole-request deadline: it must send its request in time.
          it->second.deadline = now + read_timeout;
        }
      }

      for (size_t i = 0; i < ids.size(); ++i) {
        const short revents = fds[first_conn + i].revents;
        auto it = conns.find(ids[i]);
        if (it == conns.end()) continue;
        Connection& c = it->second;
        if (c.phase == Connection::Phase::kReading && revents != 0) {
          char buf[64 << 10];
          RequestParser::State state = c.parser.state();
          bool closed = false;
          for (;;) {
            ssize_t n = ::recv(c.fd, buf, sizeof(buf), 0);
            if (n > 0) {
              state = c.parser.Feed(std::string_view(buf, static_cast<size_t>(n)));
              if (state == RequestParser::State::kError || state == RequestParser::State::kComplete) break;
              continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) closed = true;
            if (n < 0 && errno == EINTR) continue;
            break;
          }
          if (closed && state != RequestParser::State::kComplete && state != RequestParser::State::kError) {
            close_conn(ids[i]);  // the client went away (a half-sent request gets no answer)
            continue;
          }
          advance(ids[i], c, state);
          // A peer that half-closed after a complete request still gets its answer.
        } else if (c.phase == Connection::Phase::kDraining && revents != 0) {
          char buf[64 << 10];
          ssize_t n;
          while ((n = ::recv(c.fd, buf, sizeof(buf), 0)) > 0) c.drained += static_cast<size_t>(n);
          if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ||
              c.drained > kLingerBytes) {
            close_conn(ids[i]);
          }
        } else if (c.phase == Connection::Phase::kWriting && revents != 0) {
          if (revents & (POLLERR | POLLNVAL)) {
            close_conn(ids[i]);
            continue;
          }
          while (c.out_pos < c.out.size()) {
            ssize_t n = ::send(c.fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL);
            if (n > 0) {
              c.out_pos += static_cast<size_t>(n);
            } else if (n < 0 && errno == EINTR) {
              continue;
            } else {
              break;
            }
          }
          if (c.out_pos < c.out.size()) {
            if (!(errno == EAGAIN || errno == EWOULDBLOCK)) close_conn(ids[i]);
            continue;
          }
          if (c.close_after_write) {
            ::shutdown(c.fd, SHUT_WR);
            c.phase = Connection::Phase::kDraining;
            c.deadline = now + kLingerTime;
            continue;
          }
          ++c.served;
          c.out.clear();
          c.out.shrink_to_fit();
          c.sent_continue = false;
          c.phase = Connection::Phase::kReading;
          c.deadline = now + idle_timeout;
          advance(ids[i], c, c.parser.Parse());  // a pipelined request may already be in
        }
      }

      // Deadlines: a request that did not arrive whole in time gets 408; an idle connection
      // or a client that does not read its response is closed.
      for (auto it = conns.begin(); it != conns.end();) {
        Connection& c = it->second;
        if (c.phase != Connection::Phase::kServing && now >= c.deadline) {
          if (c.phase == Connection::Phase::kReading && c.request_started) {
            refuse(c, 408, "the request did not arrive within read_timeout_ms (" +
                               std::to_string(options_.read_timeout_ms) + ")");
            ++it;
            continue;
          }
          ::close(c.fd);
          it = conns.erase(it);
          continue;
        }
        ++it;
      }
    }
    for (auto& [id, c] : conns) ::close(c.fd);
    if (listen_fd_ >= 0) {
      ::close(listen_fd_);
      listen_fd_ = -1;
    }
  }

  const HttpServerOptions options_;
  const Handler handler_;
  const Refusal refusal_;
  std::shared_ptr<spdlog::logger> log_;
  int listen_fd_ = -1;   // owned by the loop thread once it runs
  int wake_[2] = {-1, -1};  // the loop's self-pipe: a worker finished, or Stop()
  std::thread loop_;
  std::vector<std::thread> workers_;
  std::atomic<bool> stopping_{false};
  int port_ = 0;

  std::mutex mu_;  // leaf lock: guards jobs_, done_, workers_stop_
  std::condition_variable jobs_ready_;
  std::deque<Job> jobs_;
  std::vector<Done> done_;
  bool workers_stop_ = false;

  mutable std::mutex stop_mu_;  // serialises Stop(); guards running_
  bool running_ = false;
};

ConnectionLoop::ConnectionLoop(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ConnectionLoop::~ConnectionLoop() { Stop(); }

Result<std::unique_ptr<ConnectionLoop>> ConnectionLoop::Start(const HttpServerOptions& options, Handler handler,
                                                              Refusal refusal) {
  auto impl = std::make_unique<Impl>(options, std::move(handler), std::move(refusal));
  AO_RETURN_IF_ERROR(impl->Bind());
  return std::unique_ptr<ConnectionLoop>(new ConnectionLoop(std::move(impl)));
}

void ConnectionLoop::Stop() {
  if (impl_) impl_->Stop();
}

int ConnectionLoop::port() const { return impl_->port(); }

}  // namespace ao
