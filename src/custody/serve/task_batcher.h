// TaskBatcher: group commit of task requests. HTTP worker threads Submit a
// request and block; one committer thread takes every request queued so far
// (up to max_batch), serves them with one TaskServer::ServeBatch — one
// catalog transaction and one custody log append with one fsync — and only
// then wakes the submitters, so a response is sent only after its task is
// durable. While a batch commits, the next one queues up.
// Thread-safety: Submit from any thread; Stop once, from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "custody/core/release/task.h"
#include "custody/serve/limits.h"

namespace custody::serve {

struct TaskOutcome {
  Result<core::ServedTask> task = InternalError("not served");
  std::optional<Breach> breach;  // set when a limit refused the task
};

class TaskBatcher {
 public:
  // `vault_mu` guards the vault (held while a batch commits); `on_breach`
  // runs under it for every breach (to log the alert). All must outlive
  // the batcher.
  using OnBreach = std::function<void(const core::TaskRequest&, const core::Grant&, const Breach&)>;
  TaskBatcher(core::TaskServer* tasks, std::mutex* vault_mu, LimitTracker* limits,
              Clock* clock, size_t max_batch, OnBreach on_breach);
  ~TaskBatcher();

  // Blocks until the request's batch is committed (or failed). After Stop,
  // kUnavailable.
  TaskOutcome Submit(core::TaskRequest request);
  // Commits what is queued, then stops the committer thread.
  void Stop();

  uint64_t batches() const;
  uint64_t served() const;

 private:
  struct Item {
    core::TaskRequest request;
    TaskOutcome outcome;
    bool done = false;
  };
  void Loop();

  core::TaskServer* tasks_;
  std::mutex* vault_mu_;
  LimitTracker* limits_;
  Clock* clock_;
  size_t max_batch_;
  OnBreach on_breach_;
  mutable std::mutex mu_;
  std::condition_variable queued_, finished_;
  std::deque<Item*> queue_;
  bool stopping_ = false;
  uint64_t batches_ = 0, served_ = 0;
  std::thread thread_;
};

}  // namespace custody::serve
