// ProcessScheduler: the single writer that hands out slots for one process, the port of
// dev_scheduler_server with its ordering and durability bugs fixed.
//
// Schedule(message) assigns the next slot: slot = current + 1, hash chain extended with
// id(message, all) (hash_chain.h), timestamp = wall clock clamped to be non-decreasing; the
// assignment (assignment.h) is signed by the injected signer and committed in ONE atomic batch
// (assignment and body as one record readable by all their IDs, slot link, latest pointer:
// assignment_writes.h; pipelined, that batch follows the synced reservation, below). The caller gets the signed assignment (body = the
// message).
//
// Design (correctness over cleverness): requests are queued under a leaf mutex and ONE worker
// thread at a time drains the queue (or, on the caller's thread below, one caller schedules its
// own request); everything that reads or advances (slot, chain, timestamp) -- building,
// signing, the batch write -- happens in that serial section, never under the mutex. The worker
// takes up to max_batch queued requests and commits them as one batch (group commit: one fsync
// for many assignments, and, through the shared GroupCommitter, for the batches of other
// processes synced at the same time); state advances only after the batch is applied, and
// replies are sent only then. The worker exits when idle (after a short linger) and is started
// again by the next request, so an idle process costs no thread (the worker thread is detached:
// an exited worker leaves no stack behind).
//
// Modes (when the reply is sent):
//   local_confirmation (default)  after the batch is applied with sync (fsync'd), or, with a
//                                 deterministic signer, pipelined (below);
//   aggressive                    after the batch is applied without sync: it survives a crash
//                                 of this process, not a power loss. Unlike the reference (reply
//                                 BEFORE the write) an acknowledged slot is always
//                                 in the store, so no slot can be re-issued after a crash;
//   remote_confirmation           after the synced write AND the injected uploader accepted the
//                                 assignment; a failed or missing upload is an error reply (the
//                                 assignment stays committed locally: the slot is used, no hole).
// Sticky failure: if applying a batch fails, the state is uncertain; the scheduler replies to
// that batch with the store error and refuses every later request with Aborted until it is
// recreated (which recovers from the store). Signing or content errors for one message reject
// only that message (nothing was written; no slot is consumed).
// Deadlines: every Schedule call returns exactly once, by its deadline at the latest
// (DeadlineExceeded). A request still queued when its deadline passes is dropped unassigned; a
// request already being committed may still be committed (like any timed-out RPC, the outcome
// is then unknown to the caller). The exception is a request scheduled on its caller's thread
// (below): its deadline is checked when it starts, and it returns once its own signature and
// write are done.
// On the caller's thread (env.schedule_on_caller; the node turns it on): a request that finds
// its process idle (no worker running, nothing queued) is built, signed and committed by the
// thread that called Schedule, which holds the serial section meanwhile, instead of being handed
// to a worker thread and answered back (two thread wake-ups on every assignment of a process
// with one caller at a time). Requests that arrive meanwhile are queued, and a worker is
// started for them when that caller is done, which batches them as above.
// Verification: this is the one place a message to schedule is verified (the scheduler@1.0
// device and the HTTP layer leave it here): a message with commitments is checked once by the
// injected verifier, on the caller's thread; a failure is Status::InvalidSignature (an
// InvalidArgument "Message is not valid..."); unsigned messages are accepted (as the
// reference). Storing it does not verify it again, nor the assignment the signer made.
// Pipelined local confirmation (env.deterministic_signer, the node's wallet): the fsync is taken
// off the reply's path when a core would otherwise wait for it: the committer is idle and fewer
// groups of other schedulers than there are cores are being signed. While other schedulers sync,
// the group shares their next fsync the usual way instead, and while they keep every core
// signing the cores are the limit: a reservation would only add a synced write and two thread
// hand-offs to each assignment. While the group's assignments are signed, a reservation of each (the
// unsigned assignment: every field and the body; reservations.h) is written with sync through
// the committer's writer thread; once both are done the signed assignments (record, slot
// link, latest pointer, and the deletion of their reservations) are written WITHOUT sync and
// the callers are answered. A SIGKILL loses nothing (an unsynced LevelDB write is in the
// kernel when Apply returns). After a power loss, Create finds the reservations whose slot is
// not stored, signs them again (the same bytes: the signer is deterministic) and stores them,
// so every acknowledged assignment comes back as it was answered. Requests with a batch hook
// (the hook's writes cannot be recovered from a reservation), a group in which a request
// failed (its reservation and those of the requests renumbered after it are deleted, synced)
// and any other signer keep the synced write after signing.
// Deferred signed write (env.defer_signed_write; the node turns it on): in a pipelined group where every
// assignment was signed and its reservation synced, even the unsynced write is taken off the
// reply's path. The group's signed writes are built and applied by the store's deferred-write
// thread (Store::ApplyDeferred: every later read or write of the store, from any thread, waits
// for it, so a caller that reads its slot, the next group of this process and every other reader
// see it), and the callers are answered as soon as it is queued. A SIGKILL before it is applied
// loses only unsynced writes: the synced reservations bring the assignments back, signed again
// to the same bytes, when the scheduler is next created (Node::Start recovers every process
// before it serves; a reader of the raw store finds the slot only after that). If the deferred write fails, the
// scheduler fails as after any failed write (sticky Aborted); its reservations stay for that
// recovery. Stop and Idle wait for deferred writes.
// Recovery at Create: the pending reservations as above (idempotent: they are deleted in the
// same synced batch that stores them), then (slot, chain, timestamp) of the latest
// assignment, or (-1, "", 0).
//
// Thread-safety: Schedule, CurrentSlot, health, Idle and Stop are safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "aocore/cache/assignment_cache.h"
#include "aocore/cache/content_cache.h"
#include "aocore/common/clock.h"
#include "aocore/common/parallel_for.h"
#include "aocore/common/result.h"
#include "aocore/message/message.h"
#include "aocore/scheduler/assignment.h"
#include "aocore/scheduler/group_commit.h"
#include "aocore/scheduler/hash_chain.h"
#include "aocore/scheduler/scheduling_mode.h"
#include "aocore/store/store.h"
#include "aocore/store/write_batch.h"

