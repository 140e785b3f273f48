#include "aocore/message/deep_hash.h"

#include <string>

#include "aocore/crypto/hash.h"

namespace ao {

Bytes DeepHashBlob(std::string_view blob) {
  Bytes tagged = Sha384("blob" + std::to_string(blob.size()));
  tagged += Sha384(blob);
  return Sha384(tagged);
}

Bytes DeepHashList(const std::vector<Bytes>& element_hashes) {
  Bytes acc = Sha384("list" + std::to_string(element_hashes.size()));
  for (const Bytes& h : element_hashes) acc = Sha384(acc + h);
  return acc;
}

Bytes DeepHashBlobs(const std::vector<std::string_view>& blobs) {
  std::vector<Bytes> hashes;
  hashes.reserve(blobs.size());
  for (std::string_view b : blobs) hashes.push_back(DeepHashBlob(b));
  return DeepHashList(hashes);
}

}  // namespace ao
