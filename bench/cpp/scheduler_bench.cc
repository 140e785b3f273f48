// B4 of shared/BENCHMARKS.md: assignments per second through the scheduler registry, with a
// LevelDB store in a temporary directory and every assignment signed by an RSA-4096 node wallet
// (Commit), the configuration a node runs. Compared in bench/workloads.py with the raw RSA-PSS
// signing rate and the raw synced LevelDB batch rate measured in the same run.
//   B4_ScheduleLocal        one process, one caller, local_confirmation as the node runs it
//                           (deterministic salts: the reservation is synced while signing, the
//                           signed assignment written unsynced by the store's deferred-write
//                           thread after the reply; a request to an idle process scheduled
//                           on its caller's thread; process_scheduler.h)
//   B4_ScheduleLocalViaWorker  the same with every request handed to the scheduler's worker
//                           thread and answered back (as before the eleventh pass)
//   B4_ScheduleLocalPlainSignedWrite  the same with the signed write's operations plain (each
//                           reads its path first), as before it kept its content operations
//   B4_ScheduleLocalWriteOnReply  the same with the signed write applied before the reply (not
//                           deferred: SchedulerEnvironment's default, the node's before)
//   B4_ScheduleLocalSyncAfterSigning  the same with a random-salt signer: signing, then the
//                           synced batch (what every local_confirmation reply cost before)
//   B4_ScheduleAggressive   one process, one caller, aggressive (written, not synced)
//   B4_Schedule16Processes  16 processes, one caller thread each scheduling back to back,
//                           local_confirmation (…InRounds: the callers started for rounds of 4
//                           messages each and joined, as measured before the tenth pass;
//                           B4_Schedule16ProcessesAggressive: the same without fsync;
//                           …ViaWorker: every request handed to the worker thread, as before;
//                           …SyncAfterSigning: with a random-salt signer, as before;
//                           …WriteOnReply: the signed write applied before the reply;
//                           …PlainSignedWrite: its operations plain, as before;
//                           …PipelinedWhileSigning: pipelined while the others sign, as before)
//   B4_OneProcess16Callers/helpers:N  one process, 16 caller threads, local_confirmation, the
//                           assignments of each batch signed with N pool helpers (0 = serially
//                           on the scheduler thread; the node uses its pool size)
//   B4_ScheduleUnsigned/sync:N  B4_ScheduleAggressive (0) / Local (1) with a signer that does not
//                           sign: what an assignment costs beyond its signature
//   B4_RawCommit            the denominator of issue 15's scheduling ratios: aocore Commit (one
//                           RSA-4096 signature) of an assignment-sized message, one thread;
//                           /threads:2 two threads at once (what both cores give);
//                           B4_RawCommitDeterministic: the same with the node's deterministic salt
// Counters: cpu_ms/assignment is the CPU time of every thread of the process per assignment;
// sign_cpu_ms the CPU time of one signature (its Commit) on the thread that made it;
// signing_cores the signatures' CPU time per wall-clock second (SigningCores).
// The scheduling work runs on the schedulers' worker threads, so rates are per wall-clock
// second (UseRealTime), and so is B4_RawCommit: a ratio of a wall-clock rate to a CPU-time rate
// (Raw_RsaPssSign4096, B6_Commit) is wrong by the share of the cores other programs take.
#include <atomic>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

#include <benchmark/benchmark.h>

#include "aocore/actor/thread_pool_executor.h"
#include "aocore/common/bytes.h"
#include "aocore/crypto/hash.h"
#include "aocore/crypto/wallet.h"
#include "aocore/message/commitment.h"
#include "aocore/scheduler/assignment.h"
#include "aocore/scheduler/assignment_writes.h"
#include "aocore/scheduler/reservations.h"
#include "aocore/scheduler/scheduler_registry.h"
#include "aocore/store/leveldb_store.h"

