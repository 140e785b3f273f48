// libFuzzer target: the RFC 8941 structured-field parser that reads a commitment's `signature`
// and `signature-input` (outside input: any posted message may carry commitments). The input is
// split at the first newline into signature-input and signature; the first byte picks the
// algorithm. Verification must return true or false, never crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "aocore/message/commitment.h"
#include "aocore/message/message.h"

namespace {

// A 43-character address-shaped committer whose signature name is fixed, so signature-input
// members named `http-sig-...` can be found by the parser.
constexpr char kCommitter[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
constexpr char kId[] = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool rsa = (data[0] & 1) != 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t newline = rest.find('\n');
  std::string_view input = rest.substr(0, newline);
  std::string_view signature = newline == std::string_view::npos ? "" : rest.substr(newline + 1);

  ao::Message commitment{{"commitment-device", ao::Value(ao::kHttpsigDevice)},
                         {"alg", ao::Value(rsa ? ao::kRsaPssSha512 : ao::kHmacSha256)},
                         {"signature-input", ao::Value(input)},
                         {"signature", ao::Value(signature)}};
  if (rsa) commitment.Set("committer", ao::Value(kCommitter));
  ao::Message commitments{{kId, ao::Value(commitment)}};
  ao::Message message{{"a", ao::Value("1")}, {"b", ao::Value(int64_t{2})},
                      {"commitments", ao::Value(commitments)}};
  (void)ao::Verify(message);
  (void)ao::VerifyCommitment(message, kId);
  (void)ao::Committed(message);
  return 0;
}
