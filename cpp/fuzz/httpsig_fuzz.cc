// libFuzzer target: the httpsig codec (message/httpsig.h, structured.h, id.h) over messages from
// outside. The input is a JSON message (as an HTTP body carries it); it is encoded to httpsig,
// its signature base built, and its IDs computed, and it is verified as a posted message is.
// Every step must give a result or a typed error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "aocore/http/json_codec.h"
#include "aocore/message/commitment.h"
#include "aocore/message/httpsig.h"
#include "aocore/message/id.h"
#include "aocore/message/structured.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto message = ao::DecodeJsonMessage(text);
  if (!message.ok()) return 0;
  (void)ao::IdTabm(*message);
  if (auto enc = ao::EncodeHttpsig(*message); enc.ok()) {
    auto components = ao::SignatureComponents(*enc);
    (void)ao::SignatureBase(*enc, ao::HmacParamsLine(components));
  }
  (void)ao::MessageId(*message, ao::IdMode::kUncommitted);
  (void)ao::MessageId(*message, ao::IdMode::kAll);
  (void)ao::Verify(*message);
  (void)ao::Committed(*message);
  return 0;
}