namespace {

const ao::Wallet& NodeWallet() {
  static const ao::Wallet* wallet = new ao::Wallet(ao::Wallet::Generate().value());
  return *wallet;
}

// CPU time of the calling thread, in nanoseconds.
int64_t ThreadCpuNs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

// `signing_cores`: the CPU time spent signing (`signature_ns`, summed over the benchmark's
// threads) per wall-clock second, i.e. how many cores were kept signing. Rate / raw rate equals
// it when a signature costs the scheduler what it costs a raw commit alone; the two part when
// both cores signing at once slow each signature down (B4_RawCommit/threads:2 shows by how much).
benchmark::Counter SigningCores(double signature_ns) {
  return benchmark::Counter(signature_ns / 1e9, benchmark::Counter::kIsRate);
}

// The CPU time the signatures took, summed over the threads that made them. Set against the
// process's CPU per assignment it is what the scheduler adds to its signatures; set against a
// raw commit's, what a signature costs while the other core signs too.
struct SignatureCpu {
  std::atomic<int64_t> ns{0};
  std::atomic<int64_t> count{0};
  void Add(int64_t spent_ns) {
    ns.fetch_add(spent_ns, std::memory_order_relaxed);
    count.fetch_add(1, std::memory_order_relaxed);
  }
};

// A LevelDB store in a fresh temporary directory and a registry over it; removed at the end.
// How the assignments are signed: not at all (the cost of scheduling beyond the signature),
// by the node's signer (deterministic salts), or with random salts (no pipelining).
// kNode is wired as Node::Start wires it (the signed write deferred past the reply, a request
// to an idle process scheduled on its caller's thread); kNodeViaWorker: the same with every
// request handed to the scheduler's worker thread (as before the eleventh pass);
// kNodeWriteOnReply: the same with the signed write applied before the reply
// (SchedulerEnvironment::defer_signed_write off). kNodePlainSignedWrite: the node's signer,
// with the unsynced batches (the pipelined signed write) applied as plain operations, each
// reading its path first: the signed write as it was before it kept its content operations.
// kNodePipelinedWhileSigning: the node's signer, pipelined whenever the committer is idle, even
// while other processes' signatures keep every core busy (the rule before it looked at them).
enum class Signing { kNone, kNode, kNodeViaWorker, kNodeWriteOnReply, kNodePlainSignedWrite, kNodePipelinedWhileSigning, kRandomSalt };

// `batch` with its content operations made plain (each reads its path first).
ao::WriteBatch PlainOperations(const ao::WriteBatch& batch) {
  ao::WriteBatch plain;
  for (const ao::WriteBatch::Op& op : batch.ops()) {
    switch (op.kind) {
      case ao::WriteBatch::OpKind::kWrite: plain.Write(op.path, op.data); break;
      case ao::WriteBatch::OpKind::kMakeGroup: plain.MakeGroup(op.path); break;
      case ao::WriteBatch::OpKind::kMakeLink: plain.MakeLink(op.data, op.path); break;
      case ao::WriteBatch::OpKind::kReplaceLink: plain.ReplaceLink(op.data, op.path); break;
      case ao::WriteBatch::OpKind::kDelete: plain.Delete(op.path); break;
      case ao::WriteBatch::OpKind::kMakeNewLink: plain.MakeNewLink(op.data, op.path); break;
      case ao::WriteBatch::OpKind::kWriteNew: plain.WriteNew(op.path, op.data); break;
      case ao::WriteBatch::OpKind::kExpectNoChildren: plain.ExpectNoChildren(op.path, op.data, op.end); break;
    }
  }
  return plain;
}

// Forwards to a store; unsynced batches lose their content flags (kNodePlainSignedWrite).
class PlainUnsyncedWrites final : public ao::Store {
 public:
  explicit PlainUnsyncedWrites(ao::Store& inner) : inner_(inner) {}
  ao::Result<ao::Bytes> Read(std::string_view path) override { return inner_.Read(path); }
  ao::Result<ao::NodeType> Type(std::string_view path) override { return inner_.Type(path); }
  ao::Result<std::vector<std::string>> List(std::string_view path) override { return inner_.List(path); }
  ao::Result<std::vector<std::string>> ScanChildren(std::string_view group, const ao::ScanOptions& o) override {
    return inner_.ScanChildren(group, o);
  }
  ao::Result<std::vector<std::pair<std::string, ao::Bytes>>> ScanValues(std::string_view group,
                                                                      const ao::ScanOptions& o) override {
    return inner_.ScanValues(group, o);
  }
  ao::Result<std::string> Resolve(std::string_view path) override { return inner_.Resolve(path); }
  using ao::Store::Apply;
  ao::Status Apply(const ao::WriteBatch& batch, const ao::WriteOptions& options) override {
    if (options.sync) return inner_.Apply(batch, options);
    return inner_.Apply(PlainOperations(batch), options);
  }
  ao::Status Close() override { return inner_.Close(); }
  std::string Describe() const override { return "plain-unsynced:" + inner_.Describe(); }