namespace ao {

// Signs an unsigned assignment with the node wallet (the node wires Commit(m, wallet)). Must
// keep every field and add `commitments`, which are trusted as made (the assignment is stored
// under their IDs without verifying them).
using AssignmentSigner = std::function<Result<Message>(Message assignment)>;
// OK when every commitment of `message` verifies (as Verify, commitment.h: the message is then
// stored under every commitment ID without a second check).
using MessageVerifier = std::function<Status(const Message& message)>;
// Starts uploading a committed assignment; the future holds OK once the uploader accepted it.
using AssignmentUploader = std::function<std::future<Status>(const Message& assignment)>;
// The current Arweave block data (default: the debug tuple (0, 0, 43 x 'A')).
using BlockInfoSource = std::function<BlockInfo()>;
// Adds the caller's own writes to the batch that commits `assignment` (signed, slot known), so
// that they land atomically with it (push@1.0's delivery record). Runs in the scheduler's
// serial section: it must be quick and must not call back into the scheduler. An error rejects
// that message only (nothing of it is written; no slot is used).
using AssignmentBatchHook = std::function<Status(const Message& assignment, WriteBatch* batch)>;

// What every scheduler of a node shares. REQUIRES: `store` outlives every scheduler using it;
// `signer` is set; `uploader` is set for remote_confirmation.
struct SchedulerEnvironment {
  Store* store = nullptr;
  AssignmentSigner signer;
  MessageVerifier verifier;  // unset: signed messages are not verified (tests only)
  AssignmentUploader uploader;
  BlockInfoSource block_info;
  const Clock* clock = &SystemClock::Default();  // assignment timestamps: clock->WallMillis()
  SchedulingMode mode = SchedulingMode::kLocalConfirmation;
  // `signer` gives the same bytes for the same assignment every time (the node wallet's
  // Commit(.., SaltMode::kDeterministic)): local_confirmation is then pipelined (above).
  bool deterministic_signer = false;
  // Pipelined, the signed assignments' write (everything the signature changes) is handed to the
  // store with Store::ApplyDeferred and the callers are answered at once: the store applies it
  // on its own thread, and every read of the store made after the reply waits for it (see
  // "Deferred signed write" above). Node::Start turns it on. Off by default here: a SIGKILL
  // then leaves an answered slot in its reservation only, until the next recovery (Node::Start,
  // Create) stores it; off, a reader of the raw store finds every answered slot at once.
  bool defer_signed_write = false;
  // Default deadline of Schedule.
  std::chrono::milliseconds deadline{30000};
  // At most this many assignments per committed batch.
  size_t max_batch = 256;
  // How long an idle worker waits for more work before its thread exits.
  std::chrono::milliseconds worker_linger{20};
  // Writes the synced batches (local_confirmation, remote_confirmation) together with those of
  // the other schedulers sharing it: one fsync for many processes (group_commit.h). The
  // registry shares one among its schedulers; unset: each scheduler makes its own.
  std::shared_ptr<GroupCommitter> committer;
  // How many groups the schedulers sharing it are signing at this moment (the registry shares one
  // among its schedulers; unset: each scheduler counts its own), and the cores they sign on (0:
  // std::thread::hardware_concurrency()). Pipelining looks at both (above).
  std::shared_ptr<std::atomic<size_t>> groups_signing;
  size_t cores = 0;
  // Where the assignments of a batch are signed in parallel (the node's thread pool); unset:
  // all on the scheduler's own thread. At most `signing_helpers` helpers per batch.
  HelperStarter start_helper;
  size_t signing_helpers = 0;
  // A request that finds its process idle is scheduled on its caller's thread (see "On the
  // caller's thread" above). Only for a `signer` whose time is its own CPU work (the node
  // wallet): the caller's deadline is not checked again once it has started. Node::Start turns
  // it on; off, every request is handed to the worker thread.
  bool schedule_on_caller = false;
};

class ProcessScheduler {
 public:
  // Recovers the state of `process_id` (a canonical 43-character ID) from the store.
  // InvalidArgument for a bad environment; Corruption when the stored schedule is damaged.
  static Result<std::unique_ptr<ProcessScheduler>> Create(std::string process_id,
                                                          const SchedulerEnvironment& env);
  // Stops (see Stop).
  ~ProcessScheduler();
  ProcessScheduler(const ProcessScheduler&) = delete;
  ProcessScheduler& operator=(const ProcessScheduler&) = delete;

