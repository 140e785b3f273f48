// Resolver: the AO-Core resolution engine, the port of hb_ao.erl.
// Resolve(base, req, opts) splits req's path into steps (empty segments dropped; every other
// request key travels into every step) and applies them in sequence, stopping at the first
// result whose status is not `ok`. One step runs the reference's phases, each a private method
// of the same name below:
//
//    1  Normalise        special forms ({as, Dev, X}, {resolve, Steps}), lists as numbered
//                        messages, bare paths as {path: P}, top-level keys normalised
//    2  CacheLookup      the ResolveCache seam (store/cache layer); none: continue
//    3  TypeCheck        a base or request that is not a message: {error, not_found}
//    4  GroupInFlight    in-flight grouping / dedup (a no-op hook for now: always the leader)
//    5  LookupFunction   the base's device, its info, and the function for the key
//                        (handler / own function / default / fall through to message@1.0)
//    6  Execute          call the device; device failures per `error_strategy`;
//                        `force_message` coercion
//    7  RunStepHook      opts.on["step"], once per step
//    8  ResolveDeferred  {ok, {resolve, Steps}} replaced by the resolution of Steps
//    9  LinkHashpath     priv.hashpath per the `hashpath` option (update / reset / ignore)
//   10  StoreResult      the ResolveCache seam, {ok, _} only
//   11  NotifyWaiters    release the in-flight group (a no-op, as stage 4)
//   12  ForkWorker       a no-op here: process@1.0 keeps its own persistent workers
//                        (actor/worker_registry.h)
//
// A thread may have at most ResolveOptions::max_resolve_depth device calls nested inside one
// another (a device that resolves through the engine re-enters it); past that, Aborted.
//
// Where the reference crashes this port returns a typed error Status instead: a request
// without a usable path (InvalidArgument), an unknown or unloadable device (InvalidArgument
// "device_not_loadable ..."), a device failure under error_strategy "throw" (the device's own
// Status), message@1.0's unusable `get`/`info` keys, a non-map `priv` (InvalidArgument).
// A resolution that ends with a non-ok status is NOT an error Status: it is a ResolveResult
// whose status says so (e.g. {error, not_found}).
//
// The engine helpers Get / Set (deep set along a path) / Keys / Remove are the reference's
// hb_ao:get/set/keys/remove; they run with the "internal options" (hashpath ignore, no cache).
//
// Thread-safety: a Resolver is immutable after construction; Resolve and every other method are
// safe to call from any number of threads at once (devices must be thread-safe too).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/ao/device.h"
#include "aocore/ao/device_registry.h"
#include "aocore/ao/resolve_options.h"
#include "aocore/common/result.h"
#include "aocore/message/message.h"

namespace ao {

// Seam for the store layer: loads a message by ID (`as` forms with an ID, resolve_many([ID])).
// Thread-safety: implementations must be thread-safe.
class MessageLoader {
 public:
  virtual ~MessageLoader() = default;
  // The stored message with this ID; NotFound when absent.
  virtual Result<Message> Load(std::string_view id) const = 0;
};

// Seam for the cache layer: stage 2 (lookup) and stage 10 (store) of a step. The
// implementation reads opts.cache_control and the messages' `cache-control` keys.
// Thread-safety: implementations must be thread-safe.
class ResolveCache {
 public:
  virtual ~ResolveCache() = default;
  // A cached result to return instead of executing, std::nullopt to execute, or an error
  // (e.g. the 504 `only-if-cached` miss as an {error, ...} ResolveResult).
  virtual Result<std::optional<ResolveResult>> Lookup(const Message& base, const Message& req,
                                                      const ResolveOptions& opts) const = 0;
  // Stores an {ok, _} result. A failure is logged by the resolver and does not fail the step.
  virtual Status Store(const Message& base, const Message& req, const ResolveResult& result,
                       const ResolveOptions& opts) const = 0;
};

struct ResolverConfig {
  // Required: the devices that `device` names resolve to.
  std::shared_ptr<const DeviceRegistry> registry;
  // The default device (message@1.0). Null: registry->Find("message@1.0") at construction.
  DevicePtr default_device;
  // Optional seams (null: no store / no caching).
  std::shared_ptr<const MessageLoader> loader;
  std::shared_ptr<const ResolveCache> cache;
};

class Resolver {
 public:
  explicit Resolver(ResolverConfig config);
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // hb_ao:resolve(base, req, opts). `base` may be any value (a list is a numbered message;
  // anything else that is not a message gives {error, not_found}). `req` is a message whose
  // `path` (or `Path`) holds the path; a bare path (binary, list, integer, atom) may be given
  // as a Value instead. Returns the final {status, value}; an error Status only where the
  // reference crashes/raises (see the header comment).
  Result<ResolveResult> Resolve(const Value& base, const Message& req, const ResolveOptions& opts) const;
  Result<ResolveResult> Resolve(const Value& base, const Value& req, const ResolveOptions& opts) const;
  Result<ResolveResult> Resolve(const Message& base, std::string_view path, const ResolveOptions& opts) const;