 private:
  ao::Store& inner_;
};

class Bed {
 public:
  explicit Bed(ao::SchedulingMode mode, size_t signing_helpers = 0, Signing signing = Signing::kNode) {
    (void)NodeWallet();  // key generation outside the timing
    static std::atomic<int> n{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("aocore-bench-b4-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(dir_);
    auto store = ao::LevelDbStore::Open(dir_.string());
    if (!store.ok()) {
      error_ = store.status().ToString();
      return;
    }
    store_ = std::move(store).value();
    ao::SchedulerEnvironment env;
    env.store = store_.get();
    if (signing == Signing::kNodePlainSignedWrite) {
      plain_ = std::make_unique<PlainUnsyncedWrites>(*store_);
      env.store = plain_.get();
    }
    switch (signing) {
      case Signing::kNode:  // as Node::Start wires it
      case Signing::kNodeViaWorker:
      case Signing::kNodeWriteOnReply:
      case Signing::kNodePlainSignedWrite:
      case Signing::kNodePipelinedWhileSigning:
        env.signer = TimedSigner(ao::SaltMode::kDeterministic);
        env.deterministic_signer = true;
        env.schedule_on_caller = signing != Signing::kNodeViaWorker;
        env.defer_signed_write = signing == Signing::kNode || signing == Signing::kNodeViaWorker || signing == Signing::kNodePipelinedWhileSigning;
        if (signing == Signing::kNodePipelinedWhileSigning) env.cores = std::numeric_limits<size_t>::max();
        break;
      case Signing::kRandomSalt:
        env.signer = TimedSigner(ao::SaltMode::kRandom);
        break;
      case Signing::kNone:
        env.signer = [](ao::Message m) -> ao::Result<ao::Message> { return m; };
        break;
    }
    env.verifier = [](const ao::Message& m) {
      return ao::Verify(m) ? ao::Status::OK() : ao::Status::InvalidArgument("does not verify");
    };
    env.mode = mode;
    if (signing_helpers > 0) {
      pool_ = std::make_unique<ao::ThreadPoolExecutor>(signing_helpers);
      ao::ThreadPoolExecutor* pool = pool_.get();
      env.start_helper = [pool](std::function<void()> task) { return pool->Schedule(std::move(task)).ok(); };
      env.signing_helpers = signing_helpers;
    }
    registry_ = std::make_unique<ao::SchedulerRegistry>(std::move(env));
  }
  ~Bed() {
    registry_.reset();
    if (pool_) {
      pool_->Stop();
      pool_->Join();
    }
    if (store_) (void)store_->Close();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  // False, with the benchmark skipped on the error, when the bed could not be set up.
  bool Ready(benchmark::State& state) const {
    if (error_.empty()) return true;
    state.SkipWithError(error_.c_str());
    return false;
  }
  ao::SchedulerRegistry& registry() { return *registry_; }
  // The signatures made so far: their count and CPU time.
  struct Signatures {
    int64_t count = 0;
    int64_t ns = 0;
  };
  Signatures SignaturesSoFar() const { return Signatures{signature_cpu_->count.load(), signature_cpu_->ns.load()}; }
  // Reports `sign_cpu_ms`, the mean CPU time of the signatures made since `since`, and
  // `signing_cores`, their CPU time per wall-clock second (none: no counters).
  void ReportSignatureCpu(benchmark::State& state) const { ReportSignatureCpu(state, Signatures{}); }
  void ReportSignatureCpu(benchmark::State& state, const Signatures& since) const {
    const Signatures now = SignaturesSoFar();
    const int64_t count = now.count - since.count;
    if (count <= 0) return;
    const double ns = static_cast<double>(now.ns - since.ns);
    state.counters["sign_cpu_ms"] = ns / 1e6 / static_cast<double>(count);
    state.counters["signing_cores"] = SigningCores(ns);
  }

 private:
  // Commits with the node wallet, adding each signature's CPU time to signature_cpu_.
  ao::AssignmentSigner TimedSigner(ao::SaltMode salt) const {
    return [cpu = signature_cpu_, salt](ao::Message m) {
      const int64_t start = ThreadCpuNs();
      auto signed_assignment = ao::Commit(m, NodeWallet(), salt);
      cpu->Add(ThreadCpuNs() - start);
      return signed_assignment;
    };
  }

  std::filesystem::path dir_;
  std::string error_;
  std::unique_ptr<ao::LevelDbStore> store_;
  std::unique_ptr<PlainUnsyncedWrites> plain_;
  std::unique_ptr<ao::ThreadPoolExecutor> pool_;
  std::unique_ptr<ao::SchedulerRegistry> registry_;
  // Shared with the signer, which the registry may still call while it is destroyed.
  std::shared_ptr<SignatureCpu> signature_cpu_ = std::make_shared<SignatureCpu>();
};

// CPU time of the whole process (every thread: callers, schedulers, the committer's writer,
// LevelDB's), in milliseconds. Per assignment it is the figure load does not distort: a wall-clock
// rate on a shared machine also measures what the other programs took.
double ProcessCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

// Context switches of the whole process so far (every thread, the exited ones included),
// voluntary and not. Each is a thread put to sleep or woken, the hand-offs that can leave a core
// idle while a woken thread waits behind a signature.
int64_t ProcessContextSwitches() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_nvcsw) + static_cast<int64_t>(usage.ru_nivcsw);
}

// What a benchmark's CPU and context switches are counted from.
struct ProcessUsage {
  double cpu_ms = ProcessCpuMs();
  int64_t switches = ProcessContextSwitches();
};

// Reports `cpu_ms/assignment` and `switches/assignment`: the process's CPU time and context
// switches since `start`, over `items`.
void ReportUsagePerItem(benchmark::State& state, const ProcessUsage& start, int64_t items) {
  if (items <= 0) return;
  state.counters["cpu_ms/assignment"] = (ProcessCpuMs() - start.cpu_ms) / static_cast<double>(items);
  state.counters["switches/assignment"] =
      static_cast<double>(ProcessContextSwitches() - start.switches) / static_cast<double>(items);
}

std::string RandomPid() { return ao::Base64UrlEncode(ao::RandomBytes(32)); }

// The processes of the 16-process benchmarks.
constexpr int kProcesses = 16;
std::vector<std::string> RandomPids() {
  std::vector<std::string> pids;
  for (int p = 0; p < kProcesses; ++p) pids.push_back(RandomPid());
  return pids;
}

ao::Message Msg(const std::string& pid, int64_t i) {
  return ao::Message{{"type", "Message"},
                     {"target", ao::Value(pid)},
                     {"action", "Eval"},
                     {"index", ao::Value(i)},
                     {"data", ao::Value(std::string(256, 'd'))}};
}

void ScheduleOneProcess(benchmark::State& state, ao::SchedulingMode mode, Signing signing = Signing::kNode) {
  Bed bed(mode, 0, signing);
  if (!bed.Ready(state)) return;
  const std::string pid = RandomPid();
  int64_t i = 0;
  const ProcessUsage usage;
  for (auto _ : state) {
    auto a = bed.registry().Schedule(pid, Msg(pid, i++));
    if (!a.ok()) {
      state.SkipWithError(a.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(a);
  }
  ReportUsagePerItem(state, usage, state.iterations());
  bed.ReportSignatureCpu(state);
  state.SetItemsProcessed(state.iterations());
}

void B4_ScheduleLocal(benchmark::State& state) { ScheduleOneProcess(state, ao::SchedulingMode::kLocalConfirmation); }
BENCHMARK(B4_ScheduleLocal)->UseRealTime()->Unit(benchmark::kMillisecond);

void B4_ScheduleLocalViaWorker(benchmark::State& state) {
  ScheduleOneProcess(state, ao::SchedulingMode::kLocalConfirmation, Signing::kNodeViaWorker);
}
BENCHMARK(B4_ScheduleLocalViaWorker)->UseRealTime()->Unit(benchmark::kMillisecond);

void B4_ScheduleLocalSyncAfterSigning(benchmark::State& state) {
  ScheduleOneProcess(state, ao::SchedulingMode::kLocalConfirmation, Signing::kRandomSalt);
}
BENCHMARK(B4_ScheduleLocalSyncAfterSigning)->UseRealTime()->Unit(benchmark::kMillisecond);

void B4_ScheduleLocalPlainSignedWrite(benchmark::State& state) {
  ScheduleOneProcess(state, ao::SchedulingMode::kLocalConfirmation, Signing::kNodePlainSignedWrite);
}
BENCHMARK(B4_ScheduleLocalPlainSignedWrite)->UseRealTime()->Unit(benchmark::kMillisecond);

void B4_ScheduleLocalWriteOnReply(benchmark::State& state) {
  ScheduleOneProcess(state, ao::SchedulingMode::kLocalConfirmation, Signing::kNodeWriteOnReply);
}
BENCHMARK(B4_ScheduleLocalWriteOnReply)->UseRealTime()->Unit(benchmark::kMillisecond);

void B4_ScheduleAggressive(benchmark::State& state) { ScheduleOneProcess(state, ao::SchedulingMode::kAggressive); }
BENCHMARK(B4_ScheduleAggressive)->UseRealTime()->Unit(benchmark::kMillisecond);

// Everything but the signature: the fixed cost per assignment (IDs, hash chain, the thread
// hand-offs, the store batch; /1 with its fsync).
void B4_ScheduleUnsigned(benchmark::State& state) {
  ScheduleOneProcess(state, state.range(0) ? ao::SchedulingMode::kLocalConfirmation : ao::SchedulingMode::kAggressive,
                     Signing::kNone);
}
BENCHMARK(B4_ScheduleUnsigned)->ArgName("sync")->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMicrosecond);

// 16 processes, each with one caller that schedules its messages back to back for the whole run,
// independent of the others (a node's clients). The callers start before the timing and run
// through it; one iteration is the next kPerIteration assignments completed, so no iteration
// boundary stops a caller or leaves a core without work. (Google Benchmark's ->Threads(16) does
// not measure this: its rate uses the mean of the threads' own times, each stopped when that
// thread is done, which overstates it by how far apart they finish.)
void Schedule16Processes(benchmark::State& state, ao::SchedulingMode mode, Signing signing = Signing::kNode) {
  constexpr int64_t kPerIteration = 64;
  Bed bed(mode, 0, signing);
  if (!bed.Ready(state)) return;
  const std::vector<std::string> pids = RandomPids();
  std::mutex mu;
  std::condition_variable progressed;
  int64_t completed = 0;
  int64_t wanted = std::numeric_limits<int64_t>::max();
  bool stop = false;
  std::string failure;
  std::vector<std::thread> callers;
  for (int p = 0; p < kProcesses; ++p) {
    callers.emplace_back([&, p] {
      for (int64_t k = 0;; ++k) {
        {
          std::lock_guard<std::mutex> lock(mu);
          if (stop || !failure.empty()) return;
        }
        auto a = bed.registry().Schedule(pids[p], Msg(pids[p], k));
        bool wake = false;
        {
          std::lock_guard<std::mutex> lock(mu);
          if (!a.ok() && failure.empty()) failure = a.status().ToString();
          ++completed;
          wake = completed >= wanted || !failure.empty();
        }
        if (wake) progressed.notify_one();
      }
    });
  }
  std::unique_lock<std::mutex> lock(mu);
  wanted = kPerIteration;  // warm-up, untimed: every process has its scheduler, its store warm
  progressed.wait(lock, [&] { return completed >= wanted || !failure.empty(); });
  lock.unlock();
  // Counted from the first iteration's start to the last one's end, as the timing is.
  int64_t first = -1;
  int64_t last = 0;
  const ProcessUsage usage;
  const Bed::Signatures signatures = bed.SignaturesSoFar();
  for (auto _ : state) {
    lock.lock();
    if (first < 0) first = completed;
    wanted = completed + kPerIteration;
    progressed.wait(lock, [&] { return completed >= wanted || !failure.empty(); });
    last = completed;
    const bool failed = !failure.empty();
    lock.unlock();
    if (failed) {
      state.SkipWithError(failure.c_str());
      break;
    }
  }
  const int64_t items = first < 0 ? 0 : last - first;
  ReportUsagePerItem(state, usage, items);
  bed.ReportSignatureCpu(state, signatures);
  state.SetItemsProcessed(items);
  lock.lock();
  stop = true;
  lock.unlock();
  for (std::thread& t : callers) t.join();
}

// B4_Schedule16ProcessesInRounds, how the 16-process figure was measured before the tenth pass
// (docs/benchmarks.md): one iteration is a round in which 16 threads, started for it, each
// schedule kPerThread messages on their own process, then are joined. Each round ends on its
// slowest process: while the last processes finish, fewer than two have work, and a core
// waits; a node's clients neither start afresh nor wait for each other.
void Schedule16ProcessesInRounds(benchmark::State& state, ao::SchedulingMode mode, Signing signing = Signing::kNode) {
  constexpr int kPerThread = 4;
  Bed bed(mode, 0, signing);
  if (!bed.Ready(state)) return;
  const std::vector<std::string> pids = RandomPids();
  std::atomic<bool> failed{false};
  std::string failure;
  int64_t round = 0;
  const ProcessUsage usage;
  for (auto _ : state) {
    std::vector<std::thread> threads;
    for (int p = 0; p < kProcesses; ++p) {
      threads.emplace_back([&, p] {
        for (int k = 0; k < kPerThread; ++k) {
          auto a = bed.registry().Schedule(pids[p], Msg(pids[p], round * kPerThread + k));
          if (!a.ok() && !failed.exchange(true)) failure = a.status().ToString();
        }
      });
    }
    for (std::thread& t : threads) t.join();
    ++round;
    if (failed) {
      state.SkipWithError(failure.c_str());
      break;
    }
  }
  ReportUsagePerItem(state, usage, state.iterations() * kProcesses * kPerThread);
  bed.ReportSignatureCpu(state);
  state.SetItemsProcessed(state.iterations() * kProcesses * kPerThread);
}
void B4_Schedule16Processes(benchmark::State& state) {
  Schedule16Processes(state, ao::SchedulingMode::kLocalConfirmation);
}
BENCHMARK(B4_Schedule16Processes)->UseRealTime()->Unit(benchmark::kMillisecond);

void B4_Schedule16ProcessesInRounds(benchmark::State& state) {
  Schedule16ProcessesInRounds(state, ao::SchedulingMode::kLocalConfirmation);
}
BENCHMARK(B4_Schedule16ProcessesInRounds)->UseRealTime()->Unit(benchmark::kMillisecond);

void B4_Schedule16ProcessesViaWorker(benchmark::State& state) {
  Schedule16Processes(state, ao::SchedulingMode::kLocalConfirmation, Signing::kNodeViaWorker);
}
BENCHMARK(B4_Schedule16ProcessesViaWorker)->UseRealTime()->Unit(benchmark::kMillisecond);

void B4_Schedule16ProcessesSyncAfterSigning(benchmark::State& state) {
  Schedule16Processes(state, ao::SchedulingMode::kLocalConfirmation, Signing::kRandomSalt);
}
BENCHMARK(B4_Schedule16ProcessesSyncAfterSigning)->UseRealTime()->Unit(benchmark::kMillisecond);

void B4_Schedule16ProcessesPlainSignedWrite(benchmark::State& state) {
  Schedule16Processes(state, ao::SchedulingMode::kLocalConfirmation, Signing::kNodePlainSignedWrite);
}
BENCHMARK(B4_Schedule16ProcessesPlainSignedWrite)->UseRealTime()->Unit(benchmark::kMillisecond);

void B4_Schedule16ProcessesWriteOnReply(benchmark::State& state) {
  Schedule16Processes(state, ao::SchedulingMode::kLocalConfirmation, Signing::kNodeWriteOnReply);
}
BENCHMARK(B4_Schedule16ProcessesWriteOnReply)->UseRealTime()->Unit(benchmark::kMillisecond);

void B4_Schedule16ProcessesPipelinedWhileSigning(benchmark::State& state) {
  Schedule16Processes(state, ao::SchedulingMode::kLocalConfirmation, Signing::kNodePipelinedWhileSigning);
}
BENCHMARK(B4_Schedule16ProcessesPipelinedWhileSigning)->UseRealTime()->Unit(benchmark::kMillisecond);

// The same without fsync (aggressive): how much the synced writes bound the figure above.
void B4_Schedule16ProcessesAggressive(benchmark::State& state) {
  Schedule16Processes(state, ao::SchedulingMode::kAggressive);
}
BENCHMARK(B4_Schedule16ProcessesAggressive)->UseRealTime()->Unit(benchmark::kMillisecond);

// One iteration: 16 threads each schedule kPerThread messages on the same process, so the
// scheduler's batches hold many assignments to sign.
void B4_OneProcess16Callers(benchmark::State& state) {
  constexpr int kCallers = 16;
  constexpr int kPerThread = 4;
  Bed bed(ao::SchedulingMode::kLocalConfirmation, static_cast<size_t>(state.range(0)));
  if (!bed.Ready(state)) return;
  const std::string pid = RandomPid();
  std::atomic<bool> failed{false};
  std::atomic<int64_t> index{0};
  std::string failure;
  for (auto _ : state) {
    std::vector<std::thread> threads;
    for (int c = 0; c < kCallers; ++c) {
      threads.emplace_back([&] {
        for (int k = 0; k < kPerThread; ++k) {
          auto a = bed.registry().Schedule(pid, Msg(pid, index++));
          if (!a.ok() && !failed.exchange(true)) failure = a.status().ToString();
        }
      });
    }
    for (std::thread& t : threads) t.join();
    if (failed) {
      state.SkipWithError(failure.c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kCallers * kPerThread);
}
BENCHMARK(B4_OneProcess16Callers)->ArgName("helpers")->Arg(0)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// What one assignment must cost at least: its one Commit (RSA-4096 signature), in wall-clock
// time like the B4 figures it divides.
void RawCommit(benchmark::State& state, ao::SaltMode salt) {
  const ao::Wallet& wallet = NodeWallet();
  const std::string pid = RandomPid();
  const std::string chain = RandomPid();
  int64_t i = 0;
  int64_t signature_ns = 0;
  for (auto _ : state) {
    ao::AssignmentFields fields;
    fields.process_id = pid;
    fields.slot = i;
    fields.timestamp_ms = 1700000000000 + i;
    fields.hash_chain = chain;
    fields.body = Msg(pid, i++);
    const ao::Message unsigned_assignment = ao::BuildAssignment(fields);
    const int64_t start = ThreadCpuNs();
    auto signed_assignment = ao::Commit(unsigned_assignment, wallet, salt);
    signature_ns += ThreadCpuNs() - start;
    if (!signed_assignment.ok()) {
      state.SkipWithError(signed_assignment.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(signed_assignment);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.iterations() > 0) {
    state.counters["sign_cpu_ms"] = benchmark::Counter(static_cast<double>(signature_ns) / 1e6 / state.iterations(),
                                                       benchmark::Counter::kAvgThreads);
    state.counters["signing_cores"] = SigningCores(static_cast<double>(signature_ns));
  }
}
// The store work a pipelined assignment does on its reply's path, after its signature: building
// the signed assignment's writes (its record and links, assignment_writes.h) and the unsynced
// Apply (LevelDB), per assignment. /plain:1 applies those operations as plain ones
// (each reads its path first), as before the signed write kept its content operations. The
// assignments are signed (RSA-4096, deterministic salts) before the timing.
void B4_SignedWrite(benchmark::State& state) {
  constexpr int kAssignments = 200;
  const bool plain = state.range(0) != 0;
  const ao::Wallet& wallet = NodeWallet();
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("aocore-bench-b4w-" + std::to_string(::getpid()) + (plain ? "-p" : "-c"));
  std::filesystem::remove_all(dir);
  auto opened = ao::LevelDbStore::Open(dir.string());
  if (!opened.ok()) {
    state.SkipWithError(opened.status().ToString().c_str());
    return;
  }
  std::unique_ptr<ao::LevelDbStore> store = std::move(opened).value();
  const std::string pid = RandomPid();
  std::vector<ao::Message> unsigned_assignments, signed_assignments;
  for (int i = 0; i < kAssignments; ++i) {
    ao::AssignmentFields fields;
    fields.process_id = pid;
    fields.slot = i;
    fields.timestamp_ms = 1700000000000 + i;
    fields.hash_chain = RandomPid();
    fields.body = Msg(pid, i);
    unsigned_assignments.push_back(ao::BuildAssignment(fields));
    auto signed_assignment = ao::Commit(unsigned_assignments.back(), wallet, ao::SaltMode::kDeterministic);
    if (!signed_assignment.ok()) {
      state.SkipWithError(signed_assignment.status().ToString().c_str());
      return;
    }
    signed_assignments.push_back(std::move(signed_assignment).value());
  }
  size_t next = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const size_t i = next++ % kAssignments;
    if (i == 0 && next > 1) break;  // every assignment is stored once
    // The reservation, written while the assignment is signed.
    ao::WriteBatch reservation;
    (void)ao::AddReservation(unsigned_assignments[i], &reservation);
    (void)store->Apply(reservation, ao::WriteOptions{});
    state.ResumeTiming();
    ao::WriteBatch rest;
    auto added = ao::AddAssignmentToBatch(*store, signed_assignments[i], false, &rest);
    if (!added.ok()) {
      state.SkipWithError(added.status().ToString().c_str());
      break;
    }
    rest.Delete(ao::ReservationPath(pid, i));
    if (plain) rest = PlainOperations(rest);
    ao::Status applied = store->Apply(rest, ao::WriteOptions{});
    if (!applied.ok()) {
      state.SkipWithError(applied.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  (void)store->Close();
  store.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(B4_SignedWrite)->ArgName("plain")->Arg(0)->Arg(1)->Iterations(199)->Unit(benchmark::kMicrosecond);

void B4_RawCommit(benchmark::State& state) { RawCommit(state, ao::SaltMode::kRandom); }
BENCHMARK(B4_RawCommit)->UseRealTime()->Unit(benchmark::kMillisecond);
// The node's signer (deterministic salt): the same cost, so B4_RawCommit stays the denominator.
void B4_RawCommitDeterministic(benchmark::State& state) { RawCommit(state, ao::SaltMode::kDeterministic); }
BENCHMARK(B4_RawCommitDeterministic)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(B4_RawCommit)->Threads(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
