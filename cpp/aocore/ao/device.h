// Device: the interface every AO-Core device implements, the port of a HyperBEAM device module
// or device map (hb_ao_device / hb_ao.erl "DevMod:ExportedFunc"). The resolver asks a device
// for its `info(base)`, decides which of the device's functions handles a key, and calls
// it with a DeviceCall. A call yields a ResolveResult {status, value}.
//
// The `info` contract (restated from hb_ao.erl's module doc):
//   exports   the keys the device implements; absent means "every key it has a function for".
//   excludes  keys the device never handles: they fall through to message@1.0.
//   handler   one function that receives *every* exported key (the key is passed first); a map
//             handler may exclude keys, which then go to message@1.0.
//   default   a function for exported keys the device has no function for (key passed first).
//   grouper / await / worker   in-flight grouping and persistent workers (not used yet).
// `info` is always exported; a key in `excludes` is not; if `exports` is given the key must be
// in it. Keys that are not exported fall through to message@1.0.
//
// Key-to-function mapping (the reference's deliberate asymmetry):
//   KeyStyle::kModule  (Erlang module devices: message@1.0, stack@1.0, test-device@1.0, ...)
//                      `-` becomes `_`, case is kept: "test-func" finds test_func, "TEST_FUNC"
//                      finds nothing.
//   KeyStyle::kMap     (device maps, e.g. test fixtures): the key is lower-cased
//                      (NormalizeKey), `-` is not translated.
//
// A device is shared (a Value can hold std::shared_ptr<Device>, which is how a map device sits
// in a message's `device` key or in a stack slot), so every method is const and must be safe to
// call from several threads at once.
//
// Thread-safety: implementations must be safe for concurrent use without external
// synchronization (the resolver calls devices from any thread).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/common/result.h"
#include "aocore/message/message.h"
#include "aocore/message/value.h"

namespace ao {

class Resolver;
struct ResolveOptions;
struct ResolveStep;

// The statuses the engine knows. Any other non-empty string is a custom status, propagated.
inline constexpr std::string_view kStatusOk = "ok";
inline constexpr std::string_view kStatusError = "error";
inline constexpr std::string_view kStatusSkip = "skip";
inline constexpr std::string_view kStatusPass = "pass";

// The result of a device call or of a resolution: the reference's {Status, Value} tuple.
struct ResolveResult {
  std::string status{kStatusOk};
  Value value;
  // A deferred sub-resolution, the reference's {ok, {resolve, [Msgs]}}: when set on an `ok`
  // result the engine replaces the result by resolving these steps (stage 8). `value` is
  // ignored then.
  std::shared_ptr<const std::vector<ResolveStep>> deferred;

  bool ok() const { return status == kStatusOk; }
  bool Is(std::string_view s) const { return status == s; }
  // The `{error, not_found}` result of a missing key.
  bool IsNotFound() const { return status == kStatusError && value.IsAtom("not_found"); }

  static ResolveResult Ok(Value v) { return ResolveResult{std::string(kStatusOk), std::move(v), nullptr}; }
  static ResolveResult Error(Value v) { return ResolveResult{std::string(kStatusError), std::move(v), nullptr}; }
  static ResolveResult NotFound() { return Error(Value::Symbol("not_found")); }
  static ResolveResult Make(std::string_view status, Value v) {
    return ResolveResult{std::string(status), std::move(v), nullptr};
  }
  static ResolveResult Deferred(std::vector<ResolveStep> steps);

  std::string DebugString() const;
};

// {error, {status: S, body: B[, reason: R]}}: the reference's typed error shape, which the HTTP
// layer answers with status S. `reason` is a machine-readable tag (e.g. kInvalidSignatureReason).
ResolveResult ErrorResult(int64_t status, std::string body, std::string reason = "");

// The `reason` of the error result for a message whose commitments do not verify (the
// reference's text, scheduler@1.0). The HTTP layer answers such a result with 422.
inline constexpr char kInvalidSignatureReason[] = "Given message does not correctly validate.";

// The HTTP status a core error maps to: InvalidArgument 400, NotFound 404, DeadlineExceeded 504,
// Unavailable/Closed/Aborted 503, anything else 500.
int HttpStatusOf(const Status& s);

// One element of a resolve_many sequence, and the special forms that the reference
// writes as tuples:
//   kValue    a message, or a bare path (binary/list/integer/atom) that becomes {path: it};
//   kAs       {as, Device, Target}: Target is a message, a path, or an ID (loaded through the
//             resolver's MessageLoader). As the first element it is the base (device swapped);
//             as a later element it is the request whose path is the as-form (stage 1.4).
//   kResolve  {resolve, Steps}: resolved first, its result takes this place.
struct ResolveStep {
  enum class Kind { kValue, kAs, kResolve };
  Kind kind = Kind::kValue;
  Value value;                     // kValue: the message/path; kAs: the target
  Value device;                    // kAs: the device (a name such as "message@1.0", or a Device)
  std::vector<ResolveStep> steps;  // kResolve

  static ResolveStep Of(Value v) { return ResolveStep{Kind::kValue, std::move(v), Value(), {}}; }
  static ResolveStep As(Value device, Value target) {
    return ResolveStep{Kind::kAs, std::move(target), std::move(device), {}};
  }
  static ResolveStep Resolve(std::vector<ResolveStep> steps) {
    return ResolveStep{Kind::kResolve, Value(), Value(), std::move(steps)};
  }
};

inline ResolveResult ResolveResult::Deferred(std::vector<ResolveStep> steps) {
  ResolveResult r;
  r.deferred = std::make_shared<const std::vector<ResolveStep>>(std::move(steps));
  return r;
}

// A device's info map, parsed. Only the atom-keyed entries of the reference count.
struct DeviceInfo {
  std::optional<std::vector<std::string>> exports;  // normalised keys; nullopt: all keys
  std::vector<std::string> excludes;                // normalised keys
  bool has_handler = false;                         // handler: gets every exported key
  std::vector<std::string> handler_excludes;        // map handler {func, excludes}: these keys
                                                    // go to message@1.0 instead
  bool has_default = false;                         // default: gets keys without a function

