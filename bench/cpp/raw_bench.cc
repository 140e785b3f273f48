// The physical limits the workloads are measured against, taken in the same run:
// raw RSA-4096 PSS/SHA-512 signing with OpenSSL, and LevelDB batch writes (sync and not).
#include <filesystem>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

namespace {

EVP_PKEY* Rsa4096() {
  static EVP_PKEY* key = [] {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr);
    EVP_PKEY* k = nullptr;
    EVP_PKEY_keygen_init(ctx);
    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 4096);
    EVP_PKEY_keygen(ctx, &k);
    EVP_PKEY_CTX_free(ctx);
    return k;
  }();
  return key;
}

void Raw_RsaPssSign4096(benchmark::State& state) {
  EVP_PKEY* key = Rsa4096();
  std::string data(512, 'x');
  unsigned char sig[1024];
  for (auto _ : state) {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    EVP_DigestSignInit(md, &pctx, EVP_sha512(), nullptr, key);
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
    size_t len = sizeof sig;
    EVP_DigestSign(md, sig, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    EVP_MD_CTX_free(md);
    benchmark::DoNotOptimize(sig);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(Raw_RsaPssSign4096)->Unit(benchmark::kMillisecond);

void Raw_LevelDbBatch(benchmark::State& state) {
  bool sync = state.range(0) != 0;
  auto dir = std::filesystem::temp_directory_path() / ("aocore-bench-ldb-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  leveldb::Options options;
  options.create_if_missing = true;
  leveldb::DB* raw = nullptr;
  if (!leveldb::DB::Open(options, dir.string(), &raw).ok()) {
    state.SkipWithError("cannot open LevelDB");
    return;
  }
  std::unique_ptr<leveldb::DB> db(raw);
  leveldb::WriteOptions wo;
  wo.sync = sync;
  std::string value(200, 'v');
  int64_t i = 0;
  for (auto _ : state) {
    leveldb::WriteBatch batch;
    batch.Put("assignment/" + std::to_string(i), value);
    batch.Put("message/" + std::to_string(i), value);
    batch.Put("latest", std::to_string(i));
    db->Write(wo, &batch);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  db.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(Raw_LevelDbBatch)->Arg(1)->Arg(0)->ArgName("sync");

}  // namespace
