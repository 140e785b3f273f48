#include "aocore/scheduler/process_scheduler.h"

#include <pthread.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "aocore/common/logging.h"
#include "aocore/common/parallel_for.h"
#include "aocore/message/commitment.h"
#include "aocore/message/id.h"
#include "aocore/scheduler/assignment_writes.h"
#include "aocore/scheduler/reservations.h"
#include "aocore/store/keys.h"

namespace ao {
namespace {

const std::shared_ptr<spdlog::logger>& Log() {
  static const std::shared_ptr<spdlog::logger> logger = Logger("scheduler");
  return logger;
}

bool HasCommitments(const Message& message) {
  const Message* commitments = message.FindMessage("commitments");
  return commitments != nullptr && !commitments->empty();
}

// The signer must not change what the assignment says.
Status CheckSigned(const Message& signed_assignment, const AssignmentFields& fields) {
  Result<ParsedAssignment> parsed = ParseAssignment(signed_assignment);
  if (!parsed.ok() || parsed->slot != fields.slot || parsed->hash_chain != fields.hash_chain ||
      parsed->process_id != fields.process_id || parsed->timestamp_ms != fields.timestamp_ms) {
    return Status::Internal("the signer changed the assignment" +
                            (parsed.ok() ? std::string() : ": " + parsed.status().ToString()));
  }
  return Status::OK();
}

}  // namespace

ProcessScheduler::ProcessScheduler(std::string process_id, const SchedulerEnvironment& env)
    : process_id_(std::move(process_id)),
      env_(env),
      content_(*env.store),
      assignments_(*env.store, content_) {}

Result<std::unique_ptr<ProcessScheduler>> ProcessScheduler::Create(
    std::string process_id, const SchedulerEnvironment& env) {
  if (env.store == nullptr) return Status::InvalidArgument("scheduler needs a store");
  if (!env.signer) return Status::InvalidArgument("scheduler needs an assignment signer");
  if (env.mode == SchedulingMode::kRemoteConfirmation && !env.uploader) {
    return Status::InvalidArgument("remote_confirmation needs an uploader");
  }
  if (env.max_batch == 0) return Status::InvalidArgument("max_batch must be positive");
  if (process_id.size() != 43 || !IsIdShaped(process_id)) {
    return Status::InvalidArgument("process ID must be a 43-character ID, got '" + process_id +
                                   "'");
  }
  SchedulerEnvironment with_shared = env;
  if (!with_shared.committer) with_shared.committer = std::make_shared<GroupCommitter>(*env.store);
  if (!with_shared.groups_signing) with_shared.groups_signing = std::make_shared<std::atomic<size_t>>(0);
  if (with_shared.cores == 0) with_shared.cores = std::max(1u, std::thread::hardware_concurrency());
  std::unique_ptr<ProcessScheduler> scheduler(new ProcessScheduler(std::move(process_id), with_shared));
  Result<std::optional<LatestAssignment>> latest =
      scheduler->assignments_.Latest(scheduler->process_id_);
  if (!latest.ok()) {
    return latest.status().WithContext("recovering the schedule of " + scheduler->process_id_);
  }
  if (latest->has_value()) scheduler->current_slot_ = static_cast<int64_t>((*latest)->slot);
  if (Status recovered = scheduler->RecoverReservations(); !recovered.ok()) {
    return recovered.WithContext("recovering the reserved assignments of " + scheduler->process_id_);
  }
  latest = scheduler->assignments_.Latest(scheduler->process_id_);
  if (!latest.ok()) {
    return latest.status().WithContext("recovering the schedule of " + scheduler->process_id_);
  }
  if (latest->has_value()) {
    const LatestAssignment& l = **latest;
    Result<HashChain> chain = HashChain::FromStored(l.hash_chain);
    if (!chain.ok()) {
      return chain.status().WithContext("recovering the schedule of " + scheduler->process_id_);
    }
    scheduler->current_slot_ = static_cast<int64_t>(l.slot);
    scheduler->chain_ = std::move(chain).value();
    scheduler->last_timestamp_ms_ = l.timestamp_ms;
  }
  scheduler->committed_slot_.store(scheduler->current_slot_, std::memory_order_release);
  Log()->debug("scheduler for {} started at slot {} ({})", scheduler->process_id_,
               scheduler->current_slot_, SchedulingModeName(env.mode));
  return scheduler;
}

Status ProcessScheduler::RecoverReservations() {
  AO_ASSIGN_OR_RETURN(std::vector<Reservation> reservations, ReadReservations(*env_.store, process_id_));
  if (reservations.empty()) return Status::OK();
  WriteBatch batch;
  int64_t highest = current_slot_;
  int64_t previous_slot = -1;  // the last reservation stored by this batch
  std::string previous_chain;
  size_t restored = 0;
  for (const Reservation& r : reservations) {
    batch.Delete(ReservationPath(process_id_, r.slot));
    const std::string slot_text = std::to_string(r.slot);
    AO_ASSIGN_OR_RETURN(NodeType stored, env_.store->Type(AssignmentPath(process_id_, r.slot)));
    if (stored != NodeType::kNotFound) continue;  // its signed write survived
    Result<ParsedAssignment> parsed = ParseAssignment(r.assignment);
    if (!parsed.ok() || parsed->process_id != process_id_ || parsed->slot != static_cast<int64_t>(r.slot)) {
      return Status::Corruption("the reservation of slot " + slot_text + " is not an assignment of this slot" +
                                (parsed.ok() ? std::string() : ": " + parsed.status().ToString()));
    }
    // It must continue the chain of the slot before it (stored, or stored by this batch).
    std::string before;
    if (r.slot > 0 && previous_slot == static_cast<int64_t>(r.slot) - 1) {
      before = previous_chain;
    } else if (r.slot > 0) {
      Result<Message> stored_before = assignments_.Read(process_id_, r.slot - 1);
      if (!stored_before.ok()) {
        return Status::Corruption("the reservation of slot " + slot_text + " follows a slot that is not stored: " +
                                  stored_before.status().ToString());
      }
      const Bytes* chain_text = stored_before->FindBinary("hash-chain");
      if (chain_text == nullptr) return Status::Corruption("slot " + std::to_string(r.slot - 1) + " has no hash-chain");
      before = *chain_text;
    }
    AO_ASSIGN_OR_RETURN(HashChain chain, HashChain::FromStored(before));
    AO_ASSIGN_OR_RETURN(std::string body_id, MessageId(parsed->body, IdMode::kAll));
    AO_ASSIGN_OR_RETURN(HashChain next, chain.Next(body_id));
    if (next.Text() != parsed->hash_chain) {
      return Status::Corruption("the reservation of slot " + slot_text + " does not continue the hash chain");
    }
    AssignmentFields fields;
    fields.process_id = process_id_;
    fields.slot = parsed->slot;
    fields.timestamp_ms = parsed->timestamp_ms;
    fields.hash_chain = parsed->hash_chain;
    Result<Message> signed_assignment = env_.signer(r.assignment);
    if (!signed_assignment.ok()) return signed_assignment.status().WithContext("signing slot " + slot_text + " again");
    AO_RETURN_IF_ERROR(CheckSigned(*signed_assignment, fields));
    // The body is verified again here (it was when it was accepted; recovery is rare).
    AO_RETURN_IF_ERROR(
        AddAssignmentToBatch(*env_.store, *signed_assignment, /*body_verified=*/false, &batch).status());
    previous_slot = static_cast<int64_t>(r.slot);
    previous_chain = parsed->hash_chain;
    highest = std::max(highest, previous_slot);
    ++restored;
  }
  // AddToBatch points `latest` at each slot it stores; a slot filled below a stored one (its
  // write lost while a later one's survived) must not move it back.
  if (restored > 0) batch.Write(AssignmentCache::LatestPointerPath(process_id_), EncodeSlot(static_cast<uint64_t>(highest)));
  WriteOptions synced;
  synced.sync = true;
  AO_RETURN_IF_ERROR(env_.store->Apply(batch, synced));
  Log()->log(restored > 0 ? spdlog::level::warn : spdlog::level::debug,
             "scheduler for {}: stored {} reserved assignment(s) whose signed write was lost; removed {} "
             "reservation(s)", process_id_, restored, reservations.size());
  return Status::OK();
}

ProcessScheduler::~ProcessScheduler() { Stop(); }

Status ProcessScheduler::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
}

