#include "custody/serve/task_batcher.h"

#include <vector>

namespace custody::serve {

TaskBatcher::TaskBatcher(core::TaskServer* tasks, std::mutex* vault_mu, LimitTracker* limits,
                         Clock* clock, size_t max_batch, OnBreach on_breach)
    : tasks_(tasks), vault_mu_(vault_mu), limits_(limits), clock_(clock),
      max_batch_(max_batch == 0 ? 1 : max_batch), on_breach_(std::move(on_breach)),
      thread_([this] { Loop(); }) {}

TaskBatcher::~TaskBatcher() { Stop(); }

TaskOutcome TaskBatcher::Submit(core::TaskRequest request) {
  Item item;
  item.request = std::move(request);
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) {
    item.outcome.task = UnavailableError("the server is shutting down");
    return item.outcome;
  }
  queue_.push_back(&item);
  queued_.notify_one();
  finished_.wait(lock, [&] { return item.done; });
  return std::move(item.outcome);
}

void TaskBatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queued_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

uint64_t TaskBatcher::batches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return batches_;
}

uint64_t TaskBatcher::served() const {
  std::lock_guard<std::mutex> lock(mu_);
  return served_;
}

void TaskBatcher::Loop() {
  while (true) {
    std::vector<Item*> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    std::vector<core::TaskRequest> requests;
    requests.reserve(batch.size());
    for (Item* it : batch) requests.push_back(it->request);
    const Time now = clock_->Now();
    std::vector<std::optional<GrantId>> reserved(batch.size());
    uint64_t ok = 0;
    {
      std::lock_guard<std::mutex> vault(*vault_mu_);
      auto admit = [&](size_t i, const core::Grant& grant) -> Status {
        if (!limits_->any()) return OkStatus();
        auto breach = limits_->Reserve(requests[i].member_id, grant.partner_id, grant.id, now);
        if (!breach) {
          reserved[i] = grant.id;
          return OkStatus();
        }
        batch[i]->outcome.breach = breach;
        if (on_breach_) on_breach_(requests[i], grant, *breach);
        return ResourceExhaustedError(breach->Describe());
      };
      auto results = tasks_->ServeBatch(requests, admit);
      for (size_t i = 0; i < batch.size(); ++i) {
        if (!results.ok()) {
          batch[i]->outcome.task = results.status();
        } else {
          batch[i]->outcome.task = std::move((*results)[i]);
        }
        if (batch[i]->outcome.task.ok()) {
          ++ok;
        } else if (reserved[i]) {
          limits_->Release(requests[i].member_id, *reserved[i], now);
        }
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    ++batches_;
    served_ += ok;
    for (Item* it : batch) it->done = true;
    finished_.notify_all();
  }
}

}  // namespace custody::serve
