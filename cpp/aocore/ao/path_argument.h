// PathArgument: a device key that takes the path segment after it as an argument. In a path
// request "<key>/<integer>" is then the one step {path: key, <argument>: integer} instead of two
// steps (process@1.0 declares `compute` taking `slot`: GET /<pid>/compute/7). A device declares
// its own; the path parser (node/path_request.h) applies the ones it is given and knows no
// device's keys itself.
//
// Thread-safety: a value type.
#pragma once

#include <string>

namespace ao {

struct PathArgument {
  std::string key;       // e.g. "compute"
  std::string argument;  // e.g. "slot"
  bool operator==(const PathArgument&) const = default;
};

}  // namespace ao