bool ProcessScheduler::Idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !running_ && queue_.empty() && deferred_writes_ == 0;
}

size_t ProcessScheduler::QueuedRequests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void ProcessScheduler::Stop() {
  std::unique_lock<std::mutex> lock(mu_);
  closed_ = true;
  idle_cv_.notify_all();
  // The (detached) worker touches nothing of this object after it cleared running_ and
  // released mu_, so once this wait returns the scheduler may be destroyed.
  // A deferred write's callback touches this object until it has cleared its count (under mu_).
  idle_cv_.wait(lock, [this] { return !running_ && deferred_writes_ == 0; });
}

Result<Message> ProcessScheduler::Schedule(const Message& message) {
  return Schedule(message, std::chrono::steady_clock::now() + env_.deadline);
}

Result<Message> ProcessScheduler::Schedule(const Message& message,
                                           std::chrono::steady_clock::time_point deadline) {
  return Schedule(message, deadline, AssignmentBatchHook());
}

Result<Message> ProcessScheduler::Schedule(const Message& message,
                                           std::chrono::steady_clock::time_point deadline,
                                           AssignmentBatchHook hook) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::Closed("scheduler of " + process_id_ + " is stopped");
    if (!failure_.ok()) return failure_;
  }
  // The one verification of the message on its way in (the layers above leave it to this
  // single writer). It and the ID are per message, so they run on the caller's thread, in
  // parallel with other callers and with the signing of earlier assignments.
  bool verified = false;
  if (HasCommitments(message) && env_.verifier) {
    Status checked = env_.verifier(message);
    if (!checked.ok()) {
      return Status::InvalidSignature(
          "Message is not valid: Given message does not correctly validate (" +
          checked.ToString() + ")");
    }
    verified = true;
  }
  Result<std::string> id = MessageId(message, IdMode::kAll);
  if (!id.ok()) return id.status().WithContext("message to schedule has no ID");

  auto request = std::make_unique<Request>();
  request->message = message;
  request->message_id = std::move(id).value();
  request->verified = verified;
  request->deadline = deadline;
  request->hook = std::move(hook);
  std::future<Result<Message>> reply = request->reply.get_future();
  bool wake_worker = false;
  bool on_caller = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::Closed("scheduler of " + process_id_ + " is stopped");
    if (!failure_.ok()) return failure_;
    if (env_.schedule_on_caller && !running_ && queue_.empty()) {
      running_ = true;
      on_caller = true;
    } else {
      queue_.push_back(std::move(request));
      if (running_) {
        wake_worker = true;
      } else {
        running_ = true;
        StartWorker();
      }
    }
  }
  if (on_caller) {
    ScheduleOnCaller(std::move(request));  // answers it: the wait below returns at once
  } else if (wake_worker) {
    // Woken after the lock is released: woken under it, the worker would wake only to wait for
    // the lock (one more sleep and wake-up per request).
    idle_cv_.notify_all();
  }

  if (reply.wait_until(deadline) != std::future_status::ready) {
    return Status::DeadlineExceeded("no assignment from the scheduler of " + process_id_ +
                                    " within the deadline (the message may still be scheduled)");
  }
  Result<Message> assignment = reply.get();
  if (!assignment.ok() || env_.mode != SchedulingMode::kRemoteConfirmation) return assignment;

  std::future<Status> upload = env_.uploader(*assignment);
  const std::string slot_text = std::to_string(assignment->Find("slot")->integer());
  if (!upload.valid()) {
    return Status::Unavailable("assignment of slot " + slot_text +
                               " is committed locally but the uploader did not start");
  }
  if (upload.wait_until(deadline) != std::future_status::ready) {
    return Status::DeadlineExceeded("assignment of slot " + slot_text +
                                    " is committed locally but the upload did not finish "
                                    "within the deadline");
  }
  Status uploaded = upload.get();
  if (!uploaded.ok()) {
    return uploaded.WithContext("assignment of slot " + slot_text +
                                " is committed locally but the upload failed");
  }
  return assignment;
}

