// ResolveOptions: the runtime options of one resolution, the port of the `Opts` map hb_ao
// threads through every call. Typed fields for the options the engine and
// the core devices read, each with the reference's default; `user` carries every other option
// key, so devices see arbitrary user options (TV-07: `opts_key`).
//
// Also the seams the store/cache layers plug into: MessageLoader (load a message by ID, used by
// `as` forms with an ID and by resolve_many([ID])) and ResolveCache (stage 2 lookup and stage
// 10 store). They live in the Resolver, not here (see resolver.h).
//
// Options are cheap to copy (scalars and shared pointers); the engine copies them only to make
// "internal options" for its helpers.
//
// Thread-safety: a value type; concurrent const access is safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aocore/common/result.h"
#include "aocore/message/message.h"

namespace ao {

class Wallet;

// What stage 9 does with a result's priv.hashpath.
enum class HashpathMode {
  kUpdate,  // link: priv.hashpath = NextHashpath(base, req) on {ok, map}
  kReset,   // drop priv.hashpath
  kIgnore,  // leave the result as the device returned it (internal helper calls use this)
};

Result<HashpathMode> ParseHashpathMode(std::string_view s);  // "update" / "reset" / "ignore"
std::string_view HashpathModeName(HashpathMode mode);

struct ResolveOptions {
  // HB `hashpath` (read from the local options only). Default `update`.
  HashpathMode hashpath = HashpathMode::kUpdate;

  // HB `error_strategy`, default "throw". The engine: "throw" returns a device failure as an
  // error Status (the reference re-raises); any other value turns it into the result
  // {error, {error: "device_call", class, reason}}. stack@1.0 also knows "stop"
  // ({error, {error: "stack_call_failed", ...}}); any other value is an InvalidArgument there.
  std::string error_strategy = "throw";

  // HB `force_message`, default false: coerce results into messages (stage 6).
  bool force_message = false;

  // aocore extension (the reference has no bound): the most `pass` restarts one
  // stack@1.0 fold may do before it ends with an InvalidArgument error instead of looping.
  int64_t max_stack_passes = 1000;

  // aocore extension: the most device calls one thread may have in progress at once, nested
  // inside one another (a device that resolves through the engine re-enters it; a Python device
  // that resolves on its own node does). Each level costs C stack (~18 KB through Python), so an
  // unbounded re-entry would overflow the stack; past the bound the call fails with Aborted.
  int64_t max_resolve_depth = 100;

  // HB `cache_control` (default [no-cache, no-store]): null, a binary or a list of binaries.
  // Read by the ResolveCache seam; the resolver itself only passes it on.
  Value cache_control;

  // HB `await_inprogress` (default `named`) and `spawn_worker` (default false). Carried for
  // the in-flight grouping and worker stages, which are no-ops for now.
  std::string await_inprogress = "named";
  bool spawn_worker = false;

  // HB `on`: hooks. on["step"] is a message resolved (hashpath ignore) with
  // {path: "step", base, request, status, body} after every step (stage 7); its {ok, map}
  // result's status/body replace the step's result. Null/absent: no hook.
  std::shared_ptr<const Message> on;

  // HB `priv_wallet`: the wallet message@1.0 `commit` signs with. Null: `commit` fails.
  std::shared_ptr<const Wallet> priv_wallet;

  // Every other option key, as given (e.g. {"opts_key": "37"}). Never null.
  std::shared_ptr<const Message> user = EmptyUser();

  // The user option `key`, or nullptr.
  const Value* FindUser(std::string_view key) const { return user ? user->Find(key) : nullptr; }
  // A copy with `user[key] = value`.
  ResolveOptions WithUser(std::string key, Value value) const;

  // The options the engine uses for its own helper calls (set, remove, keys, get-as, device
  // set): hashpath ignore, cache_control [no-cache, no-store], spawn_worker false,
  // await_inprogress false; everything else kept (hb_ao:internal_opts).
  ResolveOptions Internal() const;

  static const std::shared_ptr<const Message>& EmptyUser();
};

}  // namespace ao