  // hb_ao:resolve_many: applies the steps in sequence. A single ID-shaped binary
  // is loaded through the MessageLoader ({error, not_found} when absent); any other single
  // value is returned as is; a single as-form is executed (the reference returns the tuple).
  Result<ResolveResult> ResolveMany(const std::vector<ResolveStep>& steps, const ResolveOptions& opts) const;

  // subresolve(base, Dev, Req): base' = base with `device` set to `device` (when not
  // null); a request without a path writes its keys into base' ({ok, base''}); otherwise
  // Resolve(base', req).
  Result<ResolveResult> Subresolve(const Value& base, const Value& device, const Value& req,
                                   const ResolveOptions& opts) const;

  // hb_ao:get: the value of an `ok` resolution of `path` on `base`. NotFound when the result
  // is {error, _}; InvalidArgument for any other non-ok status (the reference crashes).
  Result<Value> Get(const Value& base, const Value& path, const ResolveOptions& opts) const;
  // hb_ao:get/4: `default_value` instead of NotFound when the result is {error, _}.
  Result<Value> Get(const Value& base, const Value& path, Value default_value, const ResolveOptions& opts) const;
  // hb_ao:get(path, {as, device, base}): base's device swapped (internal set) first.
  Result<Value> GetAs(const Value& device, const Value& base, const Value& path, const ResolveOptions& opts) const;

  // hb_ao:set(base, key, value): deep set along the path `key` (a binary "a/b/c" or a list of
  // segments) through each level's own device. Error when a level's `set` does not
  // return ok.
  Result<Value> Set(const Value& base, const Value& key, Value value, const ResolveOptions& opts) const;
  // hb_ao:set(base, values): every public key of `values` except hashpath/priv, in key order;
  // keys containing `/` deep-set nested messages.
  Result<Value> Set(const Value& base, const Message& values, const ResolveOptions& opts) const;
  // The same, for callers that need a message: InvalidArgument if the result is not one.
  Result<Message> SetMessage(const Message& base, const Message& values, const ResolveOptions& opts) const;

  // hb_ao:keys: the keys the base's device lists, normalised; `remove_core` also drops
  // path/hashpath/priv. Sorted for messages.
  Result<std::vector<std::string>> Keys(const Value& base, const ResolveOptions& opts,
                                        bool remove_core = false) const;
  // hb_ao:remove: {path: remove, item: key} on base, unwrapped.
  Result<Value> Remove(const Value& base, std::string_view key, const ResolveOptions& opts) const;

  // The device `base` names (message@1.0 when it has no `device` key).
  Result<DevicePtr> DeviceOf(const Message& base) const;
  // The device named by a `device` value: a Device, a name such as "Stack@1.0" (also an atom).
  Result<DevicePtr> LoadDevice(const Value& device) const;
  // hb_ao:info: the info of base's device.
  Result<std::shared_ptr<const DeviceInfo>> Info(const Message& base, const ResolveOptions& opts) const;

