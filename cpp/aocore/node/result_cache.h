// ResultCache: the resolver's result cache (the port of hb_cache_control), implementing the
// `cache_control` semantics of the reference over the node's store.
//
// Directives come from the `cache_control` option, the base's and request's `cache-control`
// keys (lookup: Opts > M1 > M2) and the result's and request's (store: Opts > M3 > M2); the
// first source that sets a setting wins, and defaults are no-store/no-cache. Directives:
// `always` (store + lookup, wins within its list), `store`/`no-store`, `cache`/`no-cache`,
// `only-if-cached`. A binary value may hold several, comma-separated. `hashpath: ignore` in the
// options forces no-store.
//
// Lookup (stage 2) reads the result stored under the HashPath the resolution would get; a hit
// is {ok, cached} (a cached message comes back without priv.hashpath); a miss with
// only-if-cached is {error, {status: 504, cache-status: "miss", body: ...}};
// only-if-cached without lookup enabled does nothing (as in the reference).
// Store (stage 10) writes the base, the request and the result to the content cache and links
// `resolved/<hashpath>` to the result, in one atomic batch. Deviation: the reference links the
// result at the bare HashPath, where it can collide with the base message's own keys (a
// device's computed `a` and the stored field `a` share "<id>/a"); aocore uses the `resolved/`
// prefix (docs/deviations.md).
//
// Thread-safety: safe for concurrent use (the store and content cache are).
#pragma once

#include "aocore/ao/resolver.h"
#include "aocore/cache/content_cache.h"
#include "aocore/store/store.h"

namespace ao {

struct CacheSettings {
  bool store = false;
  bool lookup = false;
  bool only_if_cached = false;
};

// The effective settings for one resolution (exposed for tests).
CacheSettings EffectiveCacheSettings(const Message& base, const Message& req, const Message* result,
                                     const ResolveOptions& opts);

class ResultCache final : public ResolveCache {
 public:
  // REQUIRES: store and content outlive the cache.
  ResultCache(ao::Store* store, const ContentCache* content) : store_(store), content_(content) {}

  Result<std::optional<ResolveResult>> Lookup(const Message& base, const Message& req,
                                              const ResolveOptions& opts) const override;
  Status Store(const Message& base, const Message& req, const ResolveResult& result,
               const ResolveOptions& opts) const override;

 private:
  ao::Store* store_;
  const ContentCache* content_;
};

}  // namespace ao
