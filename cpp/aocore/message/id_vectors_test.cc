// Every vector of tests/data/id_vectors.json (the reference's hb_message:id(Msg, none), see
// the file format in tests/data) must give the reference's ID.
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aocore/common/bytes.h"
#include "aocore/message/id.h"
#include "testing/test_util.h"

namespace ao {
namespace {

using nlohmann::json;

struct IdVector {
  std::string name;
  json msg;
  json types;
  std::string id;
};

std::vector<IdVector> LoadVectors() {
  std::ifstream in(std::string(AOCORE_TEST_DATA_DIR) + "/id_vectors.json");
  std::vector<IdVector> out;
  if (!in) return out;
  json doc = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_array()) return out;
  for (const json& v : doc) {
    out.push_back({v.at("name").get<std::string>(), v.at("msg"), v.at("types"),
                   v.at("id").get<std::string>()});
  }
  return out;
}

const std::vector<IdVector>& Vectors() {
  static const std::vector<IdVector> vectors = LoadVectors();
  return vectors;
}

// Builds the value a (msg, types) pair describes. Sets `skip` when the value cannot be
// represented (an integer outside int64).
Value ToValue(const json& msg, const json& types, std::string& skip) {
  if (types.is_object()) {
    Message m;
    for (const auto& [k, v] : msg.items()) m.Set(k, ToValue(v, types.at(k), skip));
    return Value(std::move(m));
  }
  if (types.is_array()) {
    Value::List list;
    for (size_t i = 0; i < msg.size(); ++i) list.push_back(ToValue(msg[i], types[i], skip));
    return Value(std::move(list));
  }
  const std::string tag = types.get<std::string>();
  if (tag == "bin") return Value(msg.get<std::string>());
  if (tag == "b64") return Value(Base64Decode(msg.get<std::string>()).value());
  if (tag == "atom") return Value::Symbol(msg.get<std::string>());
  if (tag == "float") return Value(msg.get<double>());
  if (tag == "int") {
    if (msg.is_number_integer() && !msg.is_number_unsigned()) return Value(msg.get<int64_t>());
    if (msg.is_number_unsigned() &&
        msg.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Value(static_cast<int64_t>(msg.get<uint64_t>()));
    }
    skip = "integer " + msg.dump() + " does not fit in int64 (aocore integers are 64-bit, API.md)";
    return Value();
  }
  ADD_FAILURE() << "unknown type tag " << tag;
  return Value();
}

TEST(IdVectors, FileHasAllSixtyVectors) {
  EXPECT_EQ(Vectors().size(), 60u);
}

class IdVectorTest : public ::testing::TestWithParam<size_t> {};

TEST_P(IdVectorTest, MatchesReferenceId) {
  const IdVector& v = Vectors()[GetParam()];
  std::string skip;
  Value msg = ToValue(v.msg, v.types, skip);
  if (!skip.empty()) GTEST_SKIP() << v.name << ": " << skip;
  ASSERT_TRUE(msg.is_message());
  Result<std::string> id = MessageId(msg.message(), IdMode::kNone);
  ASSERT_OK(id);
  EXPECT_EQ(*id, v.id) << v.name;
  // Without commitments the default mode gives the same ID.
  EXPECT_EQ(MessageId(msg.message()).value(), v.id) << v.name;
}

std::vector<size_t> VectorIndices() {
  std::vector<size_t> out(Vectors().size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = i;
  return out;
}

INSTANTIATE_TEST_SUITE_P(Reference, IdVectorTest, ::testing::ValuesIn(VectorIndices()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return Vectors()[info.param].name;
                         });

}  // namespace
}  // namespace ao