  // hb_path path_parts: nullopt for no usable path (empty binary, empty list,
  // null); "/" gives []; binaries split on '/' with empty segments dropped; lists concatenate
  // their elements' parts; integers and atoms give one segment. InvalidArgument otherwise.
  static Result<std::optional<std::vector<std::string>>> PathParts(const Value& path);

  const DeviceRegistry& registry() const { return *registry_; }
  const DevicePtr& default_device() const { return default_device_; }
  const MessageLoader* loader() const { return loader_.get(); }

 private:
  // The function stage 5 selected.
  struct Selected {
    DevicePtr device;
    FunctionKind kind;
  };

  // One step on plain values: stage 1's list/bare-path/normalisation part, stage 3, then
  // RunStages.
  Result<ResolveResult> StepValues(const Value& base, const Message& req, const ResolveOptions& opts) const;
  // One resolve_many step between two elements that may be special forms (stage 1 in full).
  Result<ResolveResult> Step(const ResolveStep& base, const ResolveStep& req, const ResolveOptions& opts) const;
  // Stages 2..12 on normalised messages.
  Result<ResolveResult> RunStages(const Message& base, const Message& req, const ResolveOptions& opts) const;

  // The phases (see the header comment).
  // Stage 1's key normalisation: points `out` at base/req themselves when their top-level
  // keys are already normal (the common case: no copy), else at normalised copies.
  struct Normalised {
    const Message* base = nullptr;
    const Message* req = nullptr;
    Message base_storage;
    Message req_storage;
  };
  static Status Normalise(const Message& base, const Message& req, Normalised& out);
  Result<std::optional<ResolveResult>> CacheLookup(const Message& base, const Message& req,
                                                   const ResolveOptions& opts) const;
  static bool TypeCheck(const Value& base);
  Status GroupInFlight(const Message& base, const Message& req, const ResolveOptions& opts) const;
  Result<Selected> LookupFunction(const Message& base, std::string_view key, const ResolveOptions& opts) const;
  Result<ResolveResult> Execute(const Selected& fn, std::string_view key, const Message& base,
                                const Message& req, const ResolveOptions& opts) const;
  Result<ResolveResult> RunStepHook(const Message& base, const Message& req, ResolveResult result,
                                    const ResolveOptions& opts) const;
  Result<ResolveResult> ResolveDeferred(ResolveResult result, const ResolveOptions& opts) const;
  Result<ResolveResult> LinkHashpath(const Message& base, const Message& req, ResolveResult result,
                                     const ResolveOptions& opts) const;
  void StoreResult(const Message& base, const Message& req, const ResolveResult& result,
                   const ResolveOptions& opts) const;
  void NotifyWaiters(const Message& base, const Message& req, const ResolveResult& result) const;
  void ForkWorker(const Message& base, const Message& req, const ResolveResult& result,
                  const ResolveOptions& opts) const;

  // Engine-set helpers.
  Result<Value> DeepSet(const Value& base, const std::vector<std::string>& parts, size_t from, Value value,
                        const ResolveOptions& internal) const;
  Result<Value> DeviceSet(const Value& base, const std::string& key, Value value, bool explicit_mode,
                          const ResolveOptions& internal) const;

  std::shared_ptr<const DeviceRegistry> registry_;
  DevicePtr default_device_;
  std::shared_ptr<const MessageLoader> loader_;
  std::shared_ptr<const ResolveCache> cache_;
};

// force_message coercion of a result (stage 6): lists become numbered messages,
// literals {ao-result: "body", body: v}, {status: S, body: B} (S == status) gains ao-result.
ResolveResult ForceMessage(ResolveResult result);

// hb_private:from_message: base["priv"] when it is a message, else empty.
Message PrivateOf(const Message& message);

}  // namespace ao
