#include "aocore/wasm/module_interface.h"

#include <cstring>

namespace ao::wasm {
namespace {

// A bounds-checked reader over the binary; any failure latches `ok` to false.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ >= data_.size(); }
  size_t pos() const { return pos_; }

  uint8_t Byte() {
    if (pos_ >= data_.size()) return Fail(), 0;
    return static_cast<uint8_t>(data_[pos_++]);
  }
  uint64_t Leb() {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const uint8_t b = Byte();
      if (!ok_) return 0;
      result |= uint64_t{b & 0x7Fu} << shift;
      if (!(b & 0x80)) return result;
    }
    return Fail(), 0;
  }
  std::string_view Bytes(uint64_t n) {
    if (n > data_.size() - pos_) return Fail(), std::string_view();
    std::string_view out = data_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::string Name() { return std::string(Bytes(Leb())); }
  void Fail() {
    ok_ = false;
    pos_ = data_.size();
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

char Letter(uint8_t type) {
  switch (type) {
    case 0x7F: return 'i';
    case 0x7E: return 'I';
    case 0x7D: return 'f';
    case 0x7C: return 'F';
    default: return 'x';
  }
}

// limits: flags (bit 0 max present, bit 2 memory64), min, [max]
MemoryInterface ReadMemoryLimits(Reader& r) {
  const uint8_t flags = r.Byte();
  MemoryInterface m;
  m.is_64 = flags & 0x04;
  m.min_pages = r.Leb();
  if (flags & 0x01) m.max_pages = r.Leb();
  if (flags & 0x08) r.Leb();  // custom page size exponent
  return m;
}

void SkipTableType(Reader& r) {
  r.Byte();  // reference type
  const uint8_t flags = r.Byte();
  r.Leb();
  if (flags & 0x01) r.Leb();
}

}  // namespace

const ModuleItem* ModuleInterface::FindExport(std::string_view name) const {
  for (const ModuleItem& item : exports) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

Result<ModuleInterface> ParseModuleInterface(std::string_view wasm) {
  if (wasm.size() < 8 || std::memcmp(wasm.data(), "\0asm\x01\0\0\0", 8) != 0) {
    return Status::InvalidArgument("invalid WebAssembly module: not a version-1 wasm binary");
  }
  Reader r(wasm.substr(8));
  std::vector<Signature> types;
  std::vector<uint32_t> function_types;  // type index of each function (imports first)
  std::vector<MemoryInterface> memories;  // imported first
  // (position in out.exports, function index) of each function export, resolved once every
  // section is read: a lookup by name per export was quadratic in the export count.
  std::vector<std::pair<size_t, uint32_t>> func_exports;
  ModuleInterface out;
  std::optional<uint64_t> memory_export;
  while (!r.done() && r.ok()) {
    const uint8_t id = r.Byte();
    Reader s(r.Bytes(r.Leb()));
    if (!r.ok()) break;
    switch (id) {
      case 1: {  // types
        for (uint64_t n = s.Leb(), i = 0; i < n && s.ok(); ++i) {
          if (s.Byte() != 0x60) {  // not a plain function type (GC/rec groups): not an AO module
            s.Fail();
            break;
          }
          Signature sig;
          for (uint64_t k = s.Leb(), j = 0; j < k && s.ok(); ++j) sig.params.push_back(Letter(s.Byte()));
          for (uint64_t k = s.Leb(), j = 0; j < k && s.ok(); ++j) sig.results.push_back(Letter(s.Byte()));
          types.push_back(std::move(sig));
        }
        break;
      }
      case 2: {  // imports
        for (uint64_t n = s.Leb(), i = 0; i < n && s.ok(); ++i) {
          ModuleItem item;
          item.module = s.Name();
          item.name = s.Name();
          switch (s.Byte()) {
            case 0x00: {
              const uint64_t t = s.Leb();
              if (t >= types.size()) return Status::InvalidArgument("invalid WebAssembly module: bad type index");
              item.is_function = true;
              item.signature = types[t];
              function_types.push_back(static_cast<uint32_t>(t));
              break;
            }
            case 0x01: SkipTableType(s); break;
            case 0x02: memories.push_back(ReadMemoryLimits(s)); break;
            case 0x03: s.Byte(), s.Byte(); break;  // global: value type, mutability
            case 0x04: s.Byte(), s.Leb(); break;   // tag
            default: s.Fail(); break;
          }
          out.imports.push_back(std::move(item));
        }
        break;
      }
      case 3: {  // functions
        for (uint64_t n = s.Leb(), i = 0; i < n && s.ok(); ++i) function_types.push_back(static_cast<uint32_t>(s.Leb()));
        break;
      }
      case 5: {  // memories
        for (uint64_t n = s.Leb(), i = 0; i < n && s.ok(); ++i) memories.push_back(ReadMemoryLimits(s));
        break;
      }
      case 7: {  // exports
        for (uint64_t n = s.Leb(), i = 0; i < n && s.ok(); ++i) {
          ModuleItem item;
          item.name = s.Name();
          const uint8_t kind = s.Byte();
          const uint64_t index = s.Leb();
          if (kind == 0x00) {
            item.is_function = true;
            func_exports.emplace_back(out.exports.size(), static_cast<uint32_t>(index));
          }
          if (kind == 0x02 && item.name == "memory") memory_export = index;
          out.exports.push_back(std::move(item));
        }
        break;
      }
      default:
        break;
    }
    if (!s.ok()) return Status::InvalidArgument("invalid WebAssembly module: malformed section " + std::to_string(id));
  }
  if (!r.ok()) return Status::InvalidArgument("invalid WebAssembly module: truncated section");
  for (const auto& [position, index] : func_exports) {
    if (index < function_types.size() && function_types[index] < types.size()) {
      out.exports[position].signature = types[function_types[index]];
    }
  }
  if (memory_export && *memory_export < memories.size()) out.memory = memories[*memory_export];
  return out;
}

std::string DescribeSignature(const Signature& signature) {
  auto list = [](const std::string& letters) {
    std::string out = "(";
    for (size_t i = 0; i < letters.size(); ++i) {
      if (i) out += ",";
      switch (letters[i]) {
        case 'i': out += "i32"; break;
        case 'I': out += "i64"; break;
        case 'f': out += "f32"; break;
        case 'F': out += "f64"; break;
        default: out += "?"; break;
      }
    }
    return out + ")";
  };
  return list(signature.params) + "->" + list(signature.results);
}

}  // namespace ao::wasm
