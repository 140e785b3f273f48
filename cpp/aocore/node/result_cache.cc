#include "aocore/node/result_cache.h"

#include <optional>

#include "aocore/message/hashpath.h"
#include "aocore/store/write_batch.h"

namespace ao {
namespace {

struct Directives {
  std::optional<bool> store, lookup;
  bool only_if_cached = false;
};

void AddDirective(std::string d, Directives& out, bool& always) {
  size_t b = d.find_first_not_of(" \t"), e = d.find_last_not_of(" \t");
  if (b == std::string::npos) return;
  d = d.substr(b, e - b + 1);
  for (char& c : d) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (d == "always") always = true;
  else if (d == "no-store") out.store = false;
  else if (d == "store") out.store = true;
  else if (d == "no-cache") out.lookup = false;
  else if (d == "cache") out.lookup = true;
  else if (d == "only-if-cached") out.only_if_cached = true;
}

Directives Parse(const Value* v) {
  Directives out;
  if (!v) return out;
  bool always = false;
  auto add_binary = [&](const Bytes& text) {
    size_t start = 0;
    while (start <= text.size()) {
      size_t comma = text.find(',', start);
      if (comma == std::string::npos) comma = text.size();
      AddDirective(text.substr(start, comma - start), out, always);
      start = comma + 1;
    }
  };
  if (v->is_binary()) add_binary(v->binary());
  else if (v->is_list()) {
    for (const Value& e : v->list()) {
      if (e.is_binary()) add_binary(e.binary());
      else if (e.is_atom()) AddDirective(e.atom().name, out, always);
    }
  } else if (v->is_atom()) {
    AddDirective(v->atom().name, out, always);
  }
  if (always) {
    out.store = true;
    out.lookup = true;
  }
  return out;
}

const Value* CacheControlOf(const Message* m) { return m ? m->Find("cache-control") : nullptr; }

Message MissError() {
  Message m;
  m.Set("status", 504);
  m.Set("cache-status", "miss");
  m.Set("body", "Computed result not available in cache.");
  return m;
}

std::string CachePath(const std::string& hashpath) { return "resolved/" + hashpath; }

}  // namespace

CacheSettings EffectiveCacheSettings(const Message& base, const Message& req, const Message* result,
                                     const ResolveOptions& opts) {
  Directives from_opts = Parse(opts.cache_control.is_null() ? nullptr : &opts.cache_control);
  Directives from_base = Parse(CacheControlOf(&base));
  Directives from_req = Parse(CacheControlOf(&req));
  Directives from_result = Parse(CacheControlOf(result));
  CacheSettings s;
  s.lookup = from_opts.lookup.value_or(from_base.lookup.value_or(from_req.lookup.value_or(false)));
  s.store = from_opts.store.value_or(from_result.store.value_or(from_req.store.value_or(false)));
  s.only_if_cached = from_opts.only_if_cached || from_base.only_if_cached || from_req.only_if_cached;
  if (opts.hashpath == HashpathMode::kIgnore) s.store = false;
  return s;
}

Result<std::optional<ResolveResult>> ResultCache::Lookup(const Message& base, const Message& req,
                                                         const ResolveOptions& opts) const {
  CacheSettings s = EffectiveCacheSettings(base, req, nullptr, opts);
  if (!s.lookup) return std::optional<ResolveResult>();
  AO_ASSIGN_OR_RETURN(std::string hashpath, NextHashpath(base, req));
  Result<Value> cached = content_->Read(CachePath(hashpath));
  if (cached.ok()) {
    Value v = std::move(cached).value();
    if (v.is_message()) {
      Message m = v.message();
      if (const Message* priv = m.FindMessage("priv"); priv && priv->Contains("hashpath")) {
        Message p = *priv;
        p.Erase("hashpath");
        m.Set("priv", Value(std::move(p)));
      }
      v = Value(std::move(m));
    }
    return std::optional<ResolveResult>(ResolveResult::Ok(std::move(v)));
  }
  if (!cached.status().IsNotFound()) return cached.status();
  if (s.only_if_cached) return std::optional<ResolveResult>(ResolveResult::Error(Value(MissError())));
  return std::optional<ResolveResult>();
}

Status ResultCache::Store(const Message& base, const Message& req, const ResolveResult& result,
                          const ResolveOptions& opts) const {
  const Message* result_msg = result.value.is_message() ? &result.value.message() : nullptr;
  CacheSettings s = EffectiveCacheSettings(base, req, result_msg, opts);
  if (!s.store) return Status::OK();
  AO_ASSIGN_OR_RETURN(std::string hashpath, NextHashpath(base, req));
  WriteBatch batch;
  AO_RETURN_IF_ERROR(content_->AddToBatch(base, &batch).status());
  AO_RETURN_IF_ERROR(content_->AddToBatch(req, &batch).status());
  AO_ASSIGN_OR_RETURN(std::string id, content_->AddValueToBatch(result.value, &batch));
  batch.MakeLink(id, CachePath(hashpath));  // first writer wins: a result is never rewritten
  return store_->Apply(batch);
}

}  // namespace ao
