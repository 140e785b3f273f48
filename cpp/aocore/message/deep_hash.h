// The Arweave deep hash (SHA-384), the signing input of ANS-104 data items: arweave-js
// deepHash.ts and HyperBEAM's ar_deep_hash.erl.
//
//   blob(b) = SHA384(SHA384("blob" ++ len(b)) ++ SHA384(b))
//   list(L) = fold over L from acc = SHA384("list" ++ len(L)): acc = SHA384(acc ++ dh(x))
//
// with lengths as decimal ASCII. Each result is 48 bytes.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <string_view>
#include <vector>

#include "aocore/common/bytes.h"

namespace ao {

// The deep hash of one blob.
Bytes DeepHashBlob(std::string_view blob);

// The deep hash of a list whose elements' deep hashes are `element_hashes` (each the result of
// DeepHashBlob or DeepHashList), so lists nest.
Bytes DeepHashList(const std::vector<Bytes>& element_hashes);

// The deep hash of a flat list of blobs (the ANS-104 signing input).
Bytes DeepHashBlobs(const std::vector<std::string_view>& blobs);

}  // namespace ao