void ProcessScheduler::StartWorker() {
  // Detached: a worker that exited but was never joined would keep its stack mapped (8 MiB of
  // address space, ~16 KiB resident) for as long as the scheduler lives, i.e. one dead stack per
  // process that ever scheduled (B8, docs/benchmarks.md). Stop() waits for running_ instead of
  // joining; see WorkerLoop for why that is enough.
  std::thread([this] { WorkerLoop(); }).detach();
}

void ProcessScheduler::ScheduleOnCaller(std::unique_ptr<Request> request) {
  std::deque<std::unique_ptr<Request>> group;
  group.push_back(std::move(request));
  ProcessGroup(group);
  group.clear();
  std::lock_guard<std::mutex> lock(mu_);
  if (!queue_.empty()) {
    // Queued while this thread held the serial section: a worker takes it over (running_ stays
    // set), and batches them.
    StartWorker();
    return;
  }
  // As the worker's exit: nothing of this object is touched after the lock is released.
  running_ = false;
  idle_cv_.notify_all();
}

void ProcessScheduler::WorkerLoop() {
  // Named so that profiles (perf report --comm ao-scheduler) and debuggers can tell it apart.
  pthread_setname_np(pthread_self(), "ao-scheduler");
  std::deque<std::unique_ptr<Request>> group;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (queue_.empty() && !closed_) {
        idle_cv_.wait_for(lock, env_.worker_linger,
                          [this] { return !queue_.empty() || closed_; });
      }
      if (closed_) {
        for (auto& request : queue_) {
          request->reply.set_value(Status::Closed("scheduler of " + process_id_ + " is stopped"));
        }
        queue_.clear();
      }
      if (queue_.empty()) {
        // The last touch of this object: after the lock is released the thread only unwinds
        // its own locals, so Stop() (and the destructor) may proceed once it sees running_.
        running_ = false;
        idle_cv_.notify_all();
        return;
      }
      const size_t n = std::min(queue_.size(), env_.max_batch);
      for (size_t i = 0; i < n; ++i) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    ProcessGroup(group);
    group.clear();
  }
}

