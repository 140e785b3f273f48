// libFuzzer entry for the ANS-104 decoder (cpp/aocore/message/ans104.h) and the item -> message
// mapping. Seeds: corpus/ans104/ (the golden vectors of tests/data/ans104_*.json).
//
// Properties checked on every input, beyond "no crash, no sanitizer report":
//   * an accepted item re-encodes to exactly the input bytes (the decoder accepts only the
//     encoding the encoder writes, so signatures over the tag bytes stay checkable);
//   * an item that maps to a message with a signed commitment serves back the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aocore/message/ans104.h"
#include "aocore/message/ans104_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto item = ao::DecodeDataItem(input);
  if (!item.ok()) return 0;
  auto encoded = ao::EncodeDataItem(*item);
  if (!encoded.ok() || *encoded != input) std::abort();
  // Signature checks are skipped (a fuzzer cannot forge RSA); the mapping is exercised as is.
  auto message = ao::DataItemToMessage(*item);
  if (message.ok() && !ao::IsUnsignedDataItem(*item)) {
    auto served = ao::SignedItemFromMessage(*message);
    if (!served.ok() || *served != input) std::abort();
  }
  return 0;
}