  // Assigns the next slot to `message`; returns the signed assignment. Errors:
  // InvalidArgument (message not valid / has no ID / cannot be stored), Aborted (sticky
  // failure), Closed (stopped), DeadlineExceeded, the store's error for the batch that failed,
  // the uploader's error (remote_confirmation).
  Result<Message> Schedule(const Message& message);
  Result<Message> Schedule(const Message& message,
                           std::chrono::steady_clock::time_point deadline);
  // With `hook` (may be empty) run on the assignment's batch before it is committed.
  Result<Message> Schedule(const Message& message, std::chrono::steady_clock::time_point deadline,
                           AssignmentBatchHook hook);

  // The last committed slot (-1 when none).
  int64_t CurrentSlot() const { return committed_slot_.load(std::memory_order_acquire); }
  // OK, or the sticky failure.
  Status health() const;
  // True when nothing is queued, no worker thread is running and no deferred write is pending:
  // every assignment handed out is committed (or failed) and nothing else will be written until
  // the next Schedule.
  bool Idle() const;
  // Requests waiting for the serial section (queued for the worker).
  size_t QueuedRequests() const;
  const std::string& process_id() const { return process_id_; }
  SchedulingMode mode() const { return env_.mode; }

  // Replies Closed to queued requests, waits for the batch in progress, and refuses later
  // requests with Closed. Idempotent.
  void Stop();

 private:
  struct Request {
    Message message;
    std::string message_id;  // id(message, all)
    bool verified = false;   // its commitments passed env_.verifier
    std::chrono::steady_clock::time_point deadline;
    AssignmentBatchHook hook;  // may be empty
    std::promise<Result<Message>> reply;
  };

  ProcessScheduler(std::string process_id, const SchedulerEnvironment& env);

  // Stores the assignments of reservations left by a run that lost its unsynced writes, and
  // deletes every reservation of this process (one synced batch).
  Status RecoverReservations();
  // Starts the worker thread (detached; running_ is set, under mu_).
  void StartWorker();
  void WorkerLoop();
  // Schedules `request` on the calling thread, which holds the serial section (running_), then
  // hands the section to a worker when requests were queued meanwhile, or gives it back.
  void ScheduleOnCaller(std::unique_ptr<Request> request);
  void ProcessGroup(std::deque<std::unique_ptr<Request>>& group);
  int64_t NowMillis() const;
  BlockInfo CurrentBlock() const;

  const std::string process_id_;
  const SchedulerEnvironment env_;
  ContentCache content_;
  AssignmentCache assignments_;
  std::atomic<int64_t> committed_slot_{-1};

  // Serial state: touched only by the thread that holds the serial section (the running worker,
  // or a caller scheduling its own request); handed from one to the next through mu_ (running_).
  int64_t current_slot_ = -1;
  HashChain chain_;
  int64_t last_timestamp_ms_ = 0;

  mutable std::mutex mu_;  // leaf lock: guards the fields below; never held across I/O or signing
  std::condition_variable idle_cv_;  // signalled when work arrives or the worker stops
  std::deque<std::unique_ptr<Request>> queue_;
  bool running_ = false;
  size_t deferred_writes_ = 0;  // signed writes answered for and not yet applied (or failed)
  bool closed_ = false;
  Status failure_;  // sticky
};

}  // namespace ao