int64_t ProcessScheduler::NowMillis() const {
  return env_.clock->WallMillis();
}

BlockInfo ProcessScheduler::CurrentBlock() const {
  return env_.block_info ? env_.block_info() : BlockInfo{};
}

void ProcessScheduler::ProcessGroup(std::deque<std::unique_ptr<Request>>& group) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failure_.ok()) {
      for (auto& request : group) request->reply.set_value(failure_);
      return;
    }
  }
  // Build the whole group on tentative state; commit it in one batch; advance only on success.
  // Numbering and chaining are cheap and sequential; signing (one RSA signature each) is the
  // cost, so the group's assignments are signed in parallel, each task also checking its
  // signed assignment and preparing its writes; then they are staged in order.
  struct Planned {
    Request* request;
    AssignmentFields fields;
    HashChain chain;
    Message unsigned_assignment;
    Result<Message> signed_assignment = Status::Internal("not signed");
    Status failed{};         // why this one cannot be committed (OK: it can)
    bool slot_taken = false;  // the store already holds this slot (another writer)
    WriteBatch writes{};     // the assignment's content, slot link and latest pointer
  };
  std::vector<Planned> planned;
  planned.reserve(group.size());
  {
    int64_t slot = current_slot_;
    HashChain chain = chain_;
    int64_t timestamp = last_timestamp_ms_;
    const BlockInfo block = CurrentBlock();
    const auto now = std::chrono::steady_clock::now();
    for (auto& request : group) {
      if (now >= request->deadline) {
        request->reply.set_value(Status::DeadlineExceeded("deadline passed before scheduling"));
        continue;
      }
      Result<HashChain> next_chain = chain.Next(request->message_id);
      if (!next_chain.ok()) {
        request->reply.set_value(next_chain.status());
        continue;
      }
      AssignmentFields fields;
      fields.process_id = process_id_;
      fields.slot = ++slot;
      fields.timestamp_ms = timestamp = std::max(timestamp, NowMillis());
      fields.block = block;
      fields.hash_chain = next_chain->Text();
      fields.body = request->message;
      chain = *next_chain;
      Message unsigned_assignment = BuildAssignment(fields);
      planned.push_back(Planned{request.get(), std::move(fields), std::move(next_chain).value(),
                                std::move(unsigned_assignment)});
    }
  }
  // Pipelined local confirmation (see the header): the reservations are synced by the
  // committer's writer thread while this thread (and the helpers) sign. Only when a core would
  // otherwise wait for the fsync: the committer is idle (when other schedulers are syncing, the
  // group commit shares one fsync among them) and other schedulers' signatures leave a core
  // free (when they do not, the cores are the limit, and a reservation only adds work).
  // Counted from here until the group is signed; `others_signing` groups of other schedulers are.
  const size_t others_signing = planned.empty() ? 0 : env_.groups_signing->fetch_add(1, std::memory_order_relaxed);
  bool pipelined = env_.mode == SchedulingMode::kLocalConfirmation && env_.deterministic_signer &&
                   !planned.empty() && !env_.committer->busy() && others_signing < env_.cores;
  for (const Planned& plan : planned) pipelined = pipelined && !plan.request->hook;
  // Whether the committer's thread wrote the reservations: set by the builder before the ticket
  // is done, read here only after Wait.
  auto reservations_written = std::make_shared<bool>(false);
  std::optional<GroupCommitter::Ticket> reserved;
  if (pipelined) {
    // Built on the committer's thread: packing the reservations leaves this thread too. (The
    // signed write stores the assignment as one record, assignment_writes.h: there is no field
    // content the reservation could write ahead of it.)
    reserved = env_.committer->Start([&planned, reservations_written]() -> Result<WriteBatch> {
      WriteBatch batch;
      for (const Planned& plan : planned) {
        AO_RETURN_IF_ERROR(AddReservation(plan.unsigned_assignment, &batch));
      }
      *reservations_written = true;
      return batch;
    });
  }
  // The writes that commit a signed assignment (content, slot link, latest pointer; pipelined,
  // the deletion of its reservation).
  auto build_writes = [&](Planned& plan) {
    Result<std::string> added =
        AddAssignmentToBatch(*env_.store, *plan.signed_assignment, plan.request->verified, &plan.writes);
    if (!added.ok()) {
      plan.slot_taken = added.status().IsAlreadyExists();
      plan.failed = plan.slot_taken ? added.status() : added.status().WithContext("storing the assignment");
      return;
    }
    if (pipelined) plan.writes.Delete(ReservationPath(process_id_, static_cast<uint64_t>(plan.fields.slot)));
  };
  // Deferred (see the header), the writes are built by the store's deferred-write thread after
  // the reply; a signing task only makes the single-writer check that building makes.
  const bool defer = pipelined && env_.defer_signed_write;
  ParallelFor(planned.size(), env_.signing_helpers, env_.start_helper, [&](size_t i) {
    Planned& plan = planned[i];
    plan.signed_assignment = env_.signer(plan.unsigned_assignment);
    if (!plan.signed_assignment.ok()) {
      plan.failed = plan.signed_assignment.status().WithContext("signing the assignment");
      return;
    }
    if (Status checked = CheckSigned(*plan.signed_assignment, plan.fields); !checked.ok()) {
      plan.failed = checked;
      return;
    }
    if (!defer) {
      build_writes(plan);
      return;
    }
    Result<NodeType> at = env_.store->Type(AssignmentPath(process_id_, static_cast<uint64_t>(plan.fields.slot)));
    if (!at.ok()) {
      plan.failed = at.status().WithContext("storing the assignment");
    } else if (*at != NodeType::kNotFound) {
      plan.slot_taken = true;
      plan.failed = Status::AlreadyExists("slot " + std::to_string(plan.fields.slot) + " of process " + process_id_ +
                                          " is already assigned");
    }
  });
  if (!planned.empty()) env_.groups_signing->fetch_sub(1, std::memory_order_relaxed);

  // The reservations must be synced before the signed assignments are written unsynced. An
  // assignment that cannot be packed made the builder fail before writing anything: the group
  // is then committed the synced way.
  Status reserve_status;
  if (reserved) {
    reserve_status = env_.committer->Wait(*reserved);
    if (!*reservations_written) {
      reserve_status = Status::OK();
      reserved.reset();
    }
  }
  // Deferred: every assignment signed and its reservation synced, so the callers are answered
  // now and the store builds and applies the signed writes on its own thread.
  bool deferring = defer && reserved.has_value() && reserve_status.ok();
  for (const Planned& plan : planned) deferring = deferring && plan.failed.ok();
  if (deferring) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      // An earlier group's deferred write failed while this one was signed.
      if (!failure_.ok()) {
        for (Planned& plan : planned) plan.request->reply.set_value(failure_);
        return;
      }
      ++deferred_writes_;
    }
    struct SignedWrite {
      Message assignment;
      bool body_verified;
      uint64_t slot;
    };
    auto writes = std::make_shared<std::vector<SignedWrite>>();
    writes->reserve(planned.size());
    for (Planned& plan : planned) {
      writes->push_back(SignedWrite{*plan.signed_assignment, plan.request->verified,
                                    static_cast<uint64_t>(plan.fields.slot)});
    }
    const int64_t first = planned.front().fields.slot;
    const int64_t last = planned.back().fields.slot;
    env_.store->ApplyDeferred(
        [this, writes]() -> Result<WriteBatch> {
          AO_RETURN_IF_ERROR(health());  // the write of an earlier group failed: this one waits for recovery
          WriteBatch batch;
          for (const SignedWrite& w : *writes) {
            AO_RETURN_IF_ERROR(AddAssignmentToBatch(*env_.store, w.assignment, w.body_verified, &batch).status());
            batch.Delete(ReservationPath(process_id_, w.slot));
          }
          return batch;
        },
        [this, first, last](Status status) {
          Status failure;
          {
            std::lock_guard<std::mutex> lock(mu_);
            if (!status.ok() && failure_.ok()) {
              failure = Status::Aborted("scheduler of " + process_id_ + " stopped: the write of slots " +
                                        std::to_string(first) + "-" + std::to_string(last) +
                                        " failed after they were answered (their reservations bring them back when "
                                        "the scheduler is created again): " + status.ToString());
              failure_ = failure;
            }
            --deferred_writes_;
            idle_cv_.notify_all();
          }
          // Nothing of this object is touched below: Stop may have returned.
          if (!failure.ok()) Log()->error("{}", failure.ToString());
        });
    {
      // A store without a thread of its own applied it already (Store's default); a failure then
      // known is answered as before deferral was possible (the reservations stay, as for any
      // failed write after them).
      std::lock_guard<std::mutex> lock(mu_);
      if (!failure_.ok()) {
        for (Planned& plan : planned) {
          plan.request->reply.set_value(failure_.WithContext("assignment not committed"));
        }
        return;
      }
    }
    current_slot_ = last;
    chain_ = std::move(planned.back().chain);
    last_timestamp_ms_ = planned.back().fields.timestamp_ms;
    committed_slot_.store(last, std::memory_order_release);
    for (Planned& plan : planned) plan.request->reply.set_value(std::move(plan.signed_assignment).value());
    return;
  }
  if (defer) {
    // Not the whole group can be deferred: its writes are built here, as without deferral.
    for (Planned& plan : planned) {
      if (plan.failed.ok()) build_writes(plan);
    }
  }
  int64_t slot = current_slot_;
  HashChain chain = chain_;
  int64_t timestamp = last_timestamp_ms_;
  WriteBatch batch;
  std::vector<std::pair<Request*, Message>> staged;
  staged.reserve(planned.size());
  for (size_t i = 0; i < planned.size(); ++i) {
    Planned& plan = planned[i];
    Status failed = plan.failed;
    bool sticky = false;
    if (plan.slot_taken) {
      // Another writer used our slot: the single-writer invariant is broken. Stop here
      // rather than equivocate; the staged part of the group is still committed below.
      failed = Status::Aborted("scheduler of " + process_id_ + " stopped: " + failed.ToString());
      sticky = true;
    }
    WriteBatch& one = plan.writes;
    if (failed.ok() && plan.request->hook) {
      Status hooked = plan.request->hook(*plan.signed_assignment, &one);
      if (!hooked.ok()) failed = hooked.WithContext("the caller's writes for the assignment");
    }
    if (failed.ok()) {
      batch.Append(one);
      slot = plan.fields.slot;
      chain = std::move(plan.chain);
      timestamp = plan.fields.timestamp_ms;
      staged.emplace_back(plan.request, std::move(plan.signed_assignment).value());
      continue;
    }
    if (sticky) {
      Log()->error("{}", failed.ToString());
      for (size_t j = i; j < planned.size(); ++j) planned[j].request->reply.set_value(failed);
      std::lock_guard<std::mutex> lock(mu_);
      failure_ = failed;
      break;
    }
    // This request fails alone. The ones planned after it were numbered assuming its slot, so
    // they go back to the front of the queue, in order, and are renumbered by the next group.
    plan.request->reply.set_value(failed);
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t j = planned.size(); j-- > i + 1;) {
      for (auto& owned : group) {
        if (owned.get() == planned[j].request) queue_.push_front(std::move(owned));
      }
    }
    break;
  }
  // The requests not staged (a failure stopped the group there) may be renumbered by the next
  // group, or fail: their reservations go, synced, so that a recovery cannot store them.
  const bool all_staged = staged.size() == planned.size();
  if (reserved && !all_staged) {
    for (size_t j = staged.size(); j < planned.size(); ++j) {
      batch.Delete(ReservationPath(process_id_, static_cast<uint64_t>(planned[j].fields.slot)));
    }
  }
  if (!batch.empty()) {
    // Synced batches go through the committer shared with other processes' schedulers (one
    // fsync for all that are ready); an aggressive one is written at once, unsynced, and so is
    // a pipelined one once its reservations are synced (the reservations make it recoverable).
    Status applied = reserve_status;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (applied.ok() && !failure_.ok()) applied = failure_;  // an earlier deferred write failed meanwhile
    }
    if (applied.ok()) {
      applied = env_.mode == SchedulingMode::kAggressive || (reserved && all_staged)
                    ? env_.store->Apply(batch, WriteOptions{})
                    : env_.committer->Commit(batch);
    }
    if (!applied.ok()) {
      Status failure = Status::Aborted("scheduler of " + process_id_ +
                                       " stopped after a failed write at slot " +
                                       std::to_string(current_slot_ + 1) + ": " +
                                       applied.ToString());
      Log()->error("{}", failure.ToString());
      {
        std::lock_guard<std::mutex> lock(mu_);
        failure_ = failure;
      }
      for (auto& [request, assignment] : staged) {
        request->reply.set_value(applied.WithContext("assignment not committed; " +
                                                     failure.message()));
      }
      return;
    }
    if (staged.empty()) return;
    current_slot_ = slot;
    chain_ = std::move(chain);
    last_timestamp_ms_ = timestamp;
    committed_slot_.store(slot, std::memory_order_release);
    for (auto& [request, assignment] : staged) request->reply.set_value(std::move(assignment));
  }
}

}  // namespace ao