  // hb_ao_device:is_exported: `info` always; excluded keys never; else in `exports` if given.
  // `key` is compared after NormalizeKey.
  bool IsExported(std::string_view key) const;
};

// Which of a device's functions the resolver chose for a key (stage 5).
enum class FunctionKind {
  kKey,      // the device's own function for the key: f(base, req, opts)
  kHandler,  // info.handler: f(key, base, req, opts)
  kDefault,  // info.default: f(key, base, req, opts)
};

// The arguments of one device call. All references live for the duration of the call only.
// Argument truncation (an arity-1 key function receives just `base`) is the callee's business:
// a function simply ignores what it does not need.
struct DeviceCall {
  FunctionKind kind;
  std::string_view key;         // the key being resolved: the first path segment, as given
  const Message& base;          // top-level keys normalised
  const Message& req;           // top-level keys normalised; req["path"] is this step's path
  const ResolveOptions& opts;   // the caller's options (user keys in opts.user)
  const Resolver& resolver;     // for devices that resolve further (stack@1.0, fixtures)
};

// How a device maps a key to one of its functions (see the header comment).
enum class KeyStyle { kModule, kMap };

// The key as a device of `style` looks it up: kModule replaces '-' by '_' (case kept), kMap
// lower-cases (NormalizeKey; a key that is not valid UTF-8 maps to itself).
std::string DeviceKeyName(KeyStyle style, std::string_view key);

class Device {
 public:
  virtual ~Device() = default;

  // The device's name, e.g. "message@1.0"; "map-device" (or a fixture name) for device maps.
  virtual std::string_view name() const = 0;

  // info(base). The default is an empty info (everything exported, no handler/default).
  // Errors propagate out of the resolution as a typed Status.
  virtual Result<std::shared_ptr<const DeviceInfo>> Info(const Message& base,
                                                         const ResolveOptions& opts) const;

  // Whether the device has its own function for `key` (the raw first path segment), after the
  // device's key mapping. Functions the device cannot call with at most (base, req, opts)
  // count as absent.
  virtual bool HasKey(std::string_view key) const = 0;

  // Calls the function `call.kind` selects: for kKey the device's function for call.key (only
  // called when HasKey(call.key)), for kHandler/kDefault its info handler/default.
  // Returns the {status, value} result; a returned error Status means the function failed (the
  // reference's "raised"), which the engine handles with the `error_strategy` option.
  virtual Result<ResolveResult> Call(const DeviceCall& call) const = 0;
};

using DevicePtr = std::shared_ptr<Device>;

// A device made of C++ functions: the port of an Erlang device module (KeyStyle::kModule) or of
// a device map (KeyStyle::kMap, e.g. test fixtures built from lambdas):
//
//   auto dev = FunctionDevice::Map("ARGS");
//   dev->AddKey("key_using_only_state", [](const DeviceCall& c) -> Result<ResolveResult> {
//     return ResolveResult::Ok(*c.base.Find("state_key"));
//   });
//
// Build it fully before sharing it; after that it is immutable.
class FunctionDevice : public Device {
 public:
  using Fn = std::function<Result<ResolveResult>(const DeviceCall&)>;
  using InfoFn = std::function<Result<std::shared_ptr<const DeviceInfo>>(
      const Message& base, const ResolveOptions& opts)>;

  FunctionDevice(std::string name, KeyStyle style);
  static std::shared_ptr<FunctionDevice> Map(std::string name = "map-device") {
    return std::make_shared<FunctionDevice>(std::move(name), KeyStyle::kMap);
  }
  static std::shared_ptr<FunctionDevice> Module(std::string name) {
    return std::make_shared<FunctionDevice>(std::move(name), KeyStyle::kModule);
  }

  // Builders (not thread-safe; call before the device is shared). Each returns *this.
  // `key` is given as the device names its function: an Erlang-style name ("test_func") for
  // module devices, any spelling for maps (it is lower-cased).
  FunctionDevice& AddKey(std::string_view key, Fn fn);
  FunctionDevice& SetHandler(Fn fn, std::vector<std::string> handler_excludes = {});
  FunctionDevice& SetDefault(Fn fn);
  FunctionDevice& SetExports(std::vector<std::string> exports);
  FunctionDevice& SetExcludes(std::vector<std::string> excludes);
  // Replaces the static info by a function of the base (e.g. stack@1.0's `stack-keys`).
  FunctionDevice& SetInfoFn(InfoFn fn);

  std::string_view name() const override { return name_; }
  Result<std::shared_ptr<const DeviceInfo>> Info(const Message& base,
                                                 const ResolveOptions& opts) const override;
  bool HasKey(std::string_view key) const override;
  Result<ResolveResult> Call(const DeviceCall& call) const override;

  KeyStyle style() const { return style_; }

 private:
  const Fn* FindKey(std::string_view key) const;

  std::string name_;
  KeyStyle style_;
  std::map<std::string, Fn, std::less<>> keys_;
  Fn handler_;
  Fn default_;
  std::shared_ptr<DeviceInfo> info_;
  InfoFn info_fn_;
};

}  // namespace ao
